// The ledger's pure primitives: canonical JSON, signed envelopes, Merkle tree, checkpoints.
export {};
