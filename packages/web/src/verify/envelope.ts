import { fromBase64Url, isWellFormed } from './bytes.js';

/**
 * The shape of signed envelopes and of their events, as the core's `envelope.ts`
 * (`envelopeProblems`) and the event schema (`events/schema.ts`) define them. The browser
 * verifier checks the envelope completely, the generic part of every event (members, id, times,
 * source) and the payloads of the two key events in full; the payloads of the agreement's event
 * types are the zod schema's business and are not checked here (their signatures are).
 */

export interface SignedEnvelope {
  v: 1;
  id: string;
  org: string;
  keyId: string;
  idempotencyKey: string;
  event: Record<string, unknown>;
  sig: string;
}

export interface KeyRegisteredPayload {
  org: string;
  keyId: string;
  publicKey: string;
  proof: string;
  validFrom?: string;
}

export interface KeyRevokedPayload {
  keyId: string;
  reason: string;
}

export type CheckedEvent =
  | { kind: 'key_registered'; reportedAt: string; payload: KeyRegisteredPayload }
  | { kind: 'key_revoked'; reportedAt: string; payload: KeyRevokedPayload }
  | { kind: 'other'; type: string; reportedAt: string };

const slugPattern = /^[a-z0-9][a-z0-9._-]*$/;
const eventIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const keyIdPattern = /^[a-z0-9][a-z0-9._-]*:[0-9a-f]{16}$/;
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const proofPattern = /^[A-Za-z0-9_-]{86}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: idempotency keys are printable text
const controlCharacter = /[\u0000-\u001f\u007f]/;
const maxIdempotencyKeyLength = 256;

export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 120 && slugPattern.test(value);
}

export function isEventId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 128 &&
    eventIdPattern.test(value)
  );
}

export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && keyIdPattern.test(value);
}

/** An ISO 8601 instant with an offset that names a real date and time (core `instant`). */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !instantPattern.test(value)) return false;
  if (Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour, minute] = [0, 5, 8, 11, 14].map((at, i) =>
    Number(value.slice(at, at + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Unknown and missing members of `record`, given the required and optional ones. */
function memberProblems(
  record: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[] = [],
  prefix = '',
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!required.includes(key) && !optional.includes(key)) {
      problems.push(`${prefix}${key}: unknown member`);
    }
  }
  for (const key of required) if (!(key in record)) problems.push(`${prefix}${key}: missing`);
  return problems;
}

const envelopeMembers = ['v', 'id', 'org', 'keyId', 'idempotencyKey', 'event', 'sig'] as const;

/** The envelope, or what is wrong with its shape (not its signature). */
export function checkEnvelope(value: unknown): SignedEnvelope | string[] {
  if (!isRecord(value)) return ['an envelope is a JSON object'];
  const problems = memberProblems(value, envelopeMembers);
  if ('v' in value && value.v !== 1) problems.push('v: unsupported envelope version (not 1)');
  if ('id' in value && !isEventId(value.id)) problems.push('id: not an event id');
  const orgOk = isSlug(value.org);
  if ('org' in value && !orgOk) problems.push('org: not an organisation slug');
  if ('keyId' in value) {
    if (!isKeyId(value.keyId)) problems.push('keyId: not a key id (<org>:<16 hex digits>)');
    else if (orgOk && !value.keyId.startsWith(`${value.org as string}:`)) {
      problems.push(`keyId: the key belongs to another organisation than ${String(value.org)}`);
    }
  }
  if ('idempotencyKey' in value) {
    const key = value.idempotencyKey;
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > maxIdempotencyKeyLength ||
      controlCharacter.test(key) ||
      !isWellFormed(key)
    ) {
      problems.push(`idempotencyKey: 1 to ${maxIdempotencyKeyLength} printable characters`);
    }
  }
  if ('sig' in value) {
    const sig = value.sig;
    if (typeof sig !== 'string' || fromBase64Url(sig)?.length !== 64) {
      problems.push('sig: not a canonical unpadded base64url Ed25519 signature');
    }
  }
  if ('event' in value && !isRecord(value.event)) problems.push('event: not a JSON object');
  return problems.length > 0 ? problems : (value as unknown as SignedEnvelope);
}

