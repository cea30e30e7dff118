import type { AppContext, TruceApp } from '../../http/context.js';
import { logSchema } from './schema.js';

export function logRoutes(app: TruceApp, ctx: AppContext): void {
  app.get('/api/v1/log', { config: { action: 'log.read' }, schema: logSchema }, async () => {
    const identity = ctx.ledger.identity;
    return {
      origin: identity.origin,
      operator: identity.operator,
      verifierKey: identity.verifierKey,
    };
  });
}
