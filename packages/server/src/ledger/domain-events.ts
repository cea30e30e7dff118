import { type EventDomain, parseEvent, type TruceEvent } from '@truce/core';
import type { Store, StoredEntry } from '../store/index.js';

/** Entries read per index page. */
const pageSize = 1000;

const decoder = new TextDecoder();

/**
 * The entries labelled with any of `domains` in `[fromSeq, toSeq)`, in log order: index reads of
 * `entry_kinds` (the ledger labels every entry with its event's domain), never a scan of the
 * log. A view reads its own domain, and `revisions` when corrections and retractions bear on it.
 */
export async function readDomainEntries(
  store: Store,
  domains: readonly EventDomain[],
  fromSeq: number,
  toSeq: number,
): Promise<StoredEntry[]> {
  const found: StoredEntry[] = [];
  for (const domain of new Set(domains)) {
    for (let from = fromSeq; from < toSeq; ) {
      const page = await store.entriesOfKind(domain, from, pageSize);
      for (const entry of page) if (entry.seq < toSeq) found.push(entry);
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined || last.seq >= toSeq - 1) break;
      from = last.seq + 1;
    }
  }
  // One domain's entries are already in order; several are merged by position.
  return domains.length > 1 ? found.sort((a, b) => a.seq - b.seq) : found;
}

/**
 * The events of `domains` in `[fromSeq, toSeq)`, in log order, parsed; with `types`, only the
 * events of those types (a domain read, then a filter on what the view folds).
 */
export async function readDomainEvents(
  store: Store,
  domains: readonly EventDomain[],
  fromSeq: number,
  toSeq: number,
  types?: readonly string[],
): Promise<TruceEvent[]> {
  const wanted = types && new Set(types);
  const events: TruceEvent[] = [];
  for (const entry of await readDomainEntries(store, domains, fromSeq, toSeq)) {
    const { event } = JSON.parse(decoder.decode(entry.entry)) as { event: { type?: unknown } };
    if (wanted && !wanted.has(String(event.type))) continue;
    events.push(parseEvent(event));
  }
  return events;
}
