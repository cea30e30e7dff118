import { createHash } from 'node:crypto';
import { generateGaza2025Scenario, parseAgreement } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioFeeder } from '../../demo/demo-cell.js';
import {
  cookieHeader,
  exampleAgreement,
  startTestServer,
  type TestServer,
  testPassword,
} from '../../http/testing.js';
import { seedZoneLayer } from '../zones/seed.js';

/**
 * The incident workflow, its evidence and the Jan-2025 ordering dispute, through the HTTP API on
 * a fresh embedded database, with the engine deciding the statuses.
 */

let server: TestServer;
/** A second verifying organisation (a mediator of the agreement), to review qatar's findings. */
let egypt: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ start: new Date('2025-01-25T10:00:00Z') });
  const uploaded = await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
  expect(uploaded.statusCode).toBe(201);
  const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
  await server.app.truce.accounts.createOrganisation(system, {
    id: 'egypt',
    name: 'Egypt',
    kind: 'mediator',
  });
  await server.app.truce.accounts.createUser(system, {
    email: 'egypt@example.org',
    orgId: 'egypt',
    role: 'mediator',
    permissions: ['report', 'verify'],
    password: testPassword,
  });
  const login = await server.login('egypt@example.org', testPassword);
  egypt = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function as(who: 'mediator' | 'party_liaison' | 'monitor' | 'egypt') {
  return who === 'egypt' ? egypt : server.headers(who);
}

const step = (who: Parameters<typeof as>[0], incident: string, body: Record<string, unknown>) =>
  server.app.inject({
    method: 'POST',
    url: `/api/v1/incidents/${incident}/steps`,
    headers: as(who),
    payload: body,
  });

describe('evidence files', () => {
  it('keeps a file under the SHA-256 of its bytes and refuses bytes that do not match', async () => {
    // A JPEG's first bytes, then synthetic filler: not a real photograph.
    const photo = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('synthetic test image bytes: not a real photograph'),
    ]);
    const digest = sha256(photo);
    const put = (bytes: Buffer, sha: string) =>
      server.app.inject({
        method: 'PUT',
        url: `/api/v1/evidence/${sha}?name=crossing.jpg`,
        headers: { ...server.headers('party_liaison'), 'content-type': 'image/jpeg' },
        payload: bytes,
      });

    // One byte changed on the way: refused with its own code, and nothing is kept.
    const tampered = Buffer.from(photo);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    const refused = await put(tampered, digest);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('EVIDENCE_HASH_MISMATCH');
    expect(refused.json().error.message).toContain(sha256(tampered));
    const missing = await server.app.inject({
      method: 'GET',
      url: `/api/v1/evidence/${digest}`,
      headers: server.headers('mediator'),
    });
    expect(missing.statusCode).toBe(404);

    const stored = await put(photo, digest);
    expect(stored.statusCode).toBe(201);
    expect(stored.json()).toMatchObject({
      sha256: digest,
      size: photo.length,
      mediaType: 'image/jpeg',
      fileName: 'crossing.jpg',
      org: 'israel',
    });
    expect((await put(photo, digest)).statusCode).toBe(200);
    const read = await server.app.inject({
      method: 'GET',
      url: `/api/v1/evidence/${digest}`,
      headers: server.headers('mediator'),
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('image/jpeg');
    expect(read.rawPayload.equals(photo)).toBe(true);
    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=evidence.read',
      headers: server.headers('mediator'),
    });
    expect(audit.json().records).toContainEqual(
      expect.objectContaining({ action: 'evidence.read', target: digest, actorOrg: 'qatar' }),
    );
  });

  it('refuses bytes that are not the type they are sent as (octet-stream takes anything)', async () => {
    const page = Buffer.from('<html><script>alert(1)</script></html>');
    const put = (type: string) =>
      server.app.inject({
        method: 'PUT',
        url: `/api/v1/evidence/${sha256(page)}`,
        headers: { ...server.headers('party_liaison'), 'content-type': type },
        payload: page,
      });
    for (const type of ['image/jpeg', 'application/pdf', 'video/mp4']) {
      const refused = await put(type);
      expect(refused.statusCode, type).toBe(415);
      expect(refused.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(refused.json().error.message).toMatch(/the bytes are not/);
    }
    const opaque = await put('application/octet-stream');
    expect(opaque.statusCode).toBe(201);
    const read = await server.app.inject({
      method: 'GET',
      url: `/api/v1/evidence/${sha256(page)}`,
      headers: server.headers('mediator'),
    });
    // Never rendered: an attachment, not sniffed, not cached.
    expect(read.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });
});

