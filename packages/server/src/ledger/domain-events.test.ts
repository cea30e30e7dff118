import { domainOfEventType, type EventDomain, eventDomains } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { migrations, openMemoryStore, type Store } from '../store/index.js';
import { pgliteKind, postgresKind, postgresUrl } from '../store/testing/fixtures.js';
import { readDomainEntries, readDomainEvents } from './domain-events.js';
import { Ledger, prepareEntry } from './ledger-service.js';
import { newKey, registration, signedEvent, testIdentity } from './testing.js';

const at = { occurredAt: '2025-01-19T10:00:00+02:00', reportedAt: '2025-01-19T11:00:00+02:00' };

/** One event of several domains, as the orgs of a cell would report them (synthetic ids). */
function domainSamples(n: number) {
  return [
    {
      type: 'aid_trucks_crossed',
      source: 'cogat',
      payload: { crossing: 'kerem-shalom', cargo: 'food', count: 10 + n },
    },
    { type: 'crossing_opened', source: 'cogat', payload: { crossing: 'rafah' } },
    {
      type: 'person_registered',
      source: 'qatar',
      payload: {
        person: { id: `H-${String(n + 1).padStart(4, '0')}`, category: 'civilian_woman' },
        heldBy: 'hamas',
      },
    },
    {
      type: 'handover_step',
      source: 'icrc',
      payload: { persons: ['H-0001'], step: 'handed_to_icrc', place: 'kerem-shalom' },
    },
    {
      type: 'incident_reported',
      source: 'qatar',
      payload: {
        incident: `inc-${n}`,
        category: 'fire',
        obligation: 'ceasefire',
        against: 'israel',
        place: 'rafah',
        description: 'Fire reported near the crossing.',
      },
    },
    { type: 'notice_read', source: 'qatar', payload: { notice: `notice-${n}` } },
    { type: 'returns_counted', source: 'icrc', payload: { route: 'rashid', count: 200 } },
    { type: 'talks_started', source: 'qatar', payload: { phase: 'phase-2' } },
    { type: 'withdrawal_completed', source: 'cogat', payload: { zone: 'netzarim' } },
  ].map((event, i) => ({ ...event, ...at, id: `d-${n}-${i}` }));
}

const orgs = ['cogat', 'qatar', 'icrc'] as const;

/** A log with the genesis, three registrations, samples of every domain and a correction. */
async function fill(
  store: Store,
  submit: (ledger: Ledger, envelopes: ReturnType<typeof signedEvent>[]) => Promise<unknown>,
) {
  const identity = testIdentity();
  const service = await Ledger.open(store, identity);
  const keys = Object.fromEntries(orgs.map((org) => [org, newKey()]));
  await service.submit(orgs.map((org) => registration(identity, org, keys[org]!)));
  const sign = (event: { id: string; source: string } & Record<string, unknown>) =>
    signedEvent(event, keys[event.source]!);
  for (let n = 0; n < 3; n++) await submit(service, domainSamples(n).map(sign));
  await submit(service, [
    sign({
      ...at,
      id: 'd-fix',
      type: 'correction',
      source: 'cogat',
      payload: {
        target: 'd-0-0',
        payload: { crossing: 'kerem-shalom', cargo: 'food', count: 9 },
        reason: 'miscounted',
      },
    }),
  ]);
  await service.close();
}

/** Every entry's event type and its domain, read the slow way: the whole log. */
async function everyEntry(store: Store) {
  const all = await store.entries(0, 10_000);
  return all.map((entry) => {
    const type = (JSON.parse(new TextDecoder().decode(entry.entry)) as { event: { type: string } })
      .event.type;
    return { seq: entry.seq, type, domain: domainOfEventType(type) };
  });
}

async function expectLabelledByDomain(store: Store) {
  const entries = await everyEntry(store);
  const size = await store.size();
  for (const domain of eventDomains) {
    const expected = entries.filter((e) => e.domain === domain).map((e) => e.seq);
    const labelled = await readDomainEntries(store, [domain], 0, size);
    expect(
      labelled.map((e) => e.seq),
      domain,
    ).toEqual(expected);
  }
  // Several domains at once: merged in log order.
  const merged = await readDomainEntries(store, ['aid', 'crossings', 'revisions'], 0, size);
  expect(merged.map((e) => e.seq)).toEqual(
    entries
      .filter((e) => (['aid', 'crossings', 'revisions'] as EventDomain[]).includes(e.domain!))
      .map((e) => e.seq),
  );
  return entries;
}

