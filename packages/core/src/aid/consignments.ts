import { type EventOf, rowEventsOf, type TruceEvent } from '../events/schema.js';

/**
 * A consignment's life as its events tell it: registered → inspected (cleared or rejected) →
 * crossed → collected (or left uncollected, or intercepted) → at a warehouse → distributed.
 * The fold is pure and order-free: it sorts the steps by when they happened (then when reported,
 * then id), so the same events in any order give the same consignments. A step that repeats one
 * already taken, comes before the step it needs, or follows a rejection is kept visible as a
 * flag, never silently accepted or dropped.
 */

export const consignmentEventTypes = [
  'consignment_registered',
  'consignment_inspected',
  'consignment_crossed',
  'consignment_collected',
  'consignment_warehoused',
  'consignment_distributed',
] as const;
export type ConsignmentEventType = (typeof consignmentEventTypes)[number];
export type ConsignmentEvent = EventOf<ConsignmentEventType>;

/** Where a consignment is: the step it last reached, with the outcome of that step. */
export const consignmentStates = [
  'registered',
  'cleared',
  'rejected',
  'crossed',
  'collected',
  'uncollected',
  'intercepted',
  'warehoused',
  'distributed',
] as const;
export type ConsignmentState = (typeof consignmentStates)[number];

/** States a consignment waits in, so has a dwell time (the others end its journey). */
export const waitingStates = [
  'registered',
  'cleared',
  'crossed',
  'uncollected',
  'collected',
  'warehoused',
] as const satisfies readonly ConsignmentState[];
export type WaitingState = (typeof waitingStates)[number];

const terminal: ReadonlySet<ConsignmentState> = new Set(['rejected', 'intercepted', 'distributed']);

/** The position of each event type in the pipeline. */
const rank: Record<ConsignmentEventType, number> = {
  consignment_registered: 0,
  consignment_inspected: 1,
  consignment_crossed: 2,
  consignment_collected: 3,
  consignment_warehoused: 4,
  consignment_distributed: 5,
};

export type FlagKind =
  | 'duplicate'
  | 'out_of_order'
  | 'unregistered'
  | 'after_end'
  | 'mismatch'
  | 'count_without_crossing';

/** A step the fold did not take as reported, and why. */
export interface ConsignmentFlag {
  eventId: string;
  kind: FlagKind;
  message: string;
}

export interface ConsignmentStep {
  state: ConsignmentState;
  /** When the step happened (the event's occurredAt, as reported). */
  at: string;
  atMs: number;
  eventId: string;
  source: string;
  /** Free detail of the step: the rejection's reason, the collecting agency, the warehouse. */
  detail: string | null;
}

export interface Consignment {
  id: string;
  crossing: string | null;
  /** The crossing it actually went through, once crossed (may differ from the booking). */
  crossedAt: string | null;
  cargo: string | null;
  destination: string | null;
  trucks: number;
  /** Trucks that crossed (the registered trucks unless the crossing said otherwise). */
  trucksCrossed: number | null;
  halfLoaded: number | null;
  pallets: number | null;
  tonnes: number | null;
  sender: string | null;
  receiver: string | null;
  /** Organisations that reported its steps. */
  reportedBy: string[];
  state: ConsignmentState | null;
  /** When it entered its current state (ms); null before registration. */
  sinceMs: number | null;
  steps: ConsignmentStep[];
  flags: ConsignmentFlag[];
}

export interface FoldOptions {
  /** Only events known at this instant count (both occurred and reported by then). */
  asOf?: number;
  /** Organisations whose corrections and retractions apply to anyone's events (mediators). */
  revisers?: ReadonlySet<string>;
}

function isConsignmentEvent(event: TruceEvent): event is ConsignmentEvent {
  return (rank as Record<string, number | undefined>)[event.type] !== undefined;
}

export interface Timed {
  event: TruceEvent;
  occurredMs: number;
  reportedMs: number;
}

