import { z } from 'zod';
import { instant, slug } from '../agreement/schema.js';
import { aidPayloads } from './aid.js';
import { exchangePayloads } from './exchange.js';
import { incidentPayloads } from './incidents.js';
import { noticePayloads } from './notices.js';
import { count, eventId, keyIdPattern } from './primitives.js';

export {
  type BatchRowEvent,
  importedRowId,
  maxBatchRows,
  rowEventsOf,
} from './aid.js';
export type { EvidenceFile, IncidentGeometry, MeasureAction } from './incidents.js';
export { eventId, type Person, personId } from './primitives.js';

/**
 * Events are the only truth: what an organisation reports happened. One zod schema per type,
 * all in one discriminated union. Nothing is ever edited: `correction` and `retraction` are new
 * events that reference an earlier one.
 */

export const payloadSchemas = {
  ...aidPayloads,
  ...exchangePayloads,
  ...incidentPayloads,
  ...noticePayloads,
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
      checkpoint: slug.optional().describe('the checkpoint where the count was made'),
      mode: z
        .enum(['on_foot', 'vehicle'])
        .optional()
        .describe('how people moved; absent: not told apart'),
      vehicles: count.optional().describe('for mode vehicle: vehicles counted (count is people)'),
      periodMinutes: z
        .number()
        .int()
        .min(1)
        .max(1440)
        .optional()
        .describe('the count covers this many minutes up to occurredAt (60: an hourly count)'),
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
  // The head of the server's audit log (its hash chain, docs/SECURITY.md) written into the
  // ledger by the log operator, so that the witnesses who cosign the ledger vouch for the audit
  // log too: a line removed or edited afterwards no longer matches an anchor. Only the log's
  // operator may append one (the ledger refuses others); the engine ignores them.
  audit_anchored: z
    .object({
      chainSeq: z.number().int().min(1).describe('the audit line anchored: its chain number'),
      hash: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe('its chain hash (hex SHA-256), as GET /api/v1/audit/export gives it'),
    })
    .strict()
    .describe("the audit log's chain head, anchored in the ledger by the log operator"),
} as const;

export type EventType = keyof typeof payloadSchemas;
/** The event types that only the ledger reads; agreements cannot match them. */
export const keyEventTypes = ['key_registered', 'key_revoked'] as const;
export type KeyEventType = (typeof keyEventTypes)[number];
/**
 * Event types that carry other events (an imported file's rows, `rowEventsOf`): what they carry
 * is matched and counted, never the batch itself.
 */
export const batchEventTypes = ['aid_batch'] as const;
export type BatchEventType = (typeof batchEventTypes)[number];
/** The log operator's anchors of the audit log's chain head: agreements cannot match them. */
export const auditEventTypes = ['audit_anchored'] as const;
export type AuditEventType = (typeof auditEventTypes)[number];
// Obligations match reports about the agreement, never the ledger's own key events or anchors.
export type AgreementEventType = Exclude<EventType, KeyEventType | BatchEventType | AuditEventType>;
export const eventTypes = (Object.keys(payloadSchemas) as EventType[]).filter(
  (type): type is AgreementEventType =>
    !(keyEventTypes as readonly string[]).includes(type) &&
    !(batchEventTypes as readonly string[]).includes(type) &&
    !(auditEventTypes as readonly string[]).includes(type),
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

/** One variant per type, in the order of `payloadSchemas`: a type added there is in the union. */
type Variant = { [K in EventType]: ReturnType<typeof variant<K>> }[EventType];
const variants = (Object.keys(payloadSchemas) as EventType[]).map((type) => variant(type)) as [
  Variant,
  ...Variant[],
];

export const eventSchema = z.discriminatedUnion('type', variants);

export type TruceEvent = z.output<typeof eventSchema>;
export type TruceEventInput = z.input<typeof eventSchema>;
export type EventOf<T extends EventType> = Extract<TruceEvent, { type: T }>;
