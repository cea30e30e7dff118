import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ledger } from '../../core/src/index.js';
import { signEnvelope } from './device.ts';

describe('envelopes signed on the device with WebCrypto', () => {
  it('verify with the server’s own verification (same bytes, same signature scheme)', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
    const keyId = ledger.keyIdFor('un', publicKey);
    const envelope = await signEnvelope(
      { keyId, org: 'un', privateKey: pair.privateKey },
      {
        id: 'un-3f1c',
        type: 'aid_trucks_crossed',
        occurredAt: '2025-02-10T12:00:00+02:00',
        reportedAt: '2025-02-10T12:05:00.123Z',
        source: 'un',
        // Member order and non-ASCII text must not matter: the bytes are RFC 8785's.
        payload: { count: 12, crossing: 'kerem-shalom', cargo: 'food', note: 'مساعدات' },
      },
    );
    expect(ledger.verifyEnvelope(envelope, publicKey)).toBe(true);
    const altered = { ...envelope, event: { ...envelope.event, payload: { count: 13 } } };
    expect(ledger.verifyEnvelope(altered, publicKey)).toBe(false);
  });
});
