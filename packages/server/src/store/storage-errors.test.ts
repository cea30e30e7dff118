import { createServer } from 'node:net';
import { isTruceError } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { toApiError } from '../http/errors.js';
import { openPostgresStore } from './postgres-store.js';
import type { SqlDriver } from './sql-driver.js';
import { withStorageErrors } from './storage-errors.js';

/** A driver whose database answers every statement as PostgreSQL does on a full disk. */
function fullDisk(): SqlDriver {
  const refuse = async (): Promise<never> => {
    throw Object.assign(
      new Error('could not extend file "base/5/16396": No space left on device'),
      {
        code: '53100',
      },
    );
  };
  return {
    query: refuse,
    exec: refuse,
    transaction: async (work) => work({ query: refuse, exec: refuse }),
    observedFlushes: () => 0,
    close: async () => undefined,
  };
}

describe('a full disk', () => {
  it('is STORAGE_FULL from every statement, in a transaction too, and HTTP 507 that says what to do', async () => {
    const driver = withStorageErrors(fullDisk());
    const failures = await Promise.all([
      driver.query('SELECT 1').catch((error: unknown) => error),
      driver.exec('SELECT 1').catch((error: unknown) => error),
      driver.transaction((tx) => tx.query('INSERT …')).catch((error: unknown) => error),
    ]);
    for (const error of failures) {
      expect(isTruceError(error) && error.code).toBe('STORAGE_FULL');
      const { status, body } = toApiError(error);
      expect(status).toBe(507);
      expect(body.error.message).toMatch(/disk is full.*nothing of this request was stored/);
      // The database's own message (file names) is for the log, not the client.
      expect(JSON.stringify(body)).not.toMatch(/base\/5/);
    }
  });

  it('leaves other database errors as they are', async () => {
    const driver = withStorageErrors({
      ...fullDisk(),
      query: async () => {
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      },
    });
    const error = await driver.query('INSERT …').catch((e: unknown) => e);
    expect(isTruceError(error)).toBe(false);
    expect((error as { code: string }).code).toBe('23505');
  });
});

describe('a database that cannot be reached', () => {
  it('is STORAGE_UNAVAILABLE, HTTP 503, for a refused, dropped or recovering connection', async () => {
    const failures = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('the database system is in recovery mode'), { code: '57P03' }),
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
    ];
    for (const failure of failures) {
      const refuse = async (): Promise<never> => {
        throw failure;
      };
      const driver = withStorageErrors({ ...fullDisk(), query: refuse });
      const error = await driver.query('SELECT 1').catch((e: unknown) => e);
      expect(isTruceError(error) && error.code, failure.message).toBe('STORAGE_UNAVAILABLE');
      const { status, body } = toApiError(error);
      expect(status).toBe(503);
      expect(body.error.message).toMatch(/cannot be reached now.*same idempotency keys/);
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|administrator/);
    }
  });
});

describe('a database that cannot be reached at start', () => {
  it('names the database (without its password) and what to check', async () => {
    // Port 1 on this machine: nothing listens there, the connection is refused at once.
    const opening = openPostgresStore({
      connectionString: 'postgres://nobody:secret@127.0.0.1:1/x',
    });
    const error = await opening.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: expect.stringMatching(
        /^cannot open the database at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/x: .*ECONNREFUSED.*DATABASE_URL is right/,
      ),
    });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('secret');
  });

  it('gives up on a server that accepts the connection and never answers, saying so', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await expect(
        openPostgresStore({
          connectionString: `postgres://nobody@127.0.0.1:${port}/x`,
          startTimeoutMs: 300,
        }),
      ).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
        message: expect.stringContaining(
          `cannot open the database at postgres://nobody@127.0.0.1:${port}/x`,
        ),
      });
    } finally {
      silent.close();
    }
  });
});
