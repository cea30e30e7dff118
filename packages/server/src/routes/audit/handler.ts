import { Readable } from 'node:stream';
import type { AppContext, TruceApp } from '../../http/context.js';
import { presentAuditRecord } from '../../presenters/audit.js';
import { exportAuditSchema, listAuditSchema, verifyAuditSchema } from './schema.js';

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
    '/api/v1/audit/verify',
    { config: { action: 'audit.read' }, schema: verifyAuditSchema },
    async () => ctx.audit.verifyChain(),
  );
}
