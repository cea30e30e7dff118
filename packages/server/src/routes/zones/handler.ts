import { parseZones, TruceError, zonesAt } from '@truce/core';
import { sha256Of } from '../../blobs/blob-store.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { getZonesSchema, uploadZonesSchema, zoneLayerMaxBytes } from './schema.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export function zoneRoutes(app: TruceApp, ctx: AppContext): void {
  // The layer's bytes as sent: the agreement pins their hash, not a re-serialisation.
  app.addContentTypeParser(
    'application/geo+json',
    { parseAs: 'buffer', bodyLimit: zoneLayerMaxBytes },
    (_request, body, done) => done(null, body),
  );

  app.put(
    '/api/v1/zones',
    { config: { action: 'zones.write' }, schema: uploadZonesSchema, bodyLimit: zoneLayerMaxBytes },
    async (request, reply) => {
      const body: unknown = request.body;
      if (!Buffer.isBuffer(body)) {
        throw new TruceError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the layer file as application/geo+json, byte for byte',
        );
      }
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new TruceError('ZONES_INVALID', 'the zone layer is not UTF-8 text');
      }
      const id = await ctx.agreements.currentId();
      const versions = id === undefined ? [] : await ctx.agreements.versions(id);
      const latest = versions.at(-1);
      const layer = parseZones(text, 'upload', latest);
      const sha256 = sha256Of(bytes);
      const { created } = await ctx.blobs.upload(originOf(request), {
        sha256,
        bytes,
        kind: 'zones',
        mediaType: 'application/geo+json',
      });
      const pinnedBy = versions
        .filter((v) => v.geometry?.sha256 === sha256)
        .map((v) => `${v.id} v${v.version}`);
      return reply
        .status(created ? 201 : 200)
        .send({ sha256, features: layer.features.length, pinnedBy });
    },
  );

  app.get(
    '/api/v1/zones',
    { config: { action: 'zones.read' }, schema: getZonesSchema },
    async (request) => {
      const { asOf, all, agreement: requested } = request.query;
      const { evaluation } = await ctx.status.evaluation(asOf, requested);
      const versions = await ctx.agreements.versions(evaluation.agreement.id);
      const governing = versions.find((v) => v.version === evaluation.agreement.version);
      const pinned = governing?.geometry;
      if (!pinned) {
        throw new TruceError(
          'NOT_FOUND',
          `${evaluation.agreement.id} v${evaluation.agreement.version} has no zone layer; add geometry: { file, sha256 } to it (docs/AGREEMENT-FORMAT.md)`,
        );
      }
      const bytes = await ctx.blobs.bytes(pinned.sha256);
      if (!bytes) {
        throw new TruceError(
          'NOT_FOUND',
          `the zone layer ${pinned.file} (sha256 ${pinned.sha256}) has not been uploaded; a mediator uploads it with PUT /api/v1/zones`,
        );
      }
      const layer = parseZones(decoder.decode(bytes), pinned.file);
      const at = Date.parse(evaluation.asOf);
      const phases = evaluation.phases.filter((p) => p.state === 'active').map((p) => p.id);
      return {
        ...layer,
        features:
          all === 'true' ? layer.features : zonesAt(layer, { day: evaluation.day, at, phases }),
        agreement: evaluation.agreement,
        sha256: pinned.sha256,
        asOf: all === 'true' ? null : evaluation.asOf,
        day: all === 'true' ? null : evaluation.day,
      };
    },
  );
}
