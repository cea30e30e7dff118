import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TruceError } from '../errors.js';
import { canonicalize, type JsonValue, parseJson } from './canonical-json.js';
import { fromBase64Url, fromUtf8, toHex } from './encoding.js';
import {
  envelopeEntryBytes,
  envelopeLeafHash,
  envelopeSigningBytes,
  keyIdFor,
  parseEnvelope,
  type SignedEnvelope,
  signEnvelope,
  type UnsignedEnvelope,
  verifyEnvelope,
} from './envelope.js';
import { ed25519PrivateKeyFromSeed, ed25519PublicKey, rawPublicKey } from './keys.js';
import { hashLeaf } from './merkle.js';

const unrwaKey = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(1));
const cogatKey = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(2));
const unrwaPublic = ed25519PublicKey(unrwaKey);

const event = {
  id: 'unrwa-2025-01-20-001',
  type: 'aid_trucks_crossed',
  occurredAt: '2025-01-20T14:00:00+02:00',
  reportedAt: '2025-01-20T18:30:00+02:00',
  source: 'unrwa',
  payload: { crossing: 'kerem-shalom', cargo: 'food', count: 212, consignment: 'Ḥ-7 “north”' },
} satisfies JsonValue;

function unsigned(overrides: Partial<UnsignedEnvelope> = {}): UnsignedEnvelope {
  return {
    v: 1,
    id: event.id,
    org: 'unrwa',
    keyId: keyIdFor('unrwa', unrwaKey),
    idempotencyKey: 'unrwa-laptop-3:000127',
    event,
    ...overrides,
  };
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    return (error as TruceError).code;
  }
  return undefined;
}

describe('key ids', () => {
  it('are the org and the first 8 bytes of SHA-256 of the raw public key', () => {
    const raw = rawPublicKey(unrwaKey);
    const digest = createHash('sha256').update(raw).digest('hex');
    expect(keyIdFor('unrwa', unrwaKey)).toBe(`unrwa:${digest.slice(0, 16)}`);
    // The same from every form of the public key.
    const forms = [
      unrwaPublic,
      raw,
      unrwaPublic.export({ format: 'der', type: 'spki' }),
      unrwaPublic.export({ format: 'pem', type: 'spki' }).toString(),
    ];
    for (const form of forms) expect(keyIdFor('unrwa', form)).toBe(keyIdFor('unrwa', unrwaKey));
  });

  it('refuse organisation ids that are not slugs, and keys that are not Ed25519', () => {
    expect(codeOf(() => keyIdFor('UNRWA', unrwaKey))).toBe('LEDGER_KEY_INVALID');
    expect(codeOf(() => keyIdFor('un:rwa', unrwaKey))).toBe('LEDGER_KEY_INVALID');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(codeOf(() => keyIdFor('unrwa', publicKey))).toBe('LEDGER_KEY_INVALID');
    expect(codeOf(() => keyIdFor('unrwa', new Uint8Array(31)))).toBe('LEDGER_KEY_INVALID');
  });
});

