import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totpStep } from './totp.js';

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", 8-digit codes; the 6-digit
// code is the last six digits of each.
const rfcSecret = new TextEncoder().encode('12345678901234567890');
const rfcVectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('gives the codes of RFC 6238 appendix B', () => {
    for (const [seconds, code] of rfcVectors) {
      expect(hotp(rfcSecret, totpStep(new Date(seconds * 1000)))).toBe(code.slice(2));
    }
  });

  it('gives the codes of RFC 4226 appendix D for counters 0–3', () => {
    expect([0, 1, 2, 3].map((counter) => hotp(rfcSecret, counter))).toEqual([
      '755224',
      '287082',
      '359152',
      '969429',
    ]);
  });

  it('accepts a step either side, not two, and never a step already used', () => {
    const at = new Date(1111111111 * 1000);
    const step = totpStep(at);
    expect(matchTotp(rfcSecret, hotp(rfcSecret, step), at)).toBe(step);
    expect(matchTotp(rfcSecret, hotp(rfcSecret, step - 1), at)).toBe(step - 1);
    expect(matchTotp(rfcSecret, hotp(rfcSecret, step + 1), at)).toBe(step + 1);
    expect(matchTotp(rfcSecret, hotp(rfcSecret, step - 2), at)).toBeUndefined();
    expect(matchTotp(rfcSecret, hotp(rfcSecret, step), at, step)).toBeUndefined();
    expect(matchTotp(rfcSecret, '12345', at)).toBeUndefined();
    expect(matchTotp(rfcSecret, 'abcdef', at)).toBeUndefined();
  });

  it('encodes base32 as RFC 4648 does, and back', () => {
    expect(base32Encode(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    expect(new TextDecoder().decode(base32Decode('MZXW6YTBOI'))).toBe('foobar');
    expect(base32Encode(rfcSecret)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    const uri = new URL(otpauthUri(rfcSecret, 'mediator@example.org'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/truce:mediator@example.org');
  });
});
