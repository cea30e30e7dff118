import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleEvent, signedEvent } from '../packages/server/src/ledger/testing.js';
import { createCell, freePort, serveCell } from './cell.js';
import { call, NoAnswer, newAgent, quantile } from './http.js';

/**
 * Slow disk: a PGlite cell's data folder on an ext4 file system in a loop device, and the
 * server in a cgroup (v1 blkio) that throttles that device to a few write operations a second,
 * so that every flush (fdatasync of the WAL at each commit) waits for the "disk". The same
 * bounded load runs on an unthrottled cell and on the throttled one, side by side: submissions
 * and reads, answers and latencies; then each server is stopped, started again, and every
 * acknowledged event read back. The machine has no device-mapper (`dm-delay`) and no FUSE
 * layer to slow a disk otherwise. Needs root (loop device, mount, cgroup); skipped otherwise.
 */

export interface SlowDiskRun {
  throttled: boolean;
  requests: number;
  errors: Map<string, number>;
  acknowledged: number;
  lost: number;
  duplicated: number;
  p50: Record<'submit' | 'status' | 'events', number>;
  p99: Record<'submit' | 'status' | 'events', number>;
}

export interface SlowDiskResult {
  skipped?: string;
  writeIops: number;
  seconds: number;
  runs: SlowDiskRun[];
}

const cgroupRoot = '/sys/fs/cgroup/blkio';

