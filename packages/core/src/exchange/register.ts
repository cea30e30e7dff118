import type { EventOf, TruceEvent } from '../events/schema.js';

/**
 * The register of persons in an exchange, folded from events: who is held, named on a list,
 * handed to the ICRC, received, checked, reunited; remains returned, identified or not. Pure:
 * the same events and `asOf` always give the same register. Persons are pseudonymous ids; the
 * register never holds personal data (that is on the server, encrypted, see docs/EVENTS.md).
 */

export type PersonStatus =
  | 'held'
  | 'listed'
  | 'handed_to_icrc'
  | 'received'
  | 'medical_check'
  | 'reunited'
  | 'returned'
  | 'identified'
  | 'not_identified';

/** How far along the chain each status is; a step below the current one is out of order. */
const rank: Record<PersonStatus, number> = {
  held: 0,
  listed: 1,
  handed_to_icrc: 2,
  received: 3,
  returned: 3,
  medical_check: 4,
  identified: 4,
  // Owed again: the chain starts over with the next return.
  not_identified: 1,
  reunited: 5,
};

export interface HistoryEntry {
  status: PersonStatus;
  /** When it happened (the event's `occurredAt`). */
  at: string;
  eventId: string;
  /** The organisation that reported (and signed) it. */
  by: string;
  place?: string;
  forDay?: number;
}

export interface RegisterPerson {
  id: string;
  category: string | null;
  living: boolean | null;
  heldBy: string | null;
  releaseTo: string | null;
  status: PersonStatus;
  history: HistoryEntry[];
}

export const registerIssueCodes = [
  'EXCHANGE_PERSON_UNKNOWN',
  'EXCHANGE_NOT_ON_LIST',
  'EXCHANGE_STEP_DUPLICATE',
  'EXCHANGE_STEP_OUT_OF_ORDER',
  'EXCHANGE_STEP_WRONG_ORG',
  'EXCHANGE_REMAINS_NOT_IDENTIFIED',
] as const;
export type RegisterIssueCode = (typeof registerIssueCodes)[number];

/** Something in the events the register flags rather than silently accepts. */
export interface RegisterIssue {
  code: RegisterIssueCode;
  severity: 'error' | 'warning';
  eventId: string;
  person: string;
  message: string;
}

export interface Register {
  persons: RegisterPerson[];
  issues: RegisterIssue[];
}

export interface RegisterOptions {
  /** Events count once both their times have passed (as in the engine); default: all. */
  asOf?: string;
  /** Organisations that may correct anyone's report (the agreement's mediators). */
  mediators?: readonly string[];
  /** The organisation that runs handovers; it may perform any step. */
  icrc?: string;
}

type Entry =
  | { kind: 'register'; event: EventOf<'person_registered'> }
  | { kind: 'list'; event: EventOf<'names_list_delivered'> }
  | {
      kind: 'release';
      event: EventOf<'hostage_released' | 'prisoner_released' | 'remains_returned'>;
      persons: { id: string; category: string; living: boolean }[];
    }
  | { kind: 'step'; event: EventOf<'handover_step'> }
  | { kind: 'identified'; event: EventOf<'remains_identified'> }
  | { kind: 'not_identified'; event: TruceEvent; persons: string[] };

const releaseTypes = new Set(['hostage_released', 'prisoner_released', 'remains_returned']);
const unidentified = (category: string) => category.startsWith('unidentified');

