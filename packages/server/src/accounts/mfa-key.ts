import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TruceError } from '@truce/core';
import { open, seal } from '../persons/data-keys.js';

/**
 * The key that seals users' TOTP secrets in the database (AES-256-GCM, bound to the user by
 * the associated data): `TRUCE_MFA_KEY` (32 random bytes in base64) when set — every process
 * on one PostgreSQL needs the same — else `<data folder>/mfa.key`, made on first use (0600).
 * A copy of the database alone then gives nobody anyone's second factor.
 */
export const mfaKeyEnv = 'TRUCE_MFA_KEY';
export const mfaKeyFileName = 'mfa.key';

export function loadMfaKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[mfaKeyEnv]?.trim();
  const path = join(dataDir, mfaKeyFileName);
  let text = fromEnv;
  if (!text) {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.new`;
      writeFileSync(temporary, `${randomKeyText()}\n`, { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
    }
    text = readFileSync(path, 'utf8').trim();
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text) {
    throw new TruceError(
      'USAGE',
      `${fromEnv ? mfaKeyEnv : path} must hold 32 random bytes in base64 (openssl rand -base64 32)`,
    );
  }
  return key;
}

function randomKeyText(): string {
  return randomBytes(32).toString('base64');
}

const associated = (userId: string) => `truce/mfa-secret/v1|${userId}`;

export function sealMfaSecret(key: Buffer, userId: string, secret: Uint8Array): Buffer {
  return seal(key, Buffer.from(secret), associated(userId));
}

export function openMfaSecret(key: Buffer, userId: string, sealed: Uint8Array): Uint8Array {
  return new Uint8Array(open(key, Buffer.from(sealed), associated(userId)));
}
