import { Readable } from 'node:stream';
import { actorFields } from '../../accounts/model.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import type { Store } from '../../store/index.js';
import { exportSchema } from './schema.js';

async function* entryLines(store: Store, size: number): AsyncGenerator<Buffer> {
  const page = 1000;
  const newline = Buffer.from('\n');
  for (let seq = 0; seq < size; seq += page) {
    const entries = await store.entries(seq, Math.min(page, size - seq));
    yield Buffer.concat(entries.flatMap((entry) => [Buffer.from(entry.entry), newline]));
  }
}

export function exportRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/export',
    { config: { action: 'export.read' }, schema: exportSchema },
    async (request, reply) => {
      const checkpoint = await ctx.store.latestCheckpoint();
      const size = checkpoint?.size ?? 0;
      const origin = originOf(request);
      await ctx.audit.append({
        at: ctx.clock().toISOString(),
        ...actorFields(origin.actor),
        action: 'ledger.export',
        target: String(size),
        outcome: 'success',
        ip: origin.ip,
        details: {},
      });
      reply
        .type('application/jsonl; charset=utf-8')
        .header('x-truce-checkpoint-size', String(size))
        .header('content-disposition', 'attachment; filename="entries.jsonl"');
      return reply.send(Readable.from(entryLines(ctx.store, size)));
    },
  );
}