const normalOf = ({ event, occurredMs, reportedMs }: Timed): string =>
  JSON.stringify([event.type, event.source, occurredMs, reportedMs, event.payload]);

/**
 * Applies corrections and retractions as the engine does: the reporter or a reviser may revise,
 * the latest revision (by reportedAt, then id) wins, a retracted correction no longer applies.
 */
export function effectiveAidEvents(events: readonly TruceEvent[], options: FoldOptions): Timed[] {
  const asOf = options.asOf ?? Number.POSITIVE_INFINITY;
  const all = new Map<string, Timed>();
  const add = (event: TruceEvent) => {
    const timed = {
      event,
      occurredMs: Date.parse(event.occurredAt),
      reportedMs: Date.parse(event.reportedAt),
    };
    const earlier = all.get(event.id);
    // One id, one event, as in the engine: the same report again (a row of a file imported
    // under another name, whose rows keep their ids) is ignored; of two different ones, the
    // one whose JSON sorts first is kept, whatever the order they came in.
    if (earlier === undefined || normalOf(timed) < normalOf(earlier)) all.set(event.id, timed);
  };
  for (const event of events) {
    const rows = rowEventsOf(event);
    if (rows === undefined) add(event);
    else for (const row of rows) add(row);
  }
  const known: Timed[] = [];
  const byId = new Map<string, Timed>();
  for (const timed of all.values()) {
    if (timed.occurredMs > asOf || timed.reportedMs > asOf) continue;
    byId.set(timed.event.id, timed);
    known.push(timed);
  }
  const revisions = new Map<string, Timed[]>();
  const retracted = new Set<string>();
  const revisers = options.revisers ?? new Set<string>();
  const allowed = (revision: Timed, target: Timed | undefined) =>
    target !== undefined &&
    (revision.event.source === target.event.source || revisers.has(revision.event.source));
  // Retractions of corrections first, so that a retracted correction is not applied.
  for (const timed of known) {
    if (timed.event.type !== 'retraction') continue;
    const target = byId.get(timed.event.payload.target);
    if (allowed(timed, target)) retracted.add(timed.event.payload.target);
  }
  for (const timed of known) {
    if (timed.event.type !== 'correction' || retracted.has(timed.event.id)) continue;
    const target = byId.get(timed.event.payload.target);
    if (!target || !allowed(timed, target)) continue;
    const list = revisions.get(target.event.id) ?? [];
    list.push(timed);
    revisions.set(target.event.id, list);
  }
  const out: Timed[] = [];
  for (const timed of known) {
    if (!isConsignmentEvent(timed.event) && timed.event.type !== 'aid_trucks_crossed') continue;
    if (retracted.has(timed.event.id)) continue;
    const corrections = revisions.get(timed.event.id);
    if (!corrections) {
      out.push(timed);
      continue;
    }
    const latest = corrections.reduce((a, b) =>
      b.reportedMs > a.reportedMs || (b.reportedMs === a.reportedMs && b.event.id > a.event.id)
        ? b
        : a,
    );
    const payload = (latest.event as EventOf<'correction'>).payload.payload;
    out.push({ ...timed, event: { ...timed.event, payload } as TruceEvent });
  }
  return out;
}

const byTime = (a: Timed, b: Timed) =>
  a.occurredMs - b.occurredMs ||
  a.reportedMs - b.reportedMs ||
  (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0);

function blank(id: string): Consignment {
  return {
    id,
    crossing: null,
    crossedAt: null,
    cargo: null,
    destination: null,
    trucks: 0,
    trucksCrossed: null,
    halfLoaded: null,
    pallets: null,
    tonnes: null,
    sender: null,
    receiver: null,
    reportedBy: [],
    state: null,
    sinceMs: null,
    steps: [],
    flags: [],
  };
}

