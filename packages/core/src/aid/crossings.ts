import type { Agreement, CrossingDetails } from '../agreement/schema.js';
import type { Calendar } from '../engine/calendar.js';
import type { TruceEvent } from '../events/schema.js';

/**
 * Whether each crossing is open at an instant, and why: a reported closure or opening (the
 * latest report counts), a closed period the agreement declares, the week days it does not
 * open, its daily hours. Reports win over the plan when they are newer than the planned closure.
 */

export interface CrossingState {
  id: string;
  name: string;
  lat: number | null;
  lon: number | null;
  hours: { opens: string; closes: string } | null;
  closedOn: string[];
  trucksPerDay: number | null;
  direction: CrossingDetails['direction'] | null;
  closed: { from: string; until: string | null; reason: string | null }[];
  open: boolean;
  why: string;
  /** The latest crossing_opened or crossing_closed report about it known at the instant. */
  lastReport: {
    eventId: string;
    type: 'crossing_opened' | 'crossing_closed';
    at: string;
    source: string;
  } | null;
}

const weekDays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function crossingStates(
  agreement: Agreement,
  events: readonly TruceEvent[],
  asOf: number,
  calendar: Calendar,
): CrossingState[] {
  const latest = new Map<string, { event: TruceEvent; ms: number }>();
  for (const event of events) {
    if (event.type !== 'crossing_opened' && event.type !== 'crossing_closed') continue;
    const ms = Date.parse(event.occurredAt);
    if (ms > asOf || Date.parse(event.reportedAt) > asOf) continue;
    const crossing = event.payload.crossing;
    const known = latest.get(crossing);
    if (!known || ms > known.ms || (ms === known.ms && event.id > known.event.id)) {
      latest.set(crossing, { event, ms });
    }
  }
  const offset = calendar.offsetAt(asOf);
  const local = new Date(asOf + offset);
  const localMinutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const weekDay = weekDays[local.getUTCDay()] ?? 'sun';
  return agreement.places
    .filter((place) => place.kind === 'crossing')
    .map((place) => {
      const details = place.crossing;
      const closures = (details?.closed ?? []).map((c) => ({
        from: c.from,
        until: c.until ?? null,
        reason: c.reason ?? null,
        fromMs: Date.parse(c.from),
        untilMs: c.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(c.until),
      }));
      const report = latest.get(place.id) ?? null;
      const planned = closures.find((c) => c.fromMs <= asOf && asOf < c.untilMs) ?? null;
      let open: boolean;
      let why: string;
      if (report && (!planned || report.ms >= planned.fromMs)) {
        open = report.event.type === 'crossing_opened';
        const payload = report.event.payload as { for?: string; reason?: string };
        why = `${open ? 'opened' : 'closed'} as reported by ${report.event.source} at ${calendar.describe(report.ms)}${open && payload.for ? ` (for ${payload.for})` : ''}${!open && payload.reason ? `: ${payload.reason}` : ''}`;
      } else if (planned) {
        open = false;
        why = `closed${planned.until ? ` until ${calendar.describe(planned.untilMs)}` : ''}${planned.reason ? `: ${planned.reason}` : ''}`;
      } else {
        open = true;
        why = 'open';
      }
      if (open && details?.closedOn?.includes(weekDay)) {
        open = false;
        why = `does not open on ${weekDay}`;
      } else if (open && details?.hours) {
        const opens = minutesOf(details.hours.opens);
        const closes = minutesOf(details.hours.closes);
        const within =
          opens <= closes
            ? localMinutes >= opens && localMinutes < closes
            : localMinutes >= opens || localMinutes < closes;
        if (!within) {
          open = false;
          why = `outside its hours (${details.hours.opens}–${details.hours.closes})`;
        }
      }
      return {
        id: place.id,
        name: place.name,
        lat: place.lat ?? null,
        lon: place.lon ?? null,
        hours: details?.hours ?? null,
        closedOn: details?.closedOn ?? [],
        trucksPerDay: details?.trucksPerDay ?? null,
        direction: details?.direction ?? null,
        closed: closures.map(({ from, until, reason }) => ({ from, until, reason })),
        open,
        why,
        lastReport: report
          ? {
              eventId: report.event.id,
              type: report.event.type as 'crossing_opened' | 'crossing_closed',
              at: report.event.occurredAt,
              source: report.event.source,
            }
          : null,
      };
    });
}