/** The register as it stands at `asOf`. */
export function buildRegister(
  events: readonly TruceEvent[],
  options: RegisterOptions = {},
): Register {
  const asOf = options.asOf === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.asOf);
  const icrc = options.icrc ?? 'icrc';
  const mediators = new Set(options.mediators ?? []);
  const known = events.filter(
    (e) => Date.parse(e.occurredAt) <= asOf && Date.parse(e.reportedAt) <= asOf,
  );
  const byId = new Map(known.map((e) => [e.id, e]));

  // Corrections and retractions, applied as the engine applies them: the reporter's or a
  // mediator's; the latest correction (by reportedAt) wins; a retracted one no longer applies.
  const retracted = new Set<string>();
  const corrections = new Map<string, EventOf<'correction'>>();
  const mayRevise = (revision: TruceEvent, target: TruceEvent | undefined) =>
    target !== undefined && (revision.source === target.source || mediators.has(revision.source));
  for (const event of known) {
    if (event.type === 'retraction' && mayRevise(event, byId.get(event.payload.target)))
      retracted.add(event.payload.target);
  }
  for (const event of known) {
    if (event.type !== 'correction' || retracted.has(event.id)) continue;
    if (!mayRevise(event, byId.get(event.payload.target))) continue;
    const previous = corrections.get(event.payload.target);
    if (!previous || Date.parse(previous.reportedAt) <= Date.parse(event.reportedAt))
      corrections.set(event.payload.target, event);
  }

  const entries: Entry[] = [];
  for (const event of known) {
    if (retracted.has(event.id)) continue;
    const correction = corrections.get(event.id);
    const payload = (correction?.payload.payload ?? event.payload) as Record<string, unknown>;
    const view = { ...event, payload } as TruceEvent;
    if (view.type === 'person_registered') entries.push({ kind: 'register', event: view });
    else if (view.type === 'names_list_delivered') entries.push({ kind: 'list', event: view });
    else if (view.type === 'handover_step') entries.push({ kind: 'step', event: view });
    else if (view.type === 'remains_identified') entries.push({ kind: 'identified', event: view });
    else if (releaseTypes.has(view.type)) {
      const release = view as EventOf<'hostage_released'>;
      const persons = (Array.isArray(release.payload.persons) ? release.payload.persons : []).map(
        (p) => ({ id: p.id, category: p.category, living: p.living ?? true }),
      );
      // The return happened as reported; a correction that finds the remains are not those of
      // the person named is a later fact (not_identified below), not a rewrite of the return.
      const original = (event as EventOf<'hostage_released'>).payload.persons;
      const corrected = new Map(persons.map((p) => [p.id, p]));
      entries.push({
        kind: 'release',
        event: release,
        persons: original.map((p) => {
          const fixed = corrected.get(p.id);
          return fixed && !unidentified(fixed.category)
            ? fixed
            : { id: p.id, category: p.category, living: p.living ?? true };
        }),
      });
      if (correction) {
        // Remains found not to be those of the person named: a correction, and the person is
        // owed again (the schedule stops counting them; the register says not identified).
        const original = (event as EventOf<'remains_returned'>).payload.persons;
        const kept = new Set(persons.filter((p) => !unidentified(p.category)).map((p) => p.id));
        const lost = original.map((p) => p.id).filter((id) => !kept.has(id));
        if (lost.length) entries.push({ kind: 'not_identified', event: correction, persons: lost });
      }
    }
  }
  const time = (e: Entry) => Date.parse(e.event.occurredAt);
  entries.sort(
    (a, b) =>
      time(a) - time(b) ||
      Date.parse(a.event.reportedAt) - Date.parse(b.event.reportedAt) ||
      (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0),
  );

  const persons = new Map<string, RegisterPerson>();
  const issues: RegisterIssue[] = [];
  const hasRegistrations = entries.some((e) => e.kind === 'register');
  const hasLists = entries.some((e) => e.kind === 'list');
  const flag = (
    code: RegisterIssueCode,
    severity: RegisterIssue['severity'],
    event: TruceEvent,
    person: string,
    message: string,
  ) => issues.push({ code, severity, eventId: event.id, person, message });
  const blank = (id: string): RegisterPerson => ({
    id,
    category: null,
    living: null,
    heldBy: null,
    releaseTo: null,
    status: 'held',
    history: [],
  });
  const note = (person: RegisterPerson, status: PersonStatus, event: TruceEvent, extra = {}) => {
    person.history.push({
      status,
      at: event.occurredAt,
      eventId: event.id,
      by: event.source,
      ...extra,
    });
    person.status = status;
  };
  /** A chain step: flagged when repeated or when it comes after a later step. */
  const advance = (
    person: RegisterPerson,
    status: PersonStatus,
    event: TruceEvent,
    extra: Partial<HistoryEntry> = {},
  ) => {
    const current = rank[person.status];
    if (person.status === status && current > rank.listed) {
      flag(
        'EXCHANGE_STEP_DUPLICATE',
        'warning',
        event,
        person.id,
        `${person.id} is already ${status.replace(/_/g, ' ')} (${person.history.at(-1)?.eventId}); ${event.id} reports it again. Retract one of them if it is a double report.`,
      );
    } else if (rank[status] < current) {
      flag(
        'EXCHANGE_STEP_OUT_OF_ORDER',
        'warning',
        event,
        person.id,
        `${event.id} reports ${person.id} ${status.replace(/_/g, ' ')} at ${event.occurredAt}, after the later step ${person.status.replace(/_/g, ' ')} (${person.history.at(-1)?.eventId}). Check the times of both reports.`,
      );
      person.history.push({
        status,
        at: event.occurredAt,
        eventId: event.id,
        by: event.source,
        ...extra,
      });
      return;
    }
    note(person, status, event, extra);
  };
  const lookup = (id: string, event: TruceEvent): RegisterPerson | undefined => {
    const person = persons.get(id);
    if (!person) {
      flag(
        'EXCHANGE_PERSON_UNKNOWN',
        'error',
        event,
        id,
        `${event.id} names ${id}, who is in no register, list or release before it. Check the id; register the person first (person_registered) if it is right.`,
      );
    }
    return person;
  };
  const onList = new Map<string, string>();

  for (const entry of entries) {
    const { event } = entry;
    switch (entry.kind) {
      case 'register': {
        const { person, heldBy, releaseTo } = entry.event.payload;
        const record = persons.get(person.id) ?? blank(person.id);
        record.category = person.category;
        record.living = person.living;
        record.heldBy = heldBy;
        record.releaseTo = releaseTo ?? null;
        persons.set(person.id, record);
        if (record.history.length === 0) note(record, 'held', event);
        break;
      }
      case 'list': {
        for (const id of entry.event.payload.persons) {
          let person = persons.get(id);
          if (!person) {
            if (hasRegistrations) lookup(id, event);
            person = blank(id);
            persons.set(id, person);
          }
          onList.set(id, event.id);
          if (rank[person.status] <= rank.listed || person.status === 'not_identified')
            note(person, 'listed', event, { forDay: entry.event.payload.forDay });
          else
            person.history.push({
              status: 'listed',
              at: event.occurredAt,
              eventId: event.id,
              by: event.source,
              forDay: entry.event.payload.forDay,
            });
        }
        break;
      }
      case 'release': {
        const remains = event.type === 'remains_returned';
        for (const released of entry.persons) {
          let person = persons.get(released.id);
          if (!person) {
            // The ICRC's release report is authoritative on who crossed: it introduces persons
            // (prisoners are rarely registered beforehand); steps and lists do not.
            person = blank(released.id);
            persons.set(released.id, person);
          }
          person.category ??= released.category;
          person.living ??= released.living;
          if (hasLists && !onList.has(released.id) && event.type !== 'prisoner_released') {
            flag(
              'EXCHANGE_NOT_ON_LIST',
              'warning',
              event,
              released.id,
              `${event.id} releases ${released.id}, who was on no names list delivered before it.`,
            );
          }
          advance(person, remains ? 'returned' : 'received', event);
        }
        break;
      }
      case 'step': {
        const { persons: ids, step, place } = entry.event.payload;
        for (const id of ids) {
          const person = lookup(id, event);
          if (!person) continue;
          // A registered person handed over before any list named them: the release the
          // lists exist to announce, found at its first step rather than at the release.
          if (step === 'handed_to_icrc' && hasLists && person.heldBy !== null && !onList.has(id)) {
            flag(
              'EXCHANGE_NOT_ON_LIST',
              'warning',
              event,
              id,
              `${event.id} hands ${id} to the ICRC, who was on no names list delivered before it.`,
            );
          }
          const expected = step === 'handed_to_icrc' ? person.heldBy : person.releaseTo;
          if (expected && event.source !== expected && event.source !== icrc) {
            flag(
              'EXCHANGE_STEP_WRONG_ORG',
              'warning',
              event,
              id,
              `${step.replace(/_/g, ' ')} of ${id} is reported by ${event.source}; the chain of custody expects ${expected} or ${icrc} to sign it.`,
            );
          }
          // A release event and the receiving side's own "received" are two reports of one
          // transfer, not a duplicate.
          if (
            step === 'received' &&
            person.status === 'received' &&
            !person.history.some(
              (h) => h.status === 'received' && byId.get(h.eventId)?.type === 'handover_step',
            )
          ) {
            person.history.push({
              status: step,
              at: event.occurredAt,
              eventId: event.id,
              by: event.source,
              place,
            });
            continue;
          }
          advance(person, step, event, { place });
        }
        break;
      }
      case 'identified': {
        const { persons: ids, outcome } = entry.event.payload;
        for (const id of ids) {
          const person = lookup(id, event);
          if (!person) continue;
          if (outcome === 'not_identified') notIdentified(person, event);
          else advance(person, 'identified', event);
        }
        break;
      }
      case 'not_identified': {
        for (const id of entry.persons) {
          const person = persons.get(id);
          if (person) notIdentified(person, event);
        }
        break;
      }
    }
  }

  function notIdentified(person: RegisterPerson, event: TruceEvent) {
    note(person, 'not_identified', event);
    flag(
      'EXCHANGE_REMAINS_NOT_IDENTIFIED',
      'warning',
      event,
      person.id,
      `the remains returned as ${person.id} are not those of ${person.id} (${event.id}); ${person.id} is owed again.`,
    );
  }

  return {
    persons: [...persons.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    issues,
  };
}

/** How many persons are at each status: an aggregate, suppressed below `minimum` by callers. */
export function countByStatus(register: Register): Record<PersonStatus, number> {
  const counts = Object.fromEntries(Object.keys(rank).map((s) => [s, 0])) as Record<
    PersonStatus,
    number
  >;
  for (const person of register.persons) counts[person.status]++;
  return counts;
}
