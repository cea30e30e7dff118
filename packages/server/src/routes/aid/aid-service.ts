import {
  type Agreement,
  aid,
  Calendar,
  parseInstant,
  rowEventsOf,
  TruceError,
  type TruceEvent,
} from '@truce/core';
import { readDomainEvents } from '../../ledger/domain-events.js';
import type { Store } from '../../store/index.js';
import type { AgreementsService } from '../agreements/agreements-service.js';

/** The event types the aid views read: counts, consignments and what revises them. */
const aidTypes = [
  'aid_trucks_crossed',
  // An imported file's rows: the core's aid folds open the batches (rowEventsOf).
  'aid_batch',
  ...aid.consignmentEventTypes,
  'crossing_opened',
  'crossing_closed',
  'correction',
  'retraction',
];

export interface ConsignmentFilter {
  state?: string | undefined;
  crossing?: string | undefined;
  cargo?: string | undefined;
  destination?: string | undefined;
  flagged?: boolean | undefined;
  /** Only consignments waiting longer than their state's threshold. */
  stuck?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
}

interface View {
  agreement: Agreement;
  calendar: Calendar;
  asOf: number;
  events: TruceEvent[];
  revisers: ReadonlySet<string>;
}

/**
 * The aid pipeline over the ledger: crossings and their state, consignments folded from their
 * events, dwell times and each day's sources reconciled, all derived by the core at `asOf`
 * (default: the cell's now), never stored. Events are read incrementally by type; the cache is
 * disposable, keyed by log position.
 */
export class AidService {
  readonly #store: Store;
  readonly #agreements: AgreementsService;
  readonly #clock: () => Date;
  #cache: { events: TruceEvent[]; nextSeq: number } = { events: [], nextSeq: 0 };

  constructor(store: Store, agreements: AgreementsService, clock: () => Date) {
    this.#store = store;
    this.#agreements = agreements;
    this.#clock = clock;
  }

