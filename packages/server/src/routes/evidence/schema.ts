import { z } from 'zod';

/** Media types evidence may be uploaded as; anything else as application/octet-stream. */
export const evidenceMediaTypes = [
  'application/octet-stream',
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/mp4',
  'audio/mpeg',
  'audio/ogg',
] as const;

/** Largest evidence file accepted, in bytes (a phone video of a minute or two). */
export const evidenceMaxBytes = 64 * 1024 * 1024;

const sha256Param = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the file: 64 lower-case hexadecimal digits');

const blobRecord = z.object({
  sha256: z.string(),
  size: z.number().int(),
  mediaType: z.string(),
  fileName: z.string().nullable(),
  uploadedBy: z.string(),
  org: z.string(),
  uploadedAt: z.string(),
});

export const uploadEvidenceSchema = {
  tags: ['incidents'],
  summary: 'Upload an evidence file under the SHA-256 of its bytes',
  description: `The body is the file itself, sent as its media type (${evidenceMediaTypes.join(', ')}; anything else as application/octet-stream), at most ${evidenceMaxBytes / 1024 / 1024} MiB. The server hashes what it received: bytes that do not hash to the SHA-256 in the path are refused with EVIDENCE_HASH_MISMATCH (422) and nothing is kept. Cite the file in a signed event by that SHA-256 (incident_reported.evidence, a finding, a dispute claim): once cited it cannot be swapped. Uploading the same bytes again answers 200 with the first upload's record.`,
  params: z.object({ sha256: sha256Param }),
  querystring: z.object({
    name: z.string().min(1).max(200).optional().describe('the file name, for people'),
  }),
  response: { 200: blobRecord, 201: blobRecord },
};

export const getEvidenceSchema = {
  tags: ['incidents'],
  summary: 'Download an evidence file (the bytes whose SHA-256 is in the path)',
  params: z.object({ sha256: sha256Param }),
};
