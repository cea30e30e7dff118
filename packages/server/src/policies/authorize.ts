import { TruceError } from '@truce/core';
import type { Actor, Permission } from '../accounts/model.js';
import { type Action, policy, type Rule } from './matrix.js';

export type Decision = { allowed: true } | { allowed: false; error: TruceError };

/** The policy's answer for one actor and action; 401 for anonymous, 403 for the rest. */
export function decide(actor: Actor, action: Action): Decision {
  const rule: Rule = policy[action];
  if (actor.kind === 'anonymous') {
    return rule.allow.includes('anonymous')
      ? { allowed: true }
      : {
          allowed: false,
          error: new TruceError(
            'UNAUTHENTICATED',
            'log in (POST /api/v1/auth/login) or send an API token as "Authorization: Bearer …"',
          ),
        };
  }
  const { user } = actor;
  if (user.disabled) {
    return { allowed: false, error: new TruceError('FORBIDDEN', 'this account is disabled') };
  }
  if (!rule.allow.includes(user.role)) {
    return {
      allowed: false,
      error: new TruceError(
        'FORBIDDEN',
        `the role ${user.role} may not ${action}; ask a mediator if you need it`,
      ),
    };
  }
  if (rule.permission && !rule.permission.some((p) => user.permissions.includes(p))) {
    return {
      allowed: false,
      error: new TruceError(
        'FORBIDDEN',
        `${action} needs the ${rule.permission.join(' or ')} permission; ask a mediator to grant it`,
      ),
    };
  }
  if (actor.kind === 'token') {
    if (!rule.scope || !actor.token.scopes.includes(rule.scope)) {
      return {
        allowed: false,
        error: new TruceError(
          'FORBIDDEN',
          rule.scope
            ? `this API token lacks the scope ${rule.scope}; make a token with it`
            : `${action} is not open to API tokens; log in instead`,
        ),
      };
    }
  }
  return { allowed: true };
}

export function authorize(actor: Actor, action: Action): void {
  const decision = decide(actor, action);
  if (!decision.allowed) throw decision.error;
}

/** A permission the command itself needs (e.g. verify for a finding), beyond the route's. */
export function requirePermission(actor: Actor, permission: Permission, what: string): void {
  if (actor.kind === 'anonymous' || !actor.user.permissions.includes(permission)) {
    throw new TruceError(
      'FORBIDDEN',
      `${what} needs the ${permission} permission; ask a mediator to grant it`,
    );
  }
}

/**
 * An action marked `fresh` by a session whose user last proved who they are more than
 * `minutes` ago: 403 REAUTHENTICATION_REQUIRED, which the client answers with the password (and
 * second factor) at POST /api/v1/auth/reauthenticate before retrying. Tokens are not sessions.
 */
export function requireFreshSession(actor: Actor, action: Action, now: Date, minutes: number) {
  const rule: Rule = policy[action];
  if (!rule.fresh || actor.kind !== 'session') return;
  const age = now.getTime() - Date.parse(actor.authenticatedAt);
  if (age <= minutes * 60_000) return;
  throw new TruceError(
    'REAUTHENTICATION_REQUIRED',
    `${action} needs your password again (you last proved it ${Math.floor(age / 60_000)} minutes ago; this cell asks every ${minutes}): POST /api/v1/auth/reauthenticate, then retry`,
    [{ path: 'reauthenticate', message: 'POST /api/v1/auth/reauthenticate' }],
  );
}
