import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testPassword } from './testing.js';

/** New passwords against a local breached-password corpus (TRUCE_BREACHED_PASSWORDS). */

const leaked = 'violet submarine orchestra 1987';
const folder = mkdtempSync(join(tmpdir(), 'truce-corpus-'));
let server: TestServer;

beforeAll(async () => {
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();
  const lines = [leaked, 'another leaked passphrase 1', 'yet another leaked phrase 2']
    .map((password, i) => `${sha1(password)}:${(i + 1) * 1000}`)
    .sort();
  const corpus = join(folder, 'pwned-passwords-sha1-ordered-by-hash.txt');
  writeFileSync(corpus, `${lines.join('\r\n')}\r\n`);
  server = await startTestServer({ config: { breachedPasswordsFile: corpus } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('a breached-password corpus', () => {
  it('refuses a new user whose password it holds, and takes one it does not', async () => {
    const create = (email: string, password: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: server.headers('mediator'),
        payload: { email, orgId: 'qatar', role: 'monitor', permissions: [], password },
      });
    const refused = await create('leaked@example.org', leaked);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/appears in known breaches .*1,000 times/);
    const taken = await create('unleaked@example.org', 'a passphrase nobody has leaked yet');
    expect(taken.statusCode, taken.body).toBe(201);
  });

  it('refuses it as a new password too', async () => {
    const changed = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: server.headers('observer'),
      payload: { current: testPassword, next: leaked },
    });
    expect(changed.statusCode).toBe(400);
    expect(changed.json().error.message).toMatch(/known breaches/);
  });
});
