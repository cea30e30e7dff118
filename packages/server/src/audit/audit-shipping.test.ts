import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore, type SqlDriver, type Store, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { type ChainedLine, verifyAuditChain } from './audit-chain.js';
import { type AuditEntry, AuditLog } from './audit-log.js';
import { AuditShipper, shippingTargetName } from './audit-shipping.js';

let dataDir: string;
let store: Store;
let db: SqlDriver;
let audit: AuditLog;

beforeAll(async () => {
  dataDir = await freshPgliteFolder();
  store = await openPgliteStore({ dataDir, durability: 'process-crash' });
  db = sqlDriverOf(store)!;
  audit = new AuditLog(db);
}, 120_000);

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const line = (n: number): AuditEntry => ({
  at: new Date(Date.UTC(2025, 0, 21, 9, 0, n)).toISOString(),
  actor: 'u1',
  actorOrg: 'qatar',
  action: 'events.submit',
  target: String(n),
  outcome: 'success',
  ip: '127.0.0.1',
  details: { n, note: `line ${n}` },
});

/** A collector: keeps what it is sent; answers `failing` with 503 while it is set. */
interface Collector {
  url: string;
  posts: { range: string; authorization: string | undefined; lines: Record<string, unknown>[] }[];
  failing: boolean;
  server: Server;
}

const collectors: Collector[] = [];

async function collector(path = '/audit'): Promise<Collector> {
  const found: Collector = { url: '', posts: [], failing: false, server: createServer() };
  found.server.on('request', (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (found.failing) {
        response.writeHead(503).end();
        return;
      }
      found.posts.push({
        range: String(request.headers['x-truce-audit-range']),
        authorization: request.headers.authorization,
        lines: body
          .split('\n')
          .filter(Boolean)
          .map((text) => JSON.parse(text) as Record<string, unknown>),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => found.server.listen(0, '127.0.0.1', resolve));
  found.url = `http://127.0.0.1:${(found.server.address() as AddressInfo).port}${path}`;
  collectors.push(found);
  return found;
}

afterEach(async () => {
  for (const found of collectors.splice(0)) {
    await new Promise((resolve) => found.server.close(resolve));
  }
});

const chainSeqs = (found: Collector) =>
  found.posts.flatMap((post) => post.lines.map((shipped) => shipped.chainSeq as number));

describe('AuditShipper', () => {
  it('ships every line in chain order, in batches, as a copy whose chain verifies', async () => {
    for (let n = 0; n < 23; n++) await audit.append(line(n));
    const head = (await audit.head())!;
    const target = await collector();
    const shipper = new AuditShipper(
      db,
      audit,
      { url: target.url, token: 'secret-token' },
      {
        batch: 10,
      },
    );
    expect(await shipper.ship()).toBe(head.chainSeq);
    expect(chainSeqs(target)).toEqual(Array.from({ length: head.chainSeq }, (_, i) => i + 1));
    expect(target.posts.map((post) => post.lines.length)).toEqual([10, 10, 3]);
    expect(target.posts[0]?.range).toBe('1-10');
    expect(target.posts[0]?.authorization).toBe('Bearer secret-token');
    // The collector's copy is the export's format: its chain verifies from the first line.
    const copy = target.posts.flatMap((post) => post.lines);
    // (as `truce audit verify` reads an export: each JSON line as it is)
    const checked = verifyAuditChain(copy as unknown as ChainedLine[]);
    expect(checked.ok).toBe(true);
    // Nothing new: nothing sent.
    expect(await shipper.ship()).toBe(0);
    expect(await shipper.status()).toMatchObject({ shippedUpTo: head.chainSeq, behind: 0 });
  });

  it('loses nothing when the collector is down: the failure is recorded, and the next round resumes', async () => {
    const target = await collector('/down');
    // A lease of 1 ms: this shipper dies below without giving it back, as a killed process.
    const shipper = new AuditShipper(db, audit, { url: target.url }, { leaseMs: 1 });
    await shipper.ship();
    const before = (await audit.head())!.chainSeq;
    target.failing = true;
    for (let n = 100; n < 105; n++) await audit.append(line(n));
    await expect(shipper.ship()).rejects.toThrow(/HTTP 503/);
    expect(await shipper.status()).toMatchObject({
      shippedUpTo: before,
      behind: 5,
      lastError: { message: 'the collector answered HTTP 503' },
    });
    target.failing = false;
    // A new shipper (a restart) resumes from what the collector acknowledged.
    const restarted = new AuditShipper(db, audit, { url: target.url }, { leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await restarted.ship()).toBe(5);
    expect(chainSeqs(target).slice(-5)).toEqual([1, 2, 3, 4, 5].map((i) => before + i));
    expect(await restarted.status()).toMatchObject({ behind: 0, lastError: null });
  });

  it('lets one process ship at a time: a second waits for the lease', async () => {
    const target = await collector('/shared');
    const first = new AuditShipper(db, audit, { url: target.url }, { holder: 'process-a' });
    const second = new AuditShipper(db, audit, { url: target.url }, { holder: 'process-b' });
    const total = (await audit.head())!.chainSeq;
    const [a, b] = await Promise.all([first.ship(), second.ship()]);
    expect(a + b).toBe(total);
    expect([a, b]).toContain(0);
    // Every line once, none twice.
    expect(chainSeqs(target)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Stopped, the first gives the lease back; the second ships what came since.
    await (a > 0 ? first : second).stop();
    await audit.append(line(200));
    expect(await (a > 0 ? second : first).ship()).toBe(1);
  });

  it('names the collector without its credentials, and refuses what is not http(s)', () => {
    expect(shippingTargetName('https://user:pw@logs.example.org:8443/in?key=x#y')).toBe(
      'https://logs.example.org:8443/in',
    );
    expect(() => shippingTargetName('file:///var/log/audit')).toThrow(/http\(s\)/);
    expect(() => shippingTargetName('not a url')).toThrow(/not a URL/);
  });
});
