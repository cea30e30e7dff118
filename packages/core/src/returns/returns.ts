import type { Agreement } from '../agreement/schema.js';
import { Calendar } from '../engine/calendar.js';
import type { Evaluation, Status } from '../engine/types.js';
import type { EventOf, TruceEvent } from '../events/schema.js';

/**
 * Returns of displaced people, counted by route, checkpoint, direction, mode and hour, from each
 * source apart, beside the permissions that allow them (returns on foot from Day 7, vehicles
 * after inspection): a return that is blocked or delayed shows as the permission's status next
 * to hours with no counts, and a count on a route whose permission was not yet honoured is
 * flagged, for the cell to check with both sides.
 */

export type ReturnMode = 'on_foot' | 'vehicle' | 'unspecified';

export interface ReturnCell {
  route: string;
  checkpoint: string | null;
  direction: string;
  mode: ReturnMode;
  /** The local hour the count ends in, `Day 9 07:00` form as an ISO instant with offset. */
  hour: string;
  day: number;
  /** People, per source (sources are never added together: they count the same crowd). */
  bySource: Record<string, number>;
  /** The highest figure among the sources, as the quotas' default. */
  highest: number;
}

export interface RoutePermission {
  obligation: string;
  title: string;
  mode: ReturnMode;
  status: Status;
  why: string;
  dueAt: string | null;
}

export interface RouteReturns {
  route: string;
  name: string;
  /** People per source over the whole period. */
  totals: Record<string, number>;
  firstCountAt: string | null;
  permissions: RoutePermission[];
  /** Counts of movement when the route was not reported open for it (before opening, closed). */
  flags: { eventId: string; message: string }[];
}

export interface ReturnsSummary {
  asOf: string;
  routes: RouteReturns[];
  cells: ReturnCell[];
}

/** Whether a route was open at `at` for movement of `mode`, by the last opening or closure. */
function routeStateAt(
  list: readonly { at: number; open: boolean; for: string }[],
  at: number,
  mode: ReturnMode,
): 'open' | 'closed' | 'never-opened' {
  let state: 'open' | 'closed' | 'never-opened' = 'never-opened';
  for (const change of list) {
    if (change.at > at) break;
    if (!change.open) state = 'closed';
    // An opening for pedestrians does not let vehicles through.
    else if (!(mode === 'vehicle' && /pedestrian|foot/.test(change.for))) state = 'open';
  }
  return state;
}

/** A permission's mode, from what its act names (`for: vehicles-after-inspection`…). */
function modeOf(act: { where?: Record<string, unknown> | undefined }): ReturnMode {
  const purpose = String(act.where?.for ?? '');
  if (purpose.includes('vehicle')) return 'vehicle';
  if (purpose.includes('pedestrian') || purpose.includes('foot')) return 'on_foot';
  return 'unspecified';
}

/**
 * The returns at `evaluation.asOf`: counts known by then (corrections and retractions are the
 * caller's to apply; the events API gives them as reported), grouped per hour and source, with
 * the permissions of each route from the engine's evaluation.
 */
export function returnsSummary(
  agreement: Agreement,
  events: Iterable<TruceEvent>,
  evaluation: Evaluation,
): ReturnsSummary {
  const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
  const asOf = Date.parse(evaluation.asOf);
  const counts: EventOf<'returns_counted'>[] = [];
  for (const event of events) {
    if (event.type !== 'returns_counted') continue;
    if (Date.parse(event.reportedAt) > asOf || Date.parse(event.occurredAt) > asOf) continue;
    counts.push(event);
  }
  counts.sort(
    (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : 1),
  );

  const statuses = new Map(evaluation.obligations.map((o) => [o.id, o]));
  const permissionsOf = new Map<string, RoutePermission[]>();
  for (const obligation of agreement.obligations) {
    if (obligation.kind !== 'permission') continue;
    const route = obligation.act.where?.crossing;
    if (typeof route !== 'string') continue;
    const status = statuses.get(obligation.id);
    if (!status) continue;
    const list = permissionsOf.get(route) ?? [];
    list.push({
      obligation: obligation.id,
      title: obligation.title,
      mode: modeOf(obligation.act),
      status: status.status,
      why: status.why,
      dueAt: status.dueAt,
    });
    permissionsOf.set(route, list);
  }

  // Openings and closures of each route, in time order: whether a count could have happened.
  const movements = new Map<string, { at: number; open: boolean; for: string }[]>();
  for (const event of events) {
    if (event.type !== 'crossing_opened' && event.type !== 'crossing_closed') continue;
    if (Date.parse(event.reportedAt) > asOf) continue;
    const list = movements.get(event.payload.crossing) ?? [];
    list.push({
      at: Date.parse(event.occurredAt),
      open: event.type === 'crossing_opened',
      for: event.type === 'crossing_opened' ? (event.payload.for ?? '') : '',
    });
    movements.set(event.payload.crossing, list);
  }
  for (const list of movements.values()) list.sort((a, b) => a.at - b.at);

  const cells = new Map<string, ReturnCell>();
  const routes = new Map<string, RouteReturns>();
  const names = new Map(agreement.places.map((p) => [p.id, p.name]));
  for (const event of counts) {
    const p = event.payload;
    const at = Date.parse(event.occurredAt);
    const day = calendar.dayOf(at);
    // The hour the count ends in: a count at 07:00 sharp closes the 06:00–07:00 hour.
    const hourStart = at - ((at - calendar.dayStart(day)) % 3_600_000 || 3_600_000);
    const mode: ReturnMode = p.mode ?? 'unspecified';
    const key = [p.route, p.checkpoint ?? '', p.direction, mode, hourStart].join('|');
    const cell = cells.get(key) ?? {
      route: p.route,
      checkpoint: p.checkpoint ?? null,
      direction: p.direction,
      mode,
      hour: calendar.format(hourStart),
      day: calendar.dayOf(hourStart),
      bySource: {},
      highest: 0,
    };
    cell.bySource[event.source] = (cell.bySource[event.source] ?? 0) + p.count;
    cell.highest = Math.max(...Object.values(cell.bySource));
    cells.set(key, cell);

    const route = routes.get(p.route) ?? {
      route: p.route,
      name: names.get(p.route) ?? p.route,
      totals: {},
      firstCountAt: null,
      permissions: permissionsOf.get(p.route) ?? [],
      flags: [],
    };
    route.totals[event.source] = (route.totals[event.source] ?? 0) + p.count;
    route.firstCountAt ??= event.occurredAt;
    const state = routeStateAt(movements.get(p.route) ?? [], at, mode);
    if (state !== 'open') {
      route.flags.push({
        eventId: event.id,
        message: `${p.count} counted on ${route.name} (${mode.replace('_', ' ')}) at ${event.occurredAt}, when ${state === 'closed' ? 'the route was reported closed' : 'no opening of the route for it had been reported'}${route.permissions.length ? ` (${route.permissions.map((c) => `${c.obligation}: ${c.status}`).join(', ')})` : ''}`,
      });
    }
    routes.set(p.route, route);
  }
  // Routes with a permission and no count yet: a return that has not started is news too.
  for (const [route, permissions] of permissionsOf) {
    if (routes.has(route)) continue;
    routes.set(route, {
      route,
      name: names.get(route) ?? route,
      totals: {},
      firstCountAt: null,
      permissions,
      flags: [],
    });
  }
  return {
    asOf: evaluation.asOf,
    routes: [...routes.values()],
    cells: [...cells.values()],
  };
}
