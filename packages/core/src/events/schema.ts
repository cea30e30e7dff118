import { z } from 'zod';
import { instant, slug } from '../agreement/schema.js';

/**
 * Events are the only truth: what an organisation reports happened. One zod schema per type,
 * all in one discriminated union. Nothing is ever edited: `correction` and `retraction` are new
 * events that reference an earlier one.
 */

export const eventId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" or "-"');

/** A pseudonymous person id; never a name. */
export const personId = z
  .string()
  .regex(/^[A-Z]{1,3}-[0-9A-Z]{1,12}$/, 'a pseudonymous id such as H-0001 or P-0001');

const person = z
  .object({
    id: personId,
    category: slug,
    living: z.boolean().default(true),
  })
  .strict();

const keyIdPattern = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*:[0-9a-f]{16}$/, 'a key id: <org>:<16 hex digits>');

const count = z.number().int().min(0).max(1_000_000);

const measureAction = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('addItem'), obligation: slug, day: z.number().int(), count: count })
    .strict(),
  z
    .object({
      kind: z.literal('moveItem'),
      obligation: slug,
      fromDay: z.number().int(),
      toDay: z.number().int(),
    })
    .strict(),
  z
    .object({ kind: z.literal('delay'), obligation: slug, days: z.number().int().min(1).max(365) })
    .strict(),
  z.object({ kind: z.literal('waive'), obligation: slug }).strict(),
  z
    .object({
      kind: z.literal('suspend'),
      obligation: slug,
      fromDay: z.number().int(),
      untilDay: z.number().int(),
    })
    .strict(),
]);

const claim = z
  .object({
    by: slug,
    claim: z.string().min(1).max(4000),
    evidence: z.array(eventId).default([]),
  })
  .strict();

export const payloadSchemas = {
  aid_trucks_crossed: z
    .object({
      crossing: slug,
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      destination: slug.optional().describe('north, south…'),
      count,
      halfLoaded: count.optional().describe('of `count`, trucks not fully loaded'),
      consignment: z.string().max(128).optional(),
    })
    .strict(),
  aid_items_delivered: z
    .object({
      crossing: slug.optional(),
      item: slug.describe('tents, caravans, …'),
      count,
      destination: slug.optional(),
    })
    .strict(),
  hostage_released: z.object({ persons: z.array(person).min(1).max(10_000) }).strict(),
  prisoner_released: z
    .object({
      persons: z.array(person).min(1).max(10_000),
      inExchangeFor: z.array(personId).optional(),
    })
    .strict(),
  remains_returned: z.object({ persons: z.array(person).min(1).max(1000) }).strict(),
  release_withheld: z
    .object({
      obligation: slug,
      persons: count.describe('how many releases are held back'),
      reason: z.string().min(1).max(4000),
    })
    .strict(),
  names_list_delivered: z
    .object({
      forDay: z.number().int(),
      persons: z.array(personId).max(10_000),
    })
    .strict(),
  withdrawal_completed: z.object({ zone: slug }).strict(),
  flight_observed: z
    .object({
      endedAt: instant,
      area: slug.optional(),
      purpose: slug.default('surveillance'),
    })
    .strict(),
  talks_started: z.object({ phase: slug }).strict(),
  talks_ended: z
    .object({ phase: slug, outcome: z.enum(['concluded', 'suspended', 'collapsed']) })
    .strict(),
  crossing_opened: z
    .object({ crossing: slug, for: z.string().max(200).optional() })
    .strict()
    .describe('a crossing, route or checkpoint opened to the movement the agreement allows'),
  crossing_closed: z.object({ crossing: slug, reason: z.string().max(4000).optional() }).strict(),
  returns_counted: z
    .object({
      route: slug,
      count,
      direction: z.enum(['north', 'south', 'in', 'out']).default('north'),
    })
    .strict(),
  incident_reported: z
    .object({
      incident: z.string().min(1).max(128),
      category: z.enum([
        'fire',
        'incursion',
        'flight',
        'obstruction_of_aid',
        'obstruction_of_returns',
        'ill_treatment',
        'other',
      ]),
      obligation: slug.optional().describe('the obligation allegedly breached'),
      against: slug.optional(),
      place: slug.optional(),
      lat: z.number().min(-90).max(90).optional(),
      lon: z.number().min(-180).max(180).optional(),
      description: z.string().max(10_000),
    })
    .strict(),
  finding_recorded: z
    .object({
      incident: z.string().min(1).max(128),
      outcome: z.enum(['confirmed', 'unfounded', 'inconclusive']),
      obligation: slug.optional(),
      attributedTo: slug.optional(),
      summary: z.string().max(10_000),
    })
    .strict(),
  dispute_opened: z
    .object({
      dispute: z.string().min(1).max(128),
      obligations: z.array(slug).min(1),
      subject: z.string().max(4000),
      claims: z.array(claim).min(1),
    })
    .strict(),
  dispute_resolved: z
    .object({
      dispute: z.string().min(1).max(128),
      decision: z.string().min(1).max(10_000),
      measures: z.array(measureAction).default([]),
    })
    .strict(),
  correction: z
    .object({
      target: eventId,
      payload: z.record(z.string(), z.unknown()).describe('the full corrected payload'),
      reason: z.string().min(1).max(4000),
    })
    .strict(),
  retraction: z.object({ target: eventId, reason: z.string().min(1).max(4000) }).strict(),
  // Key events: the ledger's registry of the public keys that sign envelopes, kept in the log
  // itself so that an export carries everything needed to verify it (docs/LEDGER.md says who
  // may register and revoke). They say nothing about the agreement: the engine ignores them.
  key_registered: z
    .object({
      org: slug.describe('the organisation the key signs for'),
      keyId: keyIdPattern.describe('<org>:<hex of the first 8 bytes of SHA-256 of the raw key>'),
      publicKey: z
        .string()
        .min(1)
        .max(512)
        .describe(
          'the Ed25519 public key: a verifier key string <name>+<hash>+<base64>, or the 32 raw bytes in base64',
        ),
      proof: z
        .string()
        .regex(/^[A-Za-z0-9_-]{86}$/, 'an unpadded base64url Ed25519 signature')
        .describe('proof of possession: the new key signs the registration (docs/LEDGER.md)'),
      validFrom: instant
        .optional()
        .describe('envelopes of events reported before this instant do not verify with the key'),
    })
    .strict(),
  key_revoked: z
    .object({
      keyId: keyIdPattern,
      reason: z.string().min(1).max(4000),
    })
    .strict(),
} as const;

