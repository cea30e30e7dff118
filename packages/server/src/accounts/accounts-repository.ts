import { TruceError } from '@truce/core';
import type { SqlDriver, SqlExecutor } from '../store/index.js';
import { type CredentialCache, credentialCacheOf } from './credential-cache.js';
import type {
  ApiToken,
  Organisation,
  OrganisationKind,
  Permission,
  Role,
  Scope,
  User,
} from './model.js';
import { isoOf, numberOf, optionalIsoOf, textArrayOf } from './rows.js';

interface OrganisationRow {
  id: string;
  name: string;
  kind: string;
  created_at: unknown;
}

interface UserRow {
  id: string;
  email: string;
  org_id: string;
  role: string;
  permissions: unknown;
  disabled: boolean;
  failed_logins: unknown;
  locked_until: unknown;
  created_at: unknown;
}

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scopes: unknown;
  created_at: unknown;
  expires_at: unknown;
  revoked_at: unknown;
}

/** A user's WebAuthn credential as stored (accounts/webauthn.ts). */
export interface SecurityKey {
  /** The credential id (base64url), as the authenticator gave it. */
  id: string;
  userId: string;
  /** The relying party id (host name) the key signs for. */
  rpId: string;
  /** The COSE public key. */
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  createdAt: string;
  lastUsedAt: string | undefined;
  /**
   * Whether the authenticator keeps the credential (a passkey: it can sign in alone, with its
   * PIN or biometric), as the browser said at registration; undefined when it did not say.
   */
  discoverable: boolean | undefined;
}

export type ChallengePurpose = 'register' | 'login' | 'passkey';

interface SecurityKeyRow {
  id: string;
  user_id: string;
  rp_id: string;
  public_key: Uint8Array;
  counter: unknown;
  transports: string;
  name: string;
  created_at: unknown;
  last_used_at: unknown;
  discoverable: boolean | null;
}

const securityKeyColumns =
  'id, user_id, rp_id, public_key, counter, transports, name, created_at, last_used_at, discoverable';

const toSecurityKey = (row: SecurityKeyRow): SecurityKey => ({
  id: row.id,
  userId: row.user_id,
  rpId: row.rp_id,
  publicKey: new Uint8Array(row.public_key),
  counter: numberOf(row.counter),
  transports: row.transports === '' ? [] : row.transports.split(','),
  name: row.name,
  createdAt: isoOf(row.created_at),
  lastUsedAt: optionalIsoOf(row.last_used_at),
  discoverable: row.discoverable ?? undefined,
});

const toOrganisation = (row: OrganisationRow): Organisation => ({
  id: row.id,
  name: row.name,
  kind: row.kind as OrganisationKind,
  createdAt: isoOf(row.created_at),
});

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  orgId: row.org_id,
  role: row.role as Role,
  permissions: textArrayOf(row.permissions) as Permission[],
  disabled: row.disabled,
  failedLogins: numberOf(row.failed_logins),
  lockedUntil: optionalIsoOf(row.locked_until),
  createdAt: isoOf(row.created_at),
});

const toToken = (row: TokenRow): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  scopes: textArrayOf(row.scopes) as Scope[],
  createdAt: isoOf(row.created_at),
  expiresAt: isoOf(row.expires_at),
  revokedAt: optionalIsoOf(row.revoked_at),
});

const userColumns =
  'id, email, org_id, role, permissions, disabled, failed_logins, locked_until, created_at';
const tokenColumns = 'id, user_id, name, scopes, created_at, expires_at, revoked_at';

/** Unique violations become CONFLICT, with what to do instead. */
async function uniquely<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new TruceError('CONFLICT', `${what} already exists; choose another or update it`);
    }
    throw error;
  }
}

/** The SQL of organisations, users, sessions and API tokens (migration 2). */
export class AccountsRepository {
  readonly #db: SqlDriver;
  /** Sessions and tokens looked up in this database (used only where this process alone writes it). */
  readonly credentials: CredentialCache;

  constructor(db: SqlDriver) {
    this.#db = db;
    this.credentials = credentialCacheOf(db);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#db.transaction(work);
  }

