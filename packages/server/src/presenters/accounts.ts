import type { ApiToken, Organisation, User } from '../accounts/model.js';

/** What leaves the server about accounts: never a password hash, session or token hash. */

export function presentOrganisation(org: Organisation) {
  return { id: org.id, name: org.name, kind: org.kind, createdAt: org.createdAt };
}

export function presentUser(user: User) {
  return {
    id: user.id,
    email: user.email,
    orgId: user.orgId,
    role: user.role,
    permissions: user.permissions,
    disabled: user.disabled,
    locked: user.lockedUntil !== undefined && user.failedLogins > 0,
    createdAt: user.createdAt,
  };
}

export function presentToken(token: ApiToken) {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt ?? null,
  };
}
