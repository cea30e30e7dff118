import { randomUUID } from 'node:crypto';
import { TruceError } from '@truce/core';
import { isoOf, numberOf } from '../accounts/rows.js';
import { presentAuditRecord } from '../presenters/audit.js';
import type { SqlExecutor } from '../store/index.js';
import type { AuditLog } from './audit-log.js';

/**
 * Ships the audit log off the host (ASVS 16.4 at L3): every line, in chain order, to a
 * collector the operator runs elsewhere — Vector, Fluent Bit, Logstash or any service that takes
 * an HTTP POST of JSON Lines. Each POST carries up to `batch` lines in the format of
 * `GET /api/v1/audit/export` (with `chainSeq` and `hash`), so the collector's copy verifies with
 * `truce audit verify`. Delivery is at least once: a line is shipped again if its POST's answer
 * was lost, so a collector deduplicates on `chainSeq`.
 *
 * How far each collector got is kept in the database (`audit_shipping`), so a restart resumes
 * where the last acknowledged POST ended and nothing is skipped. Several processes on one
 * database share the work through a lease on that row (taken on the database's clock): one
 * ships at a time, another takes over when its lease lapses.
 */

export interface AuditShippingTarget {
  /** The collector's URL (http or https). */
  url: string;
  /** Sent as `Authorization: Bearer …`; never logged, never stored. */
  token?: string | undefined;
}

export interface AuditShippingStatus {
  /** The collector, as an origin and path (no credentials, no query). */
  target: string;
  /** The last line the collector acknowledged (0: none yet). */
  shippedUpTo: number;
  /** Lines of the audit log after it. */
  behind: number;
  shippedAt: string | null;
  lastError: { message: string; at: string } | null;
}

export interface AuditShipperOptions {
  /** Time between rounds while started (ms; default 5 s). */
  everyMs?: number;
  /** Lines per POST (default 500). */
  batch?: number;
  /** How long a POST may take (ms; default 10 s). */
  timeoutMs?: number;
  /** How long a lease lasts without being renewed (ms; default 30 s). */
  leaseMs?: number;
  /** Who holds the lease (default: a random id for this process). */
  holder?: string;
  fetch?: typeof fetch;
}

