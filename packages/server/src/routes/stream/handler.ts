import { setTimeout as sleep } from 'node:timers/promises';
import { isTruceError } from '@truce/core';
import { actorFields } from '../../accounts/model.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentEntry } from '../../presenters/ledger.js';
import { streamSchema } from './schema.js';

export function streamRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/stream',
    { config: { action: 'stream.read' }, schema: streamSchema },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id'];
      let next =
        lastEventId !== undefined
          ? Number(lastEventId) + 1
          : (request.query.from ?? (await ctx.store.size()));
      const origin = originOf(request);
      await ctx.audit.append({
        at: ctx.clock().toISOString(),
        ...actorFields(origin.actor),
        action: 'events.stream',
        target: String(next),
        outcome: 'success',
        ip: origin.ip,
        details: {},
      });

      const stop = new AbortController();
      const onClosing = () => stop.abort();
      ctx.closing.addEventListener('abort', onClosing);
      request.raw.on('close', () => stop.abort());
      const lifetime = setTimeout(() => stop.abort(), ctx.config.streamMaxMs);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and others buffer responses unless told not to.
        'x-accel-buffering': 'no',
      });
      const write = async (text: string) => {
        if (!raw.write(text)) {
          await new Promise<void>((resolve) => {
            raw.once('drain', resolve);
            stop.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
      };
      // Tells EventSource how long to wait before reconnecting.
      await write(`retry: 1000\n\n`);

      let statuses: Map<string, string> | undefined;
      const sendStatusChanges = async () => {
        try {
          const { evaluation, ledgerSize } = await ctx.status.evaluation();
          const changed = evaluation.obligations
            .filter((o) => statuses?.get(o.id) !== o.status)
            .map((o) => ({ id: o.id, status: o.status, why: o.why }));
          statuses = new Map(evaluation.obligations.map((o) => [o.id, o.status]));
          if (changed.length > 0) {
            await write(
              `event: status\ndata: ${JSON.stringify({ ledgerSize, asOf: evaluation.asOf, changed })}\n\n`,
            );
          }
        } catch (error) {
          // No agreement yet: events still flow.
          if (!isTruceError(error)) request.log.error({ err: error }, 'status for stream failed');
        }
      };

      let lastWrite = Date.now();
      try {
        await sendStatusChanges();
        while (!stop.signal.aborted) {
          const entries = await ctx.store.entries(next, 200);
          for (const entry of entries) {
            await write(
              `id: ${entry.seq}\nevent: event\ndata: ${JSON.stringify(presentEntry(entry))}\n\n`,
            );
            next = entry.seq + 1;
            lastWrite = Date.now();
          }
          if (entries.length > 0) {
            await sendStatusChanges();
            if (entries.length === 200) continue;
          }
          if (Date.now() - lastWrite >= ctx.config.streamHeartbeatMs) {
            await write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await sleep(ctx.config.streamPollMs, undefined, { signal: stop.signal }).catch(
            () => undefined,
          );
        }
      } catch (error) {
        request.log.error({ err: error }, 'stream ended by an error');
      } finally {
        clearTimeout(lifetime);
        ctx.closing.removeEventListener('abort', onClosing);
        raw.end();
      }
    },
  );
}
