import { ledger, TruceError } from '@truce/core';
import type { CompactRange, TreeNode } from './compact-range.js';
import type { AppendPrecondition, AppendRequest, Receipt } from './store.js';

/** What the sequencer needs to know about an entry already in the log. */
export interface SequencedEntry {
  seq: number;
  eventId: string;
  org: string;
  idempotencyKey: string;
  contentHash: string;
  leafHash: string;
  appendedAt: string;
}

/** A new entry the batch will insert. */
export interface NewEntry extends SequencedEntry {
  entry: Uint8Array;
  kind?: string;
}

/** One `append` call waiting in the group-commit queue. */
export interface PendingAppend {
  requests: readonly AppendRequest[];
  resolve: (receipts: Receipt[]) => void;
  reject: (error: unknown) => void;
  precondition?: AppendPrecondition;
  /** Settles when the call may be committed; a rejection withdraws it (`Store.append`). */
  admitted?: Promise<unknown>;
}

/** The idempotency keys and event ids a batch must look up before it can be sequenced. */
export interface BatchLookup {
  orgs: string[];
  idempotencyKeys: string[];
  eventIds: string[];
  /** The kinds whose latest entry the batch's preconditions need. */
  kinds: string[];
  /** Whether a request is `storedOnly`: it can only be decided by reading the log. */
  storedOnly: boolean;
}

export interface BatchPlan {
  entries: NewEntry[];
  nodes: TreeNode[];
  /** The compact range after the batch; becomes the sequencer's state once committed. */
  range: CompactRange;
  /** Resolves or rejects every call of the batch; only after the transaction committed. */
  settle: () => void;
}

const idempotencyIndex = (org: string, key: string): string => `${org}\u0000${key}`;

export function batchLookup(calls: readonly PendingAppend[]): BatchLookup {
  const lookup: BatchLookup = {
    orgs: [],
    idempotencyKeys: [],
    eventIds: [],
    kinds: [],
    storedOnly: false,
  };
  for (const call of calls) {
    const kind = call.precondition?.kind;
    if (kind !== undefined && !lookup.kinds.includes(kind)) lookup.kinds.push(kind);
    for (const request of call.requests) {
      lookup.orgs.push(request.org);
      lookup.idempotencyKeys.push(request.idempotencyKey);
      lookup.eventIds.push(request.eventId);
      if (request.storedOnly !== undefined) lookup.storedOnly = true;
    }
  }
  return lookup;
}

/**
 * Decides, for each call of a batch, its receipts or its CONFLICT, assigns sequence numbers
 * after `range.size` and computes the leaf hashes and the tree nodes the new entries complete.
 * `existing` must hold every stored entry matching the batch's lookup, and `latestOfKind` the
 * last seq of each of its `kinds` (absent: none), both read under the writer lock. Pure apart
 * from hashing: the caller writes the plan in one transaction, then settles.
 */
