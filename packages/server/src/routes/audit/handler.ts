import { Readable } from 'node:stream';
import { type AuditAnchorRecord, anchorsIn, checkAnchors } from '../../audit/audit-anchor.js';
import type { AppContext, TruceApp } from '../../http/context.js';
import { presentAuditRecord } from '../../presenters/audit.js';
import {
  auditShippingSchema,
  exportAuditSchema,
  listAuditSchema,
  verifyAuditSchema,
} from './schema.js';

export function auditRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/audit',
    { config: { action: 'audit.read' }, schema: listAuditSchema },
    async (request) => {
      const { after, limit, action, actor } = request.query;
      const records = await ctx.audit.list({
        limit,
        ...(after !== undefined ? { after } : {}),
        ...(action !== undefined ? { action } : {}),
        ...(actor !== undefined ? { actor } : {}),
      });
      return {
        records: records.map(presentAuditRecord),
        nextCursor: records.length === limit ? (records.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/v1/audit/export',
    { config: { action: 'audit.read' }, schema: exportAuditSchema },
    async (_request, reply) => {
      async function* lines() {
        for await (const record of ctx.audit.all()) {
          yield `${JSON.stringify(presentAuditRecord(record))}\n`;
        }
      }
      reply
        .type('application/jsonl; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.jsonl"');
      return reply.send(Readable.from(lines()));
    },
  );

  app.get(
    '/api/v1/audit/shipping',
    { config: { action: 'audit.read' }, schema: auditShippingSchema },
    async () => ({ shipping: (await ctx.auditShipper?.status()) ?? null }),
  );

  app.get(
    '/api/v1/audit/verify',
    { config: { action: 'audit.read' }, schema: verifyAuditSchema },
    async () => {
      const chain = await ctx.audit.verifyChain();
      const anchors = await anchorsInLedger(ctx);
      const hashes = await ctx.audit.hashesOf(anchors.map((anchor) => anchor.chainSeq));
      const report = checkAnchors(anchors, (seq) => hashes.get(seq), await ctx.audit.head());
      return { ...chain, ok: chain.ok && report.ok, anchors: report };
    },
  );
}

/** The operator's anchors in the ledger (entries labelled `audit`), oldest first. */
async function anchorsInLedger(ctx: AppContext): Promise<AuditAnchorRecord[]> {
  const operator = ctx.ledger.registry.operator;
  if (operator === undefined) return [];
  const entries: { seq: number; value: unknown }[] = [];
  const page = 1000;
  for (let from = 0; ; ) {
    const stored = await ctx.store.entriesOfKind('audit', from, page);
    for (const entry of stored) {
      entries.push({ seq: entry.seq, value: JSON.parse(new TextDecoder().decode(entry.entry)) });
    }
    const last = stored.at(-1);
    if (!last || stored.length < page) break;
    from = last.seq + 1;
  }
  return anchorsIn(entries, operator);
}
