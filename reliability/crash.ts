import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ledger } from '@truce/core';
import { verifyPromise } from '../packages/server/src/ledger/statements.js';
import { sampleEvent, signedEvent } from '../packages/server/src/ledger/testing.js';
import { verifyExport } from '../packages/server/src/ledger/verify-export.js';
import {
  type Cell,
  createCell,
  createCellDatabase,
  dropCellDatabase,
  type Envelope,
  freePort,
  mainScript,
  type ServerChild,
  serveCell,
} from './cell.js';
import { call, NoAnswer, newAgent } from './http.js';

/**
 * Crash: several clients append signed events over HTTP at full speed while a supervisor kills
 * `truce serve` with SIGKILL at random moments and starts it again. After every restart, before
 * the clients go on: the entries appended since the last restart are read back through the API
 * (gapless seqs, no event id twice, every acknowledged event at its seq with its leaf hash), the
 * latest signed checkpoint must have the root of the tree recomputed from everything read so far
 * and a consistency proof from the previous one, and each client's last acknowledged request is
 * sent again with the same idempotency keys and must get the original receipts back. At the end
 * the server is stopped cleanly, the log exported with `truce export` and the export verified
 * with the existing verifier; its root must be the recomputed one.
 */

export interface CrashOptions {
  store: 'pglite' | 'postgres';
  cycles: number;
  clients: number;
  /** Envelopes per request: the server allows 100 requests a second per address. */
  batch: number;
  /** Longest time the load runs between a restart and the next kill (ms). */
  maxLoadMs: number;
  log?: (line: string) => void;
}

export interface CrashResult {
  store: 'pglite' | 'postgres';
  cycles: number;
  clients: number;
  batch: number;
  acknowledged: number;
  /** Committed before a kill, unanswered, then acknowledged to the retry as idempotent. */
  acknowledgedOnRetry: number;
  lost: number;
  duplicated: number;
  receiptRetries: number;
  receiptMismatches: number;
  promisesInvalid: number;
  checkpointsChecked: number;
  checkpointProblems: number;
  killedWhileStarting: number;
  unexpected: string[];
  entries: number;
  exportVerified: boolean;
  exportDetail: string;
  startupMs: number[];
  seconds: number;
}

interface Ack {
  seq: number;
  leafHash: string;
  appendedAt: string;
  checkpointBy: string;
}

interface Receipt {
  seq: number;
  leafHash: string;
  appendedAt: string;
  idempotent: boolean;
  promise: { checkpointBy: string } & Record<string, unknown>;
}

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const fromBase64 = (text: string) => Uint8Array.from(Buffer.from(text, 'base64'));

