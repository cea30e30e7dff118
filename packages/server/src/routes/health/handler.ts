import type { AppContext, TruceApp } from '../../http/context.js';
import { healthSchema, readySchema } from './schema.js';

export function healthRoutes(app: TruceApp, ctx: AppContext): void {
  // Alive: answers without touching the database, so a slow database does not get us killed.
  app.get('/health', { config: { action: 'health.read' }, schema: healthSchema }, async () => ({
    status: 'ok' as const,
  }));

  // Ready: the database answers and the ledger has its genesis entry.
  app.get('/ready', { config: { action: 'health.read' }, schema: readySchema }, async () => {
    const size = await ctx.store.size();
    return { status: 'ready' as const, ledgerSize: size };
  });
}
