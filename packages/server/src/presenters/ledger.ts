import type { Cosigner, LedgerReceipt } from '../ledger/index.js';
import type { BatchRowEntry, InclusionProof } from '../routes/events/events-service.js';
import { decodeEntry } from '../routes/status/status-service.js';
import type { CheckpointRecord, StoredEntry } from '../store/index.js';

export function presentReceipt(receipt: LedgerReceipt) {
  return {
    seq: receipt.seq,
    leafHash: receipt.leafHash,
    appendedAt: receipt.appendedAt,
    idempotent: receipt.idempotent,
    promise: receipt.promise,
  };
}

/** An event as listed: where it is in the log, who signed it, and the event itself. */
export function presentEntry(entry: StoredEntry) {
  const envelope = decodeEntry(entry);
  return {
    seq: entry.seq,
    appendedAt: entry.appendedAt,
    leafHash: entry.leafHash,
    org: envelope.org,
    keyId: envelope.keyId,
    event: envelope.event,
  };
}

/**
 * A row of an imported file as listed: the batch entry that carries it (position, leaf, signer)
 * and the row as an event, with its place in the batch; the batch itself is `GET events/{seq}`.
 */
export function presentBatchRow(row: BatchRowEntry) {
  const envelope = decodeEntry(row.entry);
  return {
    seq: row.entry.seq,
    appendedAt: row.entry.appendedAt,
    leafHash: row.entry.leafHash,
    org: envelope.org,
    keyId: envelope.keyId,
    event: row.event,
    batch: { event: envelope.event.id, row: row.index },
  };
}

/** One event with its full signed envelope and its inclusion proof (base64 hashes). */
export function presentEntryWithProof(entry: StoredEntry, proof: InclusionProof) {
  return {
    ...presentEntry(entry),
    envelope: decodeEntry(entry),
    proof: {
      checkpointSize: proof.checkpoint?.size ?? null,
      checkpoint: proof.checkpoint?.text ?? null,
      hashes: proof.hashes,
    },
  };
}

/** A cosignature as anyone may see it (the public page too): who, and when by its own clock. */
export function presentCosignature(c: Cosigner) {
  return { witness: c.witness, cosignedAt: new Date(c.timestamp * 1000).toISOString() };
}

/** Each witness's latest cosignature, for the latest checkpoint's page. */
export function presentWitnesses(witnesses: (Cosigner & { checkpointSize: number })[]) {
  return witnesses.map((w) => ({ ...presentCosignature(w), checkpointSize: w.checkpointSize }));
}

export function presentCheckpoint(record: CheckpointRecord, cosigners?: Cosigner[]) {
  return {
    size: record.size,
    note: record.text,
    savedAt: record.savedAt,
    ...(cosigners
      ? {
          cosigners: cosigners.map((c) => ({ ...presentCosignature(c), savedAt: c.savedAt })),
        }
      : {}),
  };
}