describe('the incident workflow through the API', () => {
  const evidence = Buffer.from('synthetic crossing log, rows 1-40');

  it('takes a report from allegation to publication, each step by whoever may take it', async () => {
    const digest = sha256(evidence);
    const report = (payload: Record<string, unknown>) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/incidents',
        headers: server.headers('party_liaison'),
        payload: { occurredAt: '2025-01-25T09:00:00+02:00', payload },
      });
    const allegation = {
      incident: 'inc-api-1',
      category: 'obstruction_of_aid',
      obligation: 'aid-trucks-daily',
      against: 'hamas',
      geometry: { type: 'Point', coordinates: [34.2706, 31.2208] },
      clause: 'Aid trucks enter without obstruction.',
      description: 'Trucks stopped after the crossing for four hours.',
      evidence: [{ sha256: digest, name: 'log.csv', mediaType: 'text/csv' }],
    };
    // Evidence is cited only once uploaded.
    const early = await report(allegation);
    expect(early.statusCode).toBe(422);
    expect(early.json().error).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      details: [{ path: 'payload.evidence[0]', message: `no evidence file ${digest}` }],
    });
    await server.app.inject({
      method: 'PUT',
      url: `/api/v1/evidence/${digest}`,
      headers: { ...server.headers('party_liaison'), 'content-type': 'application/octet-stream' },
      payload: evidence,
    });
    const reported = await report(allegation);
    expect(reported.statusCode).toBe(201);

    // A party may report but not verify: its organisation is not a verifier of the agreement.
    const byParty = await step('party_liaison', 'inc-api-1', {
      step: 'triage',
      decision: 'out_of_scope',
      reason: 'Not a violation.',
    });
    expect(byParty.statusCode).toBe(403);
    // No reason, no step.
    const noReason = await step('mediator', 'inc-api-1', {
      step: 'triage',
      decision: 'accepted',
      reason: ' ',
    });
    expect(noReason.statusCode).toBe(400);
    // Publishing straight away skips verification: refused, saying what comes first.
    const skip = await step('mediator', 'inc-api-1', {
      step: 'publish',
      finding: 'x',
      reason: 'Urgent.',
    });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().error).toMatchObject({
      code: 'INCIDENT_STEP_INVALID',
      message: 'cannot publish an incident that is reported: triage it first',
    });

    const ok = async (who: Parameters<typeof as>[0], body: Record<string, unknown>) => {
      const response = await step(who, 'inc-api-1', body);
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    };
    await ok('mediator', { step: 'triage', decision: 'accepted', reason: 'Credible; in scope.' });
    await ok('mediator', { step: 'assign', assignee: 'qatar', reason: 'Liaison on site.' });
    await ok('mediator', { step: 'investigate', reason: 'Logs requested from both sides.' });
    const finding = await ok('mediator', {
      step: 'record_finding',
      outcome: 'confirmed',
      attributedTo: 'hamas',
      reason: 'Both logs show the trucks held for four hours.',
      evidence: [{ sha256: digest }],
    });
    const findingId = finding.eventId;
    // Whoever recorded the finding does not review it.
    const selfReview = await step('mediator', 'inc-api-1', {
      step: 'review',
      finding: findingId,
      decision: 'endorsed',
      reason: 'Sound.',
    });
    expect(selfReview.statusCode).toBe(409);
    expect(
      (
        await ok('egypt', {
          step: 'review',
          finding: findingId,
          decision: 'endorsed',
          reason: 'Evidence suffices.',
        })
      ).state,
    ).toBe('reviewed');
    // Egypt's user holds report and verify, not publish.
    const noPublish = await step('egypt', 'inc-api-1', {
      step: 'publish',
      finding: findingId,
      reason: 'Agreed.',
    });
    expect(noPublish.statusCode).toBe(403);
    expect(noPublish.json().error.message).toContain('publish permission');
    expect(
      (
        await ok('mediator', {
          step: 'publish',
          finding: findingId,
          reason: 'Agreed by the committee.',
        })
      ).state,
    ).toBe('published');

    const queue = await server.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: server.headers('monitor'),
    });
    const file = queue
      .json()
      .incidents.find((i: { incident: string }) => i.incident === 'inc-api-1');
    expect(file.state).toBe('published');
    expect(
      file.steps.map((s: { step: string; reason: string }) => `${s.step}: ${s.reason}`),
    ).toEqual([
      'report: Trucks stopped after the crossing for four hours.',
      'triage: Credible; in scope.',
      'assign: Liaison on site.',
      'investigate: Logs requested from both sides.',
      'record_finding: Both logs show the trucks held for four hours.',
      'review: Evidence suffices.',
      'publish: Agreed by the committee.',
    ]);
    expect(file.evidence).toEqual([{ sha256: digest, name: 'log.csv', mediaType: 'text/csv' }]);

    // The confirmed finding breaches the obligation the report named, with the finding in why.
    const status = await server.app.inject({
      method: 'GET',
      url: '/api/v1/status',
      headers: server.headers('observer'),
    });
    const aid = status.json().obligations.find((o: { id: string }) => o.id === 'aid-trucks-daily');
    expect(aid.status).toBe('breached');
    expect(aid.why).toContain(`${findingId} by qatar on incident inc-api-1, attributed to hamas`);
  });

  it('shows an untriaged report as overdue a day after it came in, and suggests duplicates', async () => {
    const report = (incident: string, lat: number) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/incidents',
        headers: server.headers('monitor'),
        payload: {
          occurredAt: '2025-01-25T11:00:00+02:00',
          payload: { incident, category: 'fire', lat, lon: 34.355, description: 'Shots heard.' },
        },
      });
    expect((await report('inc-api-2', 31.335)).statusCode).toBe(201);
    expect((await report('inc-api-3', 31.338)).statusCode).toBe(201);
    expect((await report('inc-api-2', 31.335)).statusCode).toBe(409);
    // A day and an hour after the reports (the server's clock reads 12:00+02:00).
    const queue = (
      await server.app.inject({
        method: 'GET',
        url: `/api/v1/incidents?asOf=${encodeURIComponent('2025-01-26T13:00:00+02:00')}`,
        headers: server.headers('mediator'),
      })
    ).json();
    const file = queue.incidents.find((i: { incident: string }) => i.incident === 'inc-api-2');
    expect(file.deadlines).toContainEqual(
      expect.objectContaining({ step: 'triage', status: 'overdue', doneAt: null }),
    );
    expect(file.nextSteps).toEqual(['triage']);
    expect(queue.duplicates).toContainEqual(
      expect.objectContaining({ incident: 'inc-api-3', candidate: 'inc-api-2', metresApart: 334 }),
    );

    // What the public page is given: outcomes of published findings only (inc-api-1, published
    // by the test above), the rest by stage.
    const published = await server.app.inject({
      method: 'POST',
      url: '/api/v1/publications',
      headers: server.headers('mediator'),
      payload: {},
    });
    expect(published.statusCode, published.body).toBe(201);
    const [row] = await server.app.truce.db.query<{ evaluation: string }>(
      'SELECT evaluation FROM publications ORDER BY published_at DESC LIMIT 1',
    );
    expect(JSON.parse(row?.evaluation ?? '{}').publicIncidents).toEqual({
      reported: 2,
      in_verification: 0,
      confirmed: 1,
      unfounded: 0,
      inconclusive: 0,
      closed: 0,
    });
  });
});