/** The state a step leads to, and the detail it carries. */
function stepOf(event: ConsignmentEvent): { state: ConsignmentState; detail: string | null } {
  switch (event.type) {
    case 'consignment_registered':
      return { state: 'registered', detail: `${event.payload.sender} → ${event.payload.receiver}` };
    case 'consignment_inspected':
      return event.payload.outcome === 'cleared'
        ? { state: 'cleared', detail: null }
        : { state: 'rejected', detail: event.payload.reason ?? null };
    case 'consignment_crossed':
      return { state: 'crossed', detail: event.payload.crossing };
    case 'consignment_collected':
      return {
        state: event.payload.outcome,
        detail: event.payload.by ?? event.payload.reason ?? null,
      };
    case 'consignment_warehoused':
      return { state: 'warehoused', detail: event.payload.warehouse };
    case 'consignment_distributed':
      return { state: 'distributed', detail: event.payload.area ?? null };
  }
}

function stateRank(state: ConsignmentState): number {
  switch (state) {
    case 'registered':
      return 0;
    case 'cleared':
    case 'rejected':
      return 1;
    case 'crossed':
      return 2;
    case 'uncollected':
    case 'collected':
    case 'intercepted':
      return 3;
    case 'warehoused':
      return 4;
    case 'distributed':
      return 5;
  }
}

function apply(consignment: Consignment, timed: Timed): void {
  const event = timed.event as ConsignmentEvent;
  const { state, detail } = stepOf(event);
  const step: ConsignmentStep = {
    state,
    at: event.occurredAt,
    atMs: timed.occurredMs,
    eventId: event.id,
    source: event.source,
    detail,
  };
  const flag = (kind: FlagKind, message: string) =>
    consignment.flags.push({ eventId: event.id, kind, message });
  if (!consignment.reportedBy.includes(event.source)) consignment.reportedBy.push(event.source);

  if (event.type === 'consignment_registered') {
    if (consignment.steps.some((s) => s.state === 'registered')) {
      flag('duplicate', `registered again (first: ${consignment.steps[0]?.eventId}); not applied`);
      return;
    }
    const p = event.payload;
    consignment.crossing = p.crossing;
    consignment.cargo = p.cargo;
    consignment.destination = p.destination;
    consignment.trucks = p.trucks;
    consignment.pallets = p.pallets ?? null;
    consignment.tonnes = p.tonnes ?? null;
    consignment.sender = p.sender;
    consignment.receiver = p.receiver;
    if (consignment.steps.length > 0) {
      // Steps reported as happening before the registration: keep them, flag them.
      for (const earlier of consignment.steps) {
        consignment.flags.push({
          eventId: earlier.eventId,
          kind: 'out_of_order',
          message: `${earlier.state} at ${earlier.at}, before the consignment was registered`,
        });
      }
      consignment.steps.unshift(step);
      return;
    }
    consignment.steps.push(step);
    consignment.state = 'registered';
    consignment.sinceMs = timed.occurredMs;
    return;
  }

  const current = consignment.state;
  if (current === null && !consignment.steps.some((s) => s.state === 'registered')) {
    flag('unregistered', `${state} reported for a consignment not (yet) registered`);
  }
  if (current !== null && terminal.has(current)) {
    flag('after_end', `${state} after the consignment was ${current}; shown, not applied`);
    consignment.steps.push(step);
    return;
  }
  const currentRank = current === null ? -1 : stateRank(current);
  const newRank = stateRank(state);
  // A consignment left uncollected may still be collected (or intercepted) later.
  const retryCollection = current === 'uncollected' && newRank === 3 && state !== 'uncollected';
  if (newRank === currentRank && !retryCollection) {
    const first = consignment.steps.find((s) => stateRank(s.state) === newRank);
    flag('duplicate', `${state} reported again (first: ${first?.eventId ?? '?'}); not applied`);
    return;
  }
  if (newRank < currentRank) {
    flag('out_of_order', `${state} after the consignment was already ${current}; not applied`);
    return;
  }
  if (newRank > currentRank + 1 && current !== null) {
    flag('out_of_order', `${state} straight after ${current}, without ${nextAfter(current)}`);
  }
  if (event.type === 'consignment_crossed') {
    consignment.crossedAt = event.payload.crossing;
    consignment.trucksCrossed = event.payload.trucks ?? consignment.trucks;
    consignment.halfLoaded = event.payload.halfLoaded ?? null;
    if (consignment.crossing !== null && consignment.crossing !== event.payload.crossing) {
      flag(
        'mismatch',
        `crossed at ${event.payload.crossing}, booked through ${consignment.crossing}`,
      );
    }
  }
  consignment.steps.push(step);
  consignment.state = state;
  consignment.sinceMs = timed.occurredMs;
}

