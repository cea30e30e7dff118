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
 * rows of `aid_batch` entries (docs/HXL.md), so a status that cites a row by its id is resolved
 * through the batches that hold it. A generated id (`hxl-<first 16 hex digits of the file's
 * SHA-256>-<line>`) names its file: the imports table gives that file's range of entries. An id
 * the file gave its row (`#meta+id`, as `truce export hxl` writes) is found in `GivenRowIds`.
 */
export async function batchRowsByIds(
  ctx: { db: SqlDriver; store: Store },
  ids: readonly string[],
): Promise<BatchRowEntry[]> {
  const wanted = new Set(ids);
  const files = new Set<string>();
  const given: string[] = [];
  for (const id of wanted) {
    const match = importedRowId.exec(id);
    if (match) files.add(match[1]!);
    else given.push(id);
  }
  // Ranges of entries to open: each cited file's, and each entry holding a given id.
  const ranges: [number, number][] = [];
  if (files.size > 0) {
    const imports = await ctx.db.query<{ first_seq: unknown; last_seq: unknown }>(
      `SELECT first_seq, last_seq FROM imports
        WHERE substr(sha256, 1, 16) = ANY($1::text[]) AND first_seq IS NOT NULL
        ORDER BY first_seq`,
      [[...files]],
    );
    for (const range of imports) ranges.push([Number(range.first_seq), Number(range.last_seq)]);
  }
  if (given.length > 0) {
    for (const seq of await givenRowIdsOf(ctx.store).seqsOf(ctx, given)) ranges.push([seq, seq]);
  }
  const found: BatchRowEntry[] = [];
  const opened = new Set<number>();
  for (const [first, last] of ranges.sort((a, b) => a[0] - b[0])) {
    for (const entry of await ctx.store.entries(first, last - first + 1)) {
      if (opened.has(entry.seq)) continue;
      opened.add(entry.seq);
      rowEventsOf(parseEvent(decodeEntry(entry).event))?.forEach((row, index) => {
        if (wanted.has(row.id)) found.push({ entry, index, event: row });
      });
    }
  }
  return found;
}

/**
 * The ids imported files gave their rows (`#meta+id`), with the batch entries that hold them.
 * Derived from the log, never stored: built in each process from the completed imports (their
 * ranges in the imports table), and brought up to date before each lookup by one query for the
 * imports completed since.
 */
class GivenRowIds {
  readonly #imports = new Set<string>();
  readonly #seqs = new Map<string, number[]>();
  #updating: Promise<void> = Promise.resolve();

  /** The entries that hold rows with these ids. */
  async seqsOf(ctx: { db: SqlDriver; store: Store }, ids: readonly string[]): Promise<number[]> {
    // One update at a time: two would index an import twice.
    this.#updating = this.#updating.catch(() => {}).then(() => this.#update(ctx));
    await this.#updating;
    return ids.flatMap((id) => this.#seqs.get(id) ?? []);
  }

  async #update(ctx: { db: SqlDriver; store: Store }): Promise<void> {
    const imports = await ctx.db.query<{ id: string; first_seq: unknown; last_seq: unknown }>(
      `SELECT id, first_seq, last_seq FROM imports
        WHERE completed_at IS NOT NULL AND first_seq IS NOT NULL AND NOT (id = ANY($1::text[]))
        ORDER BY first_seq`,
      [[...this.#imports]],
    );
    for (const range of imports) {
      const last = Number(range.last_seq);
      for (let seq = Number(range.first_seq); seq <= last; seq += 100) {
        for (const entry of await ctx.store.entries(seq, Math.min(100, last - seq + 1))) {
          for (const row of rowEventsOf(parseEvent(decodeEntry(entry).event)) ?? []) {
            // Generated ids are found by their file; only given ones are indexed.
            if (importedRowId.test(row.id)) continue;
            const seqs = this.#seqs.get(row.id);
            if (seqs === undefined) this.#seqs.set(row.id, [entry.seq]);
            else if (seqs.at(-1) !== entry.seq) seqs.push(entry.seq);
          }
        }
      }
      this.#imports.add(range.id);
    }
  }
}

const givenRowIds = new WeakMap<Store, GivenRowIds>();

function givenRowIdsOf(store: Store): GivenRowIds {
  let index = givenRowIds.get(store);
  if (index === undefined) {
    index = new GivenRowIds();
    givenRowIds.set(store, index);
  }
  return index;
}
