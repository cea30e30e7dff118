import { citedEvidence, TruceError } from '@truce/core';
import type { BlobRegistry } from '../../blobs/blob-registry.js';

/**
 * Refuses events that cite evidence files not in the evidence store (EVIDENCE_NOT_FOUND, each
 * missing file with its path), whatever route admits them: a signed event pins its files by
 * SHA-256, so a file cited before it is uploaded could later be any bytes that hash to it — or
 * none. `events` are as submitted (unparsed), each with the prefix of its path in the request.
 */
export async function requireCitedEvidence(
  blobs: BlobRegistry,
  events: readonly { event: unknown; at: string }[],
): Promise<void> {
  const cited = events.flatMap(({ event, at }) =>
    citedEvidence(event).map((file) => ({ ...file, path: `${at}${file.path}` })),
  );
  if (cited.length === 0) return;
  const missing = new Set(
    await blobs.missing(
      cited.map((file) => file.sha256),
      'evidence',
    ),
  );
  const details = cited
    .filter((file) => missing.has(file.sha256))
    .map((file) => ({ path: file.path, message: `no evidence file ${file.sha256}` }));
  if (details.length > 0) {
    throw new TruceError(
      'EVIDENCE_NOT_FOUND',
      'cite only evidence already uploaded: PUT /api/v1/evidence/<sha256> with each file first, then submit again',
      details,
    );
  }
}
