import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { Evaluation } from '@truce/core';
import type { MapEvent } from './map/layers.ts';

/**
 * The dashboard talks to the same origin's API (docs/API.md) with the session cookie; every
 * write sends the CSRF token from login. Errors arrive in the API's one shape and are thrown as
 * ApiError with the stable code.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface User {
  id: string;
  email: string;
  orgId: string;
  role: 'mediator' | 'party_liaison' | 'agency' | 'monitor' | 'observer';
  permissions: string[];
}

export type StatusResponse = Evaluation & { ledgerSize: number };

export interface Entry {
  seq: number;
  appendedAt: string;
  leafHash: string;
  org: string;
  keyId: string;
  event: MapEvent;
}

export interface Checkpoint {
  size: number;
  note: string;
  savedAt: string;
  cosigners?: { witness: string; cosignedAt: string; savedAt: string }[];
  /** Every witness with the largest checkpoint it cosigned (the latest checkpoint only). */
  witnesses?: { witness: string; checkpointSize: number; cosignedAt: string }[];
}

export interface PublicStatus {
  /** The latest checkpoint (a signed note) when the page was read. */
  checkpoint: {
    size: number;
    note: string;
    /** The witnesses that cosigned it. */
    cosigners?: { witness: string; cosignedAt: string }[];
  } | null;
  /** Incidents by verification state (reported, confirmed, unfounded, inconclusive); null: 1 to 4. */
  incidents?: Record<string, number | null>;
  publishedAt: string;
  ledgerSize: number;
  agreement: { id: string; version: number; title: string; timeZone: string };
  asOf: string;
  day: number;
  phases: { id: string; name: string | null; state: string }[];
  obligations: {
    id: string;
    title: string;
    status: string;
    why: string;
    /** Aggregate progress; `done` is null when it is between 1 and 4 (not shown). */
    progress?: { done: number | null; required: number | null; unit: string };
  }[];
}

/**
 * The cell's "now" as this browser estimates it from the last status (its `asOf`): the demo
 * runs on a scenario's calendar, and a device's clock may be off. Reports are dated with it.
 */
let cellOffsetMs = 0;

export function setCellNow(asOf: string): void {
  cellOffsetMs = Date.parse(asOf) - Date.now();
}

export function cellNow(): string {
  return new Date(Date.now() + cellOffsetMs).toISOString();
}

let csrfToken: string | undefined = globalThis.sessionStorage?.getItem('truce.csrf') ?? undefined;

export function setCsrf(token: string | undefined): void {
  csrfToken = token;
  if (token) globalThis.sessionStorage?.setItem('truce.csrf', token);
  else globalThis.sessionStorage?.removeItem('truce.csrf');
}

/** What answers REAUTHENTICATION_REQUIRED (`onReauthenticationRequired`). */
let reauthenticationHandler: (() => Promise<boolean>) | undefined;

/**
 * Registers what answers a request refused with REAUTHENTICATION_REQUIRED (an action that needs
 * the user's password again): it resolves true once the user proved who they are, and the
 * request is sent once more; false when they declined, and the request fails as it was answered.
 * Returns the function that unregisters it.
 */
export function onReauthenticationRequired(handler: () => Promise<boolean>): () => void {
  reauthenticationHandler = handler;
  return () => {
    if (reauthenticationHandler === handler) reauthenticationHandler = undefined;
  };
}

/** The session proves its user again (password, and second factor when they have one). */
export async function reauthenticate(
  password: string,
  secondFactor: { code?: string; securityKey?: unknown } = {},
): Promise<void> {
  await api('/api/v1/auth/reauthenticate', {
    method: 'POST',
    body: { password, ...secondFactor },
  });
}

