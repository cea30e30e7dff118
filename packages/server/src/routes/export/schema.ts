export const exportSchema = {
  tags: ['export'],
  summary: 'The signed envelopes up to the latest checkpoint, as JSON Lines (streamed)',
  description:
    "Byte for byte the export's entries.jsonl (docs/LEDGER.md): one JCS envelope per line, the exact Merkle leaf bytes. The headers X-Truce-Checkpoint-Size and the checkpoint from GET /api/v1/checkpoints/{size} let a client check the lines against the signed root.",
};
