import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../accounts/model.js';
import { originOfUser, testUser } from '../accounts/testing.js';
import { exampleAgreement, startTestServer, type TestServer } from '../http/testing.js';
import { policy } from '../policies/matrix.js';
import { kekFromSecret } from './data-keys.js';
import { fieldAccess } from './field-access.js';
import { fieldCommitment, PersonsService } from './persons-service.js';

/**
 * Person data over the real server on a fresh database: encrypted per field, the ledger holding
 * commitments only, decryption per role, field and person with a reason, every attempt audited;
 * key rotation and re-encryption; and nothing personal or any small cell in a public response.
 * All persons are synthetic placeholders.
 */
let server: TestServer;
type Who = Parameters<TestServer['headers']>[0];
const inject = (who: Who, method: 'GET' | 'POST', url: string, payload?: unknown, headers = {}) =>
  server.app.inject({
    method,
    url,
    headers: { ...server.headers(who), ...headers },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });

const person = {
  name: 'Test Person 0001',
  dateOfBirth: '1990-01-01',
  identityNumber: 'TEST-ID-0001',
};

const event = (id: string, type: string, occurredAt: string, payload: unknown) => ({
  event: { id, type, occurredAt, reportedAt: occurredAt, payload },
});

beforeAll(async () => {
  server = await startTestServer({ start: new Date('2025-01-25T09:00:00Z') });
  const upload = await inject('mediator', 'POST', '/api/v1/agreements', exampleAgreement(), {
    'content-type': 'application/yaml',
  });
  expect(upload.statusCode).toBe(201);
  // The register: two held civilian women, one female soldier (qatar reports for the cell).
  const held: [string, string][] = [
    ['H-0001', 'civilian_woman'],
    ['H-0002', 'civilian_woman'],
    ['H-0004', 'female_soldier'],
  ];
  for (const [id, category] of held) {
    const response = await inject(
      'mediator',
      'POST',
      '/api/v1/events',
      event(`reg-${id}`, 'person_registered', '2025-01-19T06:00:00+02:00', {
        person: { id, category, living: true },
        heldBy: 'hamas',
        releaseTo: 'israel',
      }),
    );
    expect(response.statusCode).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('personal data, encrypted per field', () => {
  let commitments: Record<string, string>;

  it('is recorded by the agency, stored sealed, and the ledger gets only a salted commitment', async () => {
    const response = await inject('agency', 'POST', '/api/v1/persons/H-0001/fields', person);
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ person: 'H-0001', version: 1 });
    commitments = body.commitments;
    expect(Object.keys(commitments).sort()).toEqual(['dateOfBirth', 'identityNumber', 'name']);

    const rows = await server.app.truce.db.query<{ sealed: Uint8Array }>(
      'SELECT sealed FROM person_fields',
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const bytes = Buffer.from(row.sealed);
      for (const value of Object.values(person)) expect(bytes.includes(value)).toBe(false);
    }
    const ledger = await server.app.truce.db.query<{ entry: Uint8Array }>(
      'SELECT entry FROM events',
    );
    const text = ledger.map((r) => Buffer.from(r.entry).toString('utf8')).join('\n');
    for (const value of Object.values(person)) expect(text).not.toContain(value);
    expect(text).toContain(commitments.name);
    expect(text).toContain('"type":"person_record_committed"');
  });

  it('decrypts for the agency with a reason; the salt proves the value against the ledger', async () => {
    const response = await inject('agency', 'POST', '/api/v1/persons/H-0001/decrypt', {
      fields: ['name', 'identityNumber'],
      reason: 'identification at the Day 7 handover',
    });
    expect(response.statusCode).toBe(200);
    const { values, salts } = response.json();
    expect(values).toEqual({ name: person.name, identityNumber: person.identityNumber });
    expect(fieldCommitment('H-0001', 'name', values.name, salts.name)).toBe(commitments.name);
    expect(fieldCommitment('H-0001', 'name', 'Test Person 0002', salts.name)).not.toBe(
      commitments.name,
    );
  });

  it('refuses a decryption without a reason', async () => {
    const response = await inject('agency', 'POST', '/api/v1/persons/H-0001/decrypt', {
      fields: ['name'],
      reason: '',
    });
    expect(response.statusCode).toBe(400);
  });

  it('follows the matrix per role and field, and audits every attempt with who and why', async () => {
    const outcomes: Record<string, Record<string, number>> = {};
    for (const who of ['anonymous', ...roles] as const) {
      outcomes[who] = {};
      for (const field of ['name', 'dateOfBirth', 'identityNumber'] as const) {
        const response = await inject(who, 'POST', '/api/v1/persons/H-0001/decrypt', {
          fields: [field],
          reason: `matrix check of ${field} by ${who}`,
        });
        outcomes[who][field] = response.statusCode;
        if (response.statusCode === 200) expect(response.json().values[field]).toBe(person[field]);
      }
    }
    expect(outcomes).toEqual({
      anonymous: { name: 401, dateOfBirth: 401, identityNumber: 401 },
      // The agency (the ICRC's role) reads every field.
      agency: { name: 200, dateOfBirth: 200, identityNumber: 200 },
      // Mediators: names and dates of birth to check the lists, never identity numbers.
      mediator: { name: 200, dateOfBirth: 200, identityNumber: 403 },
      // A party's liaison (israel) reads only records its own organisation entered.
      party_liaison: { name: 403, dateOfBirth: 403, identityNumber: 403 },
      monitor: { name: 403, dateOfBirth: 403, identityNumber: 403 },
      observer: { name: 403, dateOfBirth: 403, identityNumber: 403 },
    });
    for (const role of roles) {
      const allowedByPolicy = (policy['persons.decrypt'].allow as readonly string[]).includes(role);
      expect(allowedByPolicy || fieldAccess[role].fields.length === 0).toBe(true);
    }
    const audit = await server.app.truce.audit.list({ limit: 1000, action: 'persons.decrypt' });
    const mediatorDenied = audit.find(
      (r) =>
        r.actor === server.as.mediator.userId &&
        r.outcome === 'denied' &&
        (r.details.fields as string[]).includes('identityNumber'),
    );
    expect(mediatorDenied?.details.reason).toBe('matrix check of identityNumber by mediator');
    const success = audit.find(
      (r) => r.actor === server.as.agency.userId && r.outcome === 'success',
    );
    expect(success).toMatchObject({ target: 'H-0001', actorOrg: 'un-ocha' });
    expect(success?.details.reason).toBe('identification at the Day 7 handover');
    expect(JSON.stringify(audit)).not.toContain(person.name);
  });

  it('lets a party liaison read what its own organisation recorded', async () => {
    const recorded = await inject('party_liaison', 'POST', '/api/v1/persons/P-0001/fields', {
      name: 'Test Person 0002',
    });
    expect(recorded.statusCode).toBe(201);
    const read = await inject('party_liaison', 'POST', '/api/v1/persons/P-0001/decrypt', {
      fields: ['name'],
      reason: 'confirm the name before the release',
    });
    expect(read.json().values.name).toBe('Test Person 0002');
  });

  it('survives key rotation (re-wrap) and re-encryption; a wrong key reads nothing', async () => {
    const { db, audit } = server.app.truce;
    const clock = () => new Date();
    const current = new PersonsService(
      db,
      audit,
      () => {
        throw new Error('unused');
      },
      clock,
    );
    void current;
    // The server's own key is the data folder's file; rotate from it to a new one.
    const { loadKek } = await import('./data-keys.js');
    const old = loadKek(server.dataDir, {});
    const next = kekFromSecret(randomBytes(32).toString('base64'), 'env');
    const rotating = new PersonsService(db, audit, old, clock);
    expect(await rotating.rewrap(next)).toBeGreaterThan(0);
    const agency = originOfUser(
      testUser({
        id: server.as.agency.userId,
        orgId: 'un-ocha',
        role: 'agency',
        permissions: ['report'],
      }),
    );
    const after = new PersonsService(db, audit, next, clock);
    expect(
      (await after.decrypt(agency, 'H-0001', ['name'], 'check after the rotation')).values.name,
    ).toBe(person.name);

    const reencrypted = await after.reencrypt();
    expect(reencrypted.fields).toBe(4);
    const versions = await db.query<{ version: number; commitment: string }>(
      "SELECT version, commitment FROM person_fields WHERE person_id = 'H-0001' AND field = 'name' ORDER BY version",
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.commitment).toBe(versions[0]?.commitment);
    expect(
      (await after.decrypt(agency, 'H-0001', ['name'], 'check after re-encryption')).values.name,
    ).toBe(person.name);

    const stranger = new PersonsService(
      db,
      audit,
      kekFromSecret(randomBytes(32).toString('base64'), 'env'),
      clock,
    );
    await expect(
      stranger.decrypt(agency, 'H-0001', ['name'], 'a key that was never used'),
    ).rejects.toThrow(/not wrapped by the key in use/);
    // Rows are insert-only.
    await expect(db.query("DELETE FROM person_fields WHERE person_id = 'H-0001'")).rejects.toThrow(
      /insert-only/,
    );
  });
});

describe('lists and handover steps over HTTP', () => {
  it('a Day-7 list naming the female soldier while civilian women are held: an order-rule problem at once', async () => {
    const response = await inject('mediator', 'POST', '/api/v1/exchanges/lists', {
      forDay: 7,
      persons: ['H-0004'],
      occurredAt: '2025-01-24T17:00:00+02:00',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.problems.map((p: { code: string }) => p.code)).toEqual(['LIST_ORDER_RULE']);
    expect(JSON.stringify(body.problems)).not.toMatch(/H-\d{4}/);
  });

  it('records steps; an unknown person and a duplicate are flagged, not lost', async () => {
    const first = await inject('agency', 'POST', '/api/v1/exchanges/steps', {
      persons: ['H-0004', 'H-9999'],
      step: 'handed_to_icrc',
      place: 'kerem-shalom',
      occurredAt: '2025-01-25T10:00:00+02:00',
    });
    expect(first.statusCode).toBe(201);
    // un-ocha is neither the holding side nor the ICRC: the chain flags who signed it, too.
    expect(first.json().issues.map((i: { code: string }) => i.code)).toEqual([
      'EXCHANGE_STEP_WRONG_ORG',
      'EXCHANGE_PERSON_UNKNOWN',
    ]);
    const again = await inject('agency', 'POST', '/api/v1/exchanges/steps', {
      persons: ['H-0004'],
      step: 'handed_to_icrc',
      place: 'kerem-shalom',
      occurredAt: '2025-01-25T10:05:00+02:00',
    });
    expect(again.json().issues.map((i: { code: string }) => i.code)).toEqual([
      'EXCHANGE_STEP_WRONG_ORG',
      'EXCHANGE_STEP_DUPLICATE',
    ]);
    const sheet = await inject('monitor', 'GET', '/api/v1/exchanges/handover-sheet.csv?day=7');
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['content-type']).toContain('text/csv');
    const lines = sheet.body.trim().split('\r\n');
    expect(lines[0]).toContain('person,category');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['H-0004']);
    expect(lines[1]).toContain('kerem-shalom');
    const history = await inject(
      'monitor',
      'GET',
      `/api/v1/persons/H-0004/history?reason=${encodeURIComponent('checking the Day 7 sheet')}`,
    );
    expect(history.json().person.status).toBe('handed_to_icrc');
    // The reason the dashboard asks for is kept with the read.
    const reads = await server.app.truce.audit.list({ limit: 1000, action: 'persons.read' });
    expect(
      reads.find((r) => r.target === 'H-0004' && r.details.route === 'persons/history')?.details,
    ).toMatchObject({ reason: 'checking the Day 7 sheet' });
    expect((await inject('observer', 'GET', '/api/v1/persons/H-0004/history')).statusCode).toBe(
      403,
    );
  });
});