describe('events read by domain', () => {
  it('labels every appended entry with its domain: a labelled read returns exactly that domain, in log order', async () => {
    const store = openMemoryStore();
    await fill(store, (ledger, envelopes) => ledger.submit(envelopes));
    const entries = await expectLabelledByDomain(store);
    expect(entries.filter((e) => e.domain === 'exchange')).toHaveLength(6);
    expect(entries.filter((e) => e.domain === 'key')).toHaveLength(4);

    // A range, pages and a type filter: what the incremental views ask for.
    const size = await store.size();
    const exchange = entries.filter((e) => e.domain === 'exchange').map((e) => e.seq);
    const later = await readDomainEntries(store, ['exchange'], exchange[2]!, exchange[4]!);
    expect(later.map((e) => e.seq)).toEqual(exchange.slice(2, 4));
    const steps = await readDomainEvents(store, ['exchange'], 0, size, ['handover_step']);
    expect(steps.map((e) => e.id)).toEqual(['d-0-3', 'd-1-3', 'd-2-3']);
    expect(await readDomainEvents(store, ['aid', 'revisions'], 0, size, ['correction'])).toEqual([
      expect.objectContaining({ id: 'd-fix', type: 'correction' }),
    ]);
  });

  it('pages through a domain with more entries than one index read', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    const key = newKey();
    await service.submit([registration(identity, 'qatar', key)]);
    const events = Array.from({ length: 1203 }, (_, n) =>
      signedEvent(
        { ...at, id: `t-${n}`, type: 'talks_started', source: 'qatar', payload: { phase: 'p' } },
        key,
      ),
    );
    await service.submit(events);
    const read = await readDomainEntries(store, ['talks'], 0, await store.size());
    expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.id));
    await service.close();
  });

  // On the SQL stores (PostgreSQL in .ci/run): labels written by appends, and the backfill.
  for (const kind of [pgliteKind, ...(postgresUrl ? [postgresKind] : [])]) {
    it(`on ${kind.name}: labelled reads, and migration 13 labelling a log written before it`, async () => {
      const opened = await kind.open();
      try {
        await fill(opened.store, (ledger, envelopes) => ledger.submit(envelopes));
        await expectLabelledByDomain(opened.store);
        // Entries written as before migration 13 (unlabelled), then the migration again.
        const key = newKey();
        await opened.store.append(
          domainSamples(7).map((event) => {
            const { kind: _label, ...request } = prepareEntry(signedEvent(event, key)).request;
            return request;
          }),
        );
        expect(await opened.rawSql!(['DELETE FROM schema_migrations WHERE version = 13'])).toEqual([
          undefined,
        ]);
        const upgraded = await opened.reopen!();
        await expectLabelledByDomain(upgraded);
        // New entries are labelled as they are appended, after the backfilled ones.
        const size = await upgraded.size();
        const [next] = await upgraded.append([
          prepareEntry(
            signedEvent(
              {
                ...at,
                id: 'after',
                type: 'talks_ended',
                source: 'qatar',
                payload: { phase: 'p', outcome: 'concluded' },
              },
              key,
            ),
          ).request,
        ]);
        expect(next?.seq).toBe(size);
        expect((await readDomainEntries(upgraded, ['talks'], 0, size + 1)).at(-1)?.seq).toBe(size);
      } finally {
        await opened.dispose?.();
      }
    }, 120_000);
  }

  it("migration 13's mapping is the core's domainOfEventType", () => {
    const sql = migrations.find((m) => m.version === 13)?.sql ?? '';
    const pairs = [...sql.matchAll(/\('([a-z_]+)', '([a-z]+)'\)/g)];
    expect(pairs.length).toBeGreaterThan(40);
    for (const [, type, domain] of pairs) expect(domainOfEventType(type!), type).toBe(domain);
  });
});
