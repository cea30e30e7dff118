import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { sampleEvent, signedEvent } from '../packages/server/src/ledger/testing.js';
import { createCell, freePort, postgresAdminUrl, serveCell } from './cell.js';
import { call, NoAnswer, newAgent } from './http.js';

/**
 * Where the full disk is:
 * - `pglite`: the cell's data folder (PGlite's database in it) on the tmpfs;
 * - `postgres-data`: a database of the test PostgreSQL created in a tablespace on the tmpfs
 *   (its tables and indexes; the cluster's WAL stays on its own disk);
 * - `postgres-wal`: a scratch PostgreSQL cluster of its own (initdb, another port, 1 MiB WAL
 *   segments) whose pg_wal is the tmpfs: the WAL itself runs out of space.
 */
export type DiskTarget = 'pglite' | 'postgres-data' | 'postgres-wal';

/**
 * Disk full: the cell's data on a small tmpfs mounted for the purpose; the server runs,
 * acknowledges appends, then the file system is filled to the last byte. Appends must then fail
 * cleanly (an answer with a stable error code, 507 or 503, no crash, no 500), nothing already
 * acknowledged may be lost, and once space returns the same server must accept appends again
 * without a restart. Finally the server is stopped, started again and every acknowledged event
 * read back. Needs root (mount); skipped with a reason otherwise.
 */

export interface DiskResult {
  target: DiskTarget;
  skipped?: string;
  acknowledgedBefore: number;
  attemptsWhileFull: number;
  answersWhileFull: Map<string, number>;
  acknowledgedWhileFull: number;
  serverSurvived: boolean;
  recoveredAfterMs: number | undefined;
  acknowledgedAfter: number;
  lost: number;
  duplicated: number;
  notes: string[];
  /** postgres-wal: what the scratch cluster's log said while the WAL was full. */
  postgresLog?: string[];
  /** postgres-wal: whether the cluster had to be started again by hand once space returned. */
  restartedByHand?: boolean;
}

const scratchDatabase = 'truce_reliability_disk';
const scratchTablespace = 'truce_reliability_full';

