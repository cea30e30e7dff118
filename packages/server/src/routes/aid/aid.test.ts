import { aid, Calendar, generateGaza2025AidScenario, generateGaza2025Scenario } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioFeeder } from '../../demo/demo-cell.js';
import { exampleAgreement, startTestServer, type TestServer } from '../../http/testing.js';

/**
 * The aid pipeline through the HTTP API on a fresh embedded database: the sample's first four
 * days of aid counts (COGAT and the UN) and the WFP consignments, reported by their organisations.
 */

let server: TestServer;
const day4Noon = '2025-01-22T12:00:00+02:00';
const aidScenario = generateGaza2025AidScenario();

beforeAll(async () => {
  server = await startTestServer({ start: new Date('2025-01-22T10:00:00Z') });
  const uploaded = await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
  expect(uploaded.statusCode, uploaded.body).toBe(201);
  const counts = generateGaza2025Scenario().events.filter((e) => e.type === 'aid_trucks_crossed');
  const feeder = new ScenarioFeeder(server.app, server.dataDir, [...counts, ...aidScenario.events]);
  await feeder.feed(new Date(day4Noon));
}, 180_000);

afterAll(async () => {
  await server?.close();
});

const get = (url: string, role: Parameters<TestServer['headers']>[0] = 'monitor') =>
  server.app.inject({ method: 'GET', url, headers: server.headers(role) });

