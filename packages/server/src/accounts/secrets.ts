import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/** A fresh secret for a session, a CSRF token or an API token: 256 bits, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions and API tokens are stored by SHA-256: high-entropy secrets need no slow hash. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// OWASP's argon2id recommendation (m = 19 MiB, t = 2, p = 1). Argon2id is the library's default
// algorithm (its const enum cannot be imported under isolatedModules); a test checks the prefix.
const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifying against a throwaway hash when the e-mail is unknown keeps the answer time the same,
 * so login cannot be used to find out who has an account.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword(randomSecret());
  await verifyPassword(await dummy, password);
}

/** zxcvbn-ts with its common dictionaries (~50,000 leaked passwords), built at first use. */
let guessability: ZxcvbnFactory | undefined;

/**
 * The rules of ASVS v5 6.2 for a new password: at least 12 characters, at most 128, anything
 * allowed; and not easy to guess (6.2.4, 6.2.12): zxcvbn-ts scores it against the most common
 * leaked passwords, words, names, keyboard patterns, repeats, sequences and dates, and against
 * `userInputs` (the account's e-mail…), offline. Below 3 of its 0–4 ("safely unguessable:
 * moderate protection from offline attack") it is refused.
 */
export function passwordProblem(
  password: string,
  userInputs: readonly string[] = [],
): string | undefined {
  const length = [...password].length;
  if (length < 12) return 'a password has at least 12 characters';
  if (length > 128) return 'a password has at most 128 characters';
  guessability ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  if (guessability.check(password, [...userInputs]).score < 3) {
    return "the password is too easy to guess (a common password, or made of repeats, sequences, keyboard patterns or the account's own name)";
  }
  return undefined;
}