export function planBatch(
  calls: readonly PendingAppend[],
  existing: readonly SequencedEntry[],
  startRange: CompactRange,
  appendedAt: string,
  latestOfKind: ReadonlyMap<string, number> = new Map(),
): BatchPlan {
  const range = startRange.clone();
  // Earlier calls of this batch count too: their entries come before the later calls'.
  const latest = new Map(latestOfKind);
  const byKey = new Map<string, SequencedEntry>();
  const byEventId = new Map<string, SequencedEntry>();
  for (const entry of existing) {
    byKey.set(idempotencyIndex(entry.org, entry.idempotencyKey), entry);
    byEventId.set(entry.eventId, entry);
  }
  const entries: NewEntry[] = [];
  const nodes: TreeNode[] = [];
  const outcomes: (() => void)[] = [];

  for (const call of calls) {
    // A call is all or nothing: its entries become visible to later calls only once every one
    // of them is accepted, so no receipt ever points at an entry that was not written.
    const callKeys = new Map<string, SequencedEntry>();
    const callEventIds = new Map<string, SequencedEntry>();
    const fresh: { request: AppendRequest; sequenced: SequencedEntry }[] = [];
    // Entries are kept by reference: a fresh entry's leaf hash is only computed once the whole
    // call is accepted, and a repeated key inside the call refers to such an entry.
    const results: { source: SequencedEntry; idempotent: boolean }[] = [];
    let conflict: Error | undefined = call.precondition && stale(call.precondition, latest);
    for (const request of conflict ? [] : call.requests) {
      const key = idempotencyIndex(request.org, request.idempotencyKey);
      const earlier = callKeys.get(key) ?? byKey.get(key);
      if (earlier !== undefined) {
        if (earlier.contentHash !== request.contentHash) {
          conflict = request.storedOnly ?? keyReused(request, earlier);
          break;
        }
        results.push({ source: earlier, idempotent: true });
        continue;
      }
      // Not in the log: a request that may only be acknowledged is refused, never appended.
      if (request.storedOnly !== undefined) {
        conflict = request.storedOnly;
        break;
      }
      const sameEvent = callEventIds.get(request.eventId) ?? byEventId.get(request.eventId);
      if (sameEvent !== undefined) {
        conflict = eventIdReused(request, sameEvent);
        break;
      }
      const sequenced: SequencedEntry = {
        seq: range.size + fresh.length,
        eventId: request.eventId,
        org: request.org,
        idempotencyKey: request.idempotencyKey,
        contentHash: request.contentHash,
        leafHash: '',
        appendedAt,
      };
      callKeys.set(key, sequenced);
      callEventIds.set(request.eventId, sequenced);
      fresh.push({ request, sequenced });
      results.push({ source: sequenced, idempotent: false });
    }
    if (conflict !== undefined) {
      const error = conflict;
      outcomes.push(() => call.reject(error));
      continue;
    }
    for (const { request, sequenced } of fresh) {
      const leafHash = ledger.hashLeaf(request.entry);
      sequenced.leafHash = Buffer.from(leafHash).toString('hex');
      nodes.push(...range.append(leafHash));
      entries.push({
        ...sequenced,
        entry: request.entry,
        ...(request.kind !== undefined ? { kind: request.kind } : {}),
      });
      if (request.kind !== undefined) latest.set(request.kind, sequenced.seq);
      byKey.set(idempotencyIndex(sequenced.org, sequenced.idempotencyKey), sequenced);
      byEventId.set(sequenced.eventId, sequenced);
    }
    const receipts = results.map(
      ({ source, idempotent }): Receipt => ({
        seq: source.seq,
        leafHash: source.leafHash,
        appendedAt: source.appendedAt,
        idempotent,
      }),
    );
    outcomes.push(() => call.resolve(receipts));
  }

  return {
    entries,
    nodes,
    range,
    settle: () => {
      for (const outcome of outcomes) outcome();
    },
  };
}

const preconditionPath = 'precondition';

function stale(precondition: AppendPrecondition, latest: ReadonlyMap<string, number>) {
  const seq = latest.get(precondition.kind);
  if (seq === undefined || seq <= precondition.noneAfter) return undefined;
  return new TruceError(
    'CONFLICT',
    `The log has a "${precondition.kind}" entry at seq ${seq}, after ${precondition.noneAfter}, the last one this request was checked against. Read the log again and retry.`,
    [{ path: preconditionPath, message: `${precondition.kind} entry at seq ${seq}` }],
  );
}

/** Whether `error` is an append refused by its precondition (retry after reading the log). */
export function isPreconditionFailure(error: unknown): boolean {
  return (
    error instanceof TruceError &&
    error.code === 'CONFLICT' &&
    error.details[0]?.path === preconditionPath
  );
}

function keyReused(request: AppendRequest, earlier: SequencedEntry): TruceError {
  return new TruceError(
    'CONFLICT',
    `Idempotency key "${request.idempotencyKey}" of ${request.org} was already used for other content (seq ${earlier.seq}). Resend exactly the original event to get its receipt, or use a new idempotency key for a new event.`,
    [
      {
        message: `event ${request.eventId}: content hash ${request.contentHash}, recorded ${earlier.contentHash}`,
      },
    ],
  );
}

function eventIdReused(request: AppendRequest, earlier: SequencedEntry): TruceError {
  return new TruceError(
    'CONFLICT',
    `Event id ${request.eventId} is already in the ledger (seq ${earlier.seq}, idempotency key "${earlier.idempotencyKey}"). A correction is a new event with a new id that references it.`,
    [{ message: `idempotency key "${request.idempotencyKey}" of ${request.org}` }],
  );
}