describe('signed envelopes', () => {
  const signed = signEnvelope(unsigned(), unrwaKey);

  it('sign the canonical JSON of the envelope without sig, as unpadded base64url', () => {
    expect(Object.keys(signed)).toEqual([
      'v',
      'id',
      'org',
      'keyId',
      'idempotencyKey',
      'event',
      'sig',
    ]);
    expect(signed.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    const bytes = envelopeSigningBytes(signed);
    expect(fromUtf8(bytes)).toBe(canonicalize({ ...unsigned() }));
    expect(fromUtf8(bytes)?.startsWith('{"event":{"id":')).toBe(true);
    expect(verifyEnvelope(signed, unrwaPublic)).toBe(true);
  });

  it('are deterministic (Ed25519), so the regression vector below never changes', () => {
    expect(signEnvelope(unsigned(), unrwaKey)).toEqual(signed);
  });

  it('match the committed vector (for verifiers in other languages)', () => {
    const vector = JSON.parse(
      readFileSync(new URL('./testdata/envelope/vector.json', import.meta.url), 'utf8'),
    );
    expect(toHex(rawPublicKey(unrwaKey))).toBe(vector.publicKeyHex);
    expect(signed).toEqual(vector.envelope);
    expect(fromUtf8(envelopeSigningBytes(signed))).toBe(vector.signingText);
    expect(fromUtf8(envelopeEntryBytes(signed))).toBe(vector.entryText);
    expect(toHex(envelopeLeafHash(signed))).toBe(vector.leafHashHex);
  });

  it('put the whole signed envelope, signature included, in the Merkle leaf', () => {
    const entry = envelopeEntryBytes(signed);
    expect(parseJson(fromUtf8(entry) as string)).toEqual(signed);
    expect(fromUtf8(entry)).toBe(canonicalize(signed));
    expect(envelopeLeafHash(signed)).toEqual(hashLeaf(entry));
  });

  it('verify with the public key in any form, and survive a JSON round trip', () => {
    const roundTripped = JSON.parse(JSON.stringify(signed));
    for (const key of [
      unrwaPublic,
      unrwaKey,
      rawPublicKey(unrwaKey),
      unrwaPublic.export({ format: 'pem', type: 'spki' }).toString(),
    ]) {
      expect(verifyEnvelope(roundTripped, key)).toBe(true);
    }
  });

  it('do not verify with another key, or when the key id names another key or org', () => {
    expect(verifyEnvelope(signed, cogatKey)).toBe(false);
    const cogatEnvelope = signEnvelope(
      unsigned({ org: 'cogat', keyId: keyIdFor('cogat', cogatKey) }),
      cogatKey,
    );
    expect(verifyEnvelope(cogatEnvelope, cogatKey)).toBe(true);
    // Same key registered under two orgs: a signature for one org is not one for the other.
    const sameKeyOtherOrg = { ...cogatEnvelope, org: 'unrwa', keyId: keyIdFor('unrwa', cogatKey) };
    expect(verifyEnvelope(sameKeyOtherOrg, cogatKey)).toBe(false);
  });

  it('refuse to sign with a key that is not the one the key id names', () => {
    expect(codeOf(() => signEnvelope(unsigned(), cogatKey))).toBe('LEDGER_KEY_INVALID');
    const { privateKey } = generateKeyPairSync('ed448');
    expect(codeOf(() => signEnvelope(unsigned(), privateKey))).toBe('LEDGER_KEY_INVALID');
    expect(codeOf(() => signEnvelope(unsigned(), new Uint8Array(48)))).toBe('LEDGER_KEY_INVALID');
    // A PKCS#8 DER key is accepted like a KeyObject.
    const der = unrwaKey.export({ format: 'der', type: 'pkcs8' });
    expect(signEnvelope(unsigned(), der)).toEqual(signed);
  });

  it('reject every single-byte change of the entry bytes (event, ids, key id or signature)', () => {
    const entry = envelopeEntryBytes(signed);
    const accepted: string[] = [];
    for (let i = 0; i < entry.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const bytes = entry.slice();
        bytes[i] = (bytes[i] as number) ^ mask;
        const text = fromUtf8(bytes);
        if (text === undefined) continue;
        let value: unknown;
        try {
          value = parseJson(text);
        } catch {
          continue;
        }
        if (verifyEnvelope(value, unrwaPublic)) accepted.push(`byte ${i} ^ ${mask}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('reject a non-canonical encoding of the same signature bytes', () => {
    const sig = fromBase64Url(signed.sig) as Uint8Array;
    // The last of 86 characters carries 2 unused bits: setting them keeps the bytes the same.
    const last = signed.sig.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${signed.sig.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(sig));
    expect(verifyEnvelope({ ...signed, sig: twin }, unrwaPublic)).toBe(false);
    expect(verifyEnvelope({ ...signed, sig: `${signed.sig}==` }, unrwaPublic)).toBe(false);
    expect(
      verifyEnvelope({ ...signed, sig: Buffer.from(sig).toString('base64') }, unrwaPublic),
    ).toBe(signed.sig === Buffer.from(sig).toString('base64'));
  });

  it('never throw from verifyEnvelope, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (envelope, key) => {
        expect(verifyEnvelope(envelope, key as Uint8Array)).toBe(false);
      }),
      { numRuns: 200 },
    );
    expect(verifyEnvelope({ ...signed, event: { n: Number.NaN } }, unrwaPublic)).toBe(false);
    expect(verifyEnvelope(signed, new Uint8Array(5))).toBe(false);
  });

  it('sign and verify any JSON event', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (anyEvent, key) => {
          fc.pre([...key].every((c) => c >= ' ' && c !== '\u007f'));
          const envelope = signEnvelope(
            unsigned({ event: anyEvent as JsonValue, idempotencyKey: key }),
            unrwaKey,
          );
          const wire = JSON.parse(JSON.stringify(envelope));
          expect(verifyEnvelope(wire, unrwaPublic)).toBe(true);
          expect(envelopeEntryBytes(wire)).toEqual(envelopeEntryBytes(envelope));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('parseEnvelope', () => {
  const signed = signEnvelope(unsigned(), unrwaKey);

  it('accepts a signed envelope as it comes off the wire', () => {
    expect(parseEnvelope(JSON.parse(JSON.stringify(signed)))).toEqual(signed);
  });

  it.each<[string, unknown, string]>([
    ['not an object', [1], ''],
    ['a missing member', { ...signed, idempotencyKey: undefined }, 'idempotencyKey'],
    ['an unknown member', { ...signed, extra: 1 }, 'extra'],
    ['another version', { ...signed, v: 2 }, 'v'],
    ['a bad event id', { ...signed, id: 'has space' }, 'id'],
    ['an org that is not a slug', { ...signed, org: 'UNRWA' }, 'org'],
    ['a key id of another org', { ...signed, org: 'cogat' }, 'keyId'],
    ['a malformed key id', { ...signed, keyId: 'unrwa:12' }, 'keyId'],
    ['an empty idempotency key', { ...signed, idempotencyKey: '' }, 'idempotencyKey'],
    [
      'a control character in the idempotency key',
      { ...signed, idempotencyKey: 'a\nb' },
      'idempotencyKey',
    ],
    ['an event JCS cannot represent', { ...signed, event: { when: new Date(0) } }, 'event'],
    ['a padded signature', { ...signed, sig: `${signed.sig}==` }, 'sig'],
    ['a signature of the wrong length', { ...signed, sig: signed.sig.slice(0, 84) }, 'sig'],
  ])('rejects %s with LEDGER_ENTRY_INVALID naming the member', (_, value, path) => {
    try {
      parseEnvelope(value);
      expect.unreachable();
    } catch (error) {
      expect((error as TruceError).code).toBe('LEDGER_ENTRY_INVALID');
      if (path) expect((error as TruceError).details.map((d) => d.path)).toContain(path);
      expect(verifyEnvelope(value, unrwaPublic)).toBe(false);
    }
  });

  it('refuses to sign or enter an invalid envelope', () => {
    expect(codeOf(() => signEnvelope(unsigned({ idempotencyKey: '' }), unrwaKey))).toBe(
      'LEDGER_ENTRY_INVALID',
    );
    expect(codeOf(() => envelopeEntryBytes({ ...signed, sig: 'x' } as SignedEnvelope))).toBe(
      'LEDGER_ENTRY_INVALID',
    );
  });
});