/** The collector's URL without what must not be stored or shown: credentials, query, fragment. */
export function shippingTargetName(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TruceError('USAGE', `TRUCE_AUDIT_SHIP_URL is not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TruceError('USAGE', `TRUCE_AUDIT_SHIP_URL must be http(s), not ${parsed.protocol}`);
  }
  return `${parsed.origin}${parsed.pathname}`;
}

export class AuditShipper {
  readonly #db: SqlExecutor;
  readonly #audit: AuditLog;
  readonly #target: AuditShippingTarget;
  readonly #name: string;
  readonly #everyMs: number;
  readonly #batch: number;
  readonly #timeoutMs: number;
  readonly #leaseMs: number;
  readonly #holder: string;
  readonly #fetch: typeof fetch;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  /** Consecutive failed rounds: the next rounds wait longer (up to five minutes). */
  #failures = 0;
  #skipUntil = 0;

  constructor(
    db: SqlExecutor,
    audit: AuditLog,
    target: AuditShippingTarget,
    options: AuditShipperOptions = {},
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#target = target;
    this.#name = shippingTargetName(target.url);
    this.#everyMs = options.everyMs ?? 5000;
    this.#batch = options.batch ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#holder = options.holder ?? randomUUID();
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Ships what the collector has not acknowledged, a batch at a time, until it has everything
   * or a POST fails (which is recorded and thrown). Resolves with the lines shipped; 0 when
   * another process holds the lease.
   */
  ship(): Promise<number> {
    const run = this.#running.then(
      () => this.#shipNow(),
      () => this.#shipNow(),
    );
    this.#running = run.catch(() => undefined);
    return run;
  }

  async #shipNow(): Promise<number> {
    let shipped = 0;
    for (;;) {
      const cursor = await this.#lease();
      if (cursor === undefined) return shipped;
      const lines = await this.#audit.linesAfter(cursor, this.#batch);
      if (lines.length === 0) return shipped;
      const last = lines.at(-1)!.chainSeq;
      try {
        await this.#post(lines.map((line) => JSON.stringify(presentAuditRecord(line))).join('\n'), {
          from: lines[0]!.chainSeq,
          to: last,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.#db.query(
          `UPDATE audit_shipping SET last_error = $2, failed_at = clock_timestamp()
            WHERE target = $1`,
          [this.#name, message.slice(0, 500)],
        );
        throw new Error(
          `shipping audit lines ${lines[0]!.chainSeq}–${last} to ${this.#name} failed: ${message}`,
        );
      }
      await this.#db.query(
        `UPDATE audit_shipping
            SET chain_seq = greatest(chain_seq, $3), shipped_at = clock_timestamp(),
                last_error = NULL, failed_at = NULL
          WHERE target = $1 AND leased_by = $2`,
        [this.#name, this.#holder, last],
      );
      shipped += lines.length;
      if (lines.length < this.#batch) return shipped;
    }
  }

  /** Takes or renews the lease; the collector's cursor, or undefined if another holds it. */
  async #lease(): Promise<number | undefined> {
    await this.#db.query(
      'INSERT INTO audit_shipping (target) VALUES ($1) ON CONFLICT (target) DO NOTHING',
      [this.#name],
    );
    const [row] = await this.#db.query<{ chain_seq: unknown }>(
      `UPDATE audit_shipping
          SET leased_by = $2,
              lease_until = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
        WHERE target = $1
          AND (leased_by IS NULL OR leased_by = $2 OR lease_until < clock_timestamp())
        RETURNING chain_seq`,
      [this.#name, this.#holder, this.#leaseMs],
    );
    return row === undefined ? undefined : numberOf(row.chain_seq);
  }

  async #post(body: string, range: { from: number; to: number }): Promise<void> {
    const response = await this.#fetch(this.#target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        'x-truce-audit-range': `${range.from}-${range.to}`,
        ...(this.#target.token ? { authorization: `Bearer ${this.#target.token}` } : {}),
      },
      body: `${body}\n`,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    // The body is not read beyond this: a collector's answer is its status.
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw new Error(`the collector answered HTTP ${response.status}`);
  }

  /** How far the collector got, and the last failure (for mediators: GET audit/shipping). */
  async status(): Promise<AuditShippingStatus> {
    const [row] = await this.#db.query<{
      chain_seq: unknown;
      shipped_at: unknown;
      last_error: string | null;
      failed_at: unknown;
    }>(
      'SELECT chain_seq, shipped_at, last_error, failed_at FROM audit_shipping WHERE target = $1',
      [this.#name],
    );
    const shippedUpTo = row ? numberOf(row.chain_seq) : 0;
    const head = await this.#audit.head();
    return {
      target: this.#name,
      shippedUpTo,
      behind: Math.max(0, (head?.chainSeq ?? 0) - shippedUpTo),
      shippedAt: row?.shipped_at ? isoOf(row.shipped_at) : null,
      lastError:
        row?.last_error && row.failed_at
          ? { message: row.last_error, at: isoOf(row.failed_at) }
          : null,
    };
  }

  /** Ships every `everyMs`, waiting longer after failures (doubling, up to five minutes). */
  start(onError: (error: unknown) => void): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (Date.now() < this.#skipUntil) return;
      this.ship().then(
        () => {
          this.#failures = 0;
        },
        (error: unknown) => {
          this.#failures += 1;
          this.#skipUntil = Date.now() + Math.min(300_000, this.#everyMs * 2 ** this.#failures);
          onError(error);
        },
      );
    }, this.#everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and ships once more (a clean shutdown leaves the collector up to date). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.ship();
    } finally {
      // The lease is given back, so another process need not wait for it to lapse.
      await this.#db.query(
        `UPDATE audit_shipping SET leased_by = NULL, lease_until = NULL
          WHERE target = $1 AND leased_by = $2`,
        [this.#name, this.#holder],
      );
    }
  }
}