  async createOrganisation(org: Organisation): Promise<Organisation> {
    return uniquely(`organisation ${org.id}`, async () => {
      const [row] = await this.#db.query<OrganisationRow>(
        `INSERT INTO organisations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, name, kind, created_at`,
        [org.id, org.name, org.kind, org.createdAt],
      );
      return toOrganisation(row!);
    });
  }

  async organisation(id: string): Promise<Organisation | undefined> {
    const [row] = await this.#db.query<OrganisationRow>(
      'SELECT id, name, kind, created_at FROM organisations WHERE id = $1',
      [id],
    );
    return row && toOrganisation(row);
  }

  async organisations(): Promise<Organisation[]> {
    const rows = await this.#db.query<OrganisationRow>(
      'SELECT id, name, kind, created_at FROM organisations ORDER BY id',
    );
    return rows.map(toOrganisation);
  }

  async createUser(user: User, passwordHash: string): Promise<User> {
    return uniquely(`a user with e-mail ${user.email}`, async () => {
      const [row] = await this.#db.query<UserRow>(
        `INSERT INTO users (id, email, org_id, role, permissions, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING ${userColumns}`,
        [
          user.id,
          user.email,
          user.orgId,
          user.role,
          user.permissions,
          passwordHash,
          user.createdAt,
        ],
      );
      return toUser(row!);
    });
  }

  async user(id: string): Promise<User | undefined> {
    const [row] = await this.#db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1`, [
      id,
    ]);
    return row && toUser(row);
  }

  async userByEmail(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const [row] = await this.#db.query<UserRow & { password_hash: string }>(
      `SELECT ${userColumns}, password_hash FROM users WHERE email = $1`,
      [email],
    );
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async users(): Promise<User[]> {
    const rows = await this.#db.query<UserRow>(`SELECT ${userColumns} FROM users ORDER BY email`);
    return rows.map(toUser);
  }

  async countUsers(): Promise<number> {
    const [row] = await this.#db.query<{ n: unknown }>('SELECT count(*) AS n FROM users');
    return numberOf(row?.n);
  }

  async updateUser(
    id: string,
    change: { role?: Role; permissions?: Permission[]; disabled?: boolean },
  ): Promise<User | undefined> {
    const [row] = await this.#db.query<UserRow>(
      `UPDATE users SET role = coalesce($2, role),
                        permissions = coalesce($3::text[], permissions),
                        disabled = coalesce($4, disabled)
        WHERE id = $1 RETURNING ${userColumns}`,
      [id, change.role ?? null, change.permissions ?? null, change.disabled ?? null],
    );
    return row && toUser(row);
  }

  /**
   * Counts a failed login in one statement (so that concurrent attempts, from several
   * processes too, all count) and locks the account from `lockAt` failures on.
   */
  async recordFailedLogin(
    id: string,
    lockAt: number,
    lockedUntil: string,
  ): Promise<{ failedLogins: number; locked: boolean }> {
    const [row] = await this.#db.query<{ failed_logins: unknown; locked_until: unknown }>(
      `UPDATE users SET failed_logins = failed_logins + 1,
              locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz
                                  ELSE locked_until END
        WHERE id = $1 RETURNING failed_logins, locked_until`,
      [id, lockAt, lockedUntil],
    );
    const failedLogins = numberOf(row?.failed_logins ?? 0);
    return { failedLogins, locked: failedLogins >= lockAt };
  }

  async recordSuccessfulLogin(id: string): Promise<void> {
    await this.#db.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1', [
      id,
    ]);
  }

  async createSession(session: {
    tokenHash: string;
    userId: string;
    csrfToken: string;
    createdAt: string;
    expiresAt: string;
  }): Promise<void> {
    await this.#db.query(
      `INSERT INTO sessions
         (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, authenticated_at)
       VALUES ($1, $2, $3, $4, $5, $4, $4)`,
      [session.tokenHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt],
    );
  }

  /**
   * The live session of that hash at `now`, with its user: not revoked, not expired, and used
   * after `idleSince` (when given).
   */
  async session(
    tokenHash: string,
    now: string,
    idleSince?: string,
  ): Promise<
    | {
        user: User;
        csrfToken: string;
        expiresAt: string;
        lastSeenAt: string;
        authenticatedAt: string;
        secondFactor: boolean;
      }
    | undefined
  > {
    const [row] = await this.#db.query<
      UserRow & {
        csrf_token: string;
        expires_at: unknown;
        last_seen_at: unknown;
        authenticated_at: unknown;
        second_factor: boolean;
      }
    >(
      `SELECT ${userColumns
        .split(', ')
        .map((column) => `u.${column}`)
        .join(', ')}, s.csrf_token, s.expires_at, s.last_seen_at, s.authenticated_at,
              (EXISTS (SELECT 1 FROM user_mfa m
                        WHERE m.user_id = u.id AND m.enabled_at IS NOT NULL)
               OR EXISTS (SELECT 1 FROM webauthn_credentials w
                           WHERE w.user_id = u.id)) AS second_factor
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::timestamptz
          AND ($3::timestamptz IS NULL OR s.last_seen_at > $3::timestamptz)`,
      [tokenHash, now, idleSince ?? null],
    );
    return (
      row && {
        user: toUser(row),
        csrfToken: row.csrf_token,
        expiresAt: isoOf(row.expires_at),
        lastSeenAt: isoOf(row.last_seen_at),
        authenticatedAt: isoOf(row.authenticated_at),
        secondFactor: row.second_factor === true,
      }
    );
  }

  /** Records that the session's user proved who they are again at `at` (never back in time). */
  async markAuthenticated(tokenHash: string, at: string): Promise<void> {
    await this.#db.query(
      'UPDATE sessions SET authenticated_at = $2 WHERE token_hash = $1 AND authenticated_at < $2',
      [tokenHash, at],
    );
  }

  /** Records that the session was used at `now` (never moves the time back). */
  async touchSession(tokenHash: string, now: string): Promise<void> {
    await this.#db.query(
      'UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2',
      [tokenHash, now],
    );
  }

  /** A user's live sessions at `now`, most recently used first. */
  async sessionsOf(
    userId: string,
    now: string,
    idleSince?: string,
  ): Promise<{ tokenHash: string; createdAt: string; lastSeenAt: string; expiresAt: string }[]> {
    const rows = await this.#db.query<{
      token_hash: string;
      created_at: unknown;
      last_seen_at: unknown;
      expires_at: unknown;
    }>(
      `SELECT token_hash, created_at, last_seen_at, expires_at FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2::timestamptz
          AND ($3::timestamptz IS NULL OR last_seen_at > $3::timestamptz)
        ORDER BY last_seen_at DESC`,
      [userId, now, idleSince ?? null],
    );
    return rows.map((row) => ({
      tokenHash: row.token_hash,
      createdAt: isoOf(row.created_at),
      lastSeenAt: isoOf(row.last_seen_at),
      expiresAt: isoOf(row.expires_at),
    }));
  }

  async revokeSession(tokenHash: string, now: string): Promise<void> {
    await this.#db.query('UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1', [
      tokenHash,
      now,
    ]);
  }

  /** A user's second factor: its sealed secret, whether confirmed, the last step accepted. */
  async mfaOf(
    userId: string,
  ): Promise<{ sealed: Uint8Array; enabled: boolean; lastStep: number } | undefined> {
    const [row] = await this.#db.query<{
      secret_sealed: Uint8Array;
      enabled_at: unknown;
      last_step: unknown;
    }>('SELECT secret_sealed, enabled_at, last_step FROM user_mfa WHERE user_id = $1', [userId]);
    return (
      row && {
        sealed: row.secret_sealed,
        enabled: row.enabled_at !== null,
        lastStep: numberOf(row.last_step),
      }
    );
  }

  /** Starts (or restarts) enrolment with a new secret, not yet enabled. */
  async beginMfa(userId: string, sealed: Uint8Array, now: string): Promise<void> {
    await this.#db.query(
      `INSERT INTO user_mfa (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE
         SET secret_sealed = EXCLUDED.secret_sealed, created_at = EXCLUDED.created_at,
             enabled_at = NULL, last_step = -1
       WHERE user_mfa.enabled_at IS NULL`,
      [userId, sealed, now],
    );
  }

  /** Enables the factor with its first code's step, and replaces the recovery codes. */
  async enableMfa(userId: string, step: number, codeHashes: string[], now: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query('UPDATE user_mfa SET enabled_at = $2, last_step = $3 WHERE user_id = $1', [
        userId,
        now,
        step,
      ]);
      await tx.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
      await tx.query(
        `INSERT INTO mfa_recovery_codes (user_id, code_hash)
         SELECT $1, code_hash FROM unnest($2::text[]) AS t (code_hash)`,
        [userId, codeHashes],
      );
    });
  }

  /**
   * Accepts a code's time step once: true if it is later than every step accepted before (two
   * logins racing with one code: one wins).
   */
  async useMfaStep(userId: string, step: number): Promise<boolean> {
    const rows = await this.#db.query(
      'UPDATE user_mfa SET last_step = $2 WHERE user_id = $1 AND last_step < $2 RETURNING user_id',
      [userId, step],
    );
    return rows.length === 1;
  }

  /** Uses a recovery code once; answers how many remain unused, or undefined if not valid. */
  async useRecoveryCode(
    userId: string,
    codeHash: string,
    now: string,
  ): Promise<number | undefined> {
    const used = await this.#db.query(
      `UPDATE mfa_recovery_codes SET used_at = $3
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id`,
      [userId, codeHash, now],
    );
    if (used.length !== 1) return undefined;
    const [row] = await this.#db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return numberOf(row?.n ?? 0);
  }

  async removeMfa(userId: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      await tx.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
      const removed = await tx.query('DELETE FROM user_mfa WHERE user_id = $1 RETURNING user_id', [
        userId,
      ]);
      return removed.length === 1;
    });
  }

  /** A security key by its credential id, whoever's it is (a passkey login names no one). */
  async securityKey(id: string): Promise<SecurityKey | undefined> {
    const [row] = await this.#db.query<SecurityKeyRow>(
      `SELECT ${securityKeyColumns} FROM webauthn_credentials WHERE id = $1`,
      [id],
    );
    return row && toSecurityKey(row);
  }

  /** A user's security keys (WebAuthn credentials), oldest first. */
  async securityKeysOf(userId: string): Promise<SecurityKey[]> {
    const rows = await this.#db.query<SecurityKeyRow>(
      `SELECT ${securityKeyColumns} FROM webauthn_credentials
        WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toSecurityKey);
  }

  async addSecurityKey(key: SecurityKey): Promise<void> {
    await this.#db.query(
      `INSERT INTO webauthn_credentials
         (id, user_id, rp_id, public_key, counter, transports, name, created_at, discoverable)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        key.id,
        key.userId,
        key.rpId,
        key.publicKey,
        key.counter,
        key.transports.join(','),
        key.name,
        key.createdAt,
        key.discoverable ?? null,
      ],
    );
  }

  /**
   * Records a use of a key with its new signature counter. Refused (false) when the counter does
   * not grow — a cloned key, or a replayed assertion racing this one — unless the authenticator
   * keeps no counter (0 before and after).
   */
  async useSecurityKey(id: string, counter: number, now: string): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE webauthn_credentials SET counter = $2, last_used_at = $3
        WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0)) RETURNING id`,
      [id, counter, now],
    );
    return rows.length === 1;
  }

  async removeSecurityKey(userId: string, id: string): Promise<boolean> {
    const rows = await this.#db.query(
      'DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2 RETURNING id',
      [userId, id],
    );
    return rows.length === 1;
  }

  /** Removes every key of a user (a mediator's reset); answers how many there were. */
  async removeSecurityKeysOf(userId: string): Promise<number> {
    return (
      await this.#db.query('DELETE FROM webauthn_credentials WHERE user_id = $1 RETURNING id', [
        userId,
      ])
    ).length;
  }

  /** Keeps a challenge handed out (as its hash) until it is answered or expires. */
  async saveChallenge(
    challengeHash: string,
    userId: string | null,
    purpose: ChallengePurpose,
    expiresAt: string,
    now: string,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query('DELETE FROM webauthn_challenges WHERE expires_at <= $1', [now]);
      await tx.query(
        `INSERT INTO webauthn_challenges (challenge_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, $4)`,
        [challengeHash, userId, purpose, expiresAt],
      );
    });
  }

  /** Takes a challenge once: true if it was handed to this user for this purpose and is live. */
  async takeChallenge(
    challengeHash: string,
    userId: string | null,
    purpose: ChallengePurpose,
    now: string,
  ): Promise<boolean> {
    const rows = await this.#db.query<{ expires_at: unknown }>(
      `DELETE FROM webauthn_challenges
        WHERE challenge_hash = $1 AND user_id IS NOT DISTINCT FROM $2 AND purpose = $3
        RETURNING expires_at`,
      [challengeHash, userId, purpose],
    );
    const [row] = rows;
    return row !== undefined && Date.parse(isoOf(row.expires_at)) > Date.parse(now);
  }

  /** Lifts a lockout, keeping the count of failed attempts. */
  async unlock(userId: string): Promise<void> {
    await this.#db.query('UPDATE users SET locked_until = NULL WHERE id = $1', [userId]);
  }

  /** Keeps a password-reset token (its hash) until it is used or expires. */
  async savePasswordReset(
    tokenHash: string,
    userId: string,
    requestedAt: string,
    expiresAt: string,
  ): Promise<void> {
    await this.#db.query(
      `INSERT INTO password_resets (token_hash, user_id, requested_at, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [tokenHash, userId, requestedAt, expiresAt],
    );
  }

  /** Reset links sent to a user since `since` (a limit on how many one may be sent). */
  async passwordResetsSince(userId: string, since: string): Promise<number> {
    const [row] = await this.#db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM password_resets WHERE user_id = $1 AND requested_at > $2',
      [userId, since],
    );
    return numberOf(row?.n ?? 0);
  }

  /** Uses a reset token once, if live: the user it was for. */
  async takePasswordReset(tokenHash: string, now: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ user_id: string }>(
      `UPDATE password_resets SET used_at = $2
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`,
      [tokenHash, now],
    );
    return row?.user_id;
  }

  /** Whether a reset token is live (not used, not expired), without using it. */
  async passwordResetLive(tokenHash: string, now: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ user_id: string }>(
      `SELECT user_id FROM password_resets
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
      [tokenHash, now],
    );
    return row?.user_id;
  }

  /** A password change: the new hash (the caller ends the sessions). */
  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.#db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      userId,
      passwordHash,
    ]);
  }

  async passwordHashOf(userId: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [userId],
    );
    return row?.password_hash;
  }

  /** A permission change ends the user's sessions: the next request logs in again. */
  async revokeSessionsOf(userId: string, now: string): Promise<void> {
    await this.#db.query(
      'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
      [userId, now],
    );
  }

  async createToken(token: ApiToken, tokenHash: string): Promise<ApiToken> {
    const [row] = await this.#db.query<TokenRow>(
      `INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING ${tokenColumns}`,
      [
        token.id,
        token.userId,
        token.name,
        tokenHash,
        token.scopes,
        token.createdAt,
        token.expiresAt,
      ],
    );
    return toToken(row!);
  }

  async tokenByHash(
    tokenHash: string,
    now: string,
  ): Promise<{ token: ApiToken; user: User } | undefined> {
    const [row] = await this.#db.query<TokenRow & { owner: string }>(
      `SELECT ${tokenColumns} FROM api_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2::timestamptz`,
      [tokenHash, now],
    );
    if (!row) return undefined;
    const user = await this.user(row.user_id);
    return user && { token: toToken(row), user };
  }

  async tokens(userId?: string): Promise<ApiToken[]> {
    const rows = await this.#db.query<TokenRow>(
      `SELECT ${tokenColumns} FROM api_tokens WHERE ($1::text IS NULL OR user_id = $1)
        ORDER BY created_at, id`,
      [userId ?? null],
    );
    return rows.map(toToken);
  }

  async token(id: string): Promise<ApiToken | undefined> {
    const [row] = await this.#db.query<TokenRow>(
      `SELECT ${tokenColumns} FROM api_tokens WHERE id = $1`,
      [id],
    );
    return row && toToken(row);
  }

  async revokeToken(id: string, now: string): Promise<void> {
    await this.#db.query(
      'UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, now],
    );
  }
}
