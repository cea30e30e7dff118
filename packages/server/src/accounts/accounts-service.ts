import { randomUUID } from 'node:crypto';
import { TruceError } from '@truce/core';
import type { Mailer } from '../alerts/smtp.js';
import type { AuditLog } from '../audit/audit-log.js';
import { grantablePermissions, scopesOf } from '../policies/matrix.js';
import type { AccountsRepository, ChallengePurpose, SecurityKey } from './accounts-repository.js';
import type { BreachedPasswords } from './breached-passwords.js';
import type { DeviceKeys } from './device-keys.js';
import { openMfaSecret, sealMfaSecret } from './mfa-key.js';
import {
  type Actor,
  type ApiToken,
  actorFields,
  type Organisation,
  type OrganisationKind,
  type Permission,
  type Role,
  type Scope,
  type User,
} from './model.js';
import {
  passwordChangedMail,
  resetLifetimeMinutes,
  resetLink,
  resetMail,
  resetsPerHour,
} from './password-reset.js';
import {
  burnPasswordCheck,
  hashPassword,
  passwordProblem,
  randomSecret,
  secretHash,
  verifyPassword,
} from './secrets.js';
import {
  base32Encode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  normaliseRecoveryCode,
  otpauthUri,
} from './totp.js';
import {
  type AuthenticationResponseJSON,
  authenticationOptions,
  challengeHash,
  challengeLifetimeMs,
  challengeOf,
  passkeyOptions,
  type RegistrationResponseJSON,
  type RelyingParty,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
} from './webauthn.js';

/** Where a request came from, for the audit log. */
/**
 * Failed logins since the user's last login, and whether they locked the account (ASVS 6.3.5: the
 * user is told of attempts on the account; the audit log has each one).
 */
export interface SinceLastLogin {
  failedAttempts: number;
  locked: boolean;
}

export interface RequestOrigin {
  actor: Actor;
  ip: string | undefined;
}

/** A new session: its secret (the cookie), its CSRF token, and what the user is told. */
export interface LoginResult {
  user: User;
  sessionToken: string;
  csrfToken: string;
  expiresAt: string;
  sinceLastLogin: SinceLastLogin;
}

/** The second factor sent with a login: a code, or a security key's answer to its challenge. */
export interface SecondFactorAnswer {
  code?: string | undefined;
  securityKey?: { response: AuthenticationResponseJSON; rp: RelyingParty } | undefined;
}

/** A security key as its owner sees it (never the public key, which is of no use to them). */
export interface SecurityKeySummary {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | undefined;
  /** A passkey (signs in alone); undefined when the browser did not say at registration. */
  passkey: boolean | undefined;
}

export interface AccountsOptions {
  clock: () => Date;
  sessionMinutes: number;
  /** The key that seals TOTP secrets (mfa-key.ts); without it, MFA cannot be enrolled. */
  mfaKey?: () => Buffer;
  /** A session unused this long ends (0: never). */
  sessionIdleMinutes?: number;
  lockoutAttempts: number;
  lockoutMinutes: number;
  maxTokenDays: number;
  /**
   * Answer sessions and API tokens from memory once looked up (`CredentialCache`). Only when
   * this process alone writes the database (PGlite): another process's logout would not reach
   * this one's memory. Off by default.
   */
  cacheCredentials?: boolean;
  /** Tells a user by e-mail that their account was locked (none: the dashboard tells them). */
  mailer?: Mailer | undefined;
  /** A local breached-password corpus new passwords are checked against (none: not checked). */
  breachedPasswords?: BreachedPasswords | undefined;
  /** The users' device keys: revoked in the ledger when their user is disabled. */
  devices?: DeviceKeys | undefined;
}

export const tokenPrefix = 'truce_';

const minute = 60_000;

/** A session as its owner sees it: never the secret, nor the hash the database keys it by. */
export interface SessionSummary {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** A session's public id: a prefix of SHA-256 of its hash (the hash itself stays inside). */
function until(now: Date, minutes: number): string {
  return new Date(now.getTime() + minutes * minute).toISOString();
}

/** Recovery codes are stored as SHA-256 of the user id and the normalised code. */
function recoveryCodeHash(userId: string, code: string): string {
  return secretHash(`truce/mfa-recovery/v1|${userId}|${normaliseRecoveryCode(code)}`);
}

function sessionId(tokenHash: string): string {
  return secretHash(`session-id:${tokenHash}`).slice(0, 16);
}

const summaryOf = (key: SecurityKey): SecurityKeySummary => ({
  id: key.id,
  name: key.name,
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt,
  passkey: key.discoverable,
});

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Organisations, users, logins, sessions and API tokens; every change is audited. */
export class AccountsService {
  readonly #repo: AccountsRepository;
  readonly #audit: AuditLog;
  readonly #options: AccountsOptions;

  constructor(repo: AccountsRepository, audit: AuditLog, options: AccountsOptions) {
    this.#repo = repo;
    this.#audit = audit;
    this.#options = options;
  }

  get repository(): AccountsRepository {
    return this.#repo;
  }

  #now(): string {
    return this.#options.clock().toISOString();
  }

