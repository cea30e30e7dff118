import type { Permission, Role, Scope } from '../accounts/model.js';
import { roles } from '../accounts/model.js';

/**
 * Who may do what: the one place. Each route names one action; the server refuses to start a
 * route without one. `policies/matrix.test.ts` calls every route as every principal and
 * checks the answer against this table.
 */

export type Principal = Role | 'anonymous';
export const principals: readonly Principal[] = ['anonymous', ...roles];

export interface Rule {
  /** Principals the action is open to. */
  allow: readonly Principal[];
  /** The user also needs one of these permissions (granted per user by a mediator). */
  permission?: readonly Permission[];
  /** An API token also needs this scope. Absent: tokens may not be used for it at all. */
  scope?: Scope;
  /**
   * A session must have proved its user again recently (the login, or POST
   * /api/v1/auth/reauthenticate, within `reauthenticateMinutes`), or it gets 403
   * REAUTHENTICATION_REQUIRED: a session left open on a shared laptop must not be enough to
   * change who may do what, mint credentials or read a person's data. API tokens are not
   * sessions: their scope decides (a fresh session made them).
   */
  fresh?: true;
  /** Why the line is as it is, for reviewers of this file. */
  why: string;
}

const signedIn: readonly Principal[] = roles;
const everyone: readonly Principal[] = principals;
/** Roles that see raw events, which may name detained persons and positions of forces. */
const staff: readonly Principal[] = ['mediator', 'party_liaison', 'agency', 'monitor'];

