import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebAssets, serveWeb, webContentSecurityPolicy } from './web.js';

describe('the dashboard files, served by the API process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truce-web-'));
  const app = Fastify();
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>truce</title><div id="root">');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), script);
    writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dir, '..', 'secret.txt'), 'outside');
    const web = loadWebAssets(dir)!;
    app.setNotFoundHandler((request, reply) =>
      serveWeb(web, request, reply)
        ? reply
        : reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no', details: [] } }),
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is absent when the dashboard was not built', () => {
    expect(loadWebAssets(join(dir, 'nothing-here'))).toBeUndefined();
  });

  it('serves the page with its Content-Security-Policy, never cached stale', async () => {
    const response = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(webContentSecurityPolicy);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toContain('<div id="root">');
  });

  it('answers client-side routes with the page, but not API paths or missing files', async () => {
    for (const path of ['/aid', '/public', '/ledger?x=1']) {
      const response = await app.inject({ url: path, headers: { accept: 'text/html' } });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('<title>truce</title>');
    }
    const api = await app.inject({ url: '/api/v1/nothing', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const missing = await app.inject({ url: '/assets/missing.js', headers: { accept: '*/*' } });
    expect(missing.statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/aid' });
    expect(post.statusCode).toBe(404);
  });

  it('never serves a file outside the folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt']) {
      const response = await app.inject({ url: path, headers: { accept: '*/*' } });
      expect(response.body).not.toContain('outside');
    }
  });

  it('sends hashed assets compressed and cacheable for a year, and honours ETags', async () => {
    const brotli = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe(script);
    const gzip = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(script);
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
    const again = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'if-none-match': String(plain.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('lets the service worker control the whole origin', async () => {
    const response = await app.inject({ url: '/sw.js' });
    expect(response.headers['service-worker-allowed']).toBe('/');
  });
});
