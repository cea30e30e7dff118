import { createHash, type KeyObject } from 'node:crypto';
import { ledger, TruceError } from '@truce/core';
import { orgVerifierKey, proveKeyPossession } from './statements.js';

/**
 * Who the log is: its origin (the first line of every checkpoint, also the log key's name in
 * signed notes), the operator's organisation (which registers the first key of every other
 * organisation) and the log key, which signs checkpoints, receipts and the genesis entry.
 */
export interface LogIdentity {
  origin: string;
  operator: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  signer: ledger.NoteSigner;
  verifier: ledger.NoteVerifier;
  /** The verifier key string of the log, `<origin>+<hash>+<base64>`: what parties pin. */
  verifierKey: string;
  /** The log key's id as the operator's envelope-signing key. */
  keyId: string;
}

export function logIdentity(
  origin: string,
  operator: string,
  privateKey: ledger.PrivateKeyInput,
): LogIdentity {
  if (!ledger.isValidKeyName(origin)) {
    throw new TruceError(
      'USAGE',
      `the origin ${JSON.stringify(origin)} cannot be a key name: no spaces or "+"; e.g. truce.example/gaza-2025`,
    );
  }
  const key = ledger.ed25519PrivateKey(privateKey);
  const signer = ledger.noteSigner(origin, key);
  const verifier = ledger.verifierOf(signer);
  return {
    origin,
    operator,
    privateKey: key,
    publicKey: verifier.publicKey,
    signer,
    verifier,
    verifierKey: ledger.formatVerifierKey(verifier),
    keyId: ledger.keyIdFor(operator, key),
  };
}

/** A `key_registered` event with its proof of possession, signed into an envelope. */
export function keyRegistrationEnvelope(options: {
  org: string;
  publicKey: ledger.PublicKeyInput;
  /** The new key: it signs the proof of possession… */
  newPrivateKey?: ledger.PrivateKeyInput;
  /** …or the proof itself, signed elsewhere (a browser holding its key; `possessionBytes`). */
  proof?: string;
  /** Who registers it: its organisation and key. */
  registrar: { org: string; privateKey: ledger.PrivateKeyInput };
  at: Date;
  id?: string;
  validFrom?: string;
  /** The genesis registers raw base64: the log key's verifier key is named after the origin. */
  rawKey?: boolean;
}): ledger.SignedEnvelope {
  const { org, registrar, at } = options;
  const keyId = ledger.keyIdFor(org, options.publicKey);
  const publicKey = options.rawKey
    ? ledger.toBase64(ledger.rawPublicKey(options.publicKey))
    : orgVerifierKey(org, options.publicKey);
  const proof =
    options.proof ??
    (options.newPrivateKey
      ? proveKeyPossession(org, keyId, publicKey, options.newPrivateKey)
      : undefined);
  if (proof === undefined) throw new Error('keyRegistrationEnvelope needs newPrivateKey or proof');
  const id = options.id ?? `key-${keyId.replace(':', '-')}`;
  const iso = isoWithOffset(at);
  const event = {
    id,
    type: 'key_registered',
    occurredAt: iso,
    reportedAt: iso,
    source: registrar.org,
    payload: {
      org,
      keyId,
      publicKey,
      proof,
      ...(options.validFrom !== undefined ? { validFrom: options.validFrom } : {}),
    },
  };
  const registrarKey = ledger.ed25519PrivateKey(registrar.privateKey);
  return ledger.signEnvelope(
    {
      v: 1,
      id,
      org: registrar.org,
      keyId: ledger.keyIdFor(registrar.org, registrarKey),
      idempotencyKey: id,
      event,
    },
    registrarKey,
  );
}

/** The operator's `key_registered` envelope for a registration request an organisation sent. */
export function registerRequestEnvelope(
  identity: LogIdentity,
  request: { org: string; keyId: string; publicKey: string; proof: string },
  at: Date,
): ledger.SignedEnvelope {
  const id = `key-${request.keyId.replace(':', '-')}`;
  const iso = isoWithOffset(at);
  const event = {
    id,
    type: 'key_registered',
    occurredAt: iso,
    reportedAt: iso,
    source: identity.operator,
    payload: {
      org: request.org,
      keyId: request.keyId,
      publicKey: request.publicKey,
      proof: request.proof,
    },
  };
  return ledger.signEnvelope(
    { v: 1, id, org: identity.operator, keyId: identity.keyId, idempotencyKey: id, event },
    identity.privateKey,
  );
}

/** The genesis entry: the operator registers the log key, signed by the log key. */
/**
 * The log operator's `key_revoked` of a key, with its reason. Its id follows from the key, so a
 * second revocation of the same key (a retry, another process) is the same event.
 */
export function operatorRevocationEnvelope(
  identity: LogIdentity,
  keyId: string,
  reason: string,
  at: Date,
): ledger.SignedEnvelope {
  const id = `key-revoked-${keyId.replace(':', '-')}`;
  return ledger.signEnvelope(
    {
      v: 1,
      id,
      org: identity.operator,
      keyId: identity.keyId,
      idempotencyKey: id,
      event: {
        id,
        type: 'key_revoked',
        occurredAt: at.toISOString(),
        reportedAt: at.toISOString(),
        source: identity.operator,
        payload: { keyId, reason },
      },
    },
    identity.privateKey,
  );
}

export function genesisEnvelope(identity: LogIdentity, at: Date): ledger.SignedEnvelope {
  return keyRegistrationEnvelope({
    org: identity.operator,
    publicKey: identity.publicKey,
    newPrivateKey: identity.privateKey,
    registrar: { org: identity.operator, privateKey: identity.privateKey },
    at,
    id: `genesis-${identity.keyId.split(':')[1]}`,
    rawKey: true,
  });
}

/** Event instants carry an explicit offset; the ledger writes UTC as `Z`. */
export function isoWithOffset(at: Date): string {
  return at.toISOString();
}

/** Hex SHA-256, the content hash the store compares on idempotent retries. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
