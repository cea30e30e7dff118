import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAgreement, startTestServer, type TestServer } from '../../http/testing.js';
import { chromiumAvailable, chromiumPath } from '../../sitrep/render-pdf.js';

let server: TestServer;

beforeAll(async () => {
  // 11:00 in Gaza on 21 January 2025: Day 3 of the sample agreement, still running.
  server = await startTestServer({ start: new Date('2025-01-21T09:00:00Z') });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const get = (role: Parameters<TestServer['headers']>[0], url: string) =>
  server.app.inject({ method: 'GET', url, headers: server.headers(role) });

describe('GET /api/v1/sitrep', () => {
  it('needs an agreement first', async () => {
    const response = await get('mediator', '/api/v1/sitrep?date=2025-01-21');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });

  it('answers the day’s report as HTML to a member of the cell', async () => {
    const upload = await server.app.inject({
      method: 'POST',
      url: '/api/v1/agreements',
      headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
      payload: exampleAgreement(),
    });
    expect(upload.statusCode).toBe(201);
    const report = await server.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: server.headers('agency'),
      payload: {
        event: {
          type: 'incident_reported',
          occurredAt: '2025-01-21T08:00:00+02:00',
          payload: {
            incident: 'inc-1',
            category: 'obstruction_of_aid',
            description: 'Trucks held <script>alert(1)</script> at the gate',
          },
        },
      },
    });
    expect(report.statusCode).toBe(201);
    // The checkpoint that covers the report, now, so the one the checkpointer would sign within
    // the second cannot land between the report's rendering and the check below.
    await server.app.truce.ledger.checkpoint();

    const response = await get('agency', '/api/v1/sitrep?date=2025-01-21');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'/,
    );
    expect(response.headers['cache-control']).toBe('no-store');
    const html = response.body;
    expect(html).toContain('Phase 1, Day 3 of 42');
    expect(html).toContain('The day is not over yet: this report is provisional.');
    const size = await server.app.truce.store.size();
    const checkpoint = await server.app.truce.store.latestCheckpoint();
    expect(html).toContain(`ledger size ${size}; latest checkpoint at size ${checkpoint?.size}`);
    expect(html).toContain('Trucks held &lt;script&gt;alert(1)&lt;/script&gt; at the gate');
    expect(html).not.toContain('<script');

    const arabic = await get('mediator', '/api/v1/sitrep?date=2025-01-21&lang=ar');
    expect(arabic.statusCode).toBe(200);
    expect(arabic.body).toContain('<html lang="ar" dir="rtl">');
  });

  it('refuses anonymous callers and observers (the policy), and days not begun', async () => {
    const anonymous = await get('anonymous', '/api/v1/sitrep?date=2025-01-21');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    const observer = await get('observer', '/api/v1/sitrep?date=2025-01-21');
    expect(observer.statusCode).toBe(403);
    const future = await get('mediator', '/api/v1/sitrep?date=2025-01-22');
    expect(future.statusCode).toBe(400);
    expect(future.json().error.code).toBe('USAGE');
    const invalid = await get('mediator', '/api/v1/sitrep?date=21-01-2025&lang=fr');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('VALIDATION_FAILED');
  });

  it.runIf(chromiumAvailable(chromiumPath(process.env)) || process.env.CI === 'true')(
    'prints the report as a PDF',
    async () => {
      const response = await get('monitor', '/api/v1/sitrep?date=2025-01-21&format=pdf&lang=he');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toBe(
        'attachment; filename="sitrep-gaza-2025-2025-01-21-he.pdf"',
      );
      expect(response.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    },
    120_000,
  );

  it('answers NOT_FOUND, saying what to install, when the server has no Chromium', async () => {
    const before = process.env.TRUCE_CHROMIUM;
    process.env.TRUCE_CHROMIUM = '/nonexistent/chromium';
    try {
      const response = await get('mediator', '/api/v1/sitrep?date=2025-01-21&format=pdf');
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'NOT_FOUND' });
      expect(response.json().error.message).toContain('TRUCE_CHROMIUM');
    } finally {
      if (before === undefined) delete process.env.TRUCE_CHROMIUM;
      else process.env.TRUCE_CHROMIUM = before;
    }
  });
});
