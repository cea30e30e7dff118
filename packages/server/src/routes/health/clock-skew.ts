import type { SqlExecutor } from '../../store/index.js';

/** Largest difference between this host's clock and the database's that `/ready` calls fine. */
export const maxClockSkewMs = 1000;

/**
 * How far this host's clock is ahead of the database's (negative: behind), in milliseconds:
 * the database's time against the middle of the round trip that read it, so the network's
 * delay counts at most half. On PGlite both are this host's clock (about 0).
 */
export async function clockSkew(
  db: SqlExecutor,
  now: () => number = Date.now,
): Promise<{ skewMs: number; ok: boolean }> {
  const sent = now();
  const [row] = await db.query<{ now_ms: unknown }>(
    'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms',
  );
  const received = now();
  const skewMs = Math.round((sent + received) / 2 - Number(row?.now_ms));
  return { skewMs, ok: Math.abs(skewMs) <= maxClockSkewMs };
}
