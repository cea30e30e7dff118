import { aidPayloads } from './aid.js';
import { exchangePayloads } from './exchange.js';
import { incidentPayloads } from './incidents.js';
import { noticePayloads } from './notices.js';
import type { EventType } from './schema.js';

/**
 * The domain each event type belongs to. The ledger labels every entry with its event's domain
 * (`entry_kinds`), so that a view of one domain (the aid pipeline, the incident queue, the
 * exchange register…) reads its own events by index instead of scanning the whole log.
 *
 * `revisions` (corrections, retractions) name their target by id, not by type: a view reads its
 * domain and the revisions, and keeps the revisions that concern it. `key` is the ledger's own
 * registry of signing keys, the label it has always given them; `audit` the operator's anchors of
 * the audit log's chain head.
 */
export const eventDomains = [
  'aid',
  'crossings',
  'exchange',
  'incidents',
  'notices',
  'returns',
  'security',
  'talks',
  'revisions',
  'key',
  'audit',
] as const;
export type EventDomain = (typeof eventDomains)[number];

const group = <T extends object>(payloads: T, domain: EventDomain) =>
  Object.fromEntries(Object.keys(payloads).map((type) => [type, domain])) as Record<
    keyof T,
    EventDomain
  >;

// Exhaustive by type: a new event type does not compile until it is given a domain. Changing
// the domain of an existing type would leave older entries under the old label (migration 13
// labelled the logs of its time): add a migration that relabels them if that is ever needed.
const domainByType: Record<EventType, EventDomain> = {
  ...group(aidPayloads, 'aid'),
  ...group(exchangePayloads, 'exchange'),
  ...group(incidentPayloads, 'incidents'),
  ...group(noticePayloads, 'notices'),
  crossing_opened: 'crossings',
  crossing_closed: 'crossings',
  returns_counted: 'returns',
  withdrawal_completed: 'security',
  flight_observed: 'security',
  talks_started: 'talks',
  talks_ended: 'talks',
  correction: 'revisions',
  retraction: 'revisions',
  key_registered: 'key',
  key_revoked: 'key',
  audit_anchored: 'audit',
};

/** The domain of an event type; undefined for a type truce does not know. */
export function domainOfEventType(type: string): EventDomain | undefined {
  return Object.hasOwn(domainByType, type) ? domainByType[type as EventType] : undefined;
}
