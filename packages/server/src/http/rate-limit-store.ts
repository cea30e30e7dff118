import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SqlDriver } from '../store/index.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for `@fastify/rate-limit` in the database, so that several processes behind a load
 * balancer count one client's requests together (one PostgreSQL). One statement a request: an
 * upsert that starts a new window when the last one is over, with the database's clock, so the
 * processes agree on the windows. PGlite needs none of this: one process holds its folder, and
 * the plugin's in-memory store is exact there.
 */
export function sqlRateLimitStore(db: SqlDriver): FastifyRateLimitStoreCtor {
  let calls = 0;
  return class SqlRateLimitStore {
    readonly #prefix: string;

    constructor(_options?: unknown, prefix = 'all:') {
      this.#prefix = prefix;
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      db.query<{ hits: number; ttl: number }>(
        `INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, clock_timestamp(), 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN r.window_start + $2 * interval '1 millisecond' <= clock_timestamp()
                       THEN 1 ELSE r.hits + 1 END,
           window_start = CASE WHEN r.window_start + $2 * interval '1 millisecond' <= clock_timestamp()
                               THEN clock_timestamp() ELSE r.window_start END
         RETURNING hits,
           (extract(epoch FROM (window_start + $2 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 AS ttl`,
        [this.#prefix + key, timeWindow],
      )
        .then(([row]) => {
          callback(null, {
            current: Number(row?.hits ?? 1),
            ttl: Math.max(0, Number(row?.ttl ?? 0)),
          });
          // Now and then, forget the windows that ended long ago.
          if (++calls % 1000 === 0) {
            void db
              .query(
                `DELETE FROM rate_limits WHERE window_start < clock_timestamp() - interval '1 day'`,
              )
              .catch(() => undefined);
          }
        })
        .catch((error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error))),
        );
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      db.query<{ hits: number; ttl: number }>(
        `SELECT hits, (extract(epoch FROM (window_start + $2 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 AS ttl
           FROM rate_limits WHERE key = $1`,
        [this.#prefix + key, timeWindow],
      )
        .then(([row]) =>
          callback(
            null,
            row && Number(row.ttl) > 0
              ? { current: Number(row.hits), ttl: Number(row.ttl) }
              : { current: 0, ttl: 0 },
          ),
        )
        .catch((error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error))),
        );
    }

    /** A route with limits of its own counts apart from the rest: its method and path. */
    child(options: object): SqlRateLimitStore {
      // At run time the plugin passes the route's merged options, with the route as routeInfo.
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      return new SqlRateLimitStore(
        undefined,
        `${String(route?.method ?? 'any')} ${String(route?.url ?? 'custom')}:`,
      );
    }
  };
}
