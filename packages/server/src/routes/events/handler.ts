import { actorFields } from '../../accounts/model.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import {
  presentBatchRow,
  presentEntry,
  presentEntryWithProof,
  presentReceipt,
} from '../../presenters/ledger.js';
import type { StoredEntry } from '../../store/index.js';
import { decodeEntry } from '../status/status-service.js';
import { requireCitedEvidence } from './cited-evidence.js';
import { batchRowsByIds, entriesByEventIds } from './events-service.js';
import {
  getEventSchema,
  listEventsSchema,
  submitEventSchema,
  submitSignedSchema,
} from './schema.js';

/** Events that name persons (pseudonymous ids, still person data): their reads are audited. */
function personSeqs(entries: readonly StoredEntry[]): number[] {
  const marker = Buffer.from('"persons":');
  return entries.filter((e) => Buffer.from(e.entry).includes(marker)).map((e) => e.seq);
}

export function eventRoutes(app: TruceApp, ctx: AppContext): void {
  async function auditPersonReads(request: Parameters<typeof originOf>[0], seqs: number[]) {
    if (seqs.length === 0) return;
    const origin = originOf(request);
    await ctx.audit.append({
      at: ctx.clock().toISOString(),
      ...actorFields(origin.actor),
      action: 'persons.read',
      target: seqs.join(','),
      outcome: 'success',
      ip: origin.ip,
      details: { route: 'events' },
    });
  }

  app.post(
    '/api/v1/events/signed',
    { config: { action: 'events.submit' }, schema: submitSignedSchema },
    async (request, reply) => {
      await requireCitedEvidence(
        ctx.blobs,
        request.body.envelopes.map((envelope, index) => ({
          event: envelope.event,
          at: `envelopes[${index}].event.`,
        })),
      );
      const receipts = await ctx.events.submitSigned(originOf(request), request.body.envelopes);
      return reply.status(201).send({ receipts: receipts.map(presentReceipt) });
    },
  );

  app.post(
    '/api/v1/events',
    { config: { action: 'events.submit' }, schema: submitEventSchema },
    async (request, reply) => {
      await requireCitedEvidence(ctx.blobs, [{ event: request.body.event, at: 'event.' }]);
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
      const { type, source, since, cursor, limit, ids } = request.query;
      if (ids) {
        const wanted = ids.split(',');
        const entries = await entriesByEventIds(ctx, wanted);
        const found = new Set(entries.map((entry) => decodeEntry(entry).event.id));
        // Ids not in the log as entries may be rows of imported files (aid_batch entries).
        const rows = await batchRowsByIds(
          ctx,
          wanted.filter((id) => !found.has(id)),
        );
        await auditPersonReads(request, personSeqs(entries));
        const listed = [
          ...entries.map((entry) => ({ at: [entry.seq, -1], shown: presentEntry(entry) })),
          ...rows.map((row) => ({ at: [row.entry.seq, row.index], shown: presentBatchRow(row) })),
        ].sort((a, b) => a.at[0]! - b.at[0]! || a.at[1]! - b.at[1]!);
        return { events: listed.map((item) => item.shown), nextCursor: null };
      }
      const page = await ctx.events.list({
        ...(type !== undefined ? { type } : {}),
        ...(source !== undefined ? { source } : {}),
        ...(since !== undefined ? { since } : {}),
        cursor: cursor ?? 0,
        limit,
      });
      const entries = page.items.map((item) => item.entry);
      await auditPersonReads(request, personSeqs(entries));
      return {
        events: page.items.flatMap(({ entry, rows }) =>
          rows
            ? rows.map(({ index, event }) => presentBatchRow({ entry, index, event }))
            : [presentEntry(entry)],
        ),
        nextCursor: page.nextCursor ?? null,
      };
    },
  );

  app.get(
    '/api/v1/events/:seq',
    { config: { action: 'events.read' }, schema: getEventSchema },
    async (request) => {
      const { entry, proof } = await ctx.events.get(request.params.seq);
      await auditPersonReads(request, personSeqs([entry]));
      return presentEntryWithProof(entry, proof);
    },
  );
}
