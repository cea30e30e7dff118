import { TruceError } from '@truce/core';
import { actorFields } from '../../accounts/model.js';
import type { BlobRecord } from '../../blobs/blob-registry.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { contentMismatch } from './content-type.js';
import {
  evidenceMaxBytes,
  evidenceMediaTypes,
  getEvidenceSchema,
  uploadEvidenceSchema,
} from './schema.js';

const present = (record: BlobRecord) => ({
  sha256: record.sha256,
  size: record.size,
  mediaType: record.mediaType,
  fileName: record.fileName ?? null,
  uploadedBy: record.uploadedBy,
  org: record.org,
  uploadedAt: record.uploadedAt,
});

export function evidenceRoutes(app: TruceApp, ctx: AppContext): void {
  // The bytes as received: hashing a parsed body would hash something else.
  for (const type of evidenceMediaTypes) {
    app.addContentTypeParser(
      type,
      { parseAs: 'buffer', bodyLimit: evidenceMaxBytes },
      (_request, body, done) => done(null, body),
    );
  }

  app.put(
    '/api/v1/evidence/:sha256',
    {
      config: { action: 'evidence.upload' },
      schema: uploadEvidenceSchema,
      bodyLimit: evidenceMaxBytes,
    },
    async (request, reply) => {
      const body: unknown = request.body;
      if (!Buffer.isBuffer(body)) {
        throw new TruceError(
          'UNSUPPORTED_MEDIA_TYPE',
          `send the file's bytes as one of ${evidenceMediaTypes.join(', ')}`,
        );
      }
      const mediaType = (request.headers['content-type'] ?? 'application/octet-stream')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      const expected = contentMismatch(mediaType, bytes);
      if (expected !== undefined) {
        throw new TruceError(
          'UNSUPPORTED_MEDIA_TYPE',
          `the bytes are not ${mediaType} (such files start with ${expected}); send the file as its real type, or as application/octet-stream`,
        );
      }
      const { record, created } = await ctx.blobs.upload(originOf(request), {
        sha256: request.params.sha256,
        bytes,
        kind: 'evidence',
        mediaType,
        fileName: request.query.name,
      });
      return reply.status(created ? 201 : 200).send(present(record));
    },
  );

  app.get(
    '/api/v1/evidence/:sha256',
    { config: { action: 'evidence.read' }, schema: getEvidenceSchema },
    async (request, reply) => {
      const { sha256 } = request.params;
      const record = await ctx.blobs.get(sha256);
      const bytes = record?.kind === 'evidence' ? await ctx.blobs.bytes(sha256) : undefined;
      if (!record || !bytes) throw new TruceError('NOT_FOUND', `no evidence file ${sha256}`);
      // Evidence may show persons and positions: who read which file is audited.
      const origin = originOf(request);
      await ctx.audit.append({
        at: ctx.clock().toISOString(),
        ...actorFields(origin.actor),
        action: 'evidence.read',
        target: sha256,
        outcome: 'success',
        ip: origin.ip,
        details: { size: record.size, mediaType: record.mediaType },
      });
      return (
        reply
          .header('content-type', record.mediaType)
          .header('content-disposition', 'attachment')
          // Evidence may show persons and positions: not kept in the browser's cache either.
          .header('cache-control', 'no-store')
          .header('x-content-sha256', sha256)
          .send(Buffer.from(bytes))
      );
    },
  );
}
