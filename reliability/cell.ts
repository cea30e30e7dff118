import { type ChildProcess, spawn } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ledger } from '@truce/core';
import pg from 'pg';
import { startServer } from '../packages/server/src/http/start.js';
import { newKey, registration } from '../packages/server/src/ledger/testing.js';

/**
 * A cell the campaign can attack: a data folder (and, for PostgreSQL, a database of its own)
 * with a log, the sample agreement, the organisation `qatar` with a key registered in the log
 * and a mediator of qatar who may report; then `truce serve` on it as a child process, killed
 * and restarted at will.
 */

/** The `truce` command the children run: the shared build, or a snapshot of it (below). */
export let mainScript = fileURLToPath(
  new URL('../packages/server/dist/cli/main.js', import.meta.url),
);

/**
 * Copies the compiled server and core (as `npm run reliability` just built them) aside, under
 * node_modules (so that their third-party imports still resolve), and runs the children from
 * there: on a machine where others rebuild the packages' dist folders while a run lasts an hour, every
 * restart would otherwise start whatever half-built code is there at that moment. The snapshot
 * has no dashboard build, so the children serve the API alone.
 */
export function useBuildSnapshot(): string {
  // One per run (its process id), removed when it exits: runs side by side must not delete
  // each other's copy.
  const root = fileURLToPath(
    new URL(`../node_modules/.truce-reliability-snapshot-${process.pid}/`, import.meta.url),
  );
  rmSync(root, { recursive: true, force: true });
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const copy = (from: string, to: string) =>
    cpSync(fileURLToPath(new URL(from, import.meta.url)), join(root, to), { recursive: true });
  copy('../packages/server/dist', 'server/dist');
  copy('../packages/server/package.json', 'server/package.json');
  copy('../packages/core/dist', 'node_modules/@truce/core/dist');
  copy('../packages/core/package.json', 'node_modules/@truce/core/package.json');
  mainScript = join(root, 'server/dist/cli/main.js');
  return root;
}
const agreementFile = fileURLToPath(
  new URL('../examples/agreements/gaza-2025.yaml', import.meta.url),
);
export const postgresAdminUrl =
  process.env.TRUCE_RELIABILITY_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Cell {
  dataDir: string;
  /** Set on PostgreSQL: a database created for this cell, dropped by `dropCellDatabase`. */
  databaseUrl: string | undefined;
  /** qatar's signing key, registered in the log. */
  qatar: KeyObject;
  /** The log's verifier key string. */
  logKey: string;
  /** Cookie and CSRF headers of the mediator's session (sessions live in the database). */
  headers: Record<string, string>;
}

/** A database of its own on the test server, so that nothing collides with other tests. */
export async function createCellDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropCellDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export const password = 'a long enough reliability passphrase';

export async function createCell(dataDir: string, databaseUrl?: string): Promise<Cell> {
  const server = await startServer({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    host: '127.0.0.1',
    port: 0,
    webDir: false,
    logger: false,
  });
  try {
    const qatar = newKey();
    const app = server.app;
    await server.ledger.submit([registration(server.ledger.identity, 'qatar', qatar)]);
    const system = { actor: { kind: 'anonymous' } as const, ip: 'reliability' };
    // The sample agreement, for the status reads of the soak; the ledger does not need it.
    await app.truce.agreements.upload(system, agreementText()).catch(() => undefined);
    await app.truce.accounts.createOrganisation(system, {
      id: 'qatar',
      name: 'Qatar',
      kind: 'mediator',
    });
    await app.truce.accounts.createUser(system, {
      email: 'mediator@example.org',
      orgId: 'qatar',
      role: 'mediator',
      permissions: ['report', 'verify', 'publish'],
      password,
    });
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'mediator@example.org', password },
    });
    if (login.statusCode !== 200) throw new Error(`login answered ${login.statusCode}`);
    const headers = {
      cookie: login.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      'x-csrf-token': (login.json() as { csrfToken: string }).csrfToken,
    };
    return {
      dataDir,
      databaseUrl,
      qatar,
      logKey: server.ledger.identity.verifierKey,
      headers,
    };
  } finally {
    await server.close();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerChild {
  process: ChildProcess;
  /** Resolves when the server prints that it listens; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** `truce serve` on the cell, as an operator would run it. */
export function serveCell(
  cell: Pick<Cell, 'dataDir' | 'databaseUrl'>,
  port: number,
  options: { env?: Record<string, string>; liftoffOnly?: boolean } = {},
): ServerChild {
  const child = spawn(
    process.execPath,
    [
      // For the crash cycles: a server that lives a second gains nothing from V8 optimising
      // PGlite's WebAssembly, which doubled its start-up here (as in pglite-crash.test.ts).
      ...(options.liftoffOnly ? ['--liftoff-only'] : []),
      mainScript,
      'serve',
      '--data',
      cell.dataDir,
      '--port',
      String(port),
    ],
    {
      env: {
        ...process.env,
        TRUCE_LOG_LEVEL: 'error',
        DATABASE_URL: cell.databaseUrl ?? '',
        ...options.env,
      },
      stdio: ['ignore', process.env.TRUCE_RELIABILITY_DEBUG ? 'inherit' : 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
      if (stderr.includes('truce is listening on')) resolve();
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`truce serve exited (${signal ?? code}) before listening:\n${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  return { process: child, ready, exited, stderr: () => stderr };
}

export type Envelope = ledger.SignedEnvelope;

export function agreementText(): string {
  return readFileSync(agreementFile, 'utf8');
}
