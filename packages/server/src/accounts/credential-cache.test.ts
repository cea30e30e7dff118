import { describe, expect, it } from 'vitest';
import { CredentialCache, credentialCacheMs } from './credential-cache.js';
import type { Actor } from './model.js';

const actor: Actor = {
  kind: 'session',
  user: {
    id: 'u1',
    email: 'u1@example.org',
    orgId: 'qatar',
    role: 'mediator',
    permissions: [],
    disabled: false,
    failedLogins: 0,
    lockedUntil: undefined,
    createdAt: '2025-01-01T00:00:00.000Z',
  },
  csrfToken: 'csrf',
  sessionHash: 'hash',
  secondFactor: false,
  authenticatedAt: '2025-01-01T00:00:00.000Z',
};
const now = Date.parse('2025-01-21T09:00:00Z');
const inAnHour = new Date(now + 3_600_000).toISOString();

describe('the credential cache', () => {
  it('answers a looked-up session until it or the cache entry expires', () => {
    const cache = new CredentialCache();
    cache.set('s', actor, inAnHour, now, cache.generation);
    expect(cache.get('s', now + credentialCacheMs - 1)).toBe(actor);
    expect(cache.get('s', now + credentialCacheMs)).toBeUndefined();
    const soon = new Date(now + 1000).toISOString();
    cache.set('t', actor, soon, now, cache.generation);
    expect(cache.get('t', now + 1000)).toBeUndefined();
  });

  it('forgets everything on invalidation, and never keeps a lookup that ran across one', () => {
    const cache = new CredentialCache();
    cache.set('s', actor, inAnHour, now, cache.generation);
    // A lookup starts, a logout commits and invalidates, then the lookup ends with what it read
    // before the logout: it must not be kept.
    const started = cache.generation;
    cache.invalidate();
    expect(cache.get('s', now)).toBeUndefined();
    cache.set('s', actor, inAnHour, now, started);
    expect(cache.get('s', now)).toBeUndefined();
  });
});