/** The same with a security key: a login challenge for the user's keys, then the key's answer. */
export async function reauthenticateWithSecurityKey(
  email: string,
  password: string,
): Promise<void> {
  const { options } = await api<{ options: PublicKeyCredentialRequestOptionsJSON }>(
    '/api/v1/auth/login/security-key',
    { method: 'POST', body: { email, password } },
  );
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const securityKey = await startAuthentication({ optionsJSON: options });
  await reauthenticate(password, { securityKey });
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  retried = false,
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (
      error?.code === 'REAUTHENTICATION_REQUIRED' &&
      !retried &&
      reauthenticationHandler &&
      (await reauthenticationHandler())
    ) {
      return api<T>(path, init, true);
    }
    throw new ApiError(
      response.status,
      error?.code ?? 'HTTP',
      error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return body as T;
}

/** Failed logins on the account since its last login (the server's `sinceLastLogin`). */
export interface SinceLastLogin {
  failedAttempts: number;
  locked: boolean;
}

const sinceLastLoginKey = 'truce-since-last-login';

/**
 * Logs in; with a second factor on, `code` too (without it: ApiError MFA_REQUIRED). Failed
 * attempts since the last login are kept for this tab until `takeSinceLastLogin` shows them.
 */
export function login(email: string, password: string, code?: string): Promise<User> {
  return finishLogin({ email, password, ...(code ? { code } : {}) });
}

/**
 * Logs in with a security key: the password first (the server answers a challenge for the
 * user's keys), then the browser asks for the key (`navigator.credentials.get`) and its answer
 * completes the login. The WebAuthn helper is loaded only then.
 */
export async function loginWithSecurityKey(email: string, password: string): Promise<User> {
  const { options } = await api<{ options: PublicKeyCredentialRequestOptionsJSON }>(
    '/api/v1/auth/login/security-key',
    { method: 'POST', body: { email, password } },
  );
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const securityKey = await startAuthentication({ optionsJSON: options });
  return finishLogin({ email, password, securityKey });
}

/**
 * Logs in with a passkey alone: the browser offers the passkeys it has for this site, the user
 * unlocks one (PIN or biometric), and its answer is the login. No e-mail, no password.
 */
export async function loginWithPasskey(): Promise<User> {
  const { options } = await api<{ options: PublicKeyCredentialRequestOptionsJSON }>(
    '/api/v1/auth/login/passkey/options',
    { method: 'POST', body: {} },
  );
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const response = await startAuthentication({ optionsJSON: options });
  return finishLogin({ response }, '/api/v1/auth/login/passkey');
}

async function finishLogin(
  body: Record<string, unknown>,
  path = '/api/v1/auth/login',
): Promise<User> {
  const result = await api<{ user: User; csrfToken: string; sinceLastLogin?: SinceLastLogin }>(
    path,
    { method: 'POST', body },
  );
  setCsrf(result.csrfToken);
  if (result.sinceLastLogin && result.sinceLastLogin.failedAttempts > 0) {
    sessionStorage.setItem(sinceLastLoginKey, JSON.stringify(result.sinceLastLogin));
  }
  return result.user;
}

/** One of the signed-in user's security keys. */
export interface SecurityKey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt?: string;
  /** A passkey: it signs in alone, with its PIN or biometric (absent: the browser did not say). */
  passkey?: boolean;
}

export async function securityKeys(): Promise<SecurityKey[]> {
  return (await api<{ securityKeys: SecurityKey[] }>('/api/v1/auth/security-keys')).securityKeys;
}

/** Adds a security key: the password again, then the browser makes a key for this host. */
export async function addSecurityKey(password: string, name: string): Promise<SecurityKey> {
  const { options } = await api<{ options: PublicKeyCredentialCreationOptionsJSON }>(
    '/api/v1/auth/security-keys/options',
    { method: 'POST', body: { password } },
  );
  const { startRegistration } = await import('@simplewebauthn/browser');
  const response = await startRegistration({ optionsJSON: options });
  return api<SecurityKey>('/api/v1/auth/security-keys', {
    method: 'POST',
    body: { name, response },
  });
}

export async function removeSecurityKey(id: string, password: string): Promise<void> {
  await api(`/api/v1/auth/security-keys/${encodeURIComponent(id)}/remove`, {
    method: 'POST',
    body: { password },
  });
}

/** The failed attempts to tell the user of after a login, once. */
export function takeSinceLastLogin(): SinceLastLogin | undefined {
  const text = sessionStorage.getItem(sinceLastLoginKey);
  sessionStorage.removeItem(sinceLastLoginKey);
  return text ? (JSON.parse(text) as SinceLastLogin) : undefined;
}

export async function logout(): Promise<void> {
  await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
  setCsrf(undefined);
  // The service worker keeps API answers for offline use: not after the user has left.
  await globalThis.caches?.delete('truce-data-v1').catch(() => undefined);
}

export async function me(): Promise<User | undefined> {
  try {
    return (await api<{ user: User | null }>('/api/v1/auth/me')).user ?? undefined;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** Every page of events of some types, following the cursor. */
export async function eventsOfTypes(types: readonly string[], since?: string): Promise<Entry[]> {
  const found: Entry[] = [];
  const after = since === undefined ? '' : `&since=${encodeURIComponent(since)}`;
  for (const type of types) {
    let cursor: number | null = 0;
    while (cursor !== null) {
      const page: { events: Entry[]; nextCursor: number | null } = await api(
        `/api/v1/events?type=${encodeURIComponent(type)}&cursor=${cursor}&limit=500${after}`,
      );
      found.push(...page.events);
      cursor = page.nextCursor;
    }
  }
  return found.sort((a, b) => a.seq - b.seq);
}