const eventMembers = ['id', 'type', 'occurredAt', 'reportedAt', 'source', 'payload'] as const;

function keyRegisteredProblems(payload: Record<string, unknown>): string[] {
  const problems = memberProblems(
    payload,
    ['org', 'keyId', 'publicKey', 'proof'],
    ['validFrom'],
    'payload.',
  );
  if ('org' in payload && !isSlug(payload.org)) problems.push('payload.org: not a slug');
  if ('keyId' in payload && !isKeyId(payload.keyId)) problems.push('payload.keyId: not a key id');
  const key = payload.publicKey;
  if ('publicKey' in payload && (typeof key !== 'string' || key.length < 1 || key.length > 512)) {
    problems.push('payload.publicKey: 1 to 512 characters');
  }
  if (
    'proof' in payload &&
    (typeof payload.proof !== 'string' || !proofPattern.test(payload.proof))
  ) {
    problems.push('payload.proof: not an unpadded base64url Ed25519 signature');
  }
  if ('validFrom' in payload && !isInstant(payload.validFrom)) {
    problems.push('payload.validFrom: not an instant with an offset');
  }
  return problems;
}

function keyRevokedProblems(payload: Record<string, unknown>): string[] {
  const problems = memberProblems(payload, ['keyId', 'reason'], [], 'payload.');
  if ('keyId' in payload && !isKeyId(payload.keyId)) problems.push('payload.keyId: not a key id');
  const reason = payload.reason;
  if (
    'reason' in payload &&
    (typeof reason !== 'string' || reason.length < 1 || reason.length > 4000)
  ) {
    problems.push('payload.reason: 1 to 4000 characters');
  }
  return problems;
}

/**
 * The event of a well-formed envelope, or what is wrong with it: the members every event has,
 * the key events' payloads, and that the event is the one the envelope names (id and source).
 */
export function checkEvent(envelope: SignedEnvelope): CheckedEvent | string[] {
  const event = envelope.event;
  const problems = memberProblems(event, eventMembers, [], 'event.');
  if ('id' in event && !isEventId(event.id)) problems.push('event.id: not an event id');
  if ('type' in event && (typeof event.type !== 'string' || event.type.length === 0)) {
    problems.push('event.type: not an event type');
  }
  for (const time of ['occurredAt', 'reportedAt'] as const) {
    if (time in event && !isInstant(event[time])) {
      problems.push(`event.${time}: not an ISO 8601 instant with an offset`);
    }
  }
  if ('source' in event && !isSlug(event.source)) problems.push('event.source: not a slug');
  const payload = event.payload;
  if ('payload' in event && !isRecord(payload)) problems.push('event.payload: not a JSON object');
  if (problems.length > 0) return problems;
  if (event.id !== envelope.id || event.source !== envelope.org) {
    return [
      `the envelope names event ${envelope.id} of ${envelope.org}, but the event is ${String(event.id)} of ${String(event.source)}`,
    ];
  }
  const reportedAt = event.reportedAt as string;
  const record = payload as Record<string, unknown>;
  if (event.type === 'key_registered') {
    const bad = keyRegisteredProblems(record);
    return bad.length > 0
      ? bad
      : { kind: 'key_registered', reportedAt, payload: record as unknown as KeyRegisteredPayload };
  }
  if (event.type === 'key_revoked') {
    const bad = keyRevokedProblems(record);
    return bad.length > 0
      ? bad
      : { kind: 'key_revoked', reportedAt, payload: record as unknown as KeyRevokedPayload };
  }
  return { kind: 'other', type: event.type as string, reportedAt };
}
