import type { KeyObject } from 'node:crypto';
import { verify } from 'node:crypto';
import { eventSchema, ledger, TruceError, type TruceEvent } from '@truce/core';
import { parseRegisteredKey, possessionBytes } from './statements.js';

/**
 * The registry of the keys that sign envelopes, rebuilt from the key events in the log itself:
 * the same class admits envelopes in the service and checks them in `truce verify`, so the rules
 * that decide what enters the log are exactly those an offline verifier applies.
 *
 * Trust bootstrap (docs/LEDGER.md):
 * - Entry 0 is the genesis: a `key_registered` of the log key for the operator's organisation,
 *   signed by that key. Its organisation becomes the operator.
 * - A key for any organisation is registered by the operator, or by that organisation with one
 *   of its own keys (rotation). Every registration carries a proof of possession.
 * - A key is revoked by the operator or by its own organisation; from the position after the
 *   revocation on, envelopes signed with it are refused.
 * - A key counts from the position after its registration, and not for events reported before
 *   its `validFrom`.
 */

export interface RegisteredKey {
  keyId: string;
  org: string;
  publicKey: KeyObject;
  /** As the `key_registered` event carried it. */
  publicKeyText: string;
  registeredAt: number;
  registeredBy: string;
  validFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  revocationReason?: string;
}

/** The public listing of a key, as written to an export's keys.json. */
export interface KeyListing {
  keyId: string;
  org: string;
  publicKey: string;
  registeredAt: number;
  registeredBy: string;
  validFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  reason?: string;
}

export function isKeyEventType(type: string): boolean {
  return type === 'key_registered' || type === 'key_revoked';
}

/** The error for an envelope whose signature does not verify with the key it names. */
export function signatureError(envelope: ledger.SignedEnvelope): TruceError {
  return new TruceError(
    'LEDGER_SIGNATURE_INVALID',
    `the signature of ${envelope.id} does not verify with key ${envelope.keyId}: the envelope was altered or signed with another key`,
  );
}

function keyError(message: string): TruceError {
  return new TruceError('LEDGER_KEY_INVALID', message);
}

export class KeyRegistry {
  #operator: string | undefined;
  readonly #keys = new Map<string, RegisteredKey>();

  /** The organisation of the log operator, named by the genesis entry. */
  get operator(): string | undefined {
    return this.#operator;
  }

  /** An independent copy (for drafting a batch's key events). */
  clone(): KeyRegistry {
    const copy = new KeyRegistry();
    copy.#operator = this.#operator;
    for (const [id, key] of this.#keys) copy.#keys.set(id, { ...key });
    return copy;
  }

  key(keyId: string): RegisteredKey | undefined {
    return this.#keys.get(keyId);
  }

  keys(): RegisteredKey[] {
    return [...this.#keys.values()];
  }

  /** Keys of `org` usable at position `seq` (registered before it, not revoked before it). */
  keysOf(org: string, seq = Number.MAX_SAFE_INTEGER): RegisteredKey[] {
    return this.keys().filter(
      (key) =>
        key.org === org &&
        key.registeredAt < seq &&
        (key.revokedAt === undefined || seq <= key.revokedAt),
    );
  }

  listing(): KeyListing[] {
    return this.keys().map((key) => ({
      keyId: key.keyId,
      org: key.org,
      publicKey: key.publicKeyText,
      registeredAt: key.registeredAt,
      registeredBy: key.registeredBy,
      ...(key.validFrom !== undefined ? { validFrom: key.validFrom } : {}),
      ...(key.revokedAt !== undefined
        ? { revokedAt: key.revokedAt, revokedBy: key.revokedBy, reason: key.revocationReason }
        : {}),
    }));
  }

  /**
   * Checks that `envelope` may be entry `seq` of the log: shape, event schema, signature by a key
   * valid at that position, and for key events the authority and proof of possession. Does not
   * change the registry (see `apply`). Throws a TruceError naming what is wrong.
   */
  admit(value: unknown, seq: number): { envelope: ledger.SignedEnvelope; event: TruceEvent } {
    const { envelope, event, key } = this.#check(value, seq);
    if (key) {
      if (!ledger.verifyEnvelope(envelope, key.publicKey)) throw signatureError(envelope);
      if (event.type === 'key_registered') this.#checkRegistration(envelope, event);
      if (event.type === 'key_revoked') this.#checkRevocation(envelope, event);
    }
    return { envelope, event };
  }

  /**
   * For an envelope that is not a key event: everything `admit` checks except its signature,
   * which the caller must then verify with `key` (the service does it off the main thread).
   */
  checkUnsigned(
    value: unknown,
    seq: number,
  ): { envelope: ledger.SignedEnvelope; event: TruceEvent; key: RegisteredKey } {
    const checked = this.#check(value, seq);
    if (!checked.key || isKeyEventType(checked.event.type)) {
      throw new TruceError('INTERNAL', 'key events are admitted with KeyRegistry.admit');
    }
    return { ...checked, key: checked.key };
  }

  #check(
    value: unknown,
    seq: number,
  ): { envelope: ledger.SignedEnvelope; event: TruceEvent; key?: RegisteredKey } {
    const envelope = ledger.parseEnvelope(value);
    const parsed = eventSchema.safeParse(envelope.event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TruceError(
        'EVENT_INVALID',
        `the event of ${envelope.id} is invalid: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown problem'}`,
      );
    }
    const event = parsed.data;
    if (event.id !== envelope.id || event.source !== envelope.org) {
      throw new TruceError(
        'LEDGER_ENTRY_INVALID',
        `the envelope names event ${envelope.id} of ${envelope.org}, but the event is ${event.id} of ${event.source}`,
      );
    }
    if (this.#operator === undefined) {
      this.#admitGenesis(envelope, event, seq);
      return { envelope, event };
    }
    const key = this.#keys.get(envelope.keyId);
    if (!key) throw keyError(`key ${envelope.keyId} is not registered in this log`);
    if (key.registeredAt >= seq) {
      throw keyError(`key ${envelope.keyId} is registered only at position ${key.registeredAt}`);
    }
    if (key.revokedAt !== undefined && seq > key.revokedAt) {
      throw keyError(
        `key ${envelope.keyId} was revoked at position ${key.revokedAt} (${key.revocationReason ?? ''}); sign with a current key`,
      );
    }
    if (key.validFrom !== undefined && Date.parse(event.reportedAt) < Date.parse(key.validFrom)) {
      throw keyError(
        `key ${envelope.keyId} is valid from ${key.validFrom}, but the event was reported at ${event.reportedAt}`,
      );
    }
    if (event.type === 'audit_anchored' && envelope.org !== this.#operator) {
      // The audit log is the server's: only the log operator vouches for its head.
      throw new TruceError(
        'LEDGER_ENTRY_INVALID',
        `only the log operator (${this.#operator}) anchors the audit log, not ${envelope.org}`,
      );
    }
    return { envelope, event, key };
  }

  /** Records the effect of an admitted entry at `seq` (only key events change the registry). */
  apply(envelope: ledger.SignedEnvelope, event: TruceEvent, seq: number): void {
    if (event.type === 'key_registered') {
      const { org, keyId, publicKey, validFrom } = event.payload;
      if (this.#operator === undefined) this.#operator = org;
      this.#keys.set(keyId, {
        keyId,
        org,
        publicKey: parseRegisteredKey(org, publicKey),
        publicKeyText: publicKey,
        registeredAt: seq,
        registeredBy: envelope.keyId,
        ...(validFrom !== undefined ? { validFrom } : {}),
      });
    } else if (event.type === 'key_revoked') {
      const key = this.#keys.get(event.payload.keyId);
      if (key && key.revokedAt === undefined) {
        key.revokedAt = seq;
        key.revokedBy = envelope.keyId;
        key.revocationReason = event.payload.reason;
      }
    }
  }