  async #events(): Promise<TruceEvent[]> {
    const size = await this.#store.size();
    if (size > this.#cache.nextSeq) {
      const from = this.#cache.nextSeq;
      // Index reads of the aid, crossing and revision entries, never a scan of the log.
      const events = await readDomainEvents(
        this.#store,
        ['aid', 'crossings', 'revisions'],
        from,
        size,
        aidTypes,
      );
      // An imported file's batches are opened once, here, into the rows the views fold (the
      // core's folds would open them too, but on every request).
      const rows = events.flatMap((event) => rowEventsOf(event) ?? [event]);
      // Concurrent readers may both catch up; only the first to reach a position appends.
      if (this.#cache.nextSeq === from) {
        this.#cache = { events: [...this.#cache.events, ...rows], nextSeq: size };
      }
    }
    return this.#cache.events;
  }

  async #view(asOfText: string | undefined): Promise<View> {
    const id = await this.#agreements.currentId();
    if (id === undefined) {
      throw new TruceError(
        'NOT_FOUND',
        'no agreement has been uploaded yet; a mediator uploads one with POST /api/v1/agreements',
      );
    }
    const agreement = (await this.#agreements.versions(id)).at(-1);
    if (!agreement) throw new TruceError('NOT_FOUND', `no agreement ${id}`);
    const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
    const asOf = asOfText === undefined ? this.#clock().getTime() : parseInstant(asOfText);
    const revisers = new Set(
      agreement.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id),
    );
    return { agreement, calendar, asOf, events: await this.#events(), revisers };
  }

  async crossings(asOfText?: string) {
    const view = await this.#view(asOfText);
    return {
      asOf: view.calendar.format(view.asOf),
      crossings: aid
        .crossingStates(view.agreement, view.events, view.asOf, view.calendar)
        .map((c) => ({ ...c })),
    };
  }

  #fold(view: View) {
    return aid.foldConsignments(view.events, { asOf: view.asOf, revisers: view.revisers });
  }

  async consignments(asOfText: string | undefined, filter: ConsignmentFilter) {
    const view = await this.#view(asOfText);
    const thresholds = aid.defaultStuckHours;
    const rows = this.#fold(view)
      .map((c) => ({ consignment: c, dwell: currentDwell(c, view.asOf) }))
      .filter(({ consignment: c, dwell }) => {
        if (filter.state !== undefined && c.state !== filter.state) return false;
        if (filter.crossing !== undefined && (c.crossedAt ?? c.crossing) !== filter.crossing)
          return false;
        if (filter.cargo !== undefined && c.cargo !== filter.cargo) return false;
        if (filter.destination !== undefined && c.destination !== filter.destination) return false;
        if (filter.flagged !== undefined && c.flags.length > 0 !== filter.flagged) return false;
        if (filter.stuck) {
          const limit = dwell ? thresholds[dwell.state] : undefined;
          if (!dwell || limit === undefined || dwell.hours <= limit) return false;
        }
        if (filter.cursor !== undefined && c.id <= filter.cursor) return false;
        return true;
      });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      asOf: view.calendar.format(view.asOf),
      consignments: page.map(({ consignment, dwell }) =>
        summary(consignment, dwell, view.calendar),
      ),
      nextCursor: rows.length > filter.limit && last ? last.consignment.id : null,
    };
  }

  async consignment(id: string, asOfText?: string) {
    const view = await this.#view(asOfText);
    const found = this.#fold(view).find((c) => c.id === id);
    if (!found) {
      throw new TruceError(
        'NOT_FOUND',
        `no consignment "${id}" in the events known at ${view.calendar.format(view.asOf)}; list them with GET /api/v1/aid/consignments`,
      );
    }
    return {
      asOf: view.calendar.format(view.asOf),
      ...summary(found, currentDwell(found, view.asOf), view.calendar),
      steps: found.steps.map(({ atMs: _atMs, ...step }) => step),
      flags: found.flags,
      dwells: aid.dwellsOf(found, view.asOf).map((d) => ({
        state: d.state,
        from: view.calendar.format(d.fromMs),
        until: d.untilMs === null ? null : view.calendar.format(d.untilMs),
        hours: Math.round(d.hours * 10) / 10,
      })),
    };
  }

  async pipeline(asOfText: string | undefined, fromDay?: number, untilDay?: number) {
    const view = await this.#view(asOfText);
    const consignments = this.#fold(view);
    const { byCrossing, byDay } = aid.summariseDwell(consignments, {
      asOf: view.asOf,
      dayOf: (ms) => view.calendar.dayOf(ms),
    });
    const states = new Map<string, Map<string, number>>();
    for (const c of consignments) {
      if (c.state === null) continue;
      const crossing = c.crossedAt ?? c.crossing ?? 'unknown';
      const counts = states.get(crossing) ?? new Map<string, number>();
      counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
      states.set(crossing, counts);
    }
    return {
      asOf: view.calendar.format(view.asOf),
      day: view.calendar.dayOf(view.asOf),
      stuckAfterHours: { ...aid.defaultStuckHours },
      states: [...states.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([crossing, counts]) => ({ crossing, counts: Object.fromEntries(counts) })),
      flagged: consignments.filter((c) => c.flags.length > 0).length,
      byCrossing: byCrossing.map((s) => ({ ...s })),
      byDay: byDay
        .map((s) => ({ ...s }))
        .filter(
          (s) =>
            (fromDay === undefined || (s.day ?? 0) >= fromDay) &&
            (untilDay === undefined || (s.day ?? 0) <= untilDay),
        ),
    };
  }

  async reconciliation(asOfText: string | undefined, fromDay?: number, untilDay?: number) {
    const view = await this.#view(asOfText);
    const days = aid.reconcileDaily(view.agreement, view.events, {
      asOf: view.asOf,
      calendar: view.calendar,
      revisers: view.revisers,
      fromDay,
      untilDay,
    });
    return {
      asOf: view.calendar.format(view.asOf),
      profiles: (view.agreement.sourceProfiles ?? []).map((p) => ({ ...p })),
      days: days.map((d) => ({
        ...d,
        reconciliation: d.reconciliation.map((p) => ({ ...p })),
        text: d.reconciliation.map(aid.describePair),
        cells: d.cells.map((c) => ({
          ...c,
          reconciliation: c.reconciliation.map((p) => ({ ...p })),
          text: c.reconciliation.map(aid.describePair),
        })),
      })),
    };
  }
}

function currentDwell(consignment: aid.Consignment, asOf: number): aid.Dwell | null {
  return aid.dwellsOf(consignment, asOf).find((d) => d.untilMs === null) ?? null;
}

function summary(c: aid.Consignment, dwell: aid.Dwell | null, calendar: Calendar) {
  const since = c.sinceMs === null ? null : calendar.format(c.sinceMs);
  return {
    id: c.id,
    state: c.state,
    since,
    hoursInState: dwell ? Math.round(dwell.hours * 10) / 10 : null,
    crossing: c.crossing,
    crossedAt: c.crossedAt,
    cargo: c.cargo,
    destination: c.destination,
    trucks: c.trucks,
    trucksCrossed: c.trucksCrossed,
    halfLoaded: c.halfLoaded,
    pallets: c.pallets,
    tonnes: c.tonnes,
    sender: c.sender,
    receiver: c.receiver,
    reportedBy: c.reportedBy,
    flagCount: c.flags.length,
  };
}
