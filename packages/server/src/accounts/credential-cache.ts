import type { Actor } from './model.js';

type Authenticated = Exclude<Actor, { kind: 'anonymous' }>;

interface Held {
  actor: Authenticated;
  /** Milliseconds since the epoch: the session's or token's own expiry, and the cache's. */
  until: number;
}

/** How long a looked-up session or token is answered from memory before it is read again. */
export const credentialCacheMs = 60_000;
const maxEntries = 10_000;

/**
 * Live sessions and API tokens already looked up, by the SHA-256 of their secret, so that a
 * request need not read the database to learn who sent it. Only for a database this process
 * alone writes (PGlite: one process holds its folder), because only then does every logout,
 * revocation and permission change pass through `invalidate`. Any such change empties the whole
 * cache: they are rare, and nothing can then be missed. A lookup that was running while a change
 * happened is not kept (`generation`), so a stale answer read before a logout committed can
 * never be stored after it. Entries also end at the session's or token's expiry, and after
 * `credentialCacheMs` in any case (a user's lockout state shown by /auth/me stays that fresh).
 */
export class CredentialCache {
  readonly #held = new Map<string, Held>();
  #generation = 0;

  /** Changes on every invalidation; a lookup started under another one must not be stored. */
  get generation(): number {
    return this.#generation;
  }

  get(key: string, now: number): Authenticated | undefined {
    const held = this.#held.get(key);
    if (held === undefined) return undefined;
    if (now >= held.until) {
      this.#held.delete(key);
      return undefined;
    }
    return held.actor;
  }

  /** Keeps what a lookup found, unless something was invalidated since it started. */
  set(key: string, actor: Authenticated, expiresAt: string, now: number, startedAt: number): void {
    if (startedAt !== this.#generation) return;
    if (this.#held.size >= maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.#held.keys().next();
      if (!oldest.done) this.#held.delete(oldest.value);
    }
    this.#held.set(key, {
      actor,
      until: Math.min(Date.parse(expiresAt), now + credentialCacheMs),
    });
  }

  invalidate(): void {
    this.#generation += 1;
    this.#held.clear();
  }
}

const caches = new WeakMap<object, CredentialCache>();

/**
 * One cache per database connection, shared by every accounts service of the process on it: a
 * logout through one is then seen by the others.
 */
export function credentialCacheOf(database: object): CredentialCache {
  let cache = caches.get(database);
  if (cache === undefined) {
    cache = new CredentialCache();
    caches.set(database, cache);
  }
  return cache;
}