async function adminQuery(sql: string, url = postgresAdminUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const asPostgres = (command: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' });

/** The binaries of the PostgreSQL on this machine (for the scratch cluster). */
function postgresBin(): string {
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

/**
 * The database the cell runs on, on the full file system at `mount`, and how to drop it.
 * `restart` starts the scratch cluster again when it stopped (postgres-wal only).
 */
async function postgresOn(
  target: 'postgres-data' | 'postgres-wal',
  mount: string,
  scratch: string,
  log: (line: string) => void,
): Promise<{
  url: string;
  running: () => boolean;
  restart: () => void;
  /** Resolves once the database accepts connections (after a crash recovery). */
  ready: () => Promise<void>;
  logLines: () => string[];
  drop: () => Promise<void>;
}> {
  const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const postgresGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  if (target === 'postgres-data') {
    const location = join(mount, 'tablespace');
    mkdirSync(location);
    execFileSync('chown', [`${postgresUid}:${postgresGid}`, location]);
    chmodSync(location, 0o700);
    await adminQuery(`DROP DATABASE IF EXISTS ${scratchDatabase} WITH (FORCE)`);
    await adminQuery(`DROP TABLESPACE IF EXISTS ${scratchTablespace}`);
    await adminQuery(`CREATE TABLESPACE ${scratchTablespace} LOCATION '${location}'`);
    await adminQuery(`CREATE DATABASE ${scratchDatabase} TABLESPACE ${scratchTablespace}`);
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${scratchDatabase}`;
    return {
      url: url.toString(),
      running: () => true,
      restart: () => undefined,
      ready: async () => undefined,
      logLines: () => [],
      drop: async () => {
        await adminQuery(`DROP DATABASE IF EXISTS ${scratchDatabase} WITH (FORCE)`);
        await adminQuery(`DROP TABLESPACE IF EXISTS ${scratchTablespace}`);
      },
    };
  }
  // A cluster of its own: filling the WAL of the shared one would stop everyone's tests.
  const bin = postgresBin();
  const data = join(scratch, 'cluster');
  const wal = join(mount, 'wal');
  const socket = join(scratch, 'socket');
  const logFile = join(scratch, 'postgres.log');
  for (const folder of [data, socket]) mkdirSync(folder);
  execFileSync('chown', ['-R', `${postgresUid}:${postgresGid}`, scratch, mount]);
  chmodSync(scratch, 0o755);
  asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    `--waldir=${wal}`,
    '--wal-segsize=1',
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
  ]);
  const port = await freePort();
  const start = () =>
    asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      logFile,
      '-w',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socket} -c min_wal_size=2MB -c max_wal_size=1GB -c checkpoint_timeout=1h`,
      'start',
    ]);
  start();
  // No checkpoint during the run (1 h, 1 GB): every WAL segment is a new file on the tmpfs,
  // none is recycled, so the WAL does run out of space.
  log(`  disk: scratch PostgreSQL cluster on port ${port}, its pg_wal on the tmpfs`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await adminQuery(`CREATE DATABASE ${scratchDatabase}`, url);
  const running = () => {
    try {
      asPostgres(join(bin, 'pg_ctl'), ['-D', data, 'status']);
      return true;
    } catch {
      return false;
    }
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${scratchDatabase}`,
    running,
    restart: () => {
      if (!running()) start();
    },
    ready: async () => {
      for (let i = 0; i < 120; i++) {
        try {
          await adminQuery('SELECT 1', url);
          return;
        } catch {
          await sleep(500);
        }
      }
    },
    logLines: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) =>
          /PANIC|FATAL|No space|terminated|startup process|ready to accept/.test(line),
        ),
    drop: async () => {
      try {
        asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
    },
  };
}

export async function diskFullCampaign(options: {
  target?: DiskTarget;
  sizeMb: number;
  attempts: number;
  log?: (line: string) => void;
}): Promise<DiskResult> {
  const log = options.log ?? (() => undefined);
  const target = options.target ?? 'pglite';
  const result: DiskResult = {
    target,
    acknowledgedBefore: 0,
    attemptsWhileFull: 0,
    answersWhileFull: new Map(),
    acknowledgedWhileFull: 0,
    serverSurvived: false,
    recoveredAfterMs: undefined,
    acknowledgedAfter: 0,
    lost: 0,
    duplicated: 0,
    notes: [],
  };
  if (process.getuid?.() !== 0) return { ...result, skipped: 'not root: cannot mount a tmpfs' };
  const mount = mkdtempSync(join(tmpdir(), 'truce-reliability-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeMb}m`, 'tmpfs', mount]);
  } catch (error) {
    rmSync(mount, { recursive: true, force: true });
    return { ...result, skipped: `mount failed: ${(error as Error).message}` };
  }
  const agent = newAgent();
  let child: ReturnType<typeof serveCell> | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'truce-reliability-disk-scratch-'));
  let database: Awaited<ReturnType<typeof postgresOn>> | undefined;
  try {
    if (target !== 'pglite') database = await postgresOn(target, mount, scratch, log);
    const cell = await createCell(
      target === 'pglite' ? join(mount, 'data') : join(scratch, 'data'),
      database?.url,
    );
    const port = await freePort();
    child = serveCell(cell, port);
    await child.ready;
    const acked = new Map<string, { seq: number; leafHash: string }>();
    let made = 0;
    const submit = async (): Promise<{ status: number; code?: string }> => {
      const envelopes = Array.from({ length: 5 }, () => {
        const n = made++;
        return signedEvent(sampleEvent(`d-${n}`, 'qatar', 1 + (n % 50)), cell.qatar);
      });
      const answer = await call(
        agent,
        port,
        'POST',
        '/api/v1/events/signed',
        cell.headers,
        JSON.stringify({ envelopes }),
      );
      if (answer.status === 201) {
        const { receipts } = JSON.parse(answer.body) as {
          receipts: { seq: number; leafHash: string }[];
        };
        receipts.forEach((r, i) => acked.set(envelopes[i]!.id, r));
        return { status: 201 };
      }
      const code = (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
      return { status: answer.status, ...(code ? { code } : {}) };
    };
    for (let i = 0; i < 40; i++) {
      const { status } = await submit();
      if (status !== 201) throw new Error(`append before filling the disk answered ${status}`);
    }
    result.acknowledgedBefore = acked.size;

    // Fill the file system to the last byte.
    const filler = join(mount, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let filled = 0;
    for (let size = chunk.length; size >= 1; ) {
      try {
        filled += writeSync(fd, chunk, 0, size);
      } catch {
        size = Math.floor(size / 2);
      }
    }
    closeSync(fd);
    log(`  disk: ${(filled / 2 ** 20).toFixed(1)} MiB of filler, the tmpfs is full`);

    const beforeFull = acked.size;
    for (let i = 0; i < options.attempts; i++) {
      result.attemptsWhileFull += 1;
      let key: string;
      try {
        const { status, code } = await submit();
        key = `${status}${code ? ` ${code}` : ''}`;
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        key = 'no answer';
      }
      result.answersWhileFull.set(key, (result.answersWhileFull.get(key) ?? 0) + 1);
      if (key === 'no answer' && child.process.exitCode !== null) break;
      await sleep(20);
    }
    result.acknowledgedWhileFull = acked.size - beforeFull;
    if (process.env.TRUCE_RELIABILITY_DEBUG) console.error(child.stderr().slice(-3000));
    result.serverSurvived = child.process.exitCode === null && child.process.signalCode === null;
    if (!result.serverSurvived) {
      // The error and where it was thrown from, not the whole stack.
      const lines = child.stderr().split('\n');
      const at = lines.findIndex((line) => /Error|error' event/.test(line));
      result.notes.push(
        `the server exited while the disk was full: ${lines
          .slice(Math.max(0, at), Math.max(0, at) + 2)
          .map((line) => line.trim().replace(/\(\/.*?node_modules\//, '(node_modules/'))
          .join(' ')}`,
      );
    }

    log(
      `  disk: while full: ${[...result.answersWhileFull].map(([k, v]) => `${k} × ${v}`).join(', ')}`,
    );
    result.postgresLog = database?.logLines();
    // Space returns.
    rmSync(filler);
    const freed = performance.now();
    if (database && !database.running()) {
      // A PANIC on a WAL write stops the cluster when its crash recovery cannot write either:
      // an operator (or systemd) starts it again once there is space.
      result.restartedByHand = true;
      database.restart();
    }
    if (result.serverSurvived) {
      for (let i = 0; i < 600; i++) {
        try {
          if ((await submit()).status === 201) {
            result.recoveredAfterMs = performance.now() - freed;
            break;
          }
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
        }
        await sleep(50);
      }
      for (let i = 0; i < 20; i++) await submit();
    }
    // Stop cleanly if it can; then a fresh start must show every acknowledged event.
    child.process.kill('SIGTERM');
    const stopped = await Promise.race([child.exited, sleep(20_000).then(() => undefined)]);
    if (!stopped) {
      child.process.kill('SIGKILL');
      await child.exited;
      result.notes.push('the server did not stop within 20 s of SIGTERM; killed');
    }
    child = serveCell(cell, port);
    try {
      await child.ready;
    } catch (error) {
      // Recorded, then once more when the database is ready: what an operator would see.
      result.notes.push(
        `\`truce serve\` started again at once did not start: ${(error as Error).message.split('\n').slice(1, 3).join(' ').trim()}`,
      );
      if (database) await database.ready();
      child = serveCell(cell, port);
      await child.ready;
    }
    const seen = new Map<string, { seq: number; leafHash: string }>();
    for (let cursor: number | null = 0; cursor !== null; ) {
      const answer = await call(
        agent,
        port,
        'GET',
        `/api/v1/events?cursor=${cursor}&limit=500`,
        cell.headers,
      );
      const page = JSON.parse(answer.body) as {
        events: { seq: number; leafHash: string; event: { id: string } }[];
        nextCursor: number | null;
      };
      for (const e of page.events) {
        if (seen.has(e.event.id)) result.duplicated += 1;
        seen.set(e.event.id, { seq: e.seq, leafHash: e.leafHash });
      }
      cursor = page.nextCursor;
    }
    for (const [id, ack] of acked) {
      const found = seen.get(id);
      if (found?.seq !== ack.seq || found.leafHash !== ack.leafHash) result.lost += 1;
    }
    result.acknowledgedAfter = acked.size;
    return result;
  } finally {
    agent.destroy();
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGTERM');
      await Promise.race([child.exited, sleep(20_000)]);
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
    try {
      await database?.drop();
    } catch (error) {
      log(`  disk: dropping the scratch database failed: ${(error as Error).message}`);
    }
    try {
      execFileSync('umount', [mount]);
    } catch {
      execFileSync('umount', ['-l', mount]);
    }
    rmSync(mount, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}
