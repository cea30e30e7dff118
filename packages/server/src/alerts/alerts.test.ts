import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAgreement, startTestServer, type TestServer } from '../http/testing.js';
import { AlertsService, alertsOf } from './alerts-service.js';
import { SmtpMailer } from './smtp.js';
import { startSmtpServer } from './testing-smtp.js';
import { signWebhook, verifyWebhook } from './webhook.js';
import { WebhookTargets } from './webhook-targets.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"type":"truce.alert","alert":{"id":1}}';

  it('verify with the secret, the body and a recent timestamp only', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(verifyWebhook(secret, body, header, 1_700_000_100)).toBe(true);
    expect(verifyWebhook('whsec_other', body, header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook(secret, body.replace('1', '2'), header, 1_700_000_100)).toBe(false);
    // Replayed ten minutes later: refused.
    expect(verifyWebhook(secret, body, header, 1_700_000_600)).toBe(false);
    expect(verifyWebhook(secret, body, undefined, 1_700_000_000)).toBe(false);
  });
});

/** A real HTTP receiver on a local port that answers with `status` and keeps what it got. */
interface Receiver {
  url: string;
  status: number;
  received: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { status: 204, received: [] } as unknown as Receiver;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      receiver.received.push({ headers: request.headers, body });
      response.statusCode = receiver.status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer();
  receiver = await startReceiver();
  // The receiver listens on this machine: allowed here as an operator would allow it.
  alertsOf(server.app.truce).options.webhookTargets = new WebhookTargets(['127.0.0.1']);
  const upload = await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
  expect(upload.statusCode).toBe(201);
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

const api = (
  role: Parameters<TestServer['headers']>[0],
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  payload?: unknown,
) =>
  server.app.inject({
    method,
    url,
    headers: server.headers(role),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

let incidents = 0;
async function reportIncident(place: string, category = 'fire') {
  incidents++;
  const response = await api('mediator', 'POST', '/api/v1/events', {
    event: {
      type: 'incident_reported',
      occurredAt: server.now().toISOString(),
      payload: { incident: `inc-${incidents}`, category, place, description: 'Test report.' },
    },
  });
  expect(response.statusCode).toBe(201);
}

async function subscribe(role: Parameters<TestServer['headers']>[0], body: unknown) {
  const response = await api(role, 'POST', '/api/v1/alerts/subscriptions', body);
  return response;
}

describe('alerts over the ledger', () => {
  it('sends a signed webhook for a new incident in a watched area, and lists it in the dashboard', async () => {
    const service = alertsOf(server.app.truce);
    // The first tick starts at the end of the log: nothing that happened before pages anyone.
    await service.runOnce();
    const created = await subscribe('mediator', {
      name: 'Incidents at Rafah',
      rule: { kind: 'incident', places: ['rafah'] },
      webhookUrl: receiver.url,
    });
    expect(created.statusCode).toBe(201);
    const { webhookSecret, subscription } = created.json() as {
      webhookSecret: string;
      subscription: { id: string };
    };
    await reportIncident('rafah');
    await reportIncident('khan-younis');
    const { raised } = await service.runOnce();
    expect(raised).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const nowSeconds = Math.floor(server.now().getTime() / 1000);
    expect(
      verifyWebhook(
        webhookSecret,
        request!.body,
        request!.headers['truce-signature'] as string,
        nowSeconds,
      ),
    ).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'truce.alert',
      subscription: { id: subscription.id, name: 'Incidents at Rafah' },
      alert: { title: expect.stringContaining('rafah') },
    });
    const list = (await api('mediator', 'GET', '/api/v1/alerts?unread=true')).json() as {
      alerts: { id: number; title: string }[];
      unread: number;
    };
    expect(list.unread).toBe(1);
    expect(list.alerts[0]?.title).toContain('Incident inc-1 (fire, rafah)');
    const marked = await api('mediator', 'POST', '/api/v1/alerts/read', { all: true });
    expect(marked.json()).toEqual({ marked: 1 });
    const log = (
      await api('mediator', 'GET', `/api/v1/alerts/subscriptions/${subscription.id}/deliveries`)
    ).json() as { deliveries: { state: string; log: { statusCode: number }[] }[] };
    expect(log.deliveries).toMatchObject([{ state: 'delivered', log: [{ statusCode: 204 }] }]);
    await api('mediator', 'DELETE', `/api/v1/alerts/subscriptions/${subscription.id}`);
  });

  it('retries a failing webhook with exponential backoff, then disables it and tells the owner', async () => {
    const service = alertsOf(server.app.truce);
    Object.assign(service.options, { retryBaseMs: 60_000, disableAfterFailures: 3 });
    receiver.status = 500;
    receiver.received.length = 0;
    const created = (
      await subscribe('mediator', {
        name: 'Fires',
        rule: { kind: 'incident', categories: ['fire'] },
        webhookUrl: receiver.url,
      })
    ).json() as { subscription: { id: string } };
    const id = created.subscription.id;
    await reportIncident('rafah');
    await service.runOnce();
    expect(receiver.received).toHaveLength(1);
    // Not again before the backoff: 1 minute after the first failure, 2 after the second.
    server.advance(59_000);
    await service.deliver();
    expect(receiver.received).toHaveLength(1);
    server.advance(1_000);
    await service.deliver();
    expect(receiver.received).toHaveLength(2);
    server.advance(119_000);
    await service.deliver();
    expect(receiver.received).toHaveLength(2);
    server.advance(1_000);
    await service.deliver();
    expect(receiver.received).toHaveLength(3);
    const subscriptions = (await api('mediator', 'GET', '/api/v1/alerts/subscriptions')).json() as {
      subscriptions: { id: string; webhook: { disabledAt: string | null; disabledWhy: string } }[];
    };
    const disabled = subscriptions.subscriptions.find((s) => s.id === id);
    expect(disabled?.webhook.disabledAt).not.toBeNull();
    expect(disabled?.webhook.disabledWhy).toBe(
      'disabled after 3 failed deliveries in a row; the last: HTTP 500',
    );
    const log = (
      await api('mediator', 'GET', `/api/v1/alerts/subscriptions/${id}/deliveries`)
    ).json() as { deliveries: { state: string; attempts: number; log: unknown[] }[] };
    expect(log.deliveries[0]).toMatchObject({ state: 'cancelled', attempts: 3 });
    expect(log.deliveries[0]?.log).toHaveLength(3);
    // The owner hears of it in the dashboard; the failing webhook gets nothing more.
    const alerts = (await api('mediator', 'GET', '/api/v1/alerts?unread=true')).json() as {
      alerts: { title: string; conditionKey: string }[];
    };
    expect(alerts.alerts[0]).toMatchObject({ conditionKey: 'webhook-disabled' });
    server.advance(10 * 60_000);
    await reportIncident('rafah');
    await service.runOnce();
    expect(receiver.received).toHaveLength(3);
    // Switched back on: the next alert goes out again.
    receiver.status = 200;
    await api('mediator', 'POST', `/api/v1/alerts/subscriptions/${id}/webhook/enable`, {});
    await reportIncident('rafah');
    await service.runOnce();
    expect(receiver.received).toHaveLength(4);
    await api('mediator', 'DELETE', `/api/v1/alerts/subscriptions/${id}`);
  });

  it('pages a condition once, not again after a restart or from a second process', async () => {
    const first = alertsOf(server.app.truce);
    const created = (
      await subscribe('monitor', {
        name: 'Breaches',
        rule: { kind: 'status', to: ['breached'] },
      })
    ).json() as { subscription: { id: string } };
    const { raised } = await first.tick();
    expect(raised).toBeGreaterThan(0);
    const count = async () =>
      ((await api('monitor', 'GET', '/api/v1/alerts?limit=200')).json() as { alerts: unknown[] })
        .alerts.length;
    const before = await count();
    expect(before).toBe(raised);
    // A restart: a new worker with nothing in memory, on the same database.
    const restarted = new AlertsService(server.app.truce);
    expect((await restarted.tick()).raised).toBe(0);
    // Two processes ticking at once over the same cursor.
    const other = new AlertsService(server.app.truce);
    const both = await Promise.all([restarted.tick(), other.tick()]);
    expect(both[0].raised + both[1].raised).toBe(0);
    expect(await count()).toBe(before);
    await api('monitor', 'DELETE', `/api/v1/alerts/subscriptions/${created.subscription.id}`);
  });

  it('never sends an alert about what the subscriber may not see', async () => {
    const service = alertsOf(server.app.truce);
    // An observer sees aggregates only: no subscription to raw incidents at all.
    const refused = await subscribe('observer', {
      name: 'Incidents',
      rule: { kind: 'incident' },
    });
    expect(refused.statusCode).toBe(403);
    // An agency user subscribes, then loses the role that let them see incidents.
    receiver.received.length = 0;
    const created = await subscribe('agency', {
      name: 'Incidents',
      rule: { kind: 'incident' },
      webhookUrl: receiver.url,
    });
    expect(created.statusCode).toBe(201);
    const demoted = await api('mediator', 'PATCH', `/api/v1/users/${server.as.agency.userId}`, {
      role: 'observer',
      permissions: [],
    });
    expect(demoted.statusCode).toBe(200);
    await reportIncident('rafah');
    await service.runOnce();
    expect(receiver.received).toHaveLength(0);
  });

  it('raises alerts in the background once started, without anyone asking', async () => {
    const service = alertsOf(server.app.truce);
    await service.runOnce();
    const created = (
      await subscribe('monitor', {
        name: 'Incursions',
        rule: { kind: 'incident', categories: ['incursion'] },
      })
    ).json() as { subscription: { id: string } };
    await reportIncident('rafah', 'incursion');
    service.options.pollMs = 20;
    service.start();
    try {
      await expect
        .poll(
          async () =>
            (
              (await api('monitor', 'GET', '/api/v1/alerts?unread=true')).json() as {
                alerts: { title: string }[];
              }
            ).alerts.map((a) => a.title),
          { timeout: 10_000 },
        )
        .toContainEqual(expect.stringContaining('(incursion, rafah)'));
    } finally {
      await service.stop();
      await api('monitor', 'DELETE', `/api/v1/alerts/subscriptions/${created.subscription.id}`);
    }
  });

  it('sends e-mail through an SMTP server', async () => {
    const smtp = await startSmtpServer();
    const service = alertsOf(server.app.truce);
    const previous = service.options.mailer;
    service.options.mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, 'truce@cell.test');
    try {
      const created = await subscribe('mediator', {
        name: 'Incidents by mail',
        rule: { kind: 'incident', places: ['rafah'] },
        email: 'duty-officer@cell.test',
      });
      expect(created.statusCode).toBe(201);
      await reportIncident('rafah');
      await service.runOnce();
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]).toMatchObject({
        from: 'truce@cell.test',
        to: ['duty-officer@cell.test'],
      });
      expect(smtp.messages[0]?.data).toContain('Subject: [truce] Incident inc-');
      expect(smtp.messages[0]?.data).toContain('(fire, rafah)');
    } finally {
      service.options.mailer = previous;
      await smtp.close();
    }
  });
});