describe('the Jan-2025 ordering dispute, end to end', () => {
  it('holds the returns in dispute with both claims, then the decision postpones them to Day 9', async () => {
    // Another server: the scenario's calendar, without its own record of the dispute.
    const cell = await startTestServer({ start: new Date('2025-01-25T18:05:00Z') });
    try {
      await cell.app.inject({
        method: 'POST',
        url: '/api/v1/agreements',
        headers: { ...cell.headers('mediator'), 'content-type': 'application/yaml' },
        payload: exampleAgreement(),
      });
      const scenario = generateGaza2025Scenario().events.filter(
        (e) => (e.payload as { dispute?: string }).dispute !== 'release-order-day-7',
      );
      const feeder = new ScenarioFeeder(cell.app, cell.dataDir, scenario);
      await feeder.feed(new Date('2025-01-25T20:05:00+02:00'));
      let mediator = cell.headers('mediator');
      const submit = (event: Record<string, unknown>) =>
        cell.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: mediator,
          payload: { event },
        });
      // Israel opens the dispute with its own claim; Hamas answers with its own, each signed by
      // the side that makes it.
      const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
      await cell.app.truce.accounts.createOrganisation(system, {
        id: 'hamas',
        name: 'Hamas',
        kind: 'party',
      });
      await cell.app.truce.accounts.createUser(system, {
        email: 'hamas@example.org',
        orgId: 'hamas',
        role: 'party_liaison',
        permissions: ['report'],
        password: testPassword,
      });
      const hamasLogin = await cell.login('hamas@example.org', testPassword);
      const as = (headers: Record<string, string>) => (event: Record<string, unknown>) =>
        cell.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { event } });
      const opened = await as(cell.headers('party_liaison'))({
        type: 'dispute_opened',
        occurredAt: '2025-01-25T20:00:00+02:00',
        payload: {
          dispute: 'release-order-day-7',
          obligations: ['returns-north-rashid-street', 'hostage-releases-phase-1'],
          subject: 'Order of the Day-7 releases and the opening of returns to the north.',
          contests: { kind: 'list', ref: 'hostage-releases-phase-1' },
          claims: [{ by: 'israel', claim: 'A civilian woman was due before the Day-7 releases.' }],
        },
      });
      expect(opened.statusCode, opened.body).toBe(201);
      const answered = await as({
        cookie: cookieHeader(hamasLogin),
        'x-csrf-token': hamasLogin.json().csrfToken,
      })({
        type: 'dispute_claim_added',
        occurredAt: '2025-01-25T20:03:00+02:00',
        payload: {
          dispute: 'release-order-day-7',
          claim: 'The four Day-7 releases were made in full and on time.',
        },
      });
      expect(answered.statusCode, answered.body).toBe(201);
      const statusAt = async (asOf: string) =>
        (
          await cell.app.inject({
            method: 'GET',
            url: `/api/v1/status?asOf=${encodeURIComponent(asOf)}`,
            headers: mediator,
          })
        ).json();
      const get = (status: { obligations: { id: string }[] }, id: string) =>
        status.obligations.find((o) => o.id === id) as unknown as {
          status: string;
          why: string;
          disputes: { claims: { by: string; claim: string }[] }[];
        };

      const during = await statusAt('2025-01-26T12:00:00+02:00');
      const returns = get(during, 'returns-north-rashid-street');
      expect(returns.status).toBe('disputed');
      expect(returns.disputes[0]?.claims.map((c) => c.by)).toEqual(['israel', 'hamas']);
      expect(returns.why).toContain('israel claims "A civilian woman was due');
      expect(returns.why).toContain('hamas claims "The four Day-7 releases');
      expect(get(during, 'hostage-releases-phase-1').status).toBe('disputed');

      cell.advance(29 * 3_600_000); // Day 9, 01:05: the session of Day 7 has expired.
      const login = await cell.login('mediator@example.org', testPassword);
      mediator = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
      const resolved = await submit({
        type: 'dispute_resolved',
        occurredAt: '2025-01-26T23:00:00+02:00',
        payload: {
          dispute: 'release-order-day-7',
          decision: 'An extra release on Day 12; returns to the north open on Day 9.',
          measures: [
            { kind: 'delay', obligation: 'returns-north-rashid-street', days: 2 },
            { kind: 'addItem', obligation: 'hostage-releases-phase-1', day: 12, count: 1 },
          ],
        },
      });
      expect(resolved.statusCode, resolved.body).toBe(201);
      await feeder.feed(new Date('2025-01-27T12:00:00+02:00'));

      const after = await statusAt('2025-01-27T12:00:00+02:00');
      const reopened = get(after, 'returns-north-rashid-street');
      expect(reopened.status).toBe('met');
      expect(reopened.why).toContain('allowed from Day 9 00:00');
      expect(reopened.why).toContain('postponed 2 days by release-order-day-7');
      expect(get(after, 'hostage-releases-phase-1').status).not.toBe('disputed');
      // The returns beside their permission: the postponement shows where the counts are.
      const returnsView = (
        await cell.app.inject({
          method: 'GET',
          url: `/api/v1/returns?asOf=${encodeURIComponent('2025-01-27T12:00:00+02:00')}`,
          headers: mediator,
        })
      ).json();
      const rashid = returnsView.routes.find((r: { route: string }) => r.route === 'rashid-street');
      expect(rashid.permissions[0]).toMatchObject({
        obligation: 'returns-north-rashid-street',
        status: 'met',
      });
      expect(rashid.permissions[0].why).toContain('postponed 2 days');
      expect(rashid.flags).toEqual([]);
      // The decision changed the status through events; read at Day 8, the dispute still stands.
      expect(
        get(await statusAt('2025-01-26T12:00:00+02:00'), 'returns-north-rashid-street').status,
      ).toBe('disputed');
    } finally {
      await cell.close();
    }
  }, 120_000);
});

