/** Who uses truce: organisations, their users and the machines acting for them. */

export const roles = ['mediator', 'party_liaison', 'agency', 'monitor', 'observer'] as const;
export type Role = (typeof roles)[number];

/**
 * Kept apart on purpose: whoever may report numbers is not thereby allowed to confirm them or
 * to put them on the public page (the complaint users of other tools make most).
 */
export const permissions = ['report', 'verify', 'publish'] as const;
export type Permission = (typeof permissions)[number];

export const organisationKinds = [
  'party',
  'mediator',
  'guarantor',
  'agency',
  'monitor',
  'observer',
] as const;
export type OrganisationKind = (typeof organisationKinds)[number];

/** What an API token may be used for; each route names the scope it needs (policies/). */
export const scopes = [
  'agreements:read',
  'agreements:write',
  'events:read',
  'events:write',
  'status:read',
  'checkpoints:read',
  'checkpoints:write',
  'export:read',
  'publications:write',
  'accounts:read',
  'accounts:write',
  'tokens:write',
  'audit:read',
] as const;
export type Scope = (typeof scopes)[number];

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  createdAt: string;
}

export interface User {
  id: string;
  email: string;
  orgId: string;
  role: Role;
  permissions: Permission[];
  disabled: boolean;
  failedLogins: number;
  lockedUntil: string | undefined;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | undefined;
}

/** Who is making a request, once authenticated. */
export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'session';
      user: User;
      csrfToken: string;
      sessionHash: string;
      /** Whether the user's second factor is on (a session of a role that needs one). */
      secondFactor: boolean;
      /** When the user last proved who they are in this session: the login or a re-authentication. */
      authenticatedAt: string;
    }
  | { kind: 'token'; user: User; token: ApiToken };

/**
 * The actor of a user who acts outside any HTTP session (the command line, the alerts worker): no
 * cookie, no CSRF token, and a session hash that no session's hash (hex) can equal.
 * `secondFactor` and `authenticatedAt` are read only by the HTTP layer's second-factor and
 * fresh-session rules, which this actor never meets.
 */
export function actorOutsideHttp(user: User, authenticatedAt: string): Actor {
  return {
    kind: 'session',
    user,
    csrfToken: '',
    sessionHash: '',
    secondFactor: false,
    authenticatedAt,
  };
}

/** Who an audit line names for an actor: the user and their organisation (none: anonymous). */
export function actorFields(actor: Actor): {
  actor: string | undefined;
  actorOrg: string | undefined;
} {
  return actor.kind === 'anonymous'
    ? { actor: undefined, actorOrg: undefined }
    : { actor: actor.user.id, actorOrg: actor.user.orgId };
}