describe('no public response holds a name, a person id or a small cell', () => {
  it('after a publication, every anonymous route and the members’ summary', async () => {
    const published = await inject('monitor', 'POST', '/api/v1/publications', {
      asOf: '2025-01-25T12:00:00+02:00',
    });
    expect(published.statusCode).toBe(201);
    const open = server.app.truce.routes.filter(
      (r) =>
        r.method === 'GET' &&
        (policy[r.action].allow as readonly string[]).includes('anonymous') &&
        !r.url.includes(':') &&
        !r.url.includes('stream'),
    );
    expect(open.map((r) => r.url)).toContain('/api/v1/public/status');
    const bodies: string[] = [];
    for (const route of open) bodies.push((await inject('anonymous', 'GET', route.url)).body);
    const summary = await inject('observer', 'GET', '/api/v1/exchanges/summary');
    expect(summary.statusCode).toBe(200);
    bodies.push(summary.body);
    for (const body of bodies) {
      for (const value of [...Object.values(person), 'Test Person 0002'])
        expect(body).not.toContain(value);
      expect(body).not.toMatch(/\b[HP]-\d{4}\b/);
    }
    // The summary's cells: 3 registered persons and so on, all below 5, all suppressed.
    const counts = summary.json();
    const cells = [
      counts.persons,
      ...Object.values(counts.byStatus),
      ...Object.values(counts.byCategory),
    ];
    for (const cell of cells)
      expect(cell === null || cell === 0 || (cell as number) >= 5).toBe(true);
    expect(counts.byCategory.civilian_woman).toBeNull();
    const publicStatus = JSON.parse(
      bodies[open.findIndex((r) => r.url === '/api/v1/public/status')] ?? '{}',
    );
    for (const obligation of publicStatus.obligations) {
      const done = obligation.progress?.done;
      expect(done === undefined || done === null || done === 0 || done >= 5).toBe(true);
    }
  });
});

