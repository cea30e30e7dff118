import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing.js';

/** The audit log shipped off the host by a running server (TRUCE_AUDIT_SHIP_URL). */
describe('audit shipping', () => {
  it('shows mediators how far the collector got, and ships every line by the time the server stops', async () => {
    const received: { chainSeq: number; action: string }[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        for (const text of body.split('\n').filter(Boolean)) received.push(JSON.parse(text));
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/ingest`;
    try {
      const server = await startTestServer({ config: { auditShipping: { url } } });
      const status = await server.app.inject({
        method: 'GET',
        url: '/api/v1/audit/shipping',
        headers: server.headers('mediator'),
      });
      expect(status.statusCode).toBe(200);
      expect(status.json().shipping).toMatchObject({ target: url, lastError: null });
      expect(status.json().shipping.behind).toBeGreaterThan(0);
      const refused = await server.app.inject({
        method: 'GET',
        url: '/api/v1/audit/shipping',
        headers: server.headers('monitor'),
      });
      expect(refused.statusCode).toBe(403);
      await server.close();
      // The test server's logins, each line once and in order, up to the last one written.
      const seqs = received.map((line) => line.chainSeq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(received.filter((line) => line.action === 'auth.login').length).toBeGreaterThanOrEqual(
        5,
      );
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  }, 120_000);
});