export type EventType = keyof typeof payloadSchemas;
/** The event types that only the ledger reads; agreements cannot match them. */
export const keyEventTypes = ['key_registered', 'key_revoked'] as const;
export type KeyEventType = (typeof keyEventTypes)[number];
// Obligations match reports about the agreement, never the ledger's own key events.
export type AgreementEventType = Exclude<EventType, KeyEventType>;
export const eventTypes = (Object.keys(payloadSchemas) as EventType[]).filter(
  (type): type is AgreementEventType => !(keyEventTypes as readonly string[]).includes(type),
);

const envelope = {
  id: eventId,
  occurredAt: instant.describe('when it happened, with offset'),
  reportedAt: instant.describe('when it was reported, with offset'),
  source: slug.describe('the reporting organisation'),
};

function variant<T extends EventType>(type: T) {
  return z.object({ ...envelope, type: z.literal(type), payload: payloadSchemas[type] }).strict();
}

export const eventSchema = z.discriminatedUnion('type', [
  variant('aid_trucks_crossed'),
  variant('aid_items_delivered'),
  variant('hostage_released'),
  variant('prisoner_released'),
  variant('remains_returned'),
  variant('release_withheld'),
  variant('names_list_delivered'),
  variant('withdrawal_completed'),
  variant('flight_observed'),
  variant('talks_started'),
  variant('talks_ended'),
  variant('crossing_opened'),
  variant('crossing_closed'),
  variant('returns_counted'),
  variant('incident_reported'),
  variant('finding_recorded'),
  variant('dispute_opened'),
  variant('dispute_resolved'),
  variant('correction'),
  variant('retraction'),
  variant('key_registered'),
  variant('key_revoked'),
]);

export type TruceEvent = z.output<typeof eventSchema>;
export type TruceEventInput = z.input<typeof eventSchema>;
export type EventOf<T extends EventType> = Extract<TruceEvent, { type: T }>;
export type Person = z.output<typeof person>;
export type MeasureAction = z.output<typeof measureAction>;
