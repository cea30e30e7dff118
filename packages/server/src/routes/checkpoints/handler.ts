import { TruceError } from '@truce/core';
import { actorFields } from '../../accounts/model.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentCheckpoint, presentWitnesses } from '../../presenters/ledger.js';
import {
  cosignSchema,
  getCheckpointSchema,
  latestCheckpointSchema,
  listCheckpointsSchema,
} from './schema.js';

export function checkpointRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/checkpoints/latest',
    { config: { action: 'checkpoints.read' }, schema: latestCheckpointSchema },
    async () => {
      const latest = await ctx.store.latestCheckpoint();
      if (!latest) throw new TruceError('NOT_FOUND', 'no checkpoint yet; one follows within 1 s');
      const [cosigners, witnesses] = await Promise.all([
        ctx.ledger.cosigners(latest.size),
        ctx.ledger.witnesses(),
      ]);
      return { ...presentCheckpoint(latest, cosigners), witnesses: presentWitnesses(witnesses) };
    },
  );

  app.get(
    '/api/v1/checkpoints',
    { config: { action: 'checkpoints.read' }, schema: listCheckpointsSchema },
    async (request) => {
      const { from, limit } = request.query;
      // One more than asked tells whether a next page exists.
      const records = await ctx.store.checkpoints(from, limit + 1);
      const page = records.slice(0, limit);
      const next = records[limit];
      return {
        checkpoints: page.map((record) => presentCheckpoint(record)),
        ...(next ? { next: next.size } : {}),
      };
    },
  );

  app.get(
    '/api/v1/checkpoints/:size',
    { config: { action: 'checkpoints.read' }, schema: getCheckpointSchema },
    async (request) => {
      const record = await ctx.store.checkpoint(request.params.size);
      if (!record)
        throw new TruceError('NOT_FOUND', `no checkpoint of size ${request.params.size}`);
      return presentCheckpoint(record, await ctx.ledger.cosigners(record.size));
    },
  );

  app.post(
    '/api/v1/checkpoints/cosignatures',
    { config: { action: 'checkpoints.cosign' }, schema: cosignSchema },
    async (request, reply) => {
      const record = await ctx.ledger.cosign(request.body.line, request.body.size);
      const origin = originOf(request);
      await ctx.audit.append({
        at: ctx.clock().toISOString(),
        ...actorFields(origin.actor),
        action: 'checkpoint.cosign',
        target: String(record.checkpointSize),
        outcome: 'success',
        ip: origin.ip,
        details: { witness: record.witness },
      });
      return reply.status(201).send({
        checkpointSize: record.checkpointSize,
        witness: record.witness,
        savedAt: record.savedAt,
      });
    },
  );
}
