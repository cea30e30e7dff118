import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dataKeyFileName,
  installKeyFile,
  kekFromSecret,
  loadKek,
  newKekSecret,
  open,
  seal,
} from './data-keys.js';

const folder = mkdtempSync(join(tmpdir(), 'truce-keys-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('sealing person data (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips, and the same value sealed twice gives different bytes (fresh nonce)', () => {
    const plain = Buffer.from('Test Person 0001', 'utf8');
    const a = seal(key, plain, 'truce/person-field/v1|H-0001|name|1|dk-1');
    const b = seal(key, plain, 'truce/person-field/v1|H-0001|name|1|dk-1');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(plain)).toBe(false);
    expect(open(key, a, 'truce/person-field/v1|H-0001|name|1|dk-1').toString('utf8')).toBe(
      'Test Person 0001',
    );
  });

  it('refuses a value moved to another person or field, altered, or opened with another key', () => {
    const sealed = seal(
      key,
      Buffer.from('1990-01-01'),
      'truce/person-field/v1|H-0001|dateOfBirth|1|dk-1',
    );
    expect(() => open(key, sealed, 'truce/person-field/v1|H-0002|dateOfBirth|1|dk-1')).toThrow(
      /does not decrypt/,
    );
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => open(key, altered, 'truce/person-field/v1|H-0001|dateOfBirth|1|dk-1')).toThrow(
      /does not decrypt/,
    );
    expect(() =>
      open(randomBytes(32), sealed, 'truce/person-field/v1|H-0001|dateOfBirth|1|dk-1'),
    ).toThrow(/does not decrypt/);
  });
});

describe('the key-encryption key', () => {
  it('is made on first use in the data folder, mode 0600, and the same on the next load', () => {
    const first = loadKek(folder, {});
    const path = join(folder, dataKeyFileName);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.origin).toBe('file');
    expect(loadKek(folder, {}).id).toBe(first.id);
  });

  it('comes from TRUCE_DATA_KEY when set: 32 bytes of base64 as they are, a passphrase through HKDF', () => {
    const secret = randomBytes(32).toString('base64');
    const fromEnv = loadKek(folder, { TRUCE_DATA_KEY: secret });
    expect(fromEnv.origin).toBe('env');
    expect(fromEnv.key.equals(Buffer.from(secret, 'base64'))).toBe(true);
    const phrase = kekFromSecret('a long passphrase from the vault', 'env');
    expect(phrase.key).toHaveLength(32);
    expect(() => kekFromSecret('short', 'env')).toThrow(/too short/);
  });

  it('a rotated key file replaces the old one, which is kept beside it', () => {
    const before = loadKek(folder, {});
    installKeyFile(folder, newKekSecret());
    const after = loadKek(folder, {});
    expect(after.id).not.toBe(before.id);
    expect(readFileSync(join(folder, `${dataKeyFileName}.old`), 'utf8').trim()).not.toBe('');
    expect(statSync(join(folder, dataKeyFileName)).mode & 0o777).toBe(0o600);
  });
});
