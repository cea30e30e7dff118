import type {} from '@fastify/cookie';
import { TruceError } from '@truce/core';
import type { FastifyRequest } from 'fastify';
import type { AccountsService } from '../accounts/accounts-service.js';
import type { Actor } from '../accounts/model.js';
import { sameSecret } from '../accounts/secrets.js';
import type { ServerConfig } from './config.js';

/**
 * The cookies' names. With `Secure` (any address but loopback), the `__Host-` prefix (ASVS
 * 3.3.1): browsers keep such a cookie only when it is Secure, for this host alone, on path /,
 * so a sibling subdomain cannot plant one (session fixation by cookie tossing). On a loopback
 * address in development cookies are not Secure, and the prefix would make browsers drop them.
 */
export function cookieNames(secure: boolean): { session: string; csrf: string } {
  return secure
    ? { session: '__Host-truce_session', csrf: '__Host-truce_csrf' }
    : { session: 'truce_session', csrf: 'truce_csrf' };
}
export const csrfHeader = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling: a bearer token (machines) or a session cookie (people in a browser), else
 * anonymous. A bearer header that does not authenticate is refused outright rather than
 * treated as anonymous, so a broken client sees 401, not a confusing 403 later.
 */
export async function authenticate(
  request: FastifyRequest,
  accounts: AccountsService,
  sessionCookie: string,
): Promise<Actor> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    const actor = match?.[1] ? await accounts.tokenActor(match[1]) : undefined;
    if (!actor) {
      throw new TruceError(
        'UNAUTHENTICATED',
        'the API token is unknown, expired or revoked; make a new one with POST /api/v1/tokens',
      );
    }
    return actor;
  }
  const cookie = request.cookies[sessionCookie];
  if (cookie !== undefined && cookie.length <= 200) {
    const actor = await accounts.sessionActor(cookie);
    if (actor) return actor;
  }
  return { kind: 'anonymous' };
}

/**
 * CSRF defence for cookie sessions on unsafe methods: the session's own token, returned at login
 * (and in the readable `truce_csrf` cookie), must come back in the X-CSRF-Token header — a
 * synchronizer token that another site can neither read nor guess. On top of SameSite=Strict,
 * and an Origin header, when a browser sends one, must be this server or a configured origin.
 * Bearer tokens are not ambient credentials, so they need neither.
 */
export function checkCsrf(request: FastifyRequest, actor: Actor, config: ServerConfig): void {
  if (actor.kind !== 'session' || safeMethods.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined && !config.corsOrigins.includes(origin)) {
    const host = request.headers.host;
    let sameHost = false;
    try {
      sameHost = host !== undefined && new URL(origin).host === host;
    } catch {
      sameHost = false;
    }
    if (!sameHost) {
      throw new TruceError('FORBIDDEN', `requests from ${origin} are not allowed to use a session`);
    }
  }
  const sent = request.headers[csrfHeader];
  if (typeof sent !== 'string' || !sameSecret(sent, actor.csrfToken)) {
    throw new TruceError(
      'FORBIDDEN',
      'missing or wrong X-CSRF-Token header; send the csrfToken that login returned',
    );
  }
}