function nextAfter(state: ConsignmentState): string {
  switch (state) {
    case 'registered':
      return 'inspection';
    case 'cleared':
      return 'crossing';
    case 'crossed':
    case 'uncollected':
      return 'collection';
    case 'collected':
      return 'a warehouse';
    case 'warehoused':
      return 'distribution';
    default:
      return 'nothing';
  }
}

/**
 * Every consignment the events mention, in order of id. `aid_trucks_crossed` events that name a
 * consignment are checked against it: a count for a consignment that never crossed is flagged
 * (the quotas count a consignment's trucks at its crossing step, not at the linked count).
 */
export function foldConsignments(
  events: readonly TruceEvent[],
  options: FoldOptions = {},
): Consignment[] {
  const timed = effectiveAidEvents(events, options).sort(byTime);
  const consignments = new Map<string, Consignment>();
  const linked: Timed[] = [];
  for (const item of timed) {
    if (item.event.type === 'aid_trucks_crossed') {
      if (item.event.payload.consignment !== undefined) linked.push(item);
      continue;
    }
    const id = (item.event as ConsignmentEvent).payload.consignment;
    let consignment = consignments.get(id);
    if (!consignment) {
      consignment = blank(id);
      consignments.set(id, consignment);
    }
    apply(consignment, item);
  }
  for (const item of linked) {
    const event = item.event as EventOf<'aid_trucks_crossed'>;
    const id = event.payload.consignment ?? '';
    const consignment = consignments.get(id);
    if (!consignment) continue;
    if (consignment.crossedAt === null) {
      consignment.flags.push({
        eventId: event.id,
        kind: 'count_without_crossing',
        message: `${event.source} counts ${event.payload.count} trucks of it at ${event.payload.crossing}, but no crossing step is reported`,
      });
    }
  }
  return [...consignments.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The time a consignment spent in each state it left, and how long it has been in its current one. */
export interface Dwell {
  consignment: string;
  state: WaitingState;
  /** The crossing the consignment is booked through (or crossed at). */
  crossing: string;
  fromMs: number;
  /** null while it is still in that state. */
  untilMs: number | null;
  hours: number;
}

const waiting: ReadonlySet<ConsignmentState> = new Set(waitingStates);

/** Each consignment's stays in each waiting state, up to `asOf` for the current one. */
export function dwellsOf(consignment: Consignment, asOf: number): Dwell[] {
  const crossing = consignment.crossedAt ?? consignment.crossing ?? 'unknown';
  // Steps shown after the end of its journey are not where the consignment is.
  const ignored = new Set(
    consignment.flags.filter((f) => f.kind === 'after_end').map((f) => f.eventId),
  );
  const applied = consignment.steps.filter((step) => !ignored.has(step.eventId));
  const out: Dwell[] = [];
  for (let i = 0; i < applied.length; i++) {
    const step = applied[i];
    if (!step || !waiting.has(step.state)) continue;
    const next = applied[i + 1];
    const untilMs = next ? next.atMs : null;
    const end = untilMs ?? asOf;
    if (end < step.atMs) continue;
    out.push({
      consignment: consignment.id,
      state: step.state as WaitingState,
      crossing,
      fromMs: step.atMs,
      untilMs,
      hours: (end - step.atMs) / 3_600_000,
    });
  }
  return out;
}