export async function slowDiskCampaign(options: {
  seconds: number;
  writeIops: number;
  log?: (line: string) => void;
}): Promise<SlowDiskResult> {
  const log = options.log ?? (() => undefined);
  const result: SlowDiskResult = {
    writeIops: options.writeIops,
    seconds: options.seconds,
    runs: [],
  };
  if (process.getuid?.() !== 0) return { ...result, skipped: 'not root' };
  if (!existsSync(join(cgroupRoot, 'blkio.throttle.write_iops_device'))) {
    return { ...result, skipped: 'no cgroup v1 blkio throttling on this machine' };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'truce-reliability-slow-'));
  const image = join(scratch, 'disk.img');
  const mount = join(scratch, 'mnt');
  const cgroup = join(cgroupRoot, `truce-reliability-slow-${process.pid}`);
  let loop: string | undefined;
  try {
    mkdirSync(mount);
    writeFileSync(image, '');
    execFileSync('truncate', ['-s', '512M', image]);
    loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    execFileSync('mkfs.ext4', ['-q', loop]);
    execFileSync('mount', [loop, mount]);
    const device = readFileSync(`/sys/block/${loop.replace('/dev/', '')}/dev`, 'utf8').trim();
    mkdirSync(cgroup);
    log(
      `  slow disk: ext4 on ${loop} (${device}); throttled runs at ${options.writeIops} writes/s`,
    );
    for (const throttled of [false, true]) {
      writeFileSync(
        join(cgroup, 'blkio.throttle.write_iops_device'),
        `${device} ${throttled ? options.writeIops : 0}`,
      );
      result.runs.push(
        await loadRun(join(mount, throttled ? 'slow' : 'fast'), cgroup, throttled, options),
      );
      const run = result.runs.at(-1)!;
      log(
        `  slow disk ${throttled ? 'throttled' : 'baseline'}: ${run.acknowledged} acknowledged, submit p99 ${run.p99.submit.toFixed(0)} ms, status p99 ${run.p99.status.toFixed(0)} ms, lost ${run.lost}`,
      );
    }
    return result;
  } catch (error) {
    return { ...result, skipped: `could not set up: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    if (existsSync(mount)) {
      try {
        execFileSync('umount', [mount]);
      } catch {
        // not mounted
      }
    }
    if (loop) execFileSync('losetup', ['-d', loop]);
    if (existsSync(cgroup)) {
      try {
        execFileSync('rmdir', [cgroup]);
      } catch {
        log(`  slow disk: could not remove ${cgroup}`);
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function loadRun(
  dataDir: string,
  cgroup: string,
  throttled: boolean,
  options: { seconds: number },
): Promise<SlowDiskRun> {
  const cell = await createCell(dataDir);
  const port = await freePort();
  const agent = newAgent();
  let child = serveCell(cell, port);
  try {
    await child.ready;
    // The running server alone is throttled: its flushes, and nothing of this process.
    writeFileSync(join(cgroup, 'cgroup.procs'), String(child.process.pid));
    const samples: { kind: 'submit' | 'status' | 'events'; ms: number }[] = [];
    const errors = new Map<string, number>();
    const acked = new Map<string, { seq: number; leafHash: string }>();
    const end = performance.now() + options.seconds * 1000;
    let made = 0;
    const timed = async (
      kind: 'submit' | 'status' | 'events',
      method: string,
      path: string,
      body?: string,
    ) => {
      const sent = performance.now();
      try {
        const answer = await call(agent, port, method, path, cell.headers, body, 60_000);
        samples.push({ kind, ms: performance.now() - sent });
        if (answer.status >= 400) {
          const key = `${kind} ${answer.status}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
        return answer;
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        const key = `${kind} no answer`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        return undefined;
      }
    };
    const loop = async (pauseMs: number, work: () => Promise<unknown>) => {
      while (performance.now() < end) {
        await work();
        await sleep(pauseMs);
      }
    };
    const submitter = () =>
      loop(50, async () => {
        const envelopes = Array.from({ length: 5 }, () => {
          const n = made++;
          return signedEvent(sampleEvent(`w-${n}`, 'qatar', 1 + (n % 50)), cell.qatar);
        });
        const answer = await timed(
          'submit',
          'POST',
          '/api/v1/events/signed',
          JSON.stringify({ envelopes }),
        );
        if (answer?.status === 201) {
          const { receipts } = JSON.parse(answer.body) as {
            receipts: { seq: number; leafHash: string }[];
          };
          receipts.forEach((r, i) => acked.set(envelopes[i]!.id, r));
        }
      });
    await Promise.all([
      submitter(),
      submitter(),
      submitter(),
      loop(100, () => timed('status', 'GET', '/api/v1/status')),
      loop(200, () => timed('events', 'GET', '/api/v1/events?limit=100')),
    ]);
    child.process.kill('SIGTERM');
    await child.exited;
    child = serveCell(cell, port);
    await child.ready;
    let lost = 0;
    let duplicated = 0;
    const seen = new Map<string, { seq: number; leafHash: string }>();
    for (let cursor: number | null = 0; cursor !== null; ) {
      const answer = await call(
        agent,
        port,
        'GET',
        `/api/v1/events?cursor=${cursor}&limit=500`,
        cell.headers,
        undefined,
        60_000,
      );
      const page = JSON.parse(answer.body) as {
        events: { seq: number; leafHash: string; event: { id: string } }[];
        nextCursor: number | null;
      };
      for (const e of page.events) {
        if (seen.has(e.event.id)) duplicated += 1;
        seen.set(e.event.id, { seq: e.seq, leafHash: e.leafHash });
      }
      cursor = page.nextCursor;
    }
    for (const [id, ack] of acked) {
      const found = seen.get(id);
      if (found?.seq !== ack.seq || found.leafHash !== ack.leafHash) lost += 1;
    }
    const of = (kind: 'submit' | 'status' | 'events', q: number) =>
      quantile(
        samples
          .filter((s) => s.kind === kind)
          .map((s) => s.ms)
          .sort((a, b) => a - b),
        q,
      );
    return {
      throttled,
      requests: samples.length,
      errors,
      acknowledged: acked.size,
      lost,
      duplicated,
      p50: { submit: of('submit', 0.5), status: of('status', 0.5), events: of('events', 0.5) },
      p99: { submit: of('submit', 0.99), status: of('status', 0.99), events: of('events', 0.99) },
    };
  } finally {
    agent.destroy();
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGTERM');
      await Promise.race([child.exited, sleep(30_000)]);
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }
  }
}