export async function crashCampaign(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), `truce-reliability-crash-${options.store}-`));
  const databaseName = `truce_reliability_${process.pid}`;
  let cell: Cell | undefined;
  try {
    const databaseUrl =
      options.store === 'postgres' ? await createCellDatabase(databaseName) : undefined;
    cell = await createCell(join(scratch, 'data'), databaseUrl);
    return await run(cell, scratch, options, log, started);
  } finally {
    if (options.store === 'postgres') await dropCellDatabase(databaseName).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function run(
  cell: Cell,
  scratch: string,
  options: CrashOptions,
  log: (line: string) => void,
  started: number,
): Promise<CrashResult> {
  const port = await freePort();
  const agent = newAgent();
  const logVerifier = ledger.parseVerifierKey(cell.logKey);
  const result: CrashResult = {
    store: options.store,
    cycles: options.cycles,
    clients: options.clients,
    batch: options.batch,
    acknowledged: 0,
    acknowledgedOnRetry: 0,
    lost: 0,
    duplicated: 0,
    receiptRetries: 0,
    receiptMismatches: 0,
    promisesInvalid: 0,
    checkpointsChecked: 0,
    checkpointProblems: 0,
    killedWhileStarting: 0,
    unexpected: [],
    entries: 0,
    exportVerified: false,
    exportDetail: '',
    startupMs: [],
    seconds: 0,
  };
  const unexpected = (what: string) => {
    if (result.unexpected.length < 20) result.unexpected.push(what);
    log(`  unexpected: ${what}`);
  };

  const acks = new Map<string, Ack>();
  /** Acknowledged since the last check: each must be found at its seq after the restart. */
  let toCheck: [string, Ack][] = [];
  const idsAt = new Map<string, number>();
  const tree = new ledger.MemoryMerkleTree();
  let previousCheckpoint: { size: number; root: Uint8Array } | undefined;
  const lastAcknowledged: ({ envelopes: Envelope[]; receipts: Receipt[] } | undefined)[] =
    Array.from({ length: options.clients }, () => undefined);

  const record = (envelopes: Envelope[], receipts: Receipt[]) => {
    for (const [i, receipt] of receipts.entries()) {
      const id = envelopes[i]!.id;
      const earlier = acks.get(id);
      const ack: Ack = {
        seq: receipt.seq,
        leafHash: receipt.leafHash,
        appendedAt: receipt.appendedAt,
        checkpointBy: receipt.promise.checkpointBy,
      };
      if (earlier) {
        if (!sameReceipt(earlier, ack)) {
          result.receiptMismatches += 1;
          unexpected(
            `${id}: receipt ${JSON.stringify(ack)} differs from ${JSON.stringify(earlier)}`,
          );
        }
        continue;
      }
      if (receipt.idempotent) result.acknowledgedOnRetry += 1;
      acks.set(id, ack);
      toCheck.push([id, ack]);
    }
  };

  // The gate: open while the server is up and checked; clients wait on it.
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const closeGate = () => {
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
  };
  let stopping = false;
  const pendingOf: (Envelope[] | undefined)[] = Array.from(
    { length: options.clients },
    () => undefined,
  );
  let made = 0;

  async function client(k: number): Promise<void> {
    while (true) {
      await gate;
      if (stopping && pendingOf[k] === undefined) return;
      const envelopes =
        pendingOf[k] ??
        Array.from({ length: options.batch }, () => {
          const n = made++;
          return signedEvent(sampleEvent(`r-${k}-${n}`, 'qatar', 1 + (n % 50)), cell.qatar);
        });
      pendingOf[k] = envelopes;
      let answer: Awaited<ReturnType<typeof call>>;
      try {
        answer = await call(
          agent,
          port,
          'POST',
          '/api/v1/events/signed',
          cell.headers,
          JSON.stringify({ envelopes }),
        );
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        // The server died under the request: the same envelopes go again once it is back.
        await sleep(5);
        continue;
      }
      if (answer.status === 201) {
        const receipts = (JSON.parse(answer.body) as { receipts: Receipt[] }).receipts;
        record(envelopes, receipts);
        lastAcknowledged[k] = { envelopes, receipts };
        pendingOf[k] = undefined;
      } else if (answer.status === 429 || answer.status === 503) {
        await sleep(100);
      } else {
        unexpected(
          `POST /api/v1/events/signed answered ${answer.status}: ${answer.body.slice(0, 300)}`,
        );
        pendingOf[k] = undefined;
      }
    }
  }

  async function get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const answer = await call(agent, port, 'GET', path, cell.headers);
      if (answer.status === 200) return JSON.parse(answer.body);
      if (answer.status === 429 && attempt < 50) {
        await sleep(200);
        continue;
      }
      throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
  }

  /** What must hold after every restart, before the clients go on. */
  async function checkAfterRestart(): Promise<void> {
    // 1. The new entries, read back through the API.
    for (let cursor: number | null = tree.size; cursor !== null; ) {
      const page = (await get(`/api/v1/events?cursor=${cursor}&limit=500`)) as {
        events: { seq: number; leafHash: string; event: { id: string } }[];
        nextCursor: number | null;
      };
      for (const entry of page.events) {
        if (entry.seq !== tree.size) {
          unexpected(`expected seq ${tree.size}, read ${entry.seq}`);
          result.checkpointProblems += 1;
        }
        const earlier = idsAt.get(entry.event.id);
        if (earlier !== undefined) {
          result.duplicated += 1;
          unexpected(`event ${entry.event.id} at seq ${earlier} and again at ${entry.seq}`);
        }
        idsAt.set(entry.event.id, entry.seq);
        tree.appendLeafHash(fromHex(entry.leafHash));
      }
      cursor = page.nextCursor;
    }
    result.entries = tree.size;
    // 2. Every event acknowledged before the kill is there, at its seq, with its leaf hash.
    for (const [id, ack] of toCheck) {
      const at = idsAt.get(id);
      if (at !== ack.seq || Buffer.from(tree.leafHash(ack.seq)).toString('hex') !== ack.leafHash) {
        result.lost += 1;
        unexpected(
          `acknowledged ${id} (seq ${ack.seq}) is ${at === undefined ? 'missing' : `at ${at}`}`,
        );
      }
    }
    toCheck = [];
    // 3. The latest checkpoint is signed by the log, has the root recomputed from what was
    // read, and is consistent with the previous one by the server's own proof.
    const latest = (await get('/api/v1/checkpoints/latest')) as { size: number; note: string };
    result.checkpointsChecked += 1;
    try {
      const { checkpoint } = ledger.verifyCheckpoint(latest.note, { log: logVerifier });
      if (checkpoint.size > tree.size) throw new Error(`covers ${checkpoint.size} > ${tree.size}`);
      const root = tree.root(checkpoint.size);
      if (!Buffer.from(root).equals(Buffer.from(checkpoint.rootHash))) {
        throw new Error(`root of ${checkpoint.size} differs from the recomputed tree`);
      }
      if (previousCheckpoint && previousCheckpoint.size <= checkpoint.size) {
        const proof = (await get(
          `/api/v1/proofs/consistency?from=${previousCheckpoint.size}&to=${checkpoint.size}`,
        )) as { hashes: string[] };
        const ok = ledger.verifyConsistency(
          previousCheckpoint.size,
          checkpoint.size,
          proof.hashes.map(fromBase64),
          previousCheckpoint.root,
          checkpoint.rootHash,
        );
        if (!ok) throw new Error(`no consistency from ${previousCheckpoint.size}`);
      } else if (previousCheckpoint) {
        throw new Error(`shrank from ${previousCheckpoint.size} to ${checkpoint.size}`);
      }
      previousCheckpoint = { size: checkpoint.size, root: checkpoint.rootHash };
    } catch (error) {
      result.checkpointProblems += 1;
      unexpected(`checkpoint ${latest.size}: ${(error as Error).message}`);
    }
    // 4. Each client's last acknowledged request again, as a client unsure of its answer
    // would: the original receipts, marked idempotent, with valid signed promises.
    for (const last of lastAcknowledged) {
      if (!last) continue;
      const answer = await call(
        agent,
        port,
        'POST',
        '/api/v1/events/signed',
        cell.headers,
        JSON.stringify({ envelopes: last.envelopes }),
      );
      result.receiptRetries += 1;
      if (answer.status !== 201) {
        result.receiptMismatches += 1;
        unexpected(`retry answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        continue;
      }
      const again = (JSON.parse(answer.body) as { receipts: Receipt[] }).receipts;
      for (const [i, receipt] of again.entries()) {
        const original = last.receipts[i]!;
        const same =
          receipt.idempotent &&
          sameReceipt(
            { ...receipt, checkpointBy: receipt.promise.checkpointBy },
            { ...original, checkpointBy: original.promise.checkpointBy },
          );
        if (!same) {
          result.receiptMismatches += 1;
          unexpected(`retry of ${last.envelopes[i]!.id}: ${JSON.stringify(receipt)}`);
        }
        if (!verifyPromise(receipt.promise, logVerifier.publicKey)) result.promisesInvalid += 1;
      }
    }
  }

  const clients = Array.from({ length: options.clients }, (_, k) => client(k));
  let clientFailure: unknown;
  const watched = Promise.all(clients).catch((error: unknown) => {
    clientFailure = error;
  });
  const startupEstimate = { ms: 1500 };
  let running: ServerChild | undefined;
  for (let cycle = 0; cycle <= options.cycles; cycle++) {
    const last = cycle === options.cycles;
    const child = serveCell(cell, port, { liftoffOnly: true });
    running = child;
    const spawned = performance.now();
    let ready = false;
    child.ready.then(
      () => {
        ready = true;
      },
      () => undefined,
    );
    // One kill in five lands while the server is still starting or recovering.
    if (!last && cycle > 0 && Math.random() < 0.2) {
      await Promise.race([child.ready, sleep(Math.random() * startupEstimate.ms * 1.2)]).catch(
        () => undefined,
      );
      if (!ready) {
        result.killedWhileStarting += 1;
        child.process.kill('SIGKILL');
        await child.exited;
        continue;
      }
    } else {
      await child.ready;
    }
    const startup = performance.now() - spawned;
    result.startupMs.push(startup);
    startupEstimate.ms = startupEstimate.ms * 0.8 + startup * 0.2;
    await checkAfterRestart();
    if (last) break;
    open();
    await sleep(50 + Math.random() * options.maxLoadMs);
    closeGate();
    child.process.kill('SIGKILL');
    const { signal } = await child.exited;
    if (signal !== 'SIGKILL') unexpected(`server exited on its own (${signal}): ${child.stderr()}`);
    if (clientFailure) throw clientFailure;
    if ((cycle + 1) % 10 === 0) {
      log(
        `  ${options.store}: ${cycle + 1}/${options.cycles} kills, ${acks.size.toLocaleString('en')} acknowledged, lost ${result.lost}, duplicated ${result.duplicated}`,
      );
    }
  }
  // The clients finish what they have in hand, so that nothing is left unanswered.
  stopping = true;
  open();
  await watched;
  if (clientFailure) throw clientFailure;
  await checkAfterRestart();
  result.acknowledged = acks.size;

  // A clean stop signs a last checkpoint; the export and the verifier then see everything.
  if (running) {
    running.process.kill('SIGTERM');
    const { code } = await running.exited;
    if (code !== 0) unexpected(`clean stop exited ${code}: ${running.stderr()}`);
  }
  agent.destroy();
  const exportDir = join(scratch, 'export');
  const exported = await runCli(cell, ['export', '--data', cell.dataDir, '--out', exportDir]);
  if (exported.code !== 0) unexpected(`truce export exited ${exported.code}: ${exported.stderr}`);
  const verified = verifyExport(exportDir, { logKey: cell.logKey });
  // A clean stop anchors the audit log's head in the ledger (the server's own entry, after the
  // last one the clients read back): it may follow, and must be nothing else.
  let afterStop = 0;
  const lines = readFileSync(join(exportDir, 'entries.jsonl'), 'utf8').split('\n');
  for (const line of lines.slice(tree.size).filter((text) => text !== '')) {
    const envelope = JSON.parse(line) as { org?: string; event?: { type?: string } };
    if (envelope.event?.type !== 'audit_anchored') {
      unexpected(
        `an entry after the last one read back is not the shutdown's audit anchor: ${line}`,
      );
    }
    tree.appendLeafHash(ledger.hashLeaf(new TextEncoder().encode(line)));
    afterStop += 1;
  }
  if (verified.ok) {
    const rootMatches =
      verified.size === tree.size &&
      verified.rootHash === Buffer.from(tree.root()).toString('base64');
    result.exportVerified = rootMatches;
    result.exportDetail = `${verified.size.toLocaleString('en')} entries, ${verified.checkpoints.length.toLocaleString('en')} checkpoints${rootMatches ? `, root equal to the tree recomputed from the entries read after each restart${afterStop ? ` and the audit anchor of the clean stop (${afterStop})` : ''}` : `; root ${verified.rootHash} / size ${verified.size} differ from the recomputed ${tree.size}`}`;
  } else {
    result.exportDetail = `FAILED at ${verified.position}: ${verified.reason}`;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function sameReceipt(a: Ack, b: Ack): boolean {
  return (
    a.seq === b.seq &&
    a.leafHash === b.leafHash &&
    a.appendedAt === b.appendedAt &&
    a.checkpointBy === b.checkpointBy
  );
}

export function runCli(
  cell: Pick<Cell, 'databaseUrl'>,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainScript, ...args], {
      env: { ...process.env, DATABASE_URL: cell.databaseUrl ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
