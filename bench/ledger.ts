import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@truce/core';
import { Ledger, prepareEntry } from '../packages/server/src/ledger/ledger-service.js';
import {
  newKey,
  registration,
  sampleEvent,
  signedEvent,
  testIdentity,
} from '../packages/server/src/ledger/testing.js';
import {
  type AppendRequest,
  openPgliteStore,
  openPostgresStore,
  type Store,
} from '../packages/server/src/store/index.js';
import { median, type Row, type Section } from './harness.js';
import { VerifyAndInsert } from './verify-and-insert.js';
import { describeVerifyOnly, verifyOnly } from './verify-only.js';

/**
 * The ledger, measured side by side in one run: Ed25519 verify-only, store insert-only (PGlite),
 * signed appends through the service; group commit against one flush per event; checkpoint lag
 * under load; an inclusion proof in a tree of a million leaves against 40 SHA-256 hashes.
 */

const concurrency = 64;

async function rate(count: number, work: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** CPU time of this process's main thread so far, in ms (Linux; undefined elsewhere). */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time of the whole process (every thread) so far, in µs. */
function processCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function cpuPerEntryUs(startMs: number | undefined, entries: number): number {
  const end = mainThreadCpuMs();
  return startMs === undefined || end === undefined
    ? Number.NaN
    : ((end - startMs) * 1000) / entries;
}

function cpuDetail(samples: number[]): string {
  const valid = samples.filter((sample) => Number.isFinite(sample));
  return valid.length ? `; main thread CPU ${median(valid).toFixed(0)} µs an entry` : '';
}

function perSecond(n: number): string {
  return `${Math.round(n).toLocaleString('en')}/s`;
}

export async function ledgerBenchmarks(quick: boolean): Promise<Section> {
  const n = quick ? 1500 : 10_000;
  const scratch = mkdtempSync(join(tmpdir(), 'truce-bench-ledger-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const identity = testIdentity();
    const qatar = newKey();
    const envelopes = Array.from({ length: n }, (_, i) =>
      signedEvent(sampleEvent(`e-${i}`, 'qatar', i % 100), qatar),
    );
    const requests = envelopes.map(appendRequestOf);

    // Ed25519 verify-only: the signature check alone, on the same envelopes — on one thread, on
    // libuv's thread pool and on the service's verification threads; the fastest counts.
    const verifyOnlyRates = await verifyOnly(envelopes, ledger.ed25519PublicKey(qatar));
    const verifyRate = verifyOnlyRates.best;
    // CPU (all threads) a verification costs, and an entry inserted: the two stages of a signed
    // append share this machine's cores.
    const verifyCpuPerEntry = verifyOnlyRates.cpuPerEntryUs;
    const insertProcessCpu: number[] = [];

    const open = (name: string, maxBatch?: number) =>
      openPgliteStore({ dataDir: join(scratch, name), ...(maxBatch ? { maxBatch } : {}) });

    // Insert-only and through the service, alternately in rounds on fresh stores, so that both
    // see the same machine (load on a shared VM drifts); each figure is the median of its rounds.
    const rounds = quick ? 1 : 3;
    const insertRates: number[] = [];
    const appendRates: number[] = [];
    // Verification and insertion alone, nothing else: what the service's two stages reach here.
    const bareRates: number[] = [];
    const bare = new VerifyAndInsert(envelopes, requests, ledger.ed25519PublicKey(qatar));
    await bare.warm();
    // Main-thread CPU per entry (Linux): where PGlite, the checks and the receipts all run.
    const insertCpuUs: number[] = [];
    const appendCpuUs: number[] = [];
    const lags: number[] = [];
    const insertTransactions: number[] = [];
    const appendTransactions: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Insert-only: prepared entries straight into the store, concurrent callers (group commit).
      const insertStore = await open(`insert-${round}`);
      const insertCpu = mainThreadCpuMs();
      const insertProcessStart = processCpuUs();
      insertRates.push(await rate(n, (i) => insertStore.append([requests[i] as AppendRequest])));
      insertProcessCpu.push((processCpuUs() - insertProcessStart) / n);
      insertCpuUs.push(cpuPerEntryUs(insertCpu, n));
      insertTransactions.push(insertStore.stats().transactions);
      await insertStore.close();

      const bareStore = await open(`bare-${round}`);
      bareRates.push(await rate(n, (i) => bare.append(bareStore, i)));
      await bareStore.close();

      // Through the service: verify + schema + append + receipt signature, same concurrency.
      const serviceStore = await open(`service-${round}`);
      const service = await Ledger.open(serviceStore, identity);
      await service.submit([registration(identity, 'qatar', qatar)]);
      const appendCpu = mainThreadCpuMs();
      appendRates.push(await rate(n, (i) => service.submit([envelopes[i]])));
      appendCpuUs.push(cpuPerEntryUs(appendCpu, n));
      appendTransactions.push(serviceStore.stats().transactions);
      await service.close();
      await serviceStore.close();
    }

    // Checkpoint lag, in a pass of its own: its pollers read the store, which on PGlite takes
    // the main thread from the appends, so they must not run during the rates above.
    const lagStore = await open('lag');
    const lagService = await Ledger.open(lagStore, identity);
    await lagService.submit([registration(identity, 'qatar', qatar)]);
    await rate(n, async (i) => {
      const [receipt] = await lagService.submit([envelopes[i]]);
      if (receipt && i % 50 === 0) {
        const appended = performance.now();
        void (async () => {
          while (((await lagStore.latestCheckpoint())?.size ?? 0) <= receipt.seq) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          lags.push(performance.now() - appended);
        })();
      }
    });
    const deadline = Date.now() + 3000;
    while (lags.length < Math.ceil(n / 50) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await lagService.close();
    await lagStore.close();
    await bare.close();
    const insertRate = median(insertRates);
    const appendRate = median(appendRates);
    const bareRate = median(bareRates);

    // The same appends through the service with PGlite on the main thread, as before it had a
    // thread of its own: what that thread buys, in this run.
    const mainThreadStore = await openPgliteStore({
      dataDir: join(scratch, 'service-main-thread'),
      thread: 'main',
    });
    const mainThreadService = await Ledger.open(mainThreadStore, identity);
    await mainThreadService.submit([registration(identity, 'qatar', qatar)]);
    const mainThreadCpu = mainThreadCpuMs();
    const mainThreadRate = await rate(n, (i) => mainThreadService.submit([envelopes[i]]));
    const mainThreadCpuUs = cpuPerEntryUs(mainThreadCpu, n);
    await mainThreadService.close();
    await mainThreadStore.close();

    // One flush per event: the same concurrent single-entry appends with maxBatch 1.
    const singleCount = quick ? 200 : 1000;
    const singleStore = await open('single', 1);
    const singleRate = await rate(singleCount, (i) =>
      singleStore.append([requests[i] as AppendRequest]),
    );
    await singleStore.close();

    const floor = Math.min(verifyRate, insertRate);
    // Verifying and inserting side by side cannot beat this machine's cores divided by the CPU
    // both take for one entry, nor the insert rate itself (the database's one thread).
    const cores = availableParallelism();
    const cpuBound = Math.min(
      insertRate,
      (cores * 1e6) / (verifyCpuPerEntry + median(insertProcessCpu)),
    );
    rows.push(
      {
        name: 'Ed25519 verify-only',
        value: describeVerifyOnly(verifyOnlyRates),
      },
      {
        name: 'store insert-only (PGlite, group commit)',
        value: perSecond(insertRate),
        detail: `${median(insertTransactions)} append transactions for ${n.toLocaleString('en')} entries${cpuDetail(insertCpuUs)}`,
      },
      {
        name: 'signed appends through the service (PGlite)',
        value: `${perSecond(appendRate)} = ${(appendRate / floor).toFixed(2)} × min(verify, insert)`,
        goal: '≥ 0.7 ×',
        pass: appendRate >= 0.7 * floor,
        detail: `${median(appendTransactions)} append transactions for ${n.toLocaleString('en')} entries${cpuDetail(appendCpuUs)}`,
      },
      {
        name: 'CPU bound of verify + insert on this machine',
        value: `${perSecond(cpuBound)} = ${(cpuBound / floor).toFixed(2)} × min(verify, insert); the service reaches ${(appendRate / cpuBound).toFixed(2)} of it`,
        detail: `${cores} cores ÷ (${verifyCpuPerEntry.toFixed(0)} µs CPU a verification in parallel + ${median(insertProcessCpu).toFixed(0)} µs CPU an entry inserted, all threads), at most the insert rate: no service that verifies and inserts each entry on these cores can be faster, before any check, receipt or schema`,
      },
      {
        name: 'verification and insertion alone (no service), same callers',
        value: `${perSecond(bareRate)} = ${(bareRate / floor).toFixed(2)} × min(verify, insert); the service reaches ${(appendRate / bareRate).toFixed(2)} of it`,
        detail: `each call's signature verified on the verification threads while the store writes its prepared entry, committed once it verifies, and nothing else (no check, no receipt): what any service made of these two stages reaches on this machine, measured in the same rounds (${bareRates.map((r) => perSecond(r)).join(', ')})`,
      },
      {
        name: 'signed appends, PGlite on the main thread (TRUCE_PGLITE_THREAD=main, as before)',
        value: `${perSecond(mainThreadRate)} = ${(mainThreadRate / floor).toFixed(2)} × min(verify, insert)`,
        detail: `one round; the database on the thread that also checks and signs${cpuDetail([mainThreadCpuUs])}`,
      },
      {
        name: 'group commit vs one flush per event (maxBatch 1)',
        value: `${(insertRate / singleRate).toFixed(1)}× (${perSecond(singleRate)} one by one)`,
        goal: '≥ 10×',
        pass: insertRate >= 10 * singleRate,
      },
      {
        name: 'checkpoint lag under load (append → covering checkpoint)',
        value: lags.length
          ? `median ${median(lags).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms (${lags.length} samples)`
          : 'no sample',
        goal: '≤ 1000 ms',
        pass: lags.length > 0 && Math.max(...lags) <= 1000,
      },
    );

    // PostgreSQL, if one is reachable.
    const url = process.env.TRUCE_BENCH_DATABASE_URL;
    if (url) {
      let pg: Store | undefined;
      try {
        pg = await openPostgresStore({ connectionString: url });
        const offset = await pg.size();
        const pgRequests = requests.map((r) => ({
          ...r,
          eventId: `${r.eventId}-${offset}`,
          idempotencyKey: `${r.idempotencyKey}-${offset}`,
        }));
        const pgRate = await rate(n, (i) => (pg as Store).append([pgRequests[i] as AppendRequest]));
        rows.push({
          name: 'PGlite vs PostgreSQL insert-only',
          value: `${(insertRate / pgRate).toFixed(2)}× (${perSecond(pgRate)} on PostgreSQL)`,
          goal: '≥ 0.5×',
          pass: insertRate >= 0.5 * pgRate,
        });
      } catch (error) {
        notes.push(`PostgreSQL not measured: ${(error as Error).message}`);
      } finally {
        await pg?.close();
      }
    } else {
      notes.push(
        'PostgreSQL not measured: set TRUCE_BENCH_DATABASE_URL to compare PGlite with it.',
      );
    }

    // Inclusion proof at n = 1,000,000 in a memory tree vs 40 SHA-256 hashes.
    const leaves = 1_000_000;
    const tree = new ledger.MemoryMerkleTree();
    const leaf = new Uint8Array(32);
    for (let i = 0; i < leaves; i++) {
      leaf[0] = i & 0xff;
      leaf[1] = (i >> 8) & 0xff;
      leaf[2] = (i >> 16) & 0xff;
      tree.appendLeafHash(leaf);
    }
    const reps = 2000;
    const proofStart = performance.now();
    for (let i = 0; i < reps; i++) tree.inclusionProof((i * 7919) % leaves, leaves);
    const proofUs = ((performance.now() - proofStart) * 1000) / reps;
    const block = new Uint8Array(65);
    const hashStart = performance.now();
    for (let i = 0; i < reps; i++) {
      for (let h = 0; h < 40; h++) createHash('sha256').update(block).digest();
    }
    const hashUs = ((performance.now() - hashStart) * 1000) / reps;
    rows.push({
      name: 'inclusion proof at n = 1,000,000 (memory tree) vs 40 SHA-256',
      value: `${proofUs.toFixed(1)} µs vs ${hashUs.toFixed(1)} µs = ${(proofUs / hashUs).toFixed(2)}×`,
      goal: '≤ 3×',
      pass: proofUs <= 3 * hashUs,
    });
    notes.push(
      `${n.toLocaleString('en')} envelopes, ${concurrency} concurrent callers, one envelope per call; PGlite with its default durability; insert-only and service appends alternate over ${rounds} round(s) on fresh stores, medians shown.`,
      "The service does per envelope: shape and schema checks, one JCS pass, Ed25519 verify (on the verification threads, while the store already writes the turn's entries in a transaction that it commits only once all of them verified: `Store.append`'s admission), the append (with its key-event precondition and its domain label), and a receipt: a leaf of its turn's receipt tree, whose root gets one Ed25519 signature (thread pool). Insert-only appends the same prepared entries (same bytes, same label).",
      'Checkpoint lag is measured in a pass of its own after the rates (its pollers read the store, whose one PGlite connection the appends use too).',
      "Where a signed append goes (CPU of each thread from /proc while 64 callers append 20,000 envelopes through the service, PGlite on its thread, after 5,000 to warm up; runs of 2026-11-27): the two verification threads 67–70 µs each an entry (an Ed25519 verification costs ~135 µs of CPU there, against ~113 µs in the verify-only pass: they share two cores with the database and the main thread), the database thread 95–102 µs (68 µs in insert-only), the main thread 68–74 µs (schema and key checks, the signed bytes, entry bytes and hashes, the receipts, the dispatch of the verifications; 28 µs in insert-only), V8's platform threads (garbage collection) 30–38 µs (19 µs in insert-only): 270–345 µs of CPU an entry. Timed batch by batch: the store writes a turn's 64 entries in 4.0–4.7 ms while their signatures are verified, waits 0.4–1.3 ms more for the last verification, commits with its flush in 0.9–1.1 ms; starting the transaction takes 1.5–2.4 ms seen from the main thread against 0.5 ms on the database thread (the thread waits for a core while both are verifying: beginning without that round trip moved the wait into the write, the batches came no faster, so it was not kept); a batch every 11.3–13.3 ms, the two cores ~70% busy (the callers move in step: between a commit and the next turn's checks, the database and verification threads wait). With the write overlapping the verification, the service's own rate went from 3,055/s to 4,133/s side by side on one day (the same script before and after); the ratio moves more with insert-only's rate, which varies from 7,800/s to 10,600/s between runs on this shared machine (0.38–0.53 × in the runs of 2026-11-27). The row \"CPU bound of verify + insert\" is what no service can beat on these cores, computed; the row \"verification and insertion alone\" is measured: the same callers, each envelope's signature verified on the verification threads while the store writes its prepared entry (the service's two stages and its overlap of them) and nothing else, no check, no canonical bytes, no receipt — the best a service built of these stages does on this machine, which stays below the goal here (0.51–0.66 × in the runs of 2026-11-27; 0.67–0.76 × with PGlite on the main thread, where the service reached 0.49–0.54 ×); the goal, 0.7 × min(verify, insert), needs a whole signed append within about 2 cores ÷ (0.7 × the insert rate) ≈ 290–320 µs of CPU with both cores busy at every moment. Not met, and said so. PGlite on the main thread is faster for this workload (no hops between threads) and slower for HTTP at concurrency 100 (p99 of 0.76 s against 0.13 s, API section), so the thread stays the default.",
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    title: 'Ledger',
    intro:
      'Verify-only, insert-only and appends through the service, measured in one run (insert-only and appends alternately).',
    rows,
    notes,
  };
}

/**
 * A signed envelope as the store's insert-only ceiling takes it: the entry the service would
 * append (same bytes, same domain label), prepared beforehand.
 */
export function appendRequestOf(envelope: ledger.SignedEnvelope): AppendRequest {
  return prepareEntry(ledger.parseEnvelope(envelope)).request;
}
