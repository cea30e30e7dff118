import { randomUUID } from 'node:crypto';
import { ledger as core, parseEvent, rowEventsOf, TruceError, type TruceEvent } from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import type { OrgKeys } from '../../accounts/org-keys.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Ledger, LedgerReceipt } from '../../ledger/index.js';
import { requirePermission } from '../../policies/authorize.js';
import { eventPermission } from '../../policies/matrix.js';
import type { SqlDriver, Store, StoredEntry } from '../../store/index.js';
import { decodeEntry } from '../status/status-service.js';

export interface EventFilter {
  type?: string;
  source?: string;
  /** Events that occurred at or after this instant. */
  since?: string;
  /** The first sequence number to look at (the previous page's `nextCursor`). */
  cursor: number;
  limit: number;
}

/** Most entries one list request reads before returning a (possibly short) page. */
const scanBudget = 5000;

/** An entry of a listed page; for a batch of imported rows, the rows that matched. */
export interface ListedEvent {
  entry: StoredEntry;
  rows?: { index: number; event: TruceEvent }[];
}

export interface InclusionProof {
  /** The checkpoint the proof is against; undefined until one covers the entry (≤ 1 s). */
  checkpoint: { size: number; text: string } | undefined;
  hashes: string[];
}

function typeOf(value: unknown): string {
  const type = (value as { event?: { type?: unknown } } | null)?.event?.type;
  return typeof type === 'string' ? type : '';
}

/** Submitting, listing and reading events: the ledger service plus who may do it. */
export class EventsService {
  readonly #ledger: Ledger;
  readonly #store: Store;
  readonly #orgKeys: OrgKeys;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;

  constructor(ledger: Ledger, orgKeys: OrgKeys, audit: AuditLog, clock: () => Date) {
    this.#ledger = ledger;
    this.#store = ledger.store;
    this.#orgKeys = orgKeys;
    this.#audit = audit;
    this.#clock = clock;
  }

  async #record(
    origin: RequestOrigin,
    receipts: LedgerReceipt[],
    how: 'signed' | 'on-behalf',
  ): Promise<void> {
    const actor = origin.actor.kind === 'anonymous' ? undefined : origin.actor.user;
    await this.#audit.append({
      at: this.#clock().toISOString(),
      actor: actor?.id,
      actorOrg: actor?.orgId,
      action: 'events.submit',
      target: receipts.map((r) => r.seq).join(','),
      outcome: 'success',
      ip: origin.ip,
      details: {
        how,
        count: receipts.length,
        idempotent: receipts.filter((r) => r.idempotent).length,
      },
    });
  }

  /** Envelopes signed by their organisations; the ledger verifies every signature. */
  async submitSigned(origin: RequestOrigin, envelopes: unknown[]): Promise<LedgerReceipt[]> {
    for (const [index, envelope] of envelopes.entries()) {
      const type = typeOf(envelope);
      requirePermission(
        origin.actor,
        eventPermission(type),
        `envelope ${index + 1} (${type || 'no type'})`,
      );
    }
    const receipts = await this.#ledger.submit(envelopes);
    await this.#record(origin, receipts, 'signed');
    return receipts;
  }

  /**
   * An event reported through the server: it becomes the user's organisation's report, signed
   * with the key the server holds for it (accounts/org-keys.ts).
   */
  async submitOnBehalf(
    origin: RequestOrigin,
    input: Record<string, unknown>,
    idempotencyKey: string | undefined,
  ): Promise<LedgerReceipt> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const org = actor.user.orgId;
    if (input.source !== undefined && input.source !== org) {
      throw new TruceError(
        'FORBIDDEN',
        `you report for ${org}, not ${String(input.source)}; leave "source" out or sign the envelope yourself`,
        [{ path: 'source', message: `must be ${org}` }],
      );
    }
    const now = this.#clock();
    // With an idempotency key, the id follows from it: a retry can never become a second event
    // (with the same id and reportedAt it gets the original receipt; without, a CONFLICT).
    const event = parseEvent({
      id: idempotencyKey ? `${org}-${idempotencyKey}` : `${org}-${randomUUID()}`,
      reportedAt: now.toISOString(),
      ...input,
      source: org,
    });
    requirePermission(actor, eventPermission(event.type), `an event of type ${event.type}`);
    const { key, keyId } = await this.#orgKeys.keyFor(org, now);
    const envelope = core.signEnvelope(
      {
        v: 1,
        id: event.id,
        org,
        keyId,
        idempotencyKey: idempotencyKey ?? event.id,
        // The event as submitted, not the parsed form: defaults are the reader's business.
        event: {
          ...input,
          id: event.id,
          source: org,
          reportedAt: event.reportedAt,
        } as core.JsonValue,
      },
      key,
    );
    const [receipt] = await this.#ledger.submit([envelope]);
    await this.#record(origin, [receipt!], 'on-behalf');
    return receipt!;
  }

  /**
   * One page of events in sequence order. Filters are applied while reading, so a page may be
   * shorter than `limit` (or empty) and still have a `nextCursor`: keep following it until it
   * is undefined.
   *
   * Filtered by a type other than `aid_batch`, the rows of imported files (each an event of its
   * own, carried by an `aid_batch` entry: docs/HXL.md) are matched row by row and listed with
   * their batch (`rows`); a page ends at an entry, so a batch's matching rows come together: a
   * page stops before a batch that would take it past `limit`, and a batch that alone has more
   * matching rows than `limit` comes whole.
   */
  async list(
    filter: EventFilter,
  ): Promise<{ items: ListedEvent[]; nextCursor: number | undefined }> {
    if (filter.type === undefined && filter.source === undefined && filter.since === undefined) {
      // Unfiltered, a page is the next `limit` entries: one read of one more than that says
      // whether others follow (sequence numbers have no gaps), without decoding any of them.
      const page = await this.#store.entries(filter.cursor, filter.limit + 1);
      return {
        items: page.slice(0, filter.limit).map((entry) => ({ entry })),
        nextCursor: page.length > filter.limit ? page[filter.limit]!.seq : undefined,
      };
    }
    const size = await this.#store.size();
    const since = filter.since === undefined ? undefined : Date.parse(filter.since);
    const matches = (event: { type: string; source: string; occurredAt: string }) =>
      (filter.type === undefined || event.type === filter.type) &&
      (filter.source === undefined || event.source === filter.source) &&
      (since === undefined || Date.parse(event.occurredAt) >= since);
    const expandBatches = filter.type !== undefined && filter.type !== 'aid_batch';
    const found: ListedEvent[] = [];
    let count = 0;
    let seq = filter.cursor;
    let scanned = 0;
    scan: while (seq < size && count < filter.limit && scanned < scanBudget) {
      const page = await this.#store.entries(seq, Math.min(500, scanBudget - scanned));
      if (page.length === 0) break;
      for (const entry of page) {
        const { event } = decodeEntry(entry);
        const rows =
          expandBatches && event.type === 'aid_batch'
            ? (rowEventsOf(parseEvent(event)) ?? []).flatMap((row, index) =>
                matches(row) ? [{ index, event: row }] : [],
              )
            : undefined;
        if (rows && rows.length > 0 && count > 0 && count + rows.length > filter.limit) break scan;
        seq = entry.seq + 1;
        scanned++;
        if (rows ? rows.length > 0 : matches(event)) {
          found.push(rows ? { entry, rows } : { entry });
          count += rows?.length ?? 1;
        }
        if (count >= filter.limit) break;
      }
    }
    return { items: found, nextCursor: seq < size ? seq : undefined };
  }

  async get(seq: number): Promise<{ entry: StoredEntry; proof: InclusionProof }> {
    const entry = await this.#store.entry(seq);
    if (!entry) throw new TruceError('NOT_FOUND', `no event at position ${seq}`);
    const checkpoint = await this.#store.latestCheckpoint();
    if (!checkpoint || checkpoint.size <= seq) {
      return { entry, proof: { checkpoint: undefined, hashes: [] } };
    }
    const hashes = await this.#store.inclusionProof(seq, checkpoint.size);
    return {
      entry,
      proof: {
        checkpoint: { size: checkpoint.size, text: checkpoint.text },
        hashes: hashes.map((hash) => Buffer.from(hash).toString('base64')),
      },
    };
  }
}

