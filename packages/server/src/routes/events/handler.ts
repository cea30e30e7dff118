import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentEntry, presentEntryWithProof, presentReceipt } from '../../presenters/ledger.js';
import {
  getEventSchema,
  listEventsSchema,
  submitEventSchema,
  submitSignedSchema,
} from './schema.js';

export function eventRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/events/signed',
    { config: { action: 'events.submit' }, schema: submitSignedSchema },
    async (request, reply) => {
      const receipts = await ctx.events.submitSigned(originOf(request), request.body.envelopes);
      return reply.status(201).send({ receipts: receipts.map(presentReceipt) });
    },
  );

  app.post(
    '/api/v1/events',
    { config: { action: 'events.submit' }, schema: submitEventSchema },
    async (request, reply) => {
      const receipt = await ctx.events.submitOnBehalf(
        originOf(request),
        request.body.event,
        request.headers['idempotency-key'],
      );
      return reply.status(receipt.idempotent ? 200 : 201).send(presentReceipt(receipt));
    },
  );

  app.get(
    '/api/v1/events',
    { config: { action: 'events.read' }, schema: listEventsSchema },
    async (request) => {
      const { type, source, since, cursor, limit } = request.query;
      const page = await ctx.events.list({
        ...(type !== undefined ? { type } : {}),
        ...(source !== undefined ? { source } : {}),
        ...(since !== undefined ? { since } : {}),
        cursor: cursor ?? 0,
        limit,
      });
      return { events: page.entries.map(presentEntry), nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/api/v1/events/:seq',
    { config: { action: 'events.read' }, schema: getEventSchema },
    async (request) => {
      const { entry, proof } = await ctx.events.get(request.params.seq);
      return presentEntryWithProof(entry, proof);
    },
  );
}