describe('aid API', () => {
  it('lists the crossings with their hours, capacity and whether each is open', async () => {
    const at = async (asOf: string) => {
      const response = await get(`/api/v1/aid/crossings?asOf=${encodeURIComponent(asOf)}`);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { crossings: { id: string; open: boolean; why: string }[] };
      return new Map(body.crossings.map((c) => [c.id, c]));
    };
    const morning = await at('2025-01-20T10:00:00+02:00');
    expect(morning.get('kerem-shalom')).toMatchObject({ open: true, trucksPerDay: 450 });
    // Rafah is closed until the opening for the wounded and sick on 1 February.
    expect(morning.get('rafah')?.open).toBe(false);
    expect((await at('2025-01-20T21:00:00+02:00')).get('kerem-shalom')).toMatchObject({
      open: false,
      why: 'outside its hours (07:00–19:00)',
    });
    expect((await at('2025-03-02T10:00:00+02:00')).get('zikim')?.why).toContain('halted');
  });

  it('pages through the consignments with a cursor, and filters them', async () => {
    const first = await get(
      `/api/v1/aid/consignments?asOf=${encodeURIComponent(day4Noon)}&limit=5`,
    );
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json() as { consignments: { id: string }[]; nextCursor: string | null };
    expect(page1.consignments).toHaveLength(5);
    expect(page1.nextCursor).toBe(page1.consignments[4]?.id);
    const second = (
      await get(
        `/api/v1/aid/consignments?asOf=${encodeURIComponent(day4Noon)}&limit=5&cursor=${page1.nextCursor}`,
      )
    ).json() as { consignments: { id: string }[] };
    const ids = [...page1.consignments, ...second.consignments].map((c) => c.id);
    expect(new Set(ids).size).toBe(10);
    expect([...ids].sort()).toEqual(ids);

    const distributed = (
      await get(
        `/api/v1/aid/consignments?asOf=${encodeURIComponent(day4Noon)}&state=distributed&crossing=kerem-shalom&limit=500`,
      )
    ).json() as { consignments: { state: string; crossing: string }[] };
    expect(distributed.consignments.length).toBeGreaterThan(0);
    for (const c of distributed.consignments) {
      expect(c).toMatchObject({ state: 'distributed', crossing: 'kerem-shalom' });
    }
  });

  it('shows one consignment with its steps and dwell, and 404 for one never registered', async () => {
    const list = (
      await get(
        `/api/v1/aid/consignments?asOf=${encodeURIComponent(day4Noon)}&state=distributed&limit=1`,
      )
    ).json() as { consignments: { id: string }[] };
    const id = list.consignments[0]?.id ?? '';
    const one = await get(`/api/v1/aid/consignments/${id}?asOf=${encodeURIComponent(day4Noon)}`);
    expect(one.statusCode, one.body).toBe(200);
    const body = one.json() as {
      steps: { state: string }[];
      dwells: { state: string; until: string | null }[];
    };
    expect(body.steps.map((s) => s.state)).toEqual([
      'registered',
      'cleared',
      'crossed',
      'collected',
      'warehoused',
      'distributed',
    ]);
    expect(body.dwells.every((d) => d.until !== null)).toBe(true);
    const missing = await get('/api/v1/aid/consignments/wfp-c9999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('flags a crossing reported twice, and an agency’s report through the events API moves a consignment on', async () => {
    const flagged = (await get(`/api/v1/aid/consignments?flagged=true&limit=500`)).json() as {
      consignments: { id: string }[];
    };
    const duplicate = aidScenario.marks['consignment-duplicate']?.[0];
    const event = aidScenario.events.find((e) => e.id === duplicate);
    const id = (event?.payload as { consignment?: string } | undefined)?.consignment;
    expect(flagged.consignments.map((c) => c.id)).toContain(id);

    // A consignment that crossed and waits for collection: the agency reports it collected.
    const waiting = (await get(`/api/v1/aid/consignments?state=crossed&limit=1`)).json() as {
      consignments: { id: string }[];
    };
    const target = waiting.consignments[0]?.id;
    expect(target).toBeDefined();
    const submitted = await server.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: server.headers('agency'),
      payload: {
        event: {
          type: 'consignment_collected',
          occurredAt: '2025-01-22T11:30:00+02:00',
          payload: { consignment: target, outcome: 'collected', by: 'un-ocha' },
        },
      },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const after = (await get(`/api/v1/aid/consignments/${target}`)).json() as { state: string };
    expect(after.state).toBe('collected');
  });

  it('gives dwell per state and crossing, and the same per day', async () => {
    const response = await get(`/api/v1/aid/pipeline?asOf=${encodeURIComponent(day4Noon)}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as {
      byCrossing: { crossing: string; state: string; count: number; medianHours: number | null }[];
      byDay: { day: number | null }[];
    };
    const registered = body.byCrossing.find(
      (s) => s.crossing === 'kerem-shalom' && s.state === 'registered',
    );
    expect(registered?.count).toBeGreaterThan(3);
    expect(registered?.medianHours).toBeGreaterThan(0);
    expect(new Set(body.byDay.map((s) => s.day))).toEqual(new Set([1, 2, 3, 4]));
  });

  it('reconciles each day’s sources the same way the status of the quota does', async () => {
    const asOf = encodeURIComponent('2025-01-24T12:00:00+02:00');
    const response = await get(`/api/v1/aid/reconciliation?asOf=${asOf}&fromDay=2&untilDay=2`);
    expect(response.statusCode, response.body).toBe(200);
    const [day2] = (
      response.json() as {
        days: {
          day: number;
          text: string[];
          reconciliation: unknown[];
          cells: { crossing: string; text: string[] }[];
        }[];
      }
    ).days;
    expect(day2?.day).toBe(2);
    // COGAT, the UN and WFP all counted trucks that day, side by side; WFP's are its own
    // consignments (no profile), so only COGAT and the UN are paired.
    const sources = (
      response.json() as { days: { sources: { source: string; fromConsignments: number }[] }[] }
    ).days[0]?.sources;
    expect(sources?.map((s) => s.source)).toEqual(['cogat', 'un', 'wfp']);
    expect(sources?.find((s) => s.source === 'wfp')?.fromConsignments).toBeGreaterThan(0);
    expect(day2?.text).toHaveLength(1);
    const cogatUn = day2?.text[0];
    expect(cogatUn).toMatch(
      /^cogat [\d,]+, un [\d,]+: [\d,]+ explained by crossings out of scope, [\d,]+ by half-loads, -?[\d,]+ unexplained$/,
    );
    // Erez, which the UN does not cover, is explained whole.
    const erez = day2?.cells.find((c) => c.crossing === 'erez');
    expect(erez?.text.find((t) => t.startsWith('cogat'))).toMatch(
      /explained by crossings out of scope, 0 unexplained/,
    );

    // The quota's status carries the same pair for Day 2, with the same figures.
    const status = (await get(`/api/v1/status?asOf=${asOf}`)).json() as {
      obligations: { id: string; periods: { day: number; reconciliation?: unknown[] }[] }[];
    };
    const trucks = status.obligations.find((o) => o.id === 'aid-trucks-daily');
    expect(trucks?.periods.find((p) => p.day === 2)?.reconciliation).toEqual(day2?.reconciliation);
  });

  it('lists the stuck consignments the pipeline counts, and only those', async () => {
    const asOf = '2025-01-21T16:00:00+02:00';
    const at = Date.parse(asOf);
    const calendar = new Calendar('Asia/Gaza', '2025-01-19T08:30:00+02:00', 1);
    const expected = aid
      .summariseDwell(aid.foldConsignments(aidScenario.events, { asOf: at }), {
        asOf: at,
        dayOf: (ms) => calendar.dayOf(ms),
      })
      .byCrossing.flatMap((s) => s.stuck.map((x) => x.consignment))
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const stuck = (
      await get(`/api/v1/aid/consignments?stuck=true&limit=500&asOf=${encodeURIComponent(asOf)}`)
    ).json() as { consignments: { id: string }[] };
    expect(stuck.consignments.map((c) => c.id)).toEqual(expected);
  });

  it('keeps consignments from observers and gives them the aggregates', async () => {
    expect((await get('/api/v1/aid/consignments', 'observer')).statusCode).toBe(403);
    expect((await get('/api/v1/aid/pipeline', 'observer')).statusCode).toBe(403);
    expect((await get('/api/v1/aid/reconciliation', 'observer')).statusCode).toBe(200);
    expect((await get('/api/v1/aid/crossings', 'anonymous')).statusCode).toBe(401);
  });
});
