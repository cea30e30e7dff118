import type { AppContext, TruceApp } from '../../http/context.js';
import { clockSkew } from './clock-skew.js';
import { healthSchema, readySchema } from './schema.js';

export function healthRoutes(app: TruceApp, ctx: AppContext): void {
  // Alive: answers without touching the database, so a slow database does not get us killed.
  app.get('/health', { config: { action: 'health.read' }, schema: healthSchema }, async () => ({
    status: 'ok' as const,
  }));

  // Ready: the database answers and the ledger has its genesis entry. It also says how far this
  // host's clock is from the database's: sessions, lockouts, codes and the audit log are dated
  // by the one, the ledger's entries (on PostgreSQL) by the other.
  app.get('/ready', { config: { action: 'health.read' }, schema: readySchema }, async (request) => {
    const size = await ctx.store.size();
    const clock = await clockSkew(ctx.db);
    if (!clock.ok) {
      request.log.warn(
        { clockSkewMs: clock.skewMs },
        "this host's clock is more than 1 s from the database's: check its time synchronisation (docs/SECURITY.md)",
      );
    }
    return { status: 'ready' as const, ledgerSize: size, clock };
  });
}