/**
 * The events with these ids, in log order (the events behind a status: its `eventIds`); ids
 * not in the log are left out. One indexed query (events.event_id is unique), then the entries.
 */
export async function entriesByEventIds(
  ctx: { db: SqlDriver; store: Store },
  ids: readonly string[],
): Promise<StoredEntry[]> {
  const rows = await ctx.db.query<{ seq: unknown }>(
    'SELECT seq FROM events WHERE event_id = ANY($1::text[]) ORDER BY seq',
    [[...new Set(ids)]],
  );
  const entries = await Promise.all(rows.map((row) => ctx.store.entry(Number(row.seq))));
  return entries.filter((entry): entry is StoredEntry => entry !== undefined);
}

/** A row of an imported file, found by its id inside the batch entry that carries it. */
export interface BatchRowEntry {
  entry: StoredEntry;
  /** The row's position in its batch (0 for the first). */
  index: number;
  event: TruceEvent;
}

const importedRowId = /^hxl-([0-9a-f]{16})-\d+$/;

/**
 * The rows of imported HXL files with these ids: a file's rows are not entries of their own but
 * rows of `aid_batch` entries (docs/HXL.md), so a status that cites a row by its id
 * (`hxl-<first 16 hex digits of the file's SHA-256>-<line>`) is resolved through the imports
 * table (the file's hash and its range of entries) and the batches of that range. Ids given in
 * the file itself (`#meta+id`) are not resolved here: the aid routes list those rows.
 */
export async function batchRowsByIds(
  ctx: { db: SqlDriver; store: Store },
  ids: readonly string[],
): Promise<BatchRowEntry[]> {
  const wanted = new Set<string>();
  const files = new Set<string>();
  for (const id of ids) {
    const match = importedRowId.exec(id);
    if (match) {
      wanted.add(id);
      files.add(match[1]!);
    }
  }
  if (wanted.size === 0) return [];
  const imports = await ctx.db.query<{ first_seq: unknown; last_seq: unknown }>(
    `SELECT first_seq, last_seq FROM imports
      WHERE substr(sha256, 1, 16) = ANY($1::text[]) AND first_seq IS NOT NULL
      ORDER BY first_seq`,
    [[...files]],
  );
  const found: BatchRowEntry[] = [];
  for (const range of imports) {
    const first = Number(range.first_seq);
    const last = Number(range.last_seq);
    for (const entry of await ctx.store.entries(first, last - first + 1)) {
      const rows = rowEventsOf(parseEvent(decodeEntry(entry).event));
      rows?.forEach((row, index) => {
        if (wanted.has(row.id)) found.push({ entry, index, event: row });
      });
    }
  }
  return found;
}
