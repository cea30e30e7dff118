import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TruceError } from '@truce/core';

/**
 * The key-encryption key (KEK) that wraps the data keys of person records. It never reaches the
 * database: it comes from the environment (`TRUCE_DATA_KEY`, for deployments whose secrets are
 * injected) or from a key file in the data folder (`person-data.key`, created on first use,
 * mode 0600). Whoever holds a database backup without it holds ciphertext only.
 */
export interface KeyEncryptionKey {
  /** Which KEK wrapped a data key: the first 8 bytes of SHA-256 of the key, in hex. */
  id: string;
  key: Buffer;
  origin: 'env' | 'file';
}

export const dataKeyEnv = 'TRUCE_DATA_KEY';
export const dataKeyFileName = 'person-data.key';

/** A KEK from secret text: 32 bytes of base64 used as they are, any other secret through HKDF. */
export function kekFromSecret(
  secret: string,
  origin: KeyEncryptionKey['origin'],
): KeyEncryptionKey {
  const trimmed = secret.trim();
  if (trimmed.length < 16) {
    throw new TruceError(
      'USAGE',
      `the person-data key is too short; use 32 random bytes in base64 (openssl rand -base64 32)`,
    );
  }
  const raw = Buffer.from(trimmed, 'base64');
  const key =
    raw.length === 32 && raw.toString('base64') === trimmed
      ? raw
      : Buffer.from(hkdfSync('sha256', trimmed, 'truce', 'truce/person-data-kek/v1', 32));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key, origin };
}

function writeKeyFile(path: string, secret: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.new`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The KEK in force: the environment's when set, else the data folder's file (made if absent). */
export function loadKek(dataDir: string, env: NodeJS.ProcessEnv = process.env): KeyEncryptionKey {
  const fromEnv = env[dataKeyEnv];
  if (fromEnv !== undefined && fromEnv !== '') return kekFromSecret(fromEnv, 'env');
  const path = join(dataDir, dataKeyFileName);
  if (!existsSync(path)) writeKeyFile(path, randomBytes(32).toString('base64'));
  return kekFromSecret(readFileSync(path, 'utf8'), 'file');
}

/** A new KEK for the key file (rotation); the caller re-wraps the data keys, then installs it. */
export function newKekSecret(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Destroys the key files of the data folder (the one in force and the `.old` a rotation kept):
 * each overwritten with random bytes and flushed before it is removed, so that neither the file
 * nor, on most file systems, its old blocks hold the key. Backups of the folder still would:
 * they must go too. Returns the files destroyed.
 */
export function destroyKeyFiles(dataDir: string): string[] {
  const destroyed: string[] = [];
  for (const name of [dataKeyFileName, `${dataKeyFileName}.old`]) {
    const path = join(dataDir, name);
    if (!existsSync(path)) continue;
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, randomBytes(Math.max(64, statSync(path).size)), 0, undefined, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(path);
    destroyed.push(path);
  }
  return destroyed;
}

/** Replace the key file, keeping the old one beside it until the operator deletes it. */
export function installKeyFile(dataDir: string, secret: string): void {
  const path = join(dataDir, dataKeyFileName);
  if (existsSync(path)) renameSync(path, `${path}.old`);
  writeKeyFile(path, secret);
}

// AES-256-GCM with a 96-bit random nonce; the associated data binds a ciphertext to its place
// (which person, which field, which data key), so a row copied elsewhere does not decrypt.
const NONCE = 12;
const TAG = 16;

export function seal(key: Buffer, plaintext: Buffer, associated: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Buffer, associated: string): Buffer {
  if (sealed.length < NONCE + TAG) throw new TruceError('INTERNAL', 'a sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  decipher.setAAD(Buffer.from(associated, 'utf8'));
  decipher.setAuthTag(sealed.subarray(NONCE, NONCE + TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE + TAG)), decipher.final()]);
  } catch {
    throw new TruceError(
      'INTERNAL',
      'a person-data value does not decrypt: wrong key, or the row was altered or moved',
    );
  }
}

export const wrapAssociated = (dataKeyId: string) => `truce/data-key/v1|${dataKeyId}`;
