import { type Agreement, ledger as core, parseAgreement, type TruceEvent } from '@truce/core';
import type { RequestOrigin } from '../accounts/accounts-service.js';
import type { OrganisationKind, Permission, Role } from '../accounts/model.js';
import { OrgKeys } from '../accounts/org-keys.js';
import type { TruceApp } from '../http/context.js';

/**
 * The demo cell that `npm start` brings up: the sample agreement, one login per role, and the
 * synthetic scenario reported by the organisations the scenario names, each signing with a key
 * the server holds for it. Every person in the scenario is a pseudonymous placeholder (H-0001,
 * P-0001); every login is a demo login on a documented password, for a local machine only.
 */
export const demoPassword = 'truce-demo-only';

export interface DemoUser {
  email: string;
  org: string;
  role: Role;
  permissions: Permission[];
  /** Who this login is, in a word, for the start banner. */
  label: string;
}

/** Organisations of the demo that the agreement does not list (it names no monitors). */
const extraOrganisations: { id: string; name: string; kind: OrganisationKind }[] = [
  { id: 'cell-monitors', name: 'Cell monitoring team (demo)', kind: 'monitor' },
  { id: 'press', name: 'Press and public observers (demo)', kind: 'observer' },
];

export const demoUsers: DemoUser[] = [
  {
    email: 'mediator@example.org',
    org: 'qatar',
    role: 'mediator',
    permissions: ['report', 'verify', 'publish'],
    label: 'mediator',
  },
  {
    email: 'liaison-israel@example.org',
    org: 'israel',
    role: 'party_liaison',
    permissions: ['report'],
    label: 'party liaison (Israel)',
  },
  {
    email: 'liaison-hamas@example.org',
    org: 'hamas',
    role: 'party_liaison',
    permissions: ['report'],
    label: 'party liaison (Hamas)',
  },
  {
    email: 'agency@example.org',
    org: 'un',
    role: 'agency',
    permissions: ['report'],
    label: 'humanitarian agency (UN)',
  },
  {
    email: 'monitor@example.org',
    org: 'cell-monitors',
    role: 'monitor',
    permissions: ['report', 'verify'],
    label: 'monitor',
  },
  {
    email: 'observer@example.org',
    org: 'press',
    role: 'observer',
    permissions: [],
    label: 'observer (read only)',
  },
];

function organisationKind(roles: readonly string[]): OrganisationKind {
  if (roles.includes('mediator')) return 'mediator';
  if (roles.includes('party')) return 'party';
  if (roles.includes('guarantor')) return 'guarantor';
  if (roles.includes('monitor')) return 'monitor';
  return 'agency';
}

const seeding: RequestOrigin = { actor: { kind: 'anonymous' }, ip: 'demo' };

/** Creates the agreement's organisations and the demo logins, unless they exist already. */
export async function seedAccounts(app: TruceApp, agreement: Agreement): Promise<boolean> {
  const { accounts } = app.truce;
  const existing = new Set((await accounts.repository.users()).map((user) => user.email));
  if (demoUsers.every((user) => existing.has(user.email))) return false;
  const organisations = [
    ...agreement.parties.map((party) => ({
      id: party.id,
      name: party.name,
      kind: organisationKind(party.roles),
    })),
    ...extraOrganisations,
  ];
  for (const organisation of organisations) {
    if (!(await accounts.repository.organisation(organisation.id))) {
      await accounts.createOrganisation(seeding, organisation);
    }
  }
  for (const user of demoUsers) {
    if (existing.has(user.email)) continue;
    await accounts.createUser(seeding, {
      email: user.email,
      orgId: user.org,
      role: user.role,
      permissions: user.permissions,
      password: demoPassword,
    });
  }
  return true;
}

/** Uploads the sample agreement if this version is not stored yet. */
export async function seedAgreement(app: TruceApp, yaml: string, file: string): Promise<Agreement> {
  const agreement = parseAgreement(yaml, file);
  await app.truce.agreements.upload(seeding, yaml);
  return agreement;
}

/**
 * Reports the scenario's events as time passes: each call submits the events reported up to
 * `until` that are not submitted yet, signed by their source organisations with the keys the
 * server holds for them. Submitting again after a restart is harmless: the ledger answers an
 * envelope it holds already with its original receipt (idempotency key = event id).
 */
export class ScenarioFeeder {
  readonly #app: TruceApp;
  readonly #events: TruceEvent[];
  readonly #orgKeys: OrgKeys;
  #next = 0;

  constructor(app: TruceApp, dataDir: string, events: readonly TruceEvent[]) {
    this.#app = app;
    this.#events = [...events].sort((a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt));
    this.#orgKeys = new OrgKeys(dataDir, app.truce.ledger);
  }

  get remaining(): number {
    return this.#events.length - this.#next;
  }

  /** When the next event is due, or undefined when the scenario is over. */
  get nextAt(): string | undefined {
    return this.#events[this.#next]?.reportedAt;
  }

  /** Submits what is due by `until`, in batches; returns how many events it submitted. */
  async feed(until: Date, batchSize = 250): Promise<number> {
    const limit = until.getTime();
    let end = this.#next;
    while (end < this.#events.length && Date.parse(this.#events[end]!.reportedAt) <= limit) end++;
    let submitted = 0;
    for (let start = this.#next; start < end; start += batchSize) {
      const batch = this.#events.slice(start, Math.min(end, start + batchSize));
      const envelopes = [];
      for (const event of batch) {
        const { key, keyId } = await this.#orgKeys.keyFor(
          event.source,
          new Date(Date.parse(event.reportedAt)),
        );
        envelopes.push(
          core.signEnvelope(
            {
              v: 1,
              id: event.id,
              org: event.source,
              keyId,
              idempotencyKey: event.id,
              event: event as unknown as core.JsonValue,
            },
            key,
          ),
        );
      }
      await this.#app.truce.ledger.submit(envelopes);
      submitted += batch.length;
      this.#next = start + batch.length;
    }
    this.#next = end;
    return submitted;
  }
}

/**
 * Publishes the current status to the public page as the demo mediator would, through the API
 * itself (log in, then POST /api/v1/publications), so the public page has something to show.
 * False when the cell requires a second factor of mediators (TRUCE_MFA_REQUIRED_ROLES): the
 * demo mediator has none until someone sets it up, so nothing is published.
 */
export async function publishAsMediator(app: TruceApp): Promise<boolean> {
  const mediator = demoUsers.find((user) => user.role === 'mediator')!;
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: mediator.email, password: demoPassword },
  });
  if (login.statusCode !== 200) throw new Error(`demo login failed: ${login.body}`);
  const { csrfToken } = login.json<{ csrfToken: string }>();
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const published = await app.inject({
    method: 'POST',
    url: '/api/v1/publications',
    headers: { cookie, 'x-csrf-token': csrfToken },
    payload: {},
  });
  const refused =
    published.statusCode >= 300 &&
    published.json<{ error?: { code?: string } }>().error?.code === 'MFA_ENROLMENT_REQUIRED';
  if (published.statusCode >= 300 && !refused) {
    throw new Error(`demo publication failed: ${published.body}`);
  }
  await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { cookie, 'x-csrf-token': csrfToken },
  });
  return !refused;
}
