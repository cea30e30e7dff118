import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginResult } from '../../accounts/accounts-service.js';
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
} from '../../accounts/webauthn.js';
import { relyingPartyOf } from '../../accounts/webauthn.js';
import { cookieNames } from '../../http/authenticate.js';
import { isLoopbackHost } from '../../http/config.js';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentUser } from '../../presenters/accounts.js';
import {
  addSecurityKeySchema,
  beginMfaSchema,
  changePasswordSchema,
  confirmMfaSchema,
  endSessionSchema,
  endSessionsSchema,
  forgotPasswordSchema,
  loginSchema,
  logoutSchema,
  meSchema,
  passkeyLoginSchema,
  passkeyOptionsSchema,
  reauthenticateSchema,
  removeMfaSchema,
  removeSecurityKeySchema,
  resetPasswordSchema,
  securityKeyLoginSchema,
  securityKeyOptionsSchema,
  securityKeysSchema,
  sessionsSchema,
} from './schema.js';

export function authRoutes(app: TruceApp, ctx: AppContext): void {
  const { session: sessionCookie, csrf: csrfCookie } = cookieNames(ctx.config.secureCookies);
  /** Sets a new session's cookies and answers what the login routes answer. */
  const startSession = (reply: FastifyReply, login: LoginResult) => {
    const { user, sessionToken, csrfToken, expiresAt, sinceLastLogin } = login;
    const cookie = {
      path: '/',
      sameSite: 'strict' as const,
      secure: ctx.config.secureCookies,
      expires: new Date(expiresAt),
    };
    reply.setCookie(sessionCookie, sessionToken, { ...cookie, httpOnly: true });
    reply.setCookie(csrfCookie, csrfToken, { ...cookie, httpOnly: false });
    return { user: presentUser(user), csrfToken, expiresAt, sinceLastLogin };
  };

  /** The WebAuthn relying party: the configured public origin, else the request's origin. */
  const relyingParty = (request: FastifyRequest) =>
    relyingPartyOf(ctx.config.publicOrigin, `${request.protocol}://${request.host}`);

  /** The routes that take a password or a reset token: the login rate limit per address. */
  const loginLimited = {
    action: 'auth.login' as const,
    rateLimit: { max: ctx.config.loginPerMinute, timeWindow: '1 minute' },
  };

  app.post(
    '/api/v1/auth/password/forgot',
    { config: loginLimited, schema: forgotPasswordSchema },
    async (request, reply) => {
      // Never from the Host header of a request anyone can send (a link to their own site, with
      // the victim's token, is the classic reset poisoning): the configured origin, or the
      // request's own only on a loopback address (development).
      const linkOrigin =
        ctx.config.publicOrigin ??
        (isLoopbackHost(request.hostname)
          ? new URL(`${request.protocol}://${request.host}`).origin
          : undefined);
      ctx.accounts.requestPasswordReset(originOf(request), request.body.email, linkOrigin);
      return reply.status(202).send({ accepted: true as const });
    },
  );

  app.post(
    '/api/v1/auth/password/reset',
    { config: loginLimited, schema: resetPasswordSchema },
    async (request, reply) => {
      await ctx.accounts.resetPassword(
        originOf(request),
        request.body.token,
        request.body.password,
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/auth/login/security-key',
    { config: loginLimited, schema: securityKeyLoginSchema },
    async (request) => ({
      options: {
        ...(await ctx.accounts.securityKeyLoginOptions(
          originOf(request),
          relyingParty(request),
          request.body.email,
          request.body.password,
        )),
      },
    }),
  );

  app.get(
    '/api/v1/auth/security-keys',
    { config: { action: 'auth.credentials' }, schema: securityKeysSchema },
    async (request) => ({ securityKeys: await ctx.accounts.securityKeys(originOf(request)) }),
  );

  app.post(
    '/api/v1/auth/security-keys/options',
    { config: { action: 'auth.credentials' }, schema: securityKeyOptionsSchema },
    async (request) => ({
      options: {
        ...(await ctx.accounts.securityKeyRegistrationOptions(
          originOf(request),
          relyingParty(request),
          request.body.password,
        )),
      },
    }),
  );

  app.post(
    '/api/v1/auth/security-keys',
    { config: { action: 'auth.credentials' }, schema: addSecurityKeySchema },
    async (request) =>
      ctx.accounts.addSecurityKey(
        originOf(request),
        relyingParty(request),
        request.body.name,
        request.body.response as RegistrationResponseJSON,
      ),
  );

  app.post(
    '/api/v1/auth/security-keys/:id/remove',
    { config: { action: 'auth.credentials' }, schema: removeSecurityKeySchema },
    async (request, reply) => {
      await ctx.accounts.removeSecurityKey(
        originOf(request),
        request.params.id,
        request.body.password,
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/auth/login',
    { config: loginLimited, schema: loginSchema },
    async (request, reply) =>
      startSession(
        reply,
        await ctx.accounts.login(originOf(request), request.body.email, request.body.password, {
          code: request.body.code,
          securityKey: request.body.securityKey && {
            response: request.body.securityKey as AuthenticationResponseJSON,
            rp: relyingParty(request),
          },
        }),
      ),
  );

  app.post(
    '/api/v1/auth/reauthenticate',
    {
      config: { ...loginLimited, action: 'auth.reauthenticate' as const },
      schema: reauthenticateSchema,
    },
    async (request) => {
      const { authenticatedAt } = await ctx.accounts.reauthenticate(
        originOf(request),
        request.body.password,
        {
          code: request.body.code,
          securityKey: request.body.securityKey && {
            response: request.body.securityKey as AuthenticationResponseJSON,
            rp: relyingParty(request),
          },
        },
      );
      const freshUntil = new Date(
        Date.parse(authenticatedAt) + ctx.config.reauthenticateMinutes * 60_000,
      ).toISOString();
      return { authenticatedAt, freshUntil };
    },
  );

  app.post(
    '/api/v1/auth/login/passkey/options',
    { config: loginLimited, schema: passkeyOptionsSchema },
    async (request) => ({
      options: { ...(await ctx.accounts.passkeyLoginOptions(relyingParty(request))) },
    }),
  );

  app.post(
    '/api/v1/auth/login/passkey',
    { config: loginLimited, schema: passkeyLoginSchema },
    async (request, reply) =>
      startSession(
        reply,
        await ctx.accounts.loginWithPasskey(
          originOf(request),
          relyingParty(request),
          request.body.response as AuthenticationResponseJSON,
        ),
      ),
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { action: 'auth.logout' }, schema: logoutSchema },
    async (request, reply) => {
      await ctx.accounts.logout(originOf(request));
      reply.clearCookie(sessionCookie, { path: '/' });
      reply.clearCookie(csrfCookie, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    { config: { action: 'auth.me' }, schema: meSchema },
    async (request) =>
      request.actor.kind === 'anonymous'
        ? { user: null }
        : {
            user: presentUser(request.actor.user),
            via: request.actor.kind,
            // A session's is read with the session (no query of its own); a token's is looked up.
            secondFactor:
              request.actor.kind === 'session'
                ? request.actor.secondFactor
                : await ctx.accounts.secondFactorOn(request.actor.user.id),
            // Which: the authenticator app (TOTP) on or not; security keys are listed apart.
            authenticatorApp: await ctx.accounts.authenticatorAppOn(request.actor.user.id),
            // Whether this cell requires one of the user's role (TRUCE_MFA_REQUIRED_ROLES).
            secondFactorRequired: ctx.config.mfaRequiredRoles.includes(request.actor.user.role),
            ...(request.actor.kind === 'token' ? { scopes: request.actor.token.scopes } : {}),
          },
  );

  app.get(
    '/api/v1/auth/sessions',
    { config: { action: 'auth.sessions' }, schema: sessionsSchema },
    async (request) => ({ sessions: await ctx.accounts.sessions(originOf(request)) }),
  );

  app.post(
    '/api/v1/auth/sessions/end',
    { config: { action: 'auth.sessions' }, schema: endSessionsSchema },
    async (request, reply) => {
      const ended = await ctx.accounts.endSessions(
        originOf(request),
        request.body.keepCurrent ? { allButCurrent: true } : { all: true },
      );
      if (!request.body.keepCurrent) {
        reply.clearCookie(sessionCookie, { path: '/' });
        reply.clearCookie(csrfCookie, { path: '/' });
      }
      return { ended };
    },
  );

  app.delete(
    '/api/v1/auth/sessions/:id',
    { config: { action: 'auth.sessions' }, schema: endSessionSchema },
    async (request) => ({
      ended: await ctx.accounts.endSessions(originOf(request), { id: request.params.id }),
    }),
  );

  app.post(
    '/api/v1/auth/mfa',
    { config: { action: 'auth.enrol' }, schema: beginMfaSchema },
    async (request) => ctx.accounts.beginMfa(originOf(request)),
  );

  app.post(
    '/api/v1/auth/mfa/confirm',
    { config: { action: 'auth.enrol' }, schema: confirmMfaSchema },
    async (request) => ctx.accounts.confirmMfa(originOf(request), request.body.code),
  );

  app.post(
    '/api/v1/auth/mfa/remove',
    { config: { action: 'auth.credentials' }, schema: removeMfaSchema },
    async (request, reply) => {
      await ctx.accounts.removeMfa(originOf(request), request.body.password, request.body.code);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/auth/password',
    { config: { action: 'auth.credentials' }, schema: changePasswordSchema },
    async (request, reply) => {
      await ctx.accounts.changePassword(originOf(request), request.body.current, request.body.next);
      return reply.status(204).send();
    },
  );
}
