import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAgreement, startTestServer, type TestServer } from '../../http/testing.js';

/**
 * Notices over HTTP on a fresh database. The test server's users: a mediator of qatar, a party
 * liaison of israel, an agency user of un-ocha, a monitor, an observer of the press.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const upload = await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
  expect(upload.statusCode).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const api = (
  role: Parameters<TestServer['headers']>[0],
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) =>
  server.app.inject({
    method,
    url,
    headers: { ...server.headers(role), ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

interface Listed {
  notices: {
    notice: string;
    direction: string;
    awaitingMyAcknowledgement: boolean;
    overdue: boolean;
    recipients: { org: string; state: string; overdue: boolean; delivery: unknown }[];
    escalations: { to: string; cleared: boolean }[];
  }[];
}

describe('notices over HTTP', () => {
  it('a notice sent, delivered and acknowledged, each as its organisation, proven by events', async () => {
    const sent = await api('mediator', 'POST', '/api/v1/notices', {
      notice: 'closure-ks-1',
      kind: 'closure_notice',
      to: ['israel'],
      subject: 'Kerem Shalom closes for maintenance on Day 5',
      body: 'From 06:00 to 14:00.',
      attachments: [{ name: 'plan.pdf', sha256: 'a'.repeat(64) }],
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({
      notice: 'closure-ks-1',
      receipt: { seq: expect.any(Number) },
    });

    const inbox = (await api('party_liaison', 'GET', '/api/v1/notices?box=inbox')).json() as Listed;
    expect(inbox.notices.map((n) => n.notice)).toEqual(['closure-ks-1']);
    expect(inbox.notices[0]).toMatchObject({
      direction: 'inbox',
      awaitingMyAcknowledgement: true,
      recipients: [{ org: 'israel', state: 'sent' }],
    });

    const delivered = await api('mediator', 'POST', '/api/v1/notices/closure-ks-1/deliveries', {
      to: 'israel',
      channel: 'email',
      reference: 'msg-1',
    });
    expect(delivered.statusCode).toBe(201);
    // Acknowledged twice with the same key (a retry on a poor line): one acknowledgement.
    const headers = { 'idempotency-key': 'ack-closure-ks-1' };
    const first = await api(
      'party_liaison',
      'POST',
      '/api/v1/notices/closure-ks-1/acknowledgements',
      {},
      headers,
    );
    expect(first.statusCode).toBe(201);
    const retry = await api(
      'party_liaison',
      'POST',
      '/api/v1/notices/closure-ks-1/acknowledgements',
      {},
      headers,
    );
    expect(retry.statusCode).toBeLessThan(300);
    const after = (
      await api('party_liaison', 'GET', '/api/v1/notices/closure-ks-1')
    ).json() as Listed['notices'][number];
    expect(after.recipients).toMatchObject([
      { org: 'israel', state: 'acknowledged', delivery: { channel: 'email', by: 'qatar' } },
    ]);
    expect(after.awaitingMyAcknowledgement).toBe(false);
    const events = (
      await api('mediator', 'GET', '/api/v1/events?type=notice_acknowledged')
    ).json() as { events: unknown[] };
    expect(events.events).toHaveLength(1);
  });

  it('only a recipient acknowledges, only mediators or the sender record delivery', async () => {
    await api('party_liaison', 'POST', '/api/v1/notices', {
      notice: 'violation-1',
      kind: 'violation_notice',
      to: ['egypt'],
      subject: 'Alleged fire near Rafah',
    });
    const notRecipient = await api(
      'monitor',
      'POST',
      '/api/v1/notices/violation-1/acknowledgements',
      {},
    );
    expect(notRecipient.statusCode).toBe(403);
    const agencyDelivery = await api('agency', 'POST', '/api/v1/notices/violation-1/deliveries', {
      to: 'egypt',
      channel: 'phone',
    });
    expect(agencyDelivery.statusCode).toBe(403);
    const unknown = await api('party_liaison', 'POST', '/api/v1/notices/nothing-here/read', {});
    expect(unknown.statusCode).toBe(404);
  });

  it('shows each organisation only its notices; observers none; overdue and escalated as time passes', async () => {
    const agency = (await api('agency', 'GET', '/api/v1/notices')).json() as Listed;
    expect(agency.notices).toEqual([]);
    expect((await api('observer', 'GET', '/api/v1/notices')).statusCode).toBe(403);
    const mediator = (await api('mediator', 'GET', '/api/v1/notices')).json() as Listed;
    expect(mediator.notices.map((n) => n.notice).sort()).toEqual(['closure-ks-1', 'violation-1']);
    // Two days later egypt still has not acknowledged: overdue, and up the ladder.
    const later = new Date(server.now().getTime() + 49 * 3_600_000).toISOString();
    const overdue = (
      await api('mediator', 'GET', `/api/v1/notices?asOf=${encodeURIComponent(later)}`)
    ).json() as Listed;
    const violation = overdue.notices.find((n) => n.notice === 'violation-1');
    expect(violation?.overdue).toBe(true);
    expect(violation?.escalations.map((e) => e.to)).toEqual(['mediators', 'guarantors']);
    expect(overdue.notices.find((n) => n.notice === 'closure-ks-1')?.overdue).toBe(false);
  });
});
