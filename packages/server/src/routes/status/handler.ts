import type { AppContext, TruceApp } from '../../http/context.js';
import { presentStatus } from '../../presenters/status.js';
import { statusSchema } from './schema.js';

export function statusRoutes(app: TruceApp, ctx: AppContext): void {
  app.get(
    '/api/v1/status',
    { config: { action: 'status.read' }, schema: statusSchema },
    async (request) => {
      const { evaluation, ledgerSize } = await ctx.status.evaluation(
        request.query.asOf,
        request.query.agreement,
      );
      return presentStatus(evaluation, ledgerSize);
    },
  );
}
