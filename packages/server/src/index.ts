// The server package's public surface: the ledger service (admission, receipts, checkpoints,
// export, verify, witness) for the HTTP layer and the dashboard.
export * from './ledger/index.js';