describe('a count contested and decided with a corrected count', () => {
  it('is disputed while open, then counts the figure the mediators decided', async () => {
    const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
    await server.app.truce.accounts.createOrganisation(system, {
      id: 'un',
      name: 'United Nations',
      kind: 'agency',
    });
    await server.app.truce.accounts.createUser(system, {
      email: 'un@example.org',
      orgId: 'un',
      role: 'agency',
      permissions: ['report'],
      password: testPassword,
    });
    const login = await server.login('un@example.org', testPassword);
    const un = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
    const submit = (headers: Record<string, string>, event: Record<string, unknown>) =>
      server.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { event } });
    const trucks = async () => {
      const status = (
        await server.app.inject({ method: 'GET', url: '/api/v1/status', headers: as('mediator') })
      ).json() as {
        obligations: {
          id: string;
          status: string;
          underlying: string | null;
          why: string;
          eventIds: string[];
          periods: { day: number; done: number; met: boolean }[];
        }[];
      };
      const found = status.obligations.find((o) => o.id === 'aid-trucks-daily')!;
      return { ...found, daySix: found.periods.find((p) => p.day === 6) };
    };

    const counted = await submit(un, {
      id: 'un-count-day-6',
      type: 'aid_trucks_crossed',
      occurredAt: '2025-01-24T16:00:00+02:00',
      payload: { crossing: 'kerem-shalom', cargo: 'food', count: 560 },
    });
    expect(counted.statusCode, counted.body).toBe(201);
    expect((await trucks()).daySix).toMatchObject({ done: 560, met: false });

    const opened = await submit(as('party_liaison'), {
      type: 'dispute_opened',
      occurredAt: '2025-01-25T11:00:00+02:00',
      payload: {
        dispute: 'count-day-6',
        obligations: ['aid-trucks-daily'],
        subject: 'The Day-6 count at Kerem Shalom.',
        contests: { kind: 'count', ref: 'un-count-day-6' },
        claims: [{ by: 'israel', claim: 'Sixty trucks that crossed late were not counted.' }],
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const during = await trucks();
    expect(during).toMatchObject({ status: 'disputed', underlying: 'breached' });
    expect(during.why).toContain('Sixty trucks');

    // The corrected count is one of the measures of the mediators' decision.
    const decision = {
      id: 'qatar-count-day-6',
      type: 'dispute_resolved',
      occurredAt: '2025-01-25T11:30:00+02:00',
      payload: {
        dispute: 'count-day-6',
        decision: 'The crossing log shows 620 trucks crossed on Day 6.',
        measures: [
          {
            kind: 'correctCount',
            obligation: 'aid-trucks-daily',
            event: 'un-count-day-6',
            count: 620,
          },
        ],
      },
    };
    // A decision from a party is recorded but decides nothing: only a mediator's does.
    const unilateral = await submit(as('party_liaison'), { ...decision, id: 'israel-count-day-6' });
    expect(unilateral.statusCode, unilateral.body).toBe(201);
    expect(await trucks()).toMatchObject({ status: 'disputed', daySix: { done: 560 } });
    const malformed = await submit(as('mediator'), {
      ...decision,
      id: 'qatar-count-day-6-bad',
      payload: { ...decision.payload, measures: [{ kind: 'correctCount', count: 620 }] },
    });
    expect(malformed.statusCode).toBe(422);
    const resolved = await submit(as('mediator'), decision);
    expect(resolved.statusCode, resolved.body).toBe(201);
    const after = await trucks();
    expect(after.status).not.toBe('disputed');
    expect(after.daySix).toMatchObject({ done: 620, met: true });
    expect(after.why).toContain(
      "Day 6, un-count-day-6 by un: 560 corrected to 620 by the mediators' decision on count-day-6 (qatar-count-day-6)",
    );
    expect(after.eventIds).toContain('qatar-count-day-6');
  });
});

describe('the zone layer of the agreement', () => {
  const agreementFile = new URL(
    '../../../../../examples/agreements/gaza-2025.yaml',
    import.meta.url,
  ).pathname;

  it('serves the layer the agreement pins, with the withdrawal line where it was that day', async () => {
    const agreement = parseAgreement(exampleAgreement());
    expect(await seedZoneLayer(server.app, agreement, agreementFile)).toBe(true);
    const at = async (asOf: string) =>
      (
        await server.app.inject({
          method: 'GET',
          url: `/api/v1/zones?asOf=${encodeURIComponent(asOf)}`,
          headers: server.headers('observer'),
        })
      ).json();
    const lineOn = (layer: {
      features: { properties: { place: string }; geometry: { type: string } }[];
    }) =>
      layer.features
        .filter((f) => f.properties.place === 'withdrawal-line')
        .map((f) => f.geometry.type);
    const day10 = await at('2025-01-28T12:00:00+02:00');
    expect(day10).toMatchObject({ day: 10, agreement: { id: 'gaza-2025', version: 1 } });
    expect(lineOn(day10)).toEqual(['MultiLineString']);
    expect(lineOn(await at('2025-02-10T12:00:00+02:00'))).toEqual(['LineString']);
  });

  it('refuses a layer with swapped coordinates, saying where, and takes one only from a mediator', async () => {
    const layer = JSON.stringify(
      {
        type: 'FeatureCollection',
        bbox: [34.134, 31.22, 34.568, 31.601],
        attribution: 'test',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [31.45, 34.3705] },
            properties: { place: 'netzarim-rashid-checkpoint', kind: 'checkpoint' },
          },
        ],
      },
      null,
      2,
    );
    const put = (role: 'mediator' | 'party_liaison') =>
      server.app.inject({
        method: 'PUT',
        url: '/api/v1/zones',
        headers: { ...server.headers(role), 'content-type': 'application/geo+json' },
        payload: layer,
      });
    expect((await put('party_liaison')).statusCode).toBe(403);
    const refused = await put('mediator');
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('ZONES_INVALID');
    expect(refused.json().error.details[0]).toMatchObject({
      file: 'upload',
      line: 15,
      path: 'features[0].geometry.coordinates',
      message: expect.stringContaining('looks like latitude, longitude'),
    });
  });
});

