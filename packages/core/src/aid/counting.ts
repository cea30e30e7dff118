import type { EventMatch } from '../agreement/schema.js';
import type { EventOf, TruceEvent } from '../events/schema.js';

/**
 * What a crossing consignment adds to the aid counts, decided once for the engine and the API:
 *
 * - a consignment's trucks count when it crosses (`consignment_crossed`), under the crossing it
 *   went through and the cargo and destination it was registered with, for the organisation
 *   that reports the crossing;
 * - once per organisation and consignment: a second crossing report of the same consignment by
 *   the same organisation adds nothing (the fold flags it);
 * - an `aid_trucks_crossed` that names its `consignment` is the same trucks seen as a count: it
 *   adds nothing to the quotas, which count the consignment at its crossing step.
 */

/** The events the engine reads one by one to count consignments (few next to daily counts). */
export const consignmentCrossingMatch: EventMatch = {
  type: ['consignment_registered', 'consignment_crossed'],
};

/** One counted crossing of a consignment, in the shape of an `aid_trucks_crossed` payload. */
export interface ConsignmentCount {
  eventId: string;
  source: string;
  occurredMs: number;
  consignment: string;
  crossing: string;
  cargo: string | null;
  destination: string | null;
  count: number;
  halfLoaded: number;
}

interface Reported {
  id: string;
  type: string;
  source: string;
  payload: unknown;
}

/**
 * The counted crossings among `items` (registrations and crossings, in time order): the first
 * crossing of each consignment per organisation. A crossing reported before any registration
 * counts the trucks it gives (none: 0) with unknown cargo and destination.
 */
export function consignmentCounts(
  items: Iterable<{ event: Reported; occurredMs: number }>,
): ConsignmentCount[] {
  const registered = new Map<string, EventOf<'consignment_registered'>['payload']>();
  const crossings: { event: Reported; occurredMs: number }[] = [];
  for (const item of items) {
    if (item.event.type === 'consignment_registered') {
      const payload = item.event.payload as EventOf<'consignment_registered'>['payload'];
      if (!registered.has(payload.consignment)) registered.set(payload.consignment, payload);
    } else if (item.event.type === 'consignment_crossed') crossings.push(item);
  }
  const seen = new Set<string>();
  const out: ConsignmentCount[] = [];
  for (const { event, occurredMs } of crossings) {
    const payload = event.payload as EventOf<'consignment_crossed'>['payload'];
    const key = `${event.source}\u0000${payload.consignment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const registration = registered.get(payload.consignment);
    out.push({
      eventId: event.id,
      source: event.source,
      occurredMs,
      consignment: payload.consignment,
      crossing: payload.crossing,
      cargo: registration?.cargo ?? null,
      destination: registration?.destination ?? null,
      count: payload.trucks ?? registration?.trucks ?? 0,
      halfLoaded: payload.halfLoaded ?? 0,
    });
  }
  return out;
}

/** The consignment crossing as the `aid_trucks_crossed` a quota's measure is tested against. */
export function asTrucksCrossed(count: ConsignmentCount): EventOf<'aid_trucks_crossed'> {
  const payload: EventOf<'aid_trucks_crossed'>['payload'] = {
    crossing: count.crossing,
    cargo: count.cargo ?? 'unknown',
    count: count.count,
    halfLoaded: count.halfLoaded,
    consignment: count.consignment,
  };
  if (count.destination !== null) payload.destination = count.destination;
  return {
    id: count.eventId,
    type: 'aid_trucks_crossed',
    source: count.source,
    occurredAt: '',
    reportedAt: '',
    payload,
  };
}

/** Whether an `aid_trucks_crossed` adds to the counts (not when it names its consignment). */
export function countsOnItsOwn(event: TruceEvent | { type: string; payload: unknown }): boolean {
  return (
    event.type !== 'aid_trucks_crossed' ||
    (event.payload as { consignment?: unknown }).consignment === undefined
  );
}
