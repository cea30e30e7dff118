// The server package's public surface: the ledger service (admission, receipts, checkpoints,
// export, verify, witness) for the HTTP layer and the dashboard.

export { defaultServerConfig, type ServerConfig } from './http/config.js';
export { httpErrorCodes, httpStatusOf } from './http/errors.js';
// The HTTP API: `buildServer` on an open ledger, `startServer` for `truce serve` and tests.
export { type BuildServerOptions, buildServer } from './http/server.js';
export { type RunningServer, type StartOptions, startServer } from './http/start.js';
export * from './ledger/index.js';
export { type Action, policy } from './policies/matrix.js';
