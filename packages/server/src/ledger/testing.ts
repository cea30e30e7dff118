import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ledger } from '@truce/core';
import { keyRegistrationEnvelope, type LogIdentity, logIdentity } from './log-identity.js';

/** Helpers shared by the ledger's tests and benchmarks: keys and signed sample events. */

export function newKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

export function testIdentity(key: KeyObject = newKey()): LogIdentity {
  return logIdentity('truce.test/log', 'operator', key);
}

export function sampleEvent(id: string, source: string, count = 1) {
  return {
    id,
    type: 'aid_trucks_crossed',
    occurredAt: '2025-01-20T10:00:00+02:00',
    reportedAt: '2025-01-20T11:00:00+02:00',
    source,
    payload: { crossing: 'kerem-shalom', cargo: 'food', count },
  };
}

export function signedEvent(
  event: { id: string; source: string } & Record<string, unknown>,
  key: KeyObject,
  idempotencyKey: string = event.id,
): ledger.SignedEnvelope {
  return ledger.signEnvelope(
    {
      v: 1,
      id: event.id,
      org: event.source,
      keyId: ledger.keyIdFor(event.source, key),
      idempotencyKey,
      event: event as ledger.JsonValue,
    },
    key,
  );
}

/** The operator's registration of `key` for `org`. */
export function registration(
  identity: LogIdentity,
  org: string,
  key: KeyObject,
  at = new Date('2025-01-19T06:00:00Z'),
): ledger.SignedEnvelope {
  return keyRegistrationEnvelope({
    org,
    publicKey: key,
    newPrivateKey: key,
    registrar: { org: identity.operator, privateKey: identity.privateKey },
    at,
  });
}

export function revocation(
  registrar: { org: string; key: KeyObject },
  keyId: string,
  id = `revoke-${keyId.replace(':', '-')}`,
): ledger.SignedEnvelope {
  return signedEvent(
    {
      id,
      type: 'key_revoked',
      occurredAt: '2025-01-21T00:00:00Z',
      reportedAt: '2025-01-21T00:00:00Z',
      source: registrar.org,
      payload: { keyId, reason: 'lost' },
    },
    registrar.key,
  );
}
