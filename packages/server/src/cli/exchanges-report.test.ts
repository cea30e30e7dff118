import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganisationKind, Role } from '../accounts/model.js';
import { originOfUser } from '../accounts/testing.js';
import { buildServer } from '../http/server.js';
import { exampleAgreement } from '../http/testing.js';
import { createLogIdentity, Ledger } from '../ledger/index.js';
import { grantablePermissions } from '../policies/matrix.js';
import { openPgliteStore, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { memoryIo } from './io.js';
import { run } from './run.js';

/**
 * The exchange commands against a cell's data folder, acting as its users: lists and handover
 * steps signed for the user's organisation, typos refused before anything is signed, a person's
 * history with a reason, audited. Every person is a synthetic placeholder.
 */
let data: string;
const now = new Date('2025-01-25T09:00:00Z');
const users: { email: string; org: string; kind: OrganisationKind; role: Role }[] = [
  { email: 'mediator@example.org', org: 'qatar', kind: 'mediator', role: 'mediator' },
  { email: 'icrc@example.org', org: 'icrc', kind: 'agency', role: 'agency' },
  { email: 'hamas@example.org', org: 'hamas', kind: 'party', role: 'party_liaison' },
  { email: 'observer@example.org', org: 'press', kind: 'observer', role: 'observer' },
];

beforeAll(async () => {
  data = await freshPgliteFolder();
  const store = await openPgliteStore({ dataDir: data, durability: 'process-crash' });
  const { identity } = createLogIdentity(data, { origin: 'truce.test/log', operator: 'operator' });
  const ledger = await Ledger.open(store, identity, { now: () => now });
  const app = await buildServer({ ledger, dataDir: data, clock: () => now, logger: false });
  const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
  const { accounts, agreements, events } = app.truce;
  for (const user of users) {
    await accounts.createOrganisation(system, { id: user.org, name: user.org, kind: user.kind });
    await accounts.createUser(system, {
      email: user.email,
      orgId: user.org,
      role: user.role,
      permissions: [...grantablePermissions[user.role]],
      password: 'a long enough test passphrase',
    });
  }
  const mediator = await accounts.repository.userByEmail('mediator@example.org');
  const origin = originOfUser(mediator!.user);
  await agreements.upload(origin, exampleAgreement());
  // Two held civilian women and a female soldier; a list for Day 1 names the first two.
  for (const [id, category] of [
    ['H-0001', 'civilian_woman'],
    ['H-0002', 'civilian_woman'],
    ['H-0004', 'female_soldier'],
  ] as const) {
    await events.submitOnBehalf(
      origin,
      {
        id: `reg-${id}`,
        type: 'person_registered',
        occurredAt: '2025-01-19T06:00:00+02:00',
        payload: { person: { id, category, living: true }, heldBy: 'hamas', releaseTo: 'israel' },
      },
      undefined,
    );
  }
  // The ICRC holds H-0001's personal data (a synthetic placeholder), sealed on the server.
  const icrc = await accounts.repository.userByEmail('icrc@example.org');
  await app.truce.persons.record(originOfUser(icrc!.user), 'H-0001', {
    name: 'Test Person 0001',
    identityNumber: 'TEST-ID-0001',
  });
  await app.close();
  await ledger.close();
  await store.close();
}, 120_000);

afterAll(() => rmSync(data, { recursive: true, force: true }));

async function truce(argv: string[]) {
  const io = memoryIo({ env: {}, now });
  const code = await run([...argv, '--data', data], io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

async function auditActions() {
  const store = await openPgliteStore({ dataDir: data, durability: 'process-crash' });
  try {
    return await sqlDriverOf(store)!.query<{
      action: string;
      target: string;
      outcome: string;
      details: string;
    }>('SELECT action, target, outcome, details FROM audit_log ORDER BY chain_seq');
  } finally {
    await store.close();
  }
}

describe('truce exchanges list and step', () => {
  it('records a names list for the mediator; an unknown id is refused before anything is signed', async () => {
    const typo = await truce([
      'exchanges',
      'list',
      '--day',
      '1',
      '--persons',
      'H-0001,H-0009',
      '--user',
      'mediator@example.org',
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('the list was not recorded');
    expect(typo.stderr).toContain('H-0009');
    expect(typo.stderr).toContain('--record-anyway');

    const ok = await truce([
      'exchanges',
      'list',
      '--day',
      '1',
      '--persons',
      'H-0001,H-0004',
      '--user',
      'mediator@example.org',
      '--at',
      '2025-01-24T18:00:00+02:00',
    ]);
    expect(ok.stderr).toMatch(/recorded the names list qatar-\S+ at log position \d+/);
    expect(ok.stdout).toMatch(/^qatar-/);
    // A female soldier named while a civilian woman is still held and not on it: recorded, and
    // the early warning says so (exit 3).
    expect(ok.code).toBe(3);
    expect(ok.stderr).toContain('warning LIST_ORDER_RULE');
  }, 60_000);

  it('records the steps of a handover; a duplicate, a step out of order and someone on no list are refused unless --record-anyway', async () => {
    const step = (who: string, name: string, persons: string, extra: string[] = []) =>
      truce([
        'exchanges',
        'step',
        '--persons',
        persons,
        '--step',
        name,
        '--place',
        'kerem-shalom',
        '--user',
        who,
        ...extra,
      ]);
    const handed = await step('hamas@example.org', 'handed_to_icrc', 'H-0001');
    expect(handed).toMatchObject({ code: 0 });
    expect(handed.stdout).toMatch(/^hamas-/);

    const again = await step('icrc@example.org', 'handed_to_icrc', 'H-0001');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is already handed to icrc');

    const received = await step('icrc@example.org', 'received', 'H-0001');
    expect(received.code).toBe(0);
    const late = await step('icrc@example.org', 'handed_to_icrc', 'H-0001');
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('after the later step received');

    const offList = await step('hamas@example.org', 'handed_to_icrc', 'H-0002');
    expect(offList.code).toBe(2);
    expect(offList.stderr).toContain('on no names list');
    const unknown = await step('icrc@example.org', 'received', 'H-0777');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('this step names H-0777, who is in no register');

    // What happened is recorded when the user says so, and flagged.
    const anyway = await step('hamas@example.org', 'handed_to_icrc', 'H-0002', [
      '--record-anyway',
      '--json',
    ]);
    expect(anyway.code).toBe(3);
    expect(JSON.parse(anyway.stdout).issues).toEqual([
      expect.objectContaining({ code: 'EXCHANGE_NOT_ON_LIST', person: 'H-0002' }),
    ]);
  }, 60_000);

  it('says what is wrong with bad arguments, and refuses a role that may not report', async () => {
    const base = ['exchanges', 'step', '--place', 'kerem-shalom', '--user', 'icrc@example.org'];
    const cases: [string[], RegExp][] = [
      [[...base, '--persons', 'H-0001', '--step', 'released'], /one of handed_to_icrc/],
      [[...base, '--persons', 'Test Person 0001', '--step', 'received'], /not a pseudonymous id/],
      [[...base, '--step', 'received'], /needs --persons/],
      [[...base, '--persons', 'H-0001,H-0001', '--step', 'received'], /twice/],
      [
        [...base, '--persons', 'H-0001', '--step', 'received', '--at', '2025-01-25 10:00'],
        /with an offset/,
      ],
      [['exchanges', 'list', '--persons', 'H-0001', '--user', 'icrc@example.org'], /--day N/],
      [
        ['exchanges', 'step', '--persons', 'H-0001', '--step', 'received', '--place', 'x'],
        /--user EMAIL/,
      ],
      [
        [
          ...base.slice(0, 4),
          '--user',
          'nobody@example.org',
          '--persons',
          'H-0001',
          '--step',
          'received',
        ],
        /no user nobody@example.org/,
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await truce(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(message);
    }
    const observer = await truce([
      ...base.slice(0, 4),
      '--user',
      'observer@example.org',
      '--persons',
      'H-0001',
      '--step',
      'received',
    ]);
    expect(observer.code).toBe(2);
    expect(observer.stderr).toContain('the role observer may not exchanges.submit');
    const help = await truce(['exchanges', '--help']);
    expect(help.stdout).toContain('truce exchanges step --persons');
    expect(help.stdout).toContain('--record-anyway');
  }, 60_000);
});

describe('truce persons history', () => {
  it('shows the chain of custody with a reason, audited; refuses without one, and an unknown id', async () => {
    const noReason = await truce(['persons', 'history', 'H-0001', '--user', 'icrc@example.org']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');

    const reason = 'checking the Day 1 handover sheet';
    const shown = await truce([
      'persons',
      'history',
      'H-0001',
      '--user',
      'icrc@example.org',
      '--reason',
      reason,
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('H-0001: civilian woman, living, held by hamas for israel');
    expect(shown.stdout).toMatch(/handed to icrc\s+by hamas at kerem-shalom/);
    expect(shown.stdout).toMatch(/received\s+by icrc at kerem-shalom/);
    expect(shown.stdout).toContain(
      'personal data on record: identityNumber (v1, by icrc), name (v1, by icrc)',
    );
    expect(shown.stdout).not.toContain('Test Person 0001');

    // Decryption on top: the agency reads the name; a party's liaison only its own records.
    const named = await truce([
      'persons',
      'history',
      'H-0001',
      '--user',
      'icrc@example.org',
      '--reason',
      reason,
      '--fields',
      'name',
    ]);
    expect(named.code).toBe(0);
    expect(named.stdout).toContain('  name: Test Person 0001');
    const other = await truce([
      'persons',
      'history',
      'H-0001',
      '--user',
      'hamas@example.org',
      '--reason',
      reason,
      '--fields',
      'name',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('may not read name of H-0001');
    expect(other.stdout).not.toContain('Test Person 0001');
    const badField = await truce([
      'persons',
      'history',
      'H-0001',
      '--user',
      'icrc@example.org',
      '--reason',
      reason,
      '--fields',
      'address',
    ]);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('address is not a field');

    const unknown = await truce([
      'persons',
      'history',
      'H-0777',
      '--user',
      'icrc@example.org',
      '--reason',
      reason,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('H-0777 is in no register, list or release');

    const observer = await truce([
      'persons',
      'history',
      'H-0001',
      '--user',
      'observer@example.org',
      '--reason',
      reason,
    ]);
    expect(observer.code).toBe(2);
    expect(observer.stderr).toContain('may not exchanges.read');

    const audit = await auditActions();
    const reads = audit.filter((a) => a.action === 'persons.read');
    expect(reads.map((a) => [a.target, a.outcome, JSON.parse(a.details).reason])).toEqual([
      ['H-0001', 'success', reason],
      ['H-0001', 'success', reason],
      ['H-0001', 'success', reason],
      ['H-0777', 'denied', reason],
    ]);
    const decryptions = audit.filter((a) => a.action === 'persons.decrypt');
    expect(decryptions.map((a) => [a.target, a.outcome, JSON.parse(a.details).reason])).toEqual([
      ['H-0001', 'success', reason],
      ['H-0001', 'denied', reason],
    ]);
    for (const row of audit) expect(row.details).not.toContain('Test Person 0001');
    expect(audit.filter((a) => a.action === 'access.denied').map((a) => a.target)).toEqual([
      'cli exchanges.submit',
      'cli exchanges.read',
    ]);
  }, 60_000);
});
