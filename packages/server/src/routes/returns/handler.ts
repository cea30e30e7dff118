import { returnsSummary, TruceError } from '@truce/core';
import type { AppContext, TruceApp } from '../../http/context.js';
import { readDomainEvents } from '../../ledger/domain-events.js';
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
      // Only the events that bear on returns (an index read), as far as the evaluation read the log.
      const events = await readDomainEvents(
        ctx.store,
        ['returns', 'crossings'],
        0,
        ledgerSize,
        types,
      );
      return returnsSummary(agreement, events, evaluation);
    },
  );
}