  #admitGenesis(envelope: ledger.SignedEnvelope, event: TruceEvent, seq: number): void {
    if (seq !== 0 || event.type !== 'key_registered' || event.payload.org !== envelope.org) {
      throw keyError(
        'the log has no genesis: its first entry must register the operator key, signed by that key',
      );
    }
    const key = parseRegisteredKey(event.payload.org, event.payload.publicKey);
    if (event.payload.keyId !== envelope.keyId || !ledger.verifyEnvelope(envelope, key)) {
      throw new TruceError(
        'LEDGER_SIGNATURE_INVALID',
        'the genesis entry is not signed by the key it registers',
      );
    }
    this.#checkPossession(event.payload, key);
  }

  #checkRegistration(
    envelope: ledger.SignedEnvelope,
    event: Extract<TruceEvent, { type: 'key_registered' }>,
  ): void {
    const { org, keyId } = event.payload;
    if (envelope.org !== this.#operator && envelope.org !== org) {
      throw keyError(
        `${envelope.org} may not register keys for ${org}; the operator (${this.#operator}) or ${org} itself must`,
      );
    }
    if (this.#keys.has(keyId)) throw keyError(`key ${keyId} is already registered`);
    const key = parseRegisteredKey(org, event.payload.publicKey);
    this.#checkPossession(event.payload, key);
  }

  #checkPossession(
    payload: { org: string; keyId: string; publicKey: string; proof: string },
    key: KeyObject,
  ): void {
    if (ledger.keyIdFor(payload.org, key) !== payload.keyId) {
      throw keyError(`key id ${payload.keyId} is not the id of the registered key`);
    }
    const proof = ledger.fromBase64Url(payload.proof);
    const bytes = possessionBytes(payload.org, payload.keyId, payload.publicKey);
    if (!proof || !verify(null, bytes, key, proof)) {
      throw new TruceError(
        'LEDGER_SIGNATURE_INVALID',
        `the proof of possession of ${payload.keyId} does not verify`,
      );
    }
  }

  #checkRevocation(
    envelope: ledger.SignedEnvelope,
    event: Extract<TruceEvent, { type: 'key_revoked' }>,
  ): void {
    const target = this.#keys.get(event.payload.keyId);
    if (!target) throw keyError(`key ${event.payload.keyId} is not registered`);
    if (target.revokedAt !== undefined) {
      throw keyError(`key ${event.payload.keyId} is already revoked`);
    }
    if (envelope.org !== this.#operator && envelope.org !== target.org) {
      throw keyError(
        `${envelope.org} may not revoke a key of ${target.org}; the operator or ${target.org} must`,
      );
    }
  }
}
