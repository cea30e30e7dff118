/**
 * Shared by the store tests: requests, fresh stores of each kind, child processes. Lives in
 * the source tree (not a *.test.ts) so that the child process script can use it too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openMemoryStore } from '../memory-store.js';
import { migrations } from '../migrations.js';
import { openPgliteStore, type PgliteStoreOptions } from '../pglite-store.js';
import { openPostgresStore } from '../postgres-store.js';
import type { AppendRequest, GroupCommitOptions, Store } from '../store.js';

export function appendRequest(
  prefix: string,
  n: number,
  overrides: Partial<AppendRequest> = {},
): AppendRequest {
  const entry =
    overrides.entry ??
    new TextEncoder().encode(JSON.stringify({ event: `${prefix}-${n}`, note: 'x'.repeat(64) }));
  return {
    entry,
    eventId: `${prefix}-${n}`,
    org: 'org-a',
    idempotencyKey: `key-${prefix}-${n}`,
    contentHash: createHash('sha256').update(entry).digest('hex'),
    ...overrides,
  };
}

export function temporaryFolder(label: string): string {
  return mkdtempSync(join(tmpdir(), `truce-${label}-`));
}

let template: Promise<string> | undefined;

/**
 * A data folder with a migrated, cleanly closed database, copied rather than created: creating
 * one runs initdb, seconds on a slow machine, where copying takes a fraction of that. The
 * template is shared by test files and runs, keyed by what makes it: PGlite and the schema.
 */
