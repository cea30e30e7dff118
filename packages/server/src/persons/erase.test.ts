import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { originOfUser, testUser } from '../accounts/testing.js';
import { AuditLog } from '../audit/audit-log.js';
import { memoryIo } from '../cli/io.js';
import { run } from '../cli/run.js';
import { openPgliteStore, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { dataKeyFileName, loadKek } from './data-keys.js';
import { PersonsService } from './persons-service.js';

/** `truce persons erase`: the end of the mandate. All persons are synthetic placeholders. */

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const agency = originOfUser(
  testUser({ id: 'agency-user', orgId: 'un-ocha', role: 'agency', permissions: ['report'] }),
);

async function withService<T>(dataDir: string, work: (s: PersonsService) => Promise<T>) {
  const store = await openPgliteStore({ dataDir });
  try {
    const db = sqlDriverOf(store)!;
    return await work(
      new PersonsService(
        db,
        new AuditLog(db),
        () => loadKek(dataDir, {}),
        () => new Date(),
      ),
    );
  } finally {
    await store.close();
  }
}

async function truce(argv: string[]) {
  const io = memoryIo({ env: {} });
  const code = await run(argv, io);
  return { code, stderr: io.errors() };
}

describe('truce persons erase', () => {
  it('makes every value recorded before unreadable for good, and lets new data in under a new key', async () => {
    const dataDir = await freshPgliteFolder();
    folders.push(dataDir);
    await withService(dataDir, async (service) => {
      await service.record(agency, 'H-0001', { name: 'Test Person 0001' });
      const read = await service.decrypt(agency, 'H-0001', ['name'], 'before the erasure');
      expect(read.values.name).toBe('Test Person 0001');
    });
    const keyFile = join(dataDir, dataKeyFileName);
    expect(existsSync(keyFile)).toBe(true);

    // Not without the reason and the explicit flag.
    const careless = await truce(['persons', 'erase', '--data', dataDir]);
    expect(careless.code).not.toBe(0);
    expect(careless.stderr).toMatch(/--yes-erase-all-person-data/);
    expect(existsSync(keyFile)).toBe(true);

    const erased = await truce([
      'persons',
      'erase',
      '--data',
      dataDir,
      '--reason',
      'end of the mandate (test)',
      '--yes-erase-all-person-data',
    ]);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stderr).toMatch(/erasure of 1 key-encryption key\(s\): 1 data key\(s\), 1 field/);
    expect(existsSync(keyFile)).toBe(false);

    await withService(dataDir, async (service) => {
      // A new key file is made on first use; what the old one wrapped is gone.
      await expect(
        service.decrypt(agency, 'H-0001', ['name'], 'after the erasure'),
      ).rejects.toMatchObject({ code: 'PERSON_DATA_ERASED' });
      await service.record(agency, 'H-0002', { name: 'Test Person 0002' });
      const fresh = await service.decrypt(agency, 'H-0002', ['name'], 'new data after the erasure');
      expect(fresh.values.name).toBe('Test Person 0002');
    });
    const store = await openPgliteStore({ dataDir });
    try {
      const audit = await new AuditLog(sqlDriverOf(store)!).list({
        limit: 100,
        action: 'persons.erase',
      });
      expect(audit).toEqual([
        expect.objectContaining({
          outcome: 'success',
          details: { reason: 'end of the mandate (test)', keys: 1, dataKeys: 1, fields: 1 },
        }),
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