describe('deadlines the agreement sets for the workflow', () => {
  it('tracks each step against the hours the agreement gives, else the defaults', async () => {
    const cell = await startTestServer({ start: new Date('2025-01-25T10:00:00Z') });
    try {
      // The sample, with triage due within 2 hours of a report instead of 24.
      const yaml = exampleAgreement().replace(
        /^places:/m,
        'incidents:\n  deadlines: { triage: 2 }\n\nplaces:',
      );
      const uploaded = await cell.app.inject({
        method: 'POST',
        url: '/api/v1/agreements',
        headers: { ...cell.headers('mediator'), 'content-type': 'application/yaml' },
        payload: yaml,
      });
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      const reported = await cell.app.inject({
        method: 'POST',
        url: '/api/v1/incidents',
        headers: cell.headers('agency'),
        payload: {
          occurredAt: '2025-01-25T11:30:00+02:00',
          payload: { incident: 'inc-d-1', category: 'other', description: 'Synthetic.' },
        },
      });
      expect(reported.statusCode, reported.body).toBe(201);
      const queue = (
        await cell.app.inject({
          method: 'GET',
          url: `/api/v1/incidents?asOf=${encodeURIComponent('2025-01-25T15:00:00+02:00')}`,
          headers: cell.headers('mediator'),
        })
      ).json();
      expect(queue.incidents[0].deadlines).toEqual([
        expect.objectContaining({ step: 'report', status: 'done' }),
        {
          step: 'triage',
          dueAt: '2025-01-25T12:00:00.000Z',
          doneAt: null,
          status: 'overdue',
        },
      ]);
    } finally {
      await cell.close();
    }
  }, 60_000);
});

