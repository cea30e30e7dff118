import { parseEvent, returnsSummary, TruceError, type TruceEvent } from '@truce/core';
import type { AppContext, TruceApp } from '../../http/context.js';
import { decodeEntry } from '../status/status-service.js';
import { returnsSchema } from './schema.js';

const types = ['returns_counted', 'crossing_opened', 'crossing_closed'];

export function returnRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/returns',
    { config: { action: 'returns.read' }, schema: returnsSchema },
    async (request) => {
      const { evaluation, ledgerSize } = await ctx.status.evaluation(request.query.asOf);
      const versions = await ctx.agreements.versions(evaluation.agreement.id);
      const agreement = versions.find((v) => v.version === evaluation.agreement.version);
      if (!agreement) throw new TruceError('NOT_FOUND', 'no agreement has been uploaded yet');
      // Only the events that bear on returns, as far as the evaluation read the log.
      const rows = await ctx.db.query<{ seq: unknown }>(
        `SELECT seq FROM events
          WHERE seq < $1 AND convert_from(entry, 'UTF8')::jsonb #>> '{event,type}' = ANY($2::text[])
          ORDER BY seq`,
        [ledgerSize, types],
      );
      const events: TruceEvent[] = [];
      for (const row of rows) {
        const entry = await ctx.store.entry(Number(row.seq));
        if (entry) events.push(parseEvent(decodeEntry(entry).event));
      }
      return returnsSummary(agreement, events, evaluation);
    },
  );
}
