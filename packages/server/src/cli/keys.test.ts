import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgKeys } from '../accounts/org-keys.js';
import { Ledger, readLogIdentity } from '../ledger/index.js';
import { openPgliteStore } from '../store/index.js';
import { memoryIo } from './io.js';
import type { KeyInventoryLine } from './keys.js';
import { run } from './run.js';

/** `truce keys list` (the inventory) and `truce keys rotate` on a data folder. */

const scratch = mkdtempSync(join(tmpdir(), 'truce-cli-keys-'));
const data = join(scratch, 'data');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function truce(argv: string[]) {
  const io = memoryIo();
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

async function inventory(): Promise<KeyInventoryLine[]> {
  const listed = await truce(['keys', 'list', '--data', data, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as KeyInventoryLine[];
}

beforeAll(async () => {
  expect((await truce(['ledger', 'init', '--data', data])).code).toBe(0);
  // The server makes and registers a key for an organisation that reports through it.
  const store = await openPgliteStore({ dataDir: data });
  const ledger = await Ledger.open(store, readLogIdentity(data));
  await new OrgKeys(data, ledger).keyFor('un-ocha', new Date('2025-01-20T08:00:00Z'));
  await ledger.close();
  await store.close();
}, 60_000);

describe('truce keys', () => {
  it('lists every key with who registered it and who holds its private key', async () => {
    const keys = await inventory();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatchObject({ org: 'operator', registeredAt: 0, heldBy: 'server (log key)' });
    expect(keys[1]).toMatchObject({ org: 'un-ocha', heldBy: 'server (org-keys)' });
    expect(keys[1]?.revokedAt).toBeUndefined();
    const table = await truce(['keys', 'list', '--data', data]);
    expect(table.stdout.split('\n')[0]).toBe(
      'key id\torganisation\tregistered at\tby\tvalid from\trevoked\tprivate key held by',
    );
  });

  it('rotates a server-held key: the new one registered, the old one revoked and deleted', async () => {
    const before = (await inventory()).find((key) => key.org === 'un-ocha')!;
    const rotated = await truce([
      'keys',
      'rotate',
      '--org',
      'un-ocha',
      '--reason',
      'yearly rotation',
      '--data',
      data,
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newId = rotated.stdout.trim();
    expect(newId).toMatch(/^un-ocha:[0-9a-f]{16}$/);
    expect(newId).not.toBe(before.keyId);
    expect(rotated.stderr).toContain(`revoked ${before.keyId}`);

    const keys = await inventory();
    const old = keys.find((key) => key.keyId === before.keyId);
    const next = keys.find((key) => key.keyId === newId);
    expect(old).toMatchObject({ reason: 'yearly rotation', heldBy: 'un-ocha' });
    expect(old?.revokedAt).toBeGreaterThan(old?.registeredAt ?? 0);
    expect(next).toMatchObject({ org: 'un-ocha', heldBy: 'server (org-keys)' });
    expect(next?.revokedAt).toBeUndefined();
    // One private key for the organisation on disk, the new one, still 0600; no staging left.
    const keyFiles = readdirSync(join(data, 'org-keys')).filter((name) => name.endsWith('.key'));
    expect(keyFiles).toEqual(['un-ocha.key']);
    expect(statSync(join(data, 'org-keys', 'un-ocha.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(data, 'org-keys', 'next'))).toBe(false);
    // The exported log, with the rotation in it, still verifies.
    const out = join(scratch, 'export');
    expect((await truce(['export', '--data', data, '--out', out])).code).toBe(0);
    expect((await truce(['verify', out])).code).toBe(0);
  });

  it('refuses to rotate the log key this way', async () => {
    const refused = await truce(['keys', 'rotate', '--org', 'operator', '--data', data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/log key, which is not rotated this way/);
  });
});