export const policy = {
  'health.read': { allow: everyone, why: 'load balancers probe without credentials' },
  'docs.read': { allow: everyone, why: 'the API description holds no data' },
  'log.read': {
    allow: everyone,
    why: "the log's verifier key is public: it verifies, it signs nothing",
  },
  'auth.login': { allow: everyone, why: 'logging in is how one stops being anonymous' },
  'auth.logout': { allow: signedIn, why: 'ends the own session' },
  'auth.me': { allow: signedIn, scope: 'accounts:read', why: 'who am I' },
  'auth.credentials': {
    allow: signedIn,
    why: 'one changes one’s own password and second factor, signed in (never with a token)',
  },
  'auth.reauthenticate': {
    allow: signedIn,
    why: 'a session proves its user again (password, second factor) before a fresh action; not with a token',
  },
  'auth.enrol': {
    allow: signedIn,
    fresh: true,
    why: 'setting up an authenticator app: whoever holds it can sign in as the user',
  },
  'auth.sessions': {
    allow: signedIn,
    why: "one's own sessions: list them, end one or all (a lost laptop); not with a token",
  },
  'public.read': {
    allow: everyone,
    why: 'the public page: only what someone with the publish permission released',
  },
  'agreements.read': {
    allow: signedIn,
    scope: 'agreements:read',
    why: 'the agreement text is shared by all members of the cell',
  },
  'agreements.write': {
    allow: ['mediator'],
    scope: 'agreements:write',
    fresh: true,
    why: 'mediators administer the cell and record amendments; every status is computed from the agreement',
  },
  'events.read': {
    allow: staff,
    scope: 'events:read',
    why: 'raw events may hold person data; observers see aggregates only',
  },
  'devices.register': {
    allow: staff,
    permission: ['report'],
    scope: 'events:write',
    fresh: true,
    why: 'a device that signs its own reports gets a key of its organisation: reporting, by other means',
  },
  'devices.read': {
    allow: signedIn,
    why: 'one’s own devices that sign reports (a mediator sees every user’s); never with a token',
  },
  'devices.revoke': {
    allow: staff,
    why: 'a lost or stolen device must stop signing at once: its user revokes it, or a mediator; not fresh, never with a token',
  },
  'events.submit': {
    allow: staff,
    permission: ['report', 'verify'],
    scope: 'events:write',
    why: 'reports need report; findings and dispute decisions need verify (checked per event)',
  },
  'status.read': { allow: signedIn, scope: 'status:read', why: 'aggregates, for all members' },
  'sitrep.read': {
    allow: staff,
    scope: 'events:read',
    why: "the cell's daily report quotes the day's reports (incidents, claims, person ids)",
  },
  'publications.write': {
    allow: ['mediator', 'monitor'],
    permission: ['publish'],
    scope: 'publications:write',
    why: 'publishing is separate from reporting and verifying',
  },
  'checkpoints.read': {
    allow: signedIn,
    scope: 'checkpoints:read',
    why: 'checkpoints and proofs hold hashes only; every member verifies',
  },
  'checkpoints.cosign': {
    allow: staff,
    permission: ['verify'],
    scope: 'checkpoints:write',
    why: 'witnessing the log is a verification act',
  },
  'export.read': { allow: staff, scope: 'export:read', why: 'the export holds every raw event' },
  'stream.read': { allow: staff, scope: 'events:read', why: 'the stream carries raw events' },
  'orgs.read': { allow: signedIn, scope: 'accounts:read', why: 'members know each other' },
  'orgs.write': {
    allow: ['mediator'],
    scope: 'accounts:write',
    fresh: true,
    why: 'mediators administer',
  },
  'users.read': { allow: ['mediator'], scope: 'accounts:read', why: 'e-mail addresses' },
  'users.write': {
    allow: ['mediator'],
    scope: 'accounts:write',
    fresh: true,
    why: 'roles and permissions change only by a mediator (audited)',
  },
  'tokens.read': { allow: signedIn, scope: 'tokens:write', why: 'the own tokens' },
  'tokens.write': {
    allow: signedIn,
    scope: 'tokens:write',
    fresh: true,
    why: 'anyone may make a token for their machines, never with more than their role',
  },
  'tokens.revoke': {
    allow: signedIn,
    scope: 'tokens:write',
    why: 'revoking the own token must be quick (a leaked one), and takes nothing from anyone',
  },
  'audit.read': { allow: ['mediator'], scope: 'audit:read', why: 'the audit log is the admins’' },
  'notices.read': {
    allow: staff,
    scope: 'events:read',
    why: 'notices quote what parties tell each other (names lists name persons); each sees those to, from or through its organisation, mediators all',
  },
  'notices.write': {
    allow: staff,
    permission: ['report'],
    scope: 'events:write',
    why: 'sending, delivering, reading, acknowledging and answering are each a signed report of the organisation',
  },
  'alerts.read': {
    allow: signedIn,
    scope: 'status:read',
    why: 'the own alerts and subscriptions; each alert was computed under the same policies as the API',
  },
  'alerts.write': {
    allow: signedIn,
    why: 'anyone subscribes to what they may already see (checked per rule); never with a token',
  },
  'exchanges.read': {
    allow: staff,
    scope: 'events:read',
    why: 'the register names persons by pseudonymous id, as raw events do; reads are audited',
  },
  'exchanges.submit': {
    allow: staff,
    permission: ['report'],
    scope: 'events:write',
    why: 'a names list or a handover step is a report, signed by the organisation that made it',
  },
  'exchanges.summary': {
    allow: signedIn,
    scope: 'status:read',
    why: 'persons by status and category, counts from 1 to 4 suppressed: an aggregate for all',
  },
  'persons.write': {
    allow: ['mediator', 'agency', 'party_liaison'],
    permission: ['report'],
    why: 'personal data is entered by whoever holds it for the handover; never with a token',
  },
  'persons.decrypt': {
    allow: ['mediator', 'agency', 'party_liaison'],
    fresh: true,
    why: 'per field and per person as persons/field-access.ts says, with a reason, audited; never with a token',
  },
  'imports.write': {
    allow: staff,
    permission: ['report'],
    scope: 'events:write',
    why: "an imported file is a batch of the user's organisation's reports",
  },
  'imports.read': {
    allow: staff,
    scope: 'events:read',
    why: 'who imported which file, and where its events are in the log',
  },
  'incidents.read': {
    allow: staff,
    scope: 'events:read',
    why: 'the incident queue quotes reports, places and claims, as raw events do',
  },
  'incidents.report': {
    allow: staff,
    permission: ['report'],
    scope: 'events:write',
    why: 'reporting an allegation is reporting',
  },
  'incidents.step': {
    allow: staff,
    permission: ['verify', 'publish'],
    scope: 'events:write',
    why: 'triage to review need verify, publication needs publish (checked per step by the workflow)',
  },
  'evidence.upload': {
    allow: staff,
    permission: ['report', 'verify'],
    scope: 'events:write',
    why: 'evidence comes with a report, a finding or a claim',
  },
  'evidence.read': {
    allow: staff,
    scope: 'events:read',
    why: 'evidence may show persons and positions, as raw events may',
  },
  'zones.read': {
    allow: signedIn,
    scope: 'agreements:read',
    why: 'the zones and lines are part of the agreement every member reads',
  },
  'returns.read': {
    allow: signedIn,
    scope: 'status:read',
    why: 'counts of people moving, per hour: aggregates, like status',
  },
  'zones.write': {
    allow: ['mediator'],
    scope: 'agreements:write',
    fresh: true,
    why: 'a zone layer is uploaded with the agreement version that pins it',
  },
  'aid.read': {
    allow: staff,
    scope: 'events:read',
    why: 'consignments name organisations, warehouses and the reports behind each step, as raw events do',
  },
  'aid.summary': {
    allow: signedIn,
    scope: 'status:read',
    why: 'crossings open or closed and each source’s daily figure with the reconciliation: aggregates for all',
  },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof policy;
export const actions = Object.keys(policy) as Action[];

/** Event types whose submission is verification rather than reporting. */
export const verificationEventTypes: ReadonlySet<string> = new Set([
  'finding_recorded',
  'dispute_resolved',
  // The incident workflow's steps (core incidents/workflow.ts).
  'incident_triaged',
  'incident_assigned',
  'investigation_started',
  'finding_reviewed',
]);

/** Event types whose submission makes something public. */
export const publicationEventTypes: ReadonlySet<string> = new Set(['finding_published']);

export function eventPermission(type: string): Permission {
  if (publicationEventTypes.has(type)) return 'publish';
  return verificationEventTypes.has(type) ? 'verify' : 'report';
}

/** The scopes a role can hold: those of the actions open to it. */
export function scopesOf(role: Role): Set<Scope> {
  const result = new Set<Scope>();
  for (const rule of Object.values(policy) as Rule[]) {
    if (rule.scope && rule.allow.includes(role)) result.add(rule.scope);
  }
  return result;
}

/** The permissions a role may be granted at all. */
export const grantablePermissions: Record<Role, readonly Permission[]> = {
  mediator: ['report', 'verify', 'publish'],
  party_liaison: ['report', 'verify'],
  agency: ['report', 'verify'],
  monitor: ['report', 'verify', 'publish'],
  observer: [],
};
