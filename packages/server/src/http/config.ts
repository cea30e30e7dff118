import type { Role } from '../accounts/model.js';

/** What an operator may tune; defaults are safe for one process on a loopback address. */
export interface ServerConfig {
  /** Largest request body in bytes (default 1 MiB; an agreement or 500 envelopes fit). */
  bodyLimit: number;
  /** Origins allowed to call the API from a browser; empty (default) means no CORS at all. */
  corsOrigins: readonly string[];
  /** `Secure` on cookies; on unless the server listens on loopback for development. */
  secureCookies: boolean;
  /** Idle-independent session lifetime in minutes (default 8 hours: one shift). */
  sessionMinutes: number;
  /**
   * A session not used for this many minutes ends (default 60; 0: never idle out). Checked on
   * every request; a session answered from memory (PGlite) may outlive it by up to a minute.
   */
  sessionIdleMinutes: number;
  /** Failed logins in a row that lock an account, and for how long. */
  lockoutAttempts: number;
  lockoutMinutes: number;
  /** Login attempts per minute and client address (per process; see docs/SECURITY.md). */
  loginPerMinute: number;
  /** Requests per minute and client address on every route. */
  requestsPerMinute: number;
  /** How often a stream looks for new entries in the store (ms). */
  streamPollMs: number;
  /**
   * A stream ends after this long (ms); EventSource reconnects with Last-Event-ID, which lets a
   * load balancer spread long-lived clients again and bounds what one connection holds.
   */
  streamMaxMs: number;
  /** Comment lines that keep idle streams open through proxies (ms). */
  streamHeartbeatMs: number;
  /** Longest API-token lifetime a user may ask for (days). */
  maxTokenDays: number;
  /** Behind a load balancer: take the client address from X-Forwarded-For. */
  trustProxy: boolean;
  /**
   * Roles whose sessions must have a second factor (default none: each user opts in). Such a
   * session without one reaches only `auth/*` (set it up, log out) until it has one; every other
   * route answers 403 MFA_ENROLMENT_REQUIRED. API tokens are not sessions and are not affected.
   */
  mfaRequiredRoles: readonly Role[];
  /**
   * The origin people reach the dashboard at (`https://cell.example.org`): security keys are
   * made for, and sign only for, its host name. Unset (development), each request's own origin.
   */
  publicOrigin?: string | undefined;
  /**
   * Minutes between anchors of the audit log's chain head in the ledger (default 10; 0: only at
   * shutdown). An anchor is appended only when the audit log has grown since the last one.
   */
  auditAnchorMinutes: number;
  /**
   * How recently a session's user must have proved who they are (password, and second factor
   * when they have one) for the actions marked fresh in policies/matrix.ts: account and token
   * administration, agreement uploads, device keys, decrypting a person's data (default 15).
   */
  reauthenticateMinutes: number;
  /**
   * A local copy of a breached-password corpus (Have I Been Pwned's SHA-1 file ordered by hash):
   * new passwords found in it are refused. Unset: not checked (the guessability rules still are).
   */
  breachedPasswordsFile?: string | undefined;
  /**
   * A collector the audit log is shipped to, off this host (audit/audit-shipping.ts): every line,
   * in chain order, as JSON Lines over HTTP POST, with an optional bearer token. Unset: the
   * audit log stays in the database (and its head in the ledger).
   */
  auditShipping?: { url: string; token?: string | undefined } | undefined;
}

export const defaultServerConfig: ServerConfig = {
  bodyLimit: 1024 * 1024,
  corsOrigins: [],
  secureCookies: true,
  sessionMinutes: 8 * 60,
  sessionIdleMinutes: 60,
  lockoutAttempts: 5,
  lockoutMinutes: 15,
  loginPerMinute: 10,
  requestsPerMinute: 6000,
  streamPollMs: 250,
  streamMaxMs: 60 * 60_000,
  streamHeartbeatMs: 15_000,
  maxTokenDays: 365,
  trustProxy: false,
  mfaRequiredRoles: [],
  auditAnchorMinutes: 10,
  reauthenticateMinutes: 15,
};

/**
 * Whether a host name or address is this machine's loopback (`localhost`, `127.0.0.1`, `::1`,
 * with or without the brackets a Host header puts around an IPv6 address): development, where
 * cookies need not be Secure and a reset link may take the request's own origin.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '127.0.0.1' || bare === '::1';
}
