import { ledger as core, TruceError } from '@truce/core';
import type { Ledger } from '../ledger/ledger-service.js';
import type { AuditLog } from './audit-log.js';

/**
 * The audit log's chain head, anchored in the signed ledger (ASVS 16 at L3: the audit trail's
 * integrity vouched for outside the server's own database). Every few minutes, when the audit
 * log has grown, the log operator appends an `audit_anchored` event with the head's chain number
 * and hash; the checkpoints that cover it are signed and cosigned by the parties' witnesses. A
 * line edited or removed afterwards — even by whoever runs the database — breaks the chain at or
 * before an anchor that every party holds in its copy of the ledger.
 *
 * Checked by `GET /api/v1/audit/verify` against the ledger and offline by
 * `truce audit verify FILE --ledger DIR` against a ledger export.
 */

/** An anchor found in the ledger: the audit line it names and where it stands in the log. */
export interface AuditAnchorRecord {
  chainSeq: number;
  hash: string;
  /** The anchored line's time (the event's occurredAt). */
  at: string;
  /** The ledger position of the anchor. */
  seq: number;
}

/** What the anchors say of an audit log (or of an export of it). */
export interface AnchorReport {
  ok: boolean;
  /** Anchors whose line was present and matched. */
  checked: number;
  /** Anchors past the last line given: the log (or the export) is older than them. */
  beyond: number;
  latest: AuditAnchorRecord | null;
  /** The first anchor that does not match, and why. */
  problem?: { chainSeq: number; seq: number; reason: string };
}

/**
 * The anchors among a log's entries: `audit_anchored` events of the log operator (the ledger
 * refuses them from anyone else; an export verified with `truce verify` holds no other).
 */
export function anchorsIn(
  entries: Iterable<{ seq: number; value: unknown }>,
  operator: string,
): AuditAnchorRecord[] {
  const anchors: AuditAnchorRecord[] = [];
  for (const { seq, value } of entries) {
    const envelope = value as {
      org?: unknown;
      event?: {
        type?: unknown;
        occurredAt?: unknown;
        payload?: { chainSeq?: unknown; hash?: unknown };
      };
    } | null;
    const event = envelope?.event;
    if (event?.type !== 'audit_anchored' || envelope?.org !== operator) continue;
    const { chainSeq, hash } = event.payload ?? {};
    if (typeof chainSeq !== 'number' || typeof hash !== 'string') continue;
    anchors.push({ chainSeq, hash, at: String(event.occurredAt), seq });
  }
  return anchors;
}

/**
 * Compares anchors with the lines of an audit log: each anchored line present must have the
 * anchored hash. An anchor past the last line is not a failure when the lines end before its
 * time (an export taken before the anchor), but is when a later line exists (lines removed).
 */
export function checkAnchors(
  anchors: readonly AuditAnchorRecord[],
  hashOf: (chainSeq: number) => string | undefined,
  last: { chainSeq: number; at: string } | null,
): AnchorReport {
  let checked = 0;
  let beyond = 0;
  let latest: AuditAnchorRecord | null = null;
  for (const anchor of [...anchors].sort((a, b) => a.seq - b.seq)) {
    if (!latest || anchor.chainSeq >= latest.chainSeq) latest = anchor;
    const fail = (reason: string): AnchorReport => ({
      ok: false,
      checked,
      beyond,
      latest,
      problem: { chainSeq: anchor.chainSeq, seq: anchor.seq, reason },
    });
    if (last === null || anchor.chainSeq > last.chainSeq) {
      if (last !== null && Date.parse(last.at) > Date.parse(anchor.at)) {
        return fail(
          `the ledger anchored audit line ${anchor.chainSeq} at position ${anchor.seq}, but the audit log ends at line ${last.chainSeq} with a later time: lines were removed`,
        );
      }
      beyond += 1;
      continue;
    }
    const hash = hashOf(anchor.chainSeq);
    if (hash === undefined) {
      return fail(`audit line ${anchor.chainSeq}, anchored at position ${anchor.seq}, is missing`);
    }
    if (hash !== anchor.hash) {
      return fail(
        `audit line ${anchor.chainSeq} has another hash than the one anchored at position ${anchor.seq}: the audit log was rewritten`,
      );
    }
    checked += 1;
  }
  return { ok: true, checked, beyond, latest };
}

/**
 * Appends the audit head to the ledger when it has grown: now (`anchor`), every `everyMs`
 * while started, and once more when stopped. Several processes on one database may anchor the
 * same head; the event id is the head's, so the second is a retry (or a CONFLICT, ignored).
 */
export class AuditAnchorer {
  readonly #audit: AuditLog;
  readonly #ledger: Ledger;
  readonly #clock: () => Date;
  readonly #everyMs: number;
  #lastAnchored = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(audit: AuditLog, ledger: Ledger, options: { clock: () => Date; everyMs: number }) {
    this.#audit = audit;
    this.#ledger = ledger;
    this.#clock = options.clock;
    this.#everyMs = options.everyMs;
  }

  /** Anchors the current head if it is newer than the last one anchored here; its record. */
  anchor(): Promise<AuditAnchorRecord | undefined> {
    const run = this.#running.then(
      () => this.#anchorNow(),
      () => this.#anchorNow(),
    );
    this.#running = run.catch(() => undefined);
    return run;
  }

  async #anchorNow(): Promise<AuditAnchorRecord | undefined> {
    const head = await this.#audit.head();
    if (!head || head.chainSeq <= this.#lastAnchored) return undefined;
    const { identity } = this.#ledger;
    const id = `audit-anchor-${head.chainSeq}`;
    const envelope = core.signEnvelope(
      {
        v: 1,
        id,
        org: identity.operator,
        keyId: core.keyIdFor(identity.operator, identity.privateKey),
        idempotencyKey: id,
        event: {
          id,
          type: 'audit_anchored',
          occurredAt: head.at,
          reportedAt: this.#clock().toISOString(),
          source: identity.operator,
          payload: { chainSeq: head.chainSeq, hash: head.hash },
        },
      },
      identity.privateKey,
    );
    try {
      const [receipt] = await this.#ledger.submit([envelope]);
      this.#lastAnchored = head.chainSeq;
      return { ...head, seq: receipt?.seq ?? -1 };
    } catch (error) {
      // Another process anchored this head first (same id, its own report time).
      if (error instanceof TruceError && error.code === 'CONFLICT') {
        this.#lastAnchored = head.chainSeq;
        return undefined;
      }
      throw error;
    }
  }

  start(onError: (error: unknown) => void): void {
    if (this.#everyMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      this.anchor().catch(onError);
    }, this.#everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and anchors the last head (a clean shutdown leaves nothing unanchored). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.anchor();
  }
}
