// The ledger service: admission of signed envelopes, receipts, checkpoints, export and verify.
export * from './checkpointer.js';
export * from './export-format.js';
export * from './export-ledger.js';
export * from './key-files.js';
export * from './key-registry.js';
export * from './ledger-service.js';
export * from './log-identity.js';
export * from './statements.js';
export * from './verify-export.js';
export * from './witness.js';
