import { payloadSchemas, rowEventsOf, type TruceEvent } from '@truce/core';

/** An event as it stands at an instant: corrected payload, or gone when retracted. */
export interface EffectiveEvent {
  event: TruceEvent;
  occurredAt: number;
  reportedAt: number;
  /** The correction that gave this payload, when one applies. */
  correctedBy: string | null;
}

type Revision = Extract<TruceEvent, { type: 'correction' | 'retraction' }>;

/**
 * The events known at `asOf` (both `occurredAt` and `reportedAt` passed), with corrections and
 * retractions applied by the rules the engine applies (docs/AGREEMENT-FORMAT.md, "What events
 * do"): only the reporter or a mediator may revise a report, the latest applicable correction by
 * `reportedAt` then id wins, a retracted revision no longer applies.
 *
 * The engine keeps this view private (it counts through it); the sitrep needs it to list the
 * day's releases, returns and incidents, which no obligation counts. Its counts are checked
 * against the engine's in `model.test.ts`. Revisions are not listed themselves.
 */
export function effectiveEvents(
  events: readonly TruceEvent[],
  asOf: number,
  mediators: ReadonlySet<string>,
): EffectiveEvent[] {
  const byId = new Map<string, TruceEvent>();
  const revisionsOf = new Map<string, Revision[]>();
  // An imported file's batch stands for its rows, each a report of its own (as the engine counts).
  const opened = events.some((event) => event.type === 'aid_batch')
    ? events.flatMap((event): TruceEvent[] => rowEventsOf(event) ?? [event])
    : events;
  for (const event of opened) {
    byId.set(event.id, event);
    if (event.type === 'correction' || event.type === 'retraction') {
      const list = revisionsOf.get(event.payload.target) ?? [];
      list.push(event);
      revisionsOf.set(event.payload.target, list);
    }
  }
  const known = (event: TruceEvent) =>
    Date.parse(event.occurredAt) <= asOf && Date.parse(event.reportedAt) <= asOf;
  const authorised = (original: TruceEvent, revision: TruceEvent) =>
    revision.source === original.source || mediators.has(revision.source);

  const out: EffectiveEvent[] = [];
  for (const event of opened) {
    if (event.type === 'correction' || event.type === 'retraction') continue;
    if (!known(event)) continue;
    const applicable = (revisionsOf.get(event.id) ?? [])
      .filter(
        (revision) =>
          Date.parse(revision.reportedAt) <= asOf &&
          authorised(event, revision) &&
          !(revisionsOf.get(revision.id) ?? []).some(
            (voiding) =>
              voiding.type === 'retraction' &&
              Date.parse(voiding.reportedAt) <= asOf &&
              authorised(revision, voiding),
          ),
      )
      .sort(
        (a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt) || (a.id < b.id ? -1 : 1),
      );
    let current: EffectiveEvent | null = {
      event,
      occurredAt: Date.parse(event.occurredAt),
      reportedAt: Date.parse(event.reportedAt),
      correctedBy: null,
    };
    for (const revision of applicable) {
      if (revision.type === 'retraction') {
        current = null;
        break;
      }
      const parsed = payloadSchemas[event.type].safeParse(revision.payload.payload);
      if (parsed.success && current) {
        current = {
          ...current,
          event: { ...event, payload: parsed.data } as TruceEvent,
          correctedBy: revision.id,
        };
      }
    }
    if (current) out.push(current);
  }
  return out;
}