async function pgliteTemplate(): Promise<string> {
  // The package root, from its CommonJS entry (its exports do not include package.json).
  const pgliteRoot = dirname(
    dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')),
  );
  const pgliteVersion = JSON.parse(readFileSync(join(pgliteRoot, 'package.json'), 'utf8')).version;
  const key = createHash('sha256')
    .update(JSON.stringify([pgliteVersion, migrations]))
    .digest('hex')
    .slice(0, 16);
  const folder = join(tmpdir(), `truce-pglite-template-${key}`);
  const ready = () => existsSync(join(folder, 'pglite', 'PG_VERSION'));
  // Test files run in parallel: one creates the template while the others wait for it, rather
  // than running initdb side by side on a machine with two cores.
  const creating = `${folder}.creating`;
  for (let waited = 0; !ready(); waited += 250) {
    try {
      mkdirSync(creating);
    } catch {
      if (waited > 180_000) rmSync(creating, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      if (ready()) break;
      const draft = temporaryFolder('template-draft');
      // Through the store itself, so a cold run also tests creating a data folder.
      const store = await openPgliteStore({ dataDir: draft });
      await store.close();
      renameSync(draft, folder);
    } finally {
      rmSync(creating, { recursive: true, force: true });
    }
  }
  return folder;
}

export async function freshPgliteFolder(): Promise<string> {
  template ??= pgliteTemplate();
  const folder = temporaryFolder('pglite');
  cpSync(await template, folder, { recursive: true });
  return folder;
}

export const postgresUrl = process.env.TRUCE_TEST_DATABASE_URL || undefined;

export function freshSchemaName(): string {
  return `truce_test_${process.pid}_${randomUUID().slice(0, 8)}`;
}

/** Runs SQL on the test PostgreSQL outside any store, e.g. to drop a test schema. */
export async function postgresQuery(
  sql: string,
  schema?: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    connectionString: postgresUrl,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** One kind of store under test, with a way to reach its SQL behind the store's back. */
export interface StoreKind {
  name: 'memory' | 'pglite' | 'postgres';
  open(options?: GroupCommitOptions): Promise<OpenedStore>;
}

export interface OpenedStore {
  store: Store;
  /** Closes the store and opens the same data again. */
  reopen?: () => Promise<Store>;
  /**
   * Runs each statement on the store's database behind the store's back (closing the store
   * first where it must) and returns, for each, its error message or undefined.
   */
  rawSql?: (statements: readonly string[]) => Promise<(string | undefined)[]>;
  dispose(): Promise<void>;
}

async function runEach(
  statements: readonly string[],
  run: (sql: string) => Promise<void>,
): Promise<(string | undefined)[]> {
  const outcomes: (string | undefined)[] = [];
  for (const sql of statements) {
    outcomes.push(
      await run(sql).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  return outcomes;
}

export const memoryKind: StoreKind = {
  name: 'memory',
  open: async (options) => ({ store: openMemoryStore(options), dispose: async () => undefined }),
};

export const pgliteKind: StoreKind = {
  name: 'pglite',
  async open(options) {
    const dataDir = await freshPgliteFolder();
    const storeOptions: PgliteStoreOptions = { ...options, dataDir };
    let store = await openPgliteStore(storeOptions);
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await openPgliteStore(storeOptions);
        return store;
      },
      rawSql: async (statements) => {
        await store.close();
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create(join(dataDir, 'pglite'));
        try {
          return await runEach(statements, async (sql) => {
            await db.exec(sql);
          });
        } finally {
          await db.close();
        }
      },
      dispose: async () => {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresKind: StoreKind = {
  name: 'postgres',
  async open(options) {
    const schema = freshSchemaName();
    const storeOptions = { ...options, connectionString: postgresUrl!, schema };
    let store = await openPostgresStore(storeOptions);
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await openPostgresStore(storeOptions);
        return store;
      },
      rawSql: async (statements) => {
        const client = new pg.Client({
          connectionString: postgresUrl,
          options: `-c search_path=${schema}`,
        });
        await client.connect();
        try {
          return await runEach(statements, async (sql) => {
            await client.query(sql);
          });
        } finally {
          await client.end();
        }
      },
      dispose: async () => {
        await store.close();
        await postgresQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  },
};

const storeSource = fileURLToPath(new URL('..', import.meta.url));
const storeCompiled = join(storeSource, '..', '..', 'dist', 'store');

/** Every non-test source of the store has a compiled counterpart at least as new. */
function compiledStoreIsFresh(folder = storeSource): boolean {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!compiledStoreIsFresh(path)) return false;
      continue;
    }
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const compiled = join(storeCompiled, relative(storeSource, path)).replace(/\.ts$/, '.js');
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(path).mtimeMs) return false;
  }
  return true;
}

let childCommand: string[] | undefined;

/**
 * How to start testing/store-child: its compiled JavaScript when `tsc -b` has built the current
 * sources (as `npm test` does), which saves a second per start over tsx on a slow machine;
 * else the TypeScript source through tsx.
 */
function storeChildCommand(): string[] {
  childCommand ??= compiledStoreIsFresh()
    ? [join(storeCompiled, 'testing', 'store-child.js')]
    : ['--import', 'tsx', join(storeSource, 'testing', 'store-child.ts')];
  return childCommand;
}

export interface Child {
  process: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first line that matches, or rejects if the child exits first. */
  waitFor(predicate: (line: string) => boolean): Promise<string>;
  /** Resolves once the child exited and its stdout is fully read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts testing/store-child in its own Node process (no vitest aliases there). */
export function spawnChild(args: readonly string[]): Child {
  // --liftoff-only: a child lives a few seconds, so optimising PGlite's WebAssembly with
  // TurboFan only burns CPU the other lane and the test runner need (≈40% of a child's CPU).
  const child = spawn(process.execPath, ['--liftoff-only', ...storeChildCommand(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const reader = createInterface({ input: child.stdout });
  reader.on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let readerClosed = false;
    const settle = () => {
      if (status !== undefined && readerClosed) resolve({ ...status, stderr });
    };
    child.on('exit', (code, signal) => {
      status = { code, signal };
      settle();
    });
    reader.on('close', () => {
      readerClosed = true;
      settle();
    });
  });
  return {
    process: child,
    lines,
    exited,
    waitFor: (predicate) => {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal, stderr: text }) =>
          reject(new Error(`child exited (${code ?? signal}) before the expected line:\n${text}`)),
        );
      });
    },
  };
}