describe('where an incident happened, against the area of the agreement', () => {
  // The zone layer was kept for this server by the zone tests above (seedZoneLayer).
  const report = (incident: string, place: Record<string, unknown>) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: server.headers('agency'),
      payload: {
        occurredAt: '2025-01-25T11:00:00+02:00',
        payload: { incident, category: 'fire', description: 'Synthetic.', ...place },
      },
    });

  it('refuses swapped coordinates and a polygon that crosses itself, saying where', async () => {
    const swapped = await report('inc-place-1', { lat: 34.37, lon: 31.45 });
    expect(swapped.statusCode).toBe(400);
    expect(swapped.json().error.details).toEqual([
      {
        path: 'payload.lat',
        message:
          'lat 34.37, lon 31.45 look swapped: swap them (lat 31.45, lon 34.37 is inside the area)',
      },
    ]);
    const bowTie = await report('inc-place-2', {
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [34.3, 31.3],
            [34.35, 31.3],
            [34.3, 31.35],
            [34.35, 31.35],
            [34.3, 31.3],
          ],
        ],
      },
    });
    expect(bowTie.statusCode).toBe(400);
    expect(bowTie.json().error.details[0]).toMatchObject({
      path: 'payload.geometry.coordinates[0][3]',
      message: expect.stringContaining('the polygon crosses itself'),
    });
    expect((await report('inc-place-3', { lat: 31.45, lon: 34.37 })).statusCode).toBe(201);
  });
});