describe('counts of persons in the status, by who reads it', () => {
  it('members read the small counts the engine quotes; observers and the public read "fewer than 5"', async () => {
    const released = await inject(
      'mediator',
      'POST',
      '/api/v1/events',
      event('release-small', 'hostage_released', '2025-01-25T10:00:00+02:00', {
        persons: [
          { id: 'H-0001', category: 'civilian_woman', living: true },
          { id: 'H-0002', category: 'civilian_woman', living: true },
        ],
      }),
    );
    expect(released.statusCode).toBe(201);
    const asOf = encodeURIComponent('2025-01-25T12:30:00+02:00');
    const whyFor = async (who: Who) => {
      const response = await inject(who, 'GET', `/api/v1/status?asOf=${asOf}`);
      expect(response.statusCode).toBe(200);
      const body = response.json() as { obligations: { id: string; why: string }[] };
      return body.obligations.find((o) => o.id === 'prisoner-releases-phase-1')!.why;
    };
    expect(await whyFor('monitor')).toContain('For 2 counterpart releases');
    // The progress of an obligation counting persons: 2 released is a small cell for observers.
    const doneFor = async (who: Who) => {
      const body = (await inject(who, 'GET', `/api/v1/status?asOf=${asOf}`)).json() as {
        obligations: { id: string; progress: { done: number | null; required: number | null } }[];
      };
      return body.obligations.find((o) => o.id === 'hostage-releases-phase-1')!.progress;
    };
    expect((await doneFor('monitor')).done).toBe(2);
    expect(await doneFor('observer')).toMatchObject({ done: null, required: 33 });
    const observed = await whyFor('observer');
    expect(observed).toContain('For fewer than 5 counterpart releases');
    expect(observed).not.toMatch(/\b[HP]-\d{4}\b/);

    const published = await inject('monitor', 'POST', '/api/v1/publications', {
      asOf: '2025-01-25T12:30:00+02:00',
    });
    expect(published.statusCode).toBe(201);
    const open = (await inject('anonymous', 'GET', '/api/v1/public/status')).json() as {
      obligations: { id: string; why: string }[];
    };
    const publicWhy = open.obligations.find((o) => o.id === 'prisoner-releases-phase-1')!.why;
    expect(publicWhy).toContain('For fewer than 5 counterpart releases');

    // A publication stored before whys came with their reading for aggregates: its whys are
    // left out, since nothing in them tells an observed count from a term of the agreement.
    const [stored] = await server.app.truce.db.query<{ evaluation: string }>(
      'SELECT evaluation FROM publications ORDER BY id DESC LIMIT 1',
    );
    const { whyReadings: _readings, ...legacy } = JSON.parse(stored!.evaluation) as {
      whyReadings?: boolean;
      obligations: { why: string; whyAggregates?: string }[];
    };
    expect(_readings).toBe(true);
    for (const o of legacy.obligations) delete o.whyAggregates;
    await server.app.truce.db.query(
      `INSERT INTO publications (agreement_id, ledger_size, as_of, evaluation, published_by, published_at)
       SELECT agreement_id, ledger_size, as_of, $1, published_by, published_at + interval '1 second'
         FROM publications ORDER BY id DESC LIMIT 1`,
      [JSON.stringify(legacy)],
    );
    const older = (await inject('anonymous', 'GET', '/api/v1/public/status')).json() as {
      obligations: { id: string; why: string }[];
    };
    const legacyWhy = older.obligations.find((o) => o.id === 'prisoner-releases-phase-1')!.why;
    expect(legacyWhy).toMatch(/^Published before explanations were kept/);
    expect(JSON.stringify(older)).not.toContain('For 2 counterpart releases');
  });
});
