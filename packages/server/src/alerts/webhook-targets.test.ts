import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from './webhook.js';
import { internalRange, WebhookTargets } from './webhook-targets.js';

describe('webhook targets (no request into the server’s own network)', () => {
  const none = new WebhookTargets();

  it('names the internal range of an address, IPv4 written in IPv6 included', () => {
    expect(internalRange('127.0.0.1')).toBe('loopback');
    expect(internalRange('10.1.2.3')).toBe('private');
    expect(internalRange('172.31.255.255')).toBe('private');
    expect(internalRange('192.168.0.10')).toBe('private');
    expect(internalRange('169.254.169.254')).toBe('link-local (cloud metadata)');
    expect(internalRange('100.64.0.1')).toBe('shared (carrier-grade NAT)');
    expect(internalRange('0.0.0.0')).toBe('"this network"');
    expect(internalRange('::1')).toBe('loopback');
    expect(internalRange('fd12:3456::1')).toBe('unique local (private)');
    expect(internalRange('fe80::1')).toBe('link-local');
    expect(internalRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(internalRange('::ffff:a00:1')).toBe('private');
    expect(internalRange('64:ff9b::a9fe:a9fe')).toBe('link-local (cloud metadata)');
    // Public addresses.
    expect(internalRange('8.8.8.8')).toBeUndefined();
    expect(internalRange('172.32.0.1')).toBeUndefined();
    expect(internalRange('2a00:1450:4001::1')).toBeUndefined();
    expect(internalRange('::ffff:8.8.8.8')).toBeUndefined();
  });

  it('refuses internal, local and plain-http targets by default, with the reason', () => {
    expect(none.urlProblem('https://hooks.example.org/truce')).toBeNull();
    expect(none.urlProblem('https://8.8.8.8/hook')).toBeNull();
    expect(none.urlProblem('http://hooks.example.org/truce')).toMatch(/use https/);
    expect(none.urlProblem('https://10.0.0.5/hook')).toMatch(/10\.0\.0\.5, a private address/);
    expect(none.urlProblem('https://169.254.169.254/latest')).toMatch(/cloud metadata/);
    expect(none.urlProblem('https://[::1]:8080/')).toMatch(/loopback/);
    expect(none.urlProblem('https://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
    expect(none.urlProblem('https://localhost/hook')).toMatch(/this machine/);
    expect(none.urlProblem('https://user:pw@hooks.example.org/')).toMatch(/no credentials/);
    expect(none.urlProblem('ftp://hooks.example.org/')).toMatch(/use https/);
    expect(none.urlProblem('not a url')).toBe('not a URL');
  });

  it('lets the operator allow hosts, addresses and ranges', () => {
    const allowed = new WebhookTargets(['localhost', '10.2.0.0/16', '127.0.0.1', 'fd00::/8']);
    expect(allowed.urlProblem('http://localhost:3000/hook')).toBeNull();
    expect(allowed.urlProblem('http://127.0.0.1:3000/hook')).toBeNull();
    expect(allowed.urlProblem('https://10.2.7.1/hook')).toBeNull();
    expect(allowed.urlProblem('https://10.3.0.1/hook')).toMatch(/private/);
    expect(allowed.urlProblem('https://[fd00::5]/hook')).toBeNull();
    expect(() => new WebhookTargets(['10.0.0.0/40'])).toThrow(/CIDR/);
    expect(() => new WebhookTargets(['hooks.example/8'])).toThrow(/CIDR/);
    const fromEnv = WebhookTargets.fromEnvironment({ TRUCE_WEBHOOK_ALLOW: ' 10.9.0.0/16 , ' });
    expect(fromEnv.allowList).toEqual(['10.9.0.0/16']);
    expect(fromEnv.urlProblem('https://10.9.1.1/hook')).toBeNull();
  });

  it('checks the addresses a name resolves to when the connection is made', async () => {
    const resolve = (targets: WebhookTargets, host: string) =>
      new Promise<{ error: (Error & { code?: string }) | null; addresses: unknown }>((done) =>
        targets.lookup(host, { all: true }, (error, addresses) =>
          done({ error: error as Error | null, addresses }),
        ),
      );
    // `localhost` resolves to a loopback address: refused at the lookup, whatever the URL said.
    const refused = await resolve(none, 'localhost');
    expect(refused.error?.code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(refused.error?.message).toMatch(/localhost resolves to .*loopback/);
    const allowed = await resolve(new WebhookTargets(['localhost']), 'localhost');
    expect(allowed.error).toBeNull();
    expect(allowed.addresses).toEqual(expect.arrayContaining([expect.objectContaining({})]));
  });
});

describe('a webhook to an address inside the network is never sent', () => {
  let server: Server;
  let url = '';
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push(body);
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is refused without a request by default, and delivered once the operator allows it', async () => {
    const now = new Date('2025-01-20T10:00:00Z');
    const refused = await postWebhook(
      url,
      'whsec_t',
      '{"a":1}',
      1,
      now,
      5000,
      new WebhookTargets(),
    );
    expect(refused).toMatchObject({ ok: false, statusCode: null });
    expect(refused.error).toMatch(/^refused: /);
    const named = await postWebhook(
      url.replace('127.0.0.1', 'localhost'),
      'whsec_t',
      '{"a":2}',
      2,
      now,
      5000,
      new WebhookTargets(['127.0.0.1']),
    );
    // Allowing the address does not allow the name `localhost` (plain http to an unlisted host).
    expect(named.ok).toBe(false);
    expect(received).toEqual([]);
    const sent = await postWebhook(
      url,
      'whsec_t',
      '{"a":3}',
      3,
      now,
      5000,
      new WebhookTargets(['127.0.0.1']),
    );
    expect(sent).toMatchObject({ ok: true, statusCode: 204, error: null });
    expect(received).toEqual(['{"a":3}']);
  });
});
