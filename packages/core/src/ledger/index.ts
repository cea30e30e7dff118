// The ledger's pure primitives: canonical JSON, signed envelopes, Merkle tree, checkpoints.
export * from './canonical-json.js';
export * from './checkpoint.js';
export * from './encoding.js';
export * from './envelope.js';
export * from './keys.js';
export * from './merkle.js';
export * from './signed-note.js';