  async #record(
    origin: RequestOrigin,
    action: string,
    target: string | undefined,
    outcome: 'success' | 'failure' | 'denied',
    details: Record<string, unknown> = {},
    as?: User,
  ): Promise<void> {
    await this.#audit.append({
      at: this.#now(),
      ...(as ? { actor: as.id, actorOrg: as.orgId } : actorFields(origin.actor)),
      action,
      target,
      outcome,
      ip: origin.ip,
      details,
    });
  }

  async createOrganisation(
    origin: RequestOrigin,
    input: { id: string; name: string; kind: OrganisationKind },
  ): Promise<Organisation> {
    const org = await this.#repo.createOrganisation({ ...input, createdAt: this.#now() });
    await this.#record(origin, 'org.create', org.id, 'success', { kind: org.kind });
    return org;
  }

  async createUser(
    origin: RequestOrigin,
    input: {
      email: string;
      orgId: string;
      role: Role;
      permissions: Permission[];
      password: string;
    },
  ): Promise<User> {
    const problem = await this.#passwordProblem(input.password, [input.email]);
    if (problem) {
      throw new TruceError('USAGE', `${problem}; choose a longer passphrase`, [
        { path: 'password', message: problem },
      ]);
    }
    if (!(await this.#repo.organisation(input.orgId))) {
      throw new TruceError('NOT_FOUND', `no organisation ${input.orgId}; create it first`);
    }
    checkGrantable(input.role, input.permissions);
    const user = await this.#repo.createUser(
      {
        id: randomUUID(),
        email: normaliseEmail(input.email),
        orgId: input.orgId,
        role: input.role,
        permissions: [...new Set(input.permissions)].sort(),
        disabled: false,
        failedLogins: 0,
        lockedUntil: undefined,
        createdAt: this.#now(),
      },
      await hashPassword(input.password),
    );
    await this.#record(origin, 'user.create', user.id, 'success', {
      email: user.email,
      org: user.orgId,
      role: user.role,
      permissions: user.permissions,
    });
    return user;
  }

  /** Role, permissions or disabled flag: a permission change, audited with before and after. */
  async updateUser(
    origin: RequestOrigin,
    id: string,
    change: { role?: Role; permissions?: Permission[]; disabled?: boolean },
  ): Promise<User> {
    const before = await this.#repo.user(id);
    if (!before) throw new TruceError('NOT_FOUND', `no user ${id}`);
    if (origin.actor.kind !== 'anonymous' && origin.actor.user.id === id) {
      throw new TruceError(
        'FORBIDDEN',
        'nobody changes their own role or permissions; ask another mediator',
      );
    }
    const role = change.role ?? before.role;
    const permissions = change.permissions
      ? [...new Set(change.permissions)].sort()
      : before.permissions.filter((p) => grantablePermissions[role].includes(p));
    checkGrantable(role, permissions);
    const after = await this.#repo.updateUser(id, { ...change, role, permissions });
    if (!after) throw new TruceError('NOT_FOUND', `no user ${id}`);
    await this.#repo.revokeSessionsOf(id, this.#now());
    // Their API tokens stay, but carry the new role, permissions and disabled flag from now on.
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'user.permissions', id, 'success', {
      before: { role: before.role, permissions: before.permissions, disabled: before.disabled },
      after: { role: after.role, permissions: after.permissions, disabled: after.disabled },
    });
    // Disabled, the user's devices may no longer sign for the organisation: their keys are
    // revoked in the ledger (each revocation audited as device.revoke).
    if (after.disabled && !before.disabled) {
      await this.#options.devices?.revokeAllOf(origin, id, 'user disabled');
    }
    return after;
  }

  /**
   * Why a new password is refused (`passwordProblem`: length, guessability), or that it appears
   * in the breached-password corpus when the cell has one (`TRUCE_BREACHED_PASSWORDS`).
   */
  async #passwordProblem(password: string, userInputs: string[]): Promise<string | undefined> {
    const problem = passwordProblem(password, userInputs);
    if (problem || !this.#options.breachedPasswords) return problem;
    const seen = await this.#options.breachedPasswords.count(password);
    return seen > 0
      ? `this password appears in known breaches of other services (${seen.toLocaleString('en')} times), so attackers try it first; choose another`
      : undefined;
  }

  /**
   * Checks e-mail and password. Unknown e-mail, wrong password, locked and disabled accounts all
   * answer the same UNAUTHENTICATED, so that login tells an attacker nothing; the audit log has
   * the real reason.
   */
  async login(
    origin: RequestOrigin,
    email: string,
    password: string,
    secondFactor: SecondFactorAnswer = {},
  ): Promise<LoginResult> {
    const { user, refused } = await this.#checkPassword(origin, email, password);
    const now = this.#options.clock();
    await this.#secondFactor(
      origin,
      user,
      secondFactor,
      until(now, this.#options.lockoutMinutes),
      refused,
    );
    return this.#openSession(origin, user, {});
  }

  /** A session for a user who just proved who they are; the login audited with `details`. */
  async #openSession(
    origin: RequestOrigin,
    user: User,
    details: Record<string, unknown>,
  ): Promise<LoginResult> {
    const now = this.#options.clock();
    await this.#repo.recordSuccessfulLogin(user.id);
    const sessionToken = randomSecret();
    const csrfToken = randomSecret();
    const expiresAt = new Date(now.getTime() + this.#options.sessionMinutes * minute).toISOString();
    await this.#repo.createSession({
      tokenHash: secretHash(sessionToken),
      userId: user.id,
      csrfToken,
      createdAt: now.toISOString(),
      expiresAt,
    });
    await this.#record(origin, 'auth.login', user.id, 'success', details, user);
    // Read before this login reset them: what the user is told of attempts made meanwhile.
    const sinceLastLogin = {
      failedAttempts: user.failedLogins,
      locked: user.lockedUntil !== undefined,
    };
    return { user, sessionToken, csrfToken, expiresAt, sinceLastLogin };
  }

  /** Step 1 of a login with a passkey alone: a challenge that names no one, for five minutes. */
  async passkeyLoginOptions(rp: RelyingParty): Promise<Awaited<ReturnType<typeof passkeyOptions>>> {
    const options = await passkeyOptions(rp);
    await this.#saveChallenge(options.challenge, null, 'passkey');
    return options;
  }

  /**
   * Step 2: the passkey's answer is the login — a key registered for this host, the challenge
   * of step 1 (once), a valid signature made with the user verified (the key's PIN or biometric:
   * the second factor), a counter that grew, and the account's user handle. A disabled or
   * locked account, and any failure, get the one UNAUTHENTICATED answer; the audit log has why.
   */
  async loginWithPasskey(
    origin: RequestOrigin,
    rp: RelyingParty,
    response: AuthenticationResponseJSON,
  ): Promise<LoginResult> {
    const refused = new TruceError(
      'UNAUTHENTICATED',
      'this passkey does not sign in here; use your e-mail and password',
    );
    const fail = async (reason: string, user?: User): Promise<never> => {
      await this.#record(origin, 'auth.login', user?.id, 'failure', {
        method: 'passkey',
        reason,
      });
      throw refused;
    };
    const key = await this.#repo.securityKey(response.id);
    if (!key || key.rpId !== rp.id) return fail('unknown passkey');
    const user = await this.#repo.user(key.userId);
    if (!user) return fail('unknown passkey');
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== Buffer.from(user.id).toString('base64url')) {
      return fail('the passkey names another account', user);
    }
    const problem = await this.#keyAnswerProblem(origin, user, key, response, rp, {
      challengeOf: null,
      purpose: 'passkey',
      requireUserVerification: true,
    });
    if (problem) return fail(problem, user);
    const now = this.#options.clock();
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime())
      return fail('locked', user);
    if (user.disabled) return fail('disabled', user);
    return this.#openSession(origin, user, { method: 'passkey', key: key.id });
  }

  /**
   * The password step of a login (and of a security key's login challenge): the user, or the
   * one UNAUTHENTICATED answer for an unknown e-mail, a wrong password, a locked or a disabled
   * account, with the real reason in the audit log and wrong passwords counted toward lockout.
   */
  async #checkPassword(
    origin: RequestOrigin,
    email: string,
    password: string,
  ): Promise<{ user: User; refused: TruceError }> {
    const refused = new TruceError(
      'UNAUTHENTICATED',
      'wrong e-mail or password, or the account is locked; wait 15 minutes after 5 failures, or ask a mediator',
    );
    const normalised = normaliseEmail(email);
    const found = await this.#repo.userByEmail(normalised);
    if (!found) {
      await burnPasswordCheck(password);
      await this.#record(origin, 'auth.login', undefined, 'failure', {
        email: normalised,
        reason: 'unknown e-mail',
      });
      throw refused;
    }
    const { user, passwordHash } = found;
    const now = this.#options.clock();
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) {
      await burnPasswordCheck(password);
      await this.#record(origin, 'auth.login', user.id, 'denied', { reason: 'locked' });
      throw refused;
    }
    const good = await verifyPassword(passwordHash, password);
    if (!good || user.disabled) {
      if (good) {
        await this.#record(origin, 'auth.login', user.id, 'failure', {
          reason: 'disabled',
          failedLogins: user.failedLogins,
        });
      } else {
        await this.#countFailure(
          origin,
          user,
          'wrong password',
          until(now, this.#options.lockoutMinutes),
        );
      }
      throw refused;
    }
    return { user, refused };
  }

  async logout(origin: RequestOrigin): Promise<void> {
    if (origin.actor.kind === 'session') {
      await this.#repo.revokeSession(origin.actor.sessionHash, this.#now());
      this.#repo.credentials.invalidate();
    }
    await this.#record(origin, 'auth.logout', undefined, 'success');
  }

  /** The actor of a session cookie, if the session is live. */
  async sessionActor(sessionToken: string): Promise<Actor | undefined> {
    const sessionHash = secretHash(sessionToken);
    return this.#cached(`session ${sessionHash}`, async (now) => {
      const found = await this.#repo.session(sessionHash, now, this.#idleSince(now));
      // Written at most once a minute per session (and once per lookup from memory): the idle
      // timeout is that precise, and a busy session does not cost a write per request.
      if (found && Date.parse(now) - Date.parse(found.lastSeenAt) >= minute) {
        await this.#repo.touchSession(sessionHash, now);
      }
      return (
        found && {
          actor: {
            kind: 'session',
            user: found.user,
            csrfToken: found.csrfToken,
            sessionHash,
            secondFactor: found.secondFactor,
            authenticatedAt: found.authenticatedAt,
          },
          expiresAt: found.expiresAt,
        }
      );
    });
  }

  /**
   * The second factor of a login whose password was right: nothing when the user has none; else
   * a TOTP code (each time step once), an unused recovery code, or a security key's answer to a
   * challenge handed out by `securityKeyLoginOptions`. Nothing sent: MFA_REQUIRED, so that the
   * client asks for one; a wrong one counts as a failed login (lockout).
   */
  async #secondFactor(
    origin: RequestOrigin,
    user: User,
    answer: SecondFactorAnswer,
    lockUntil: string,
    refused: TruceError,
    action: 'auth.login' | 'auth.reauthenticate' = 'auth.login',
  ): Promise<void> {
    const mfa = await this.#repo.mfaOf(user.id);
    const keys = await this.#repo.securityKeysOf(user.id);
    if (!mfa?.enabled && keys.length === 0) return;
    const code = answer.code?.trim() ?? '';
    if (answer.securityKey) {
      if (await this.#securityKeyAnswered(origin, user, keys, answer.securityKey)) return;
    } else if (code === '') {
      await this.#record(origin, action, user.id, 'failure', {
        reason: 'second factor missing',
      });
      throw new TruceError(
        'MFA_REQUIRED',
        'use your security key (`securityKey`, the answer to POST /api/v1/auth/login/security-key), or enter the 6-digit code of your authenticator app or one of your recovery codes as `code`',
      );
    } else if (/^\d{6}$/.test(code)) {
      if (mfa?.enabled) {
        const secret = openMfaSecret(this.#mfaKey(), user.id, mfa.sealed);
        const step = matchTotp(secret, code, this.#options.clock(), mfa.lastStep);
        if (step !== undefined && (await this.#repo.useMfaStep(user.id, step))) return;
      }
    } else {
      const left = await this.#repo.useRecoveryCode(
        user.id,
        recoveryCodeHash(user.id, code),
        this.#now(),
      );
      if (left !== undefined) {
        await this.#record(origin, 'auth.mfa.recovery', user.id, 'success', { remaining: left });
        return;
      }
    }
    await this.#countFailure(origin, user, 'wrong second factor', lockUntil, action);
    throw refused;
  }

  /**
   * Whether a security key's answer proves the login: a key of this user made for this host,
   * the challenge handed to this user for a login (taken: never twice), a valid signature and a
   * signature counter that grew (else the key may have been cloned).
   */
  async #securityKeyAnswered(
    origin: RequestOrigin,
    user: User,
    keys: readonly SecurityKey[],
    { response, rp }: { response: AuthenticationResponseJSON; rp: RelyingParty },
  ): Promise<boolean> {
    const key = keys.find((candidate) => candidate.id === response.id && candidate.rpId === rp.id);
    if (!key) return false;
    const problem = await this.#keyAnswerProblem(origin, user, key, response, rp, {
      challengeOf: user.id,
      purpose: 'login',
      requireUserVerification: false,
    });
    return problem === undefined;
  }

  /**
   * Why a key's answer does not prove a login, or undefined when it does: the challenge handed
   * out for it (taken: never twice), a valid signature (with the user verified when required),
   * and a signature counter that grew — else the key may have been cloned, which is audited.
   */
  async #keyAnswerProblem(
    origin: RequestOrigin,
    user: User,
    key: SecurityKey,
    response: AuthenticationResponseJSON,
    rp: RelyingParty,
    rules: {
      /** The user the challenge was handed to (null: a passkey login's, handed to no one). */
      challengeOf: string | null;
      purpose: ChallengePurpose;
      requireUserVerification: boolean;
    },
  ): Promise<string | undefined> {
    let challenge: string;
    try {
      challenge = challengeOf(response);
    } catch {
      return 'no challenge';
    }
    const now = this.#now();
    const hash = challengeHash(challenge);
    if (!(await this.#repo.takeChallenge(hash, rules.challengeOf, rules.purpose, now))) {
      return 'unknown or expired challenge';
    }
    let counter: number;
    try {
      counter = await verifyAuthentication(
        rp,
        response,
        key,
        challenge,
        rules.requireUserVerification,
      );
    } catch (error) {
      return (error as Error).message;
    }
    if (!(await this.#repo.useSecurityKey(key.id, counter, now))) {
      await this.#record(origin, 'auth.webauthn.counter', user.id, 'denied', {
        key: key.id,
        stored: key.counter,
        received: counter,
      });
      return 'signature counter did not grow';
    }
    return undefined;
  }

  /**
   * Step 1 of a login with a security key: the password checked as for a login (same answers,
   * same lockout), then a challenge for the user's keys made for this host. NOT_FOUND when the
   * user has none here (the password was right: nothing is revealed to a stranger).
   */
  async securityKeyLoginOptions(
    origin: RequestOrigin,
    rp: RelyingParty,
    email: string,
    password: string,
  ): Promise<Awaited<ReturnType<typeof authenticationOptions>>> {
    const { user } = await this.#checkPassword(origin, email, password);
    const keys = (await this.#repo.securityKeysOf(user.id)).filter((key) => key.rpId === rp.id);
    if (keys.length === 0) {
      throw new TruceError(
        'NOT_FOUND',
        `you have no security key for ${rp.id}; sign in with your authenticator app's code`,
      );
    }
    const options = await authenticationOptions(rp, keys);
    await this.#saveChallenge(options.challenge, user.id, 'login');
    return options;
  }

  async #saveChallenge(
    challenge: string,
    userId: string | null,
    purpose: ChallengePurpose,
  ): Promise<void> {
    const now = this.#options.clock();
    await this.#repo.saveChallenge(
      challengeHash(challenge),
      userId,
      purpose,
      new Date(now.getTime() + challengeLifetimeMs).toISOString(),
      now.toISOString(),
    );
  }

  /**
   * A session's user proves who they are again, as at login: the password, and the second factor
   * when they have one (a code, a recovery code or a security key's answer to the challenge of
   * POST /api/v1/auth/login/security-key). The actions marked fresh in policies/matrix.ts need
   * it within `reauthenticateMinutes`. Failures count toward the lockout as failed logins do;
   * a locked or disabled account is refused whatever it sends.
   */
  async reauthenticate(
    origin: RequestOrigin,
    password: string,
    secondFactor: SecondFactorAnswer = {},
  ): Promise<{ authenticatedAt: string }> {
    const actor = origin.actor;
    if (actor.kind !== 'session') {
      throw new TruceError('FORBIDDEN', 'only a signed-in person re-authenticates, not a token');
    }
    const refused = new TruceError(
      'UNAUTHENTICATED',
      'wrong password or second factor, or the account is locked; wait 15 minutes after 5 failures, or ask a mediator',
    );
    // Read again, not from the session: a lockout or a disabling since the login counts.
    const found = await this.#repo.userByEmail(actor.user.email);
    const now = this.#options.clock();
    const lockUntil = until(now, this.#options.lockoutMinutes);
    if (!found || found.user.disabled) {
      await burnPasswordCheck(password);
      await this.#record(origin, 'auth.reauthenticate', actor.user.id, 'denied', {
        reason: 'disabled',
      });
      throw refused;
    }
    const { user, passwordHash } = found;
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) {
      await burnPasswordCheck(password);
      await this.#record(origin, 'auth.reauthenticate', user.id, 'denied', { reason: 'locked' });
      throw refused;
    }
    if (!(await verifyPassword(passwordHash, password))) {
      await this.#countFailure(origin, user, 'wrong password', lockUntil, 'auth.reauthenticate');
      throw refused;
    }
    await this.#secondFactor(origin, user, secondFactor, lockUntil, refused, 'auth.reauthenticate');
    const authenticatedAt = now.toISOString();
    // As a login does: the failures counted so far were this user's own slips.
    await this.#repo.recordSuccessfulLogin(user.id);
    await this.#repo.markAuthenticated(actor.sessionHash, authenticatedAt);
    // A session answered from memory must not keep its older time.
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.reauthenticate', user.id, 'success');
    return { authenticatedAt };
  }

  /** The signed-in user, after checking their password again (before a change of credentials). */
  async #reauthenticated(origin: RequestOrigin, password: string, action: string): Promise<User> {
    const user = this.#sessionUser(origin);
    const hash = await this.#repo.passwordHashOf(user.id);
    if (!hash || !(await verifyPassword(hash, password))) {
      await this.#record(origin, action, user.id, 'failure', { reason: 'wrong password' });
      throw new TruceError('UNAUTHENTICATED', 'wrong password');
    }
    return user;
  }

  /**
   * Step 1 of adding a security key: the password again (a session left open must not let
   * someone add their own key), then the options for the browser's `navigator.credentials
   * .create`, whose challenge is kept for five minutes.
   */
  async securityKeyRegistrationOptions(
    origin: RequestOrigin,
    rp: RelyingParty,
    password: string,
  ): Promise<Awaited<ReturnType<typeof registrationOptions>>> {
    const user = await this.#reauthenticated(origin, password, 'auth.webauthn.add');
    const options = await registrationOptions(rp, user, await this.#repo.securityKeysOf(user.id));
    await this.#saveChallenge(options.challenge, user.id, 'register');
    return options;
  }

  /**
   * Step 2: the key's answer to that challenge is checked and the key stored; from now on it is
   * a second factor of every login, and the user's other sessions end (as when a TOTP app is
   * added).
   */
  async addSecurityKey(
    origin: RequestOrigin,
    rp: RelyingParty,
    name: string,
    response: RegistrationResponseJSON,
  ): Promise<SecurityKeySummary> {
    const user = this.#sessionUser(origin);
    const challenge = challengeOf(response);
    if (
      !(await this.#repo.takeChallenge(challengeHash(challenge), user.id, 'register', this.#now()))
    ) {
      await this.#record(origin, 'auth.webauthn.add', user.id, 'failure', {
        reason: 'unknown or expired challenge',
      });
      throw new TruceError(
        'VALIDATION_FAILED',
        'this answer is not to a challenge of yours, or it came after five minutes; start again',
      );
    }
    let credential: Awaited<ReturnType<typeof verifyRegistration>>;
    try {
      credential = await verifyRegistration(rp, response, challenge);
    } catch (error) {
      await this.#record(origin, 'auth.webauthn.add', user.id, 'failure', {
        reason: (error as Error).message,
      });
      throw error;
    }
    const key: SecurityKey = {
      ...credential,
      userId: user.id,
      rpId: rp.id,
      name: name.trim() || 'security key',
      createdAt: this.#now(),
      lastUsedAt: undefined,
    };
    try {
      await this.#repo.addSecurityKey(key);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TruceError('CONFLICT', 'this key is already registered');
      }
      throw error;
    }
    await this.#endOtherSessions(origin, user.id);
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.webauthn.add', user.id, 'success', {
      key: key.id,
      name: key.name,
      rpId: key.rpId,
    });
    return summaryOf(key);
  }

  /** One's own security keys. */
  async securityKeys(origin: RequestOrigin): Promise<SecurityKeySummary[]> {
    const user = this.#sessionUser(origin);
    return (await this.#repo.securityKeysOf(user.id)).map(summaryOf);
  }

  /** Removes one of one's own security keys (the password again). */
  async removeSecurityKey(origin: RequestOrigin, id: string, password: string): Promise<void> {
    const user = await this.#reauthenticated(origin, password, 'auth.webauthn.remove');
    if (!(await this.#repo.removeSecurityKey(user.id, id))) {
      throw new TruceError('NOT_FOUND', 'you have no security key with this id');
    }
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.webauthn.remove', user.id, 'success', { key: id });
  }

  /**
   * A failed login counted toward the lockout (a wrong password or second factor): audited,
   * and the lockout audited once, when this failure is the one that locks the account.
   */
  async #countFailure(
    origin: RequestOrigin,
    user: User,
    reason: string,
    lockUntil: string,
    action: 'auth.login' | 'auth.reauthenticate' = 'auth.login',
  ): Promise<void> {
    const counted = await this.#repo.recordFailedLogin(
      user.id,
      this.#options.lockoutAttempts,
      lockUntil,
    );
    await this.#record(origin, action, user.id, 'failure', {
      reason,
      failedLogins: counted.failedLogins,
    });
    if (counted.locked && counted.failedLogins === this.#options.lockoutAttempts) {
      await this.#record(origin, 'auth.lockout', user.id, 'success', { until: lockUntil });
      // Not awaited: the refused login answers as fast as any other, whatever the mail server.
      this.#background.push(this.#tellOfLockout(origin, user, lockUntil));
    }
  }

  /** E-mails under way (lockout notices, reset links), not awaited by the requests. */
  readonly #background: Promise<void>[] = [];

  /** Waits for the e-mails under way (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.#background.length > 0) {
      await Promise.all(this.#background.splice(0));
    }
  }

  /**
   * An e-mail to the owner of an account just locked (ASVS 6.3.5 at L3: the user learns of an
   * attack on their account when it happens, not only at their next login). The outcome is
   * audited as `auth.lockout.notice`; a failure to send changes nothing else.
   */
  async #tellOfLockout(origin: RequestOrigin, user: User, lockUntil: string): Promise<void> {
    const mailer = this.#options.mailer;
    if (!mailer) return;
    try {
      await mailer.send({
        to: user.email,
        subject: 'truce: your account was locked after failed sign-in attempts',
        text: [
          `Your truce account ${user.email} was locked at ${this.#now()} after ${this.#options.lockoutAttempts} failed sign-in attempts in a row${origin.ip ? `, the last from the address ${origin.ip}` : ''}.`,
          `It opens again at ${lockUntil}, or earlier if a mediator unlocks it.`,
          '',
          'If these attempts were not yours, someone may be trying your password: tell a mediator of the cell, and change your password once you are back in.',
          '',
          'This message was sent automatically. It holds no link: truce never asks for your password by e-mail.',
        ].join('\n'),
      });
      await this.#record(origin, 'auth.lockout.notice', user.id, 'success', { to: 'owner' });
    } catch (error) {
      await this.#record(origin, 'auth.lockout.notice', user.id, 'failure', {
        reason: (error as Error).message,
      });
    }
  }

  #mfaKey(): Buffer {
    if (!this.#options.mfaKey) {
      throw new TruceError('INTERNAL', 'this server has no MFA key configured');
    }
    return this.#options.mfaKey();
  }

  /** The signed-in user (with a session, not a token), for changes to their own credentials. */
  #sessionUser(origin: RequestOrigin): User {
    if (origin.actor.kind !== 'session') {
      throw new TruceError(
        'FORBIDDEN',
        'only a signed-in person changes their own credentials, not a token',
      );
    }
    return origin.actor.user;
  }

  /** Whether the user's authenticator app (TOTP) is on (enrolment confirmed). */
  async authenticatorAppOn(userId: string): Promise<boolean> {
    return (await this.#repo.mfaOf(userId))?.enabled === true;
  }

  /** Whether the user has a second factor: a confirmed TOTP app or a security key. */
  async secondFactorOn(userId: string): Promise<boolean> {
    if ((await this.#repo.mfaOf(userId))?.enabled === true) return true;
    return (await this.#repo.securityKeysOf(userId)).length > 0;
  }

  /**
   * Step 1 of enrolment: a new secret, shown once as an otpauth:// URI (a link on the
   * dashboard's account page, which authenticator apps on the same device open) and in base32;
   * not in force until a code from it is confirmed.
   */
  async beginMfa(origin: RequestOrigin): Promise<{ secret: string; uri: string }> {
    const user = this.#sessionUser(origin);
    if (await this.secondFactorOn(user.id)) {
      throw new TruceError(
        'CONFLICT',
        'a second factor is already enabled; remove it first (with your password and a code)',
      );
    }
    const secret = newTotpSecret();
    await this.#repo.beginMfa(user.id, sealMfaSecret(this.#mfaKey(), user.id, secret), this.#now());
    await this.#record(origin, 'auth.mfa.begin', user.id, 'success');
    return { secret: base32Encode(secret), uri: otpauthUri(secret, user.email) };
  }

  /**
   * Step 2: a code from the app proves it holds the secret; the factor is enabled, the user's
   * other sessions end, and ten recovery codes are returned — once.
   */
  async confirmMfa(origin: RequestOrigin, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = this.#sessionUser(origin);
    const mfa = await this.#repo.mfaOf(user.id);
    if (!mfa || mfa.enabled) {
      throw new TruceError(
        'CONFLICT',
        'no enrolment in progress; start one with POST /api/v1/auth/mfa',
      );
    }
    const secret = openMfaSecret(this.#mfaKey(), user.id, mfa.sealed);
    const step = matchTotp(secret, code.trim(), this.#options.clock());
    if (step === undefined) {
      await this.#record(origin, 'auth.mfa.enable', user.id, 'failure', { reason: 'wrong code' });
      throw new TruceError(
        'VALIDATION_FAILED',
        "that code does not match; check the phone's clock and enter the current code",
      );
    }
    const recoveryCodes = newRecoveryCodes();
    await this.#repo.enableMfa(
      user.id,
      step,
      recoveryCodes.map((c) => recoveryCodeHash(user.id, c)),
      this.#now(),
    );
    await this.#endOtherSessions(origin, user.id);
    // This session's actor, held in memory, now has a second factor.
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.mfa.enable', user.id, 'success');
    return { recoveryCodes };
  }

  /** Removes one's own second factor: the password and a current code (or a recovery code). */
  async removeMfa(origin: RequestOrigin, password: string, code: string): Promise<void> {
    const user = this.#sessionUser(origin);
    const refused = new TruceError('UNAUTHENTICATED', 'wrong password or code');
    const hash = await this.#repo.passwordHashOf(user.id);
    if (!hash || !(await verifyPassword(hash, password))) {
      await this.#record(origin, 'auth.mfa.remove', user.id, 'failure', {
        reason: 'wrong password',
      });
      throw refused;
    }
    await this.#secondFactor(
      origin,
      user,
      { code },
      until(this.#options.clock(), this.#options.lockoutMinutes),
      refused,
    );
    await this.#repo.removeMfa(user.id);
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.mfa.remove', user.id, 'success');
  }

  /**
   * A mediator removes another user's second factors — the TOTP app and every security key (a
   * lost phone or key, and lost recovery codes);
   * the user's sessions end and they enrol again. Nobody resets their own this way.
   */
  async resetMfa(origin: RequestOrigin, userId: string): Promise<void> {
    if (origin.actor.kind !== 'anonymous' && origin.actor.user.id === userId) {
      throw new TruceError(
        'FORBIDDEN',
        'remove your own second factor with your password and a code',
      );
    }
    if (!(await this.#repo.user(userId))) throw new TruceError('NOT_FOUND', `no user ${userId}`);
    // Sessions end only when a factor in force was removed (not a mere enrolment begun).
    const enabled = await this.secondFactorOn(userId);
    await this.#repo.removeMfa(userId);
    const securityKeys = await this.#repo.removeSecurityKeysOf(userId);
    if (enabled) {
      await this.#repo.revokeSessionsOf(userId, this.#now());
      this.#repo.credentials.invalidate();
    }
    await this.#record(origin, 'user.mfa.reset', userId, 'success', {
      hadSecondFactor: enabled,
      securityKeys,
    });
  }

  /**
   * Sends a link to choose a new password to the account's address, if there is such an
   * account, it is enabled, this cell sends e-mail and fewer than three links went to it this
   * hour. Answers nothing either way (no account enumeration); the audit log says what happened.
   */
  requestPasswordReset(origin: RequestOrigin, email: string, linkOrigin: string | undefined): void {
    // In the background: the answer comes as fast for an unknown address as for a known one.
    this.#background.push(
      this.#requestPasswordReset(origin, email, linkOrigin).catch(() => undefined),
    );
  }

  async #requestPasswordReset(
    origin: RequestOrigin,
    email: string,
    linkOrigin: string | undefined,
  ): Promise<void> {
    const normalised = normaliseEmail(email);
    const found = await this.#repo.userByEmail(normalised);
    const refuse = (reason: string, target?: string) =>
      this.#record(origin, 'auth.password.forgot', target, 'failure', {
        ...(target ? {} : { email: normalised }),
        reason,
      });
    if (!found) return refuse('unknown e-mail');
    const { user } = found;
    if (user.disabled) return refuse('disabled', user.id);
    const mailer = this.#options.mailer;
    if (!mailer) return refuse('this cell sends no e-mail (TRUCE_SMTP_URL)', user.id);
    if (!linkOrigin) {
      return refuse('no public origin for the link (TRUCE_PUBLIC_ORIGIN)', user.id);
    }
    const now = this.#options.clock();
    const hourAgo = new Date(now.getTime() - 60 * minute).toISOString();
    if ((await this.#repo.passwordResetsSince(user.id, hourAgo)) >= resetsPerHour) {
      return refuse(`more than ${resetsPerHour} links this hour`, user.id);
    }
    const token = randomSecret();
    const expiresAt = until(now, resetLifetimeMinutes);
    await this.#repo.savePasswordReset(secretHash(token), user.id, now.toISOString(), expiresAt);
    try {
      await mailer.send(resetMail(user.email, resetLink(linkOrigin, token), expiresAt));
    } catch (error) {
      return refuse(`the e-mail could not be sent: ${(error as Error).message}`, user.id);
    }
    await this.#record(origin, 'auth.password.forgot', user.id, 'success', { expiresAt });
  }

  /**
   * Sets a new password with a reset link's token: used once, within 30 minutes. Every session
   * of the user ends and the lockout is lifted; the user then logs in (with their second factor
   * if they have one) and is told by e-mail that the password changed.
   */
  async resetPassword(origin: RequestOrigin, token: string, password: string): Promise<void> {
    const invalid = new TruceError(
      'UNAUTHENTICATED',
      'this link is not valid: it was used already, is older than 30 minutes, or was not sent by this cell; ask for a new one',
    );
    const tokenHash = secretHash(token);
    const now = this.#now();
    // The password is judged before the token is used, so a refused one does not spend it.
    const pending = await this.#repo.passwordResetLive(tokenHash, now);
    const user = pending === undefined ? undefined : await this.#repo.user(pending);
    if (!user || user.disabled) {
      await this.#record(origin, 'auth.password.reset', user?.id, 'failure', {
        reason: user ? 'disabled' : 'unknown, used or expired token',
      });
      throw invalid;
    }
    const problem = await this.#passwordProblem(password, [user.email]);
    if (problem) throw new TruceError('VALIDATION_FAILED', problem);
    const hash = await hashPassword(password);
    if ((await this.#repo.takePasswordReset(tokenHash, now)) !== user.id) throw invalid;
    await this.#repo.setPasswordHash(user.id, hash);
    // The lockout is lifted (the owner proved the address); the failed attempts stay counted,
    // for the next login to tell.
    await this.#repo.unlock(user.id);
    await this.#repo.revokeSessionsOf(user.id, now);
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.password.reset', user.id, 'success');
    await this.#options.mailer
      ?.send(passwordChangedMail(user.email, now, origin.ip))
      .catch(() => undefined);
  }

  /** Changes one's own password (the current one required); every other session ends. */
  async changePassword(origin: RequestOrigin, current: string, next: string): Promise<void> {
    const user = this.#sessionUser(origin);
    const hash = await this.#repo.passwordHashOf(user.id);
    if (!hash || !(await verifyPassword(hash, current))) {
      await this.#record(origin, 'auth.password', user.id, 'failure', { reason: 'wrong password' });
      throw new TruceError('UNAUTHENTICATED', 'the current password is wrong');
    }
    const problem = await this.#passwordProblem(next, [user.email]);
    if (problem) throw new TruceError('VALIDATION_FAILED', problem);
    if (next === current) {
      throw new TruceError('VALIDATION_FAILED', 'the new password is the same as the current one');
    }
    await this.#repo.setPasswordHash(user.id, await hashPassword(next));
    await this.#endOtherSessions(origin, user.id);
    await this.#record(origin, 'auth.password', user.id, 'success');
  }

  async #endOtherSessions(origin: RequestOrigin, userId: string): Promise<void> {
    const current = origin.actor.kind === 'session' ? origin.actor.sessionHash : undefined;
    const now = this.#now();
    for (const { tokenHash } of await this.#repo.sessionsOf(userId, now)) {
      if (tokenHash !== current) await this.#repo.revokeSession(tokenHash, now);
    }
    this.#repo.credentials.invalidate();
  }

  /** Sessions used before this instant have idled out (undefined: no idle timeout). */
  #idleSince(now: string): string | undefined {
    const idle = this.#options.sessionIdleMinutes ?? 0;
    return idle > 0 ? new Date(Date.parse(now) - idle * minute).toISOString() : undefined;
  }

  /** The signed-in user's live sessions (the one asking marked `current`). */
  async sessions(origin: RequestOrigin): Promise<SessionSummary[]> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const now = this.#now();
    const sessions = await this.#repo.sessionsOf(actor.user.id, now, this.#idleSince(now));
    return sessions.map(({ tokenHash, ...times }) => ({
      id: sessionId(tokenHash),
      current: actor.kind === 'session' && actor.sessionHash === tokenHash,
      ...times,
    }));
  }

  /**
   * Ends the user's sessions: one (`id`), or all but the current one, or all of them ("log out
   * everywhere", e.g. after a lost laptop). Returns how many ended.
   */
  async endSessions(
    origin: RequestOrigin,
    which: { id: string } | { allButCurrent: true } | { all: true },
  ): Promise<number> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const now = this.#now();
    const live = await this.#repo.sessionsOf(actor.user.id, now);
    const current = actor.kind === 'session' ? actor.sessionHash : undefined;
    const ending = live.filter(({ tokenHash }) =>
      'id' in which ? sessionId(tokenHash) === which.id : 'all' in which || tokenHash !== current,
    );
    if ('id' in which && ending.length === 0) {
      throw new TruceError(
        'NOT_FOUND',
        `no live session ${which.id} of yours; list them with GET /api/v1/auth/sessions`,
      );
    }
    for (const { tokenHash } of ending) await this.#repo.revokeSession(tokenHash, now);
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'auth.sessions.end', actor.user.id, 'success', {
      ended: ending.map(({ tokenHash }) => sessionId(tokenHash)),
      which: 'id' in which ? 'one' : 'all' in which ? 'all' : 'all but current',
    });
    return ending.length;
  }

  /** The actor of a bearer token, if it is live. */
  async tokenActor(bearer: string): Promise<Actor | undefined> {
    if (!bearer.startsWith(tokenPrefix)) return undefined;
    const tokenHash = secretHash(bearer);
    return this.#cached(`token ${tokenHash}`, async (now) => {
      const found = await this.#repo.tokenByHash(tokenHash, now);
      return (
        found && {
          actor: { kind: 'token', user: found.user, token: found.token },
          expiresAt: found.token.expiresAt,
        }
      );
    });
  }

  async #cached(
    key: string,
    lookup: (
      now: string,
    ) => Promise<{ actor: Exclude<Actor, { kind: 'anonymous' }>; expiresAt: string } | undefined>,
  ): Promise<Actor | undefined> {
    const now = this.#options.clock();
    if (!this.#options.cacheCredentials) return (await lookup(now.toISOString()))?.actor;
    const cache = this.#repo.credentials;
    const held = cache.get(key, now.getTime());
    if (held) return held;
    const generation = cache.generation;
    const found = await lookup(now.toISOString());
    if (found) cache.set(key, found.actor, found.expiresAt, now.getTime(), generation);
    return found?.actor;
  }

  async createToken(
    origin: RequestOrigin,
    input: { name: string; scopes: Scope[]; expiresInDays: number },
  ): Promise<{ token: ApiToken; secret: string }> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    if (input.expiresInDays > this.#options.maxTokenDays) {
      throw new TruceError(
        'USAGE',
        `a token lives at most ${this.#options.maxTokenDays} days; ask for fewer`,
      );
    }
    const allowed = scopesOf(actor.user.role);
    // A token made with a token never gets more than the token it was made with.
    const ceiling = actor.kind === 'token' ? new Set(actor.token.scopes) : allowed;
    const refused = input.scopes.filter((scope) => !allowed.has(scope) || !ceiling.has(scope));
    if (refused.length > 0) {
      throw new TruceError(
        'FORBIDDEN',
        `the role ${actor.user.role} cannot hold the scopes ${refused.join(', ')}`,
      );
    }
    const secret = `${tokenPrefix}${randomSecret()}`;
    const now = this.#options.clock();
    const token = await this.#repo.createToken(
      {
        id: randomUUID(),
        userId: actor.user.id,
        name: input.name,
        scopes: [...new Set(input.scopes)].sort(),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + input.expiresInDays * 24 * 60 * minute).toISOString(),
        revokedAt: undefined,
      },
      secretHash(secret),
    );
    await this.#record(origin, 'token.create', token.id, 'success', {
      name: token.name,
      scopes: token.scopes,
      expiresAt: token.expiresAt,
    });
    return { token, secret };
  }

  /** Users see and revoke their own tokens; mediators everyone's. */
  async tokens(actor: Actor): Promise<ApiToken[]> {
    if (actor.kind === 'anonymous') return [];
    return this.#repo.tokens(actor.user.role === 'mediator' ? undefined : actor.user.id);
  }

  async revokeToken(origin: RequestOrigin, id: string): Promise<ApiToken> {
    const actor = origin.actor;
    const token = await this.#repo.token(id);
    const mine = actor.kind !== 'anonymous' && token?.userId === actor.user.id;
    const admin = actor.kind !== 'anonymous' && actor.user.role === 'mediator';
    if (!token || !(mine || admin)) throw new TruceError('NOT_FOUND', `no token ${id} of yours`);
    await this.#repo.revokeToken(id, this.#now());
    this.#repo.credentials.invalidate();
    await this.#record(origin, 'token.revoke', id, 'success');
    return (await this.#repo.token(id)) ?? token;
  }
}

function checkGrantable(role: Role, permissions: readonly Permission[]): void {
  const refused = permissions.filter((p) => !grantablePermissions[role].includes(p));
  if (refused.length > 0) {
    throw new TruceError(
      'USAGE',
      `the role ${role} cannot hold the permissions ${refused.join(', ')}`,
      [
        {
          path: 'permissions',
          message: `allowed for ${role}: ${grantablePermissions[role].join(', ') || 'none'}`,
        },
      ],
    );
  }
}
