import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleEvent, signedEvent } from '../packages/server/src/ledger/testing.js';
import { createCell, freePort, serveCell } from './cell.js';
import { call, newAgent, quantile } from './http.js';

/**
 * Soak: `truce serve` (PGlite) under a bounded, mixed load on 127.0.0.1 for `minutes`: signed
 * submissions, status reads, event pages, the latest checkpoint and a consistency proof, each
 * client pausing between requests. The server's resident memory (from /proc) and the p99
 * latency of the first window (after a warm-up) are compared with the last window's; the
 * goal is a drift of at most 20%.
 */

export interface SoakWindow {
  requests: number;
  p50: number;
  p99: number;
  rssMb: number;
  entries: number;
}

export interface SoakResult {
  minutes: number;
  requests: number;
  errors: Map<string, number>;
  first: SoakWindow;
  last: SoakWindow;
  p99Drift: number;
  memoryDrift: number;
  perKind: Map<string, { first: number; last: number }>;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function soakCampaign(options: {
  minutes: number;
  log?: (line: string) => void;
}): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const scratch = mkdtempSync(join(tmpdir(), 'truce-reliability-soak-'));
  const agent = newAgent();
  let child: ReturnType<typeof serveCell> | undefined;
  try {
    const cell = await createCell(join(scratch, 'data'));
    const port = await freePort();
    child = serveCell(cell, port);
    await child.ready;
    const pid = child.process.pid!;
    const durationMs = options.minutes * 60_000;
    // Windows: the first starts after a warm-up of a tenth of the run; each is a tenth long.
    const windowMs = durationMs / 10;
    const started = performance.now();
    const samples: { at: number; kind: string; ms: number }[] = [];
    const memory: { at: number; mb: number }[] = [];
    const errors = new Map<string, number>();
    let made = 0;
    let size = 0;
    const sizes: { at: number; size: number }[] = [];
    const done = () => performance.now() - started >= durationMs;

    const timed = async (kind: string, path: string, method = 'GET', body?: string) => {
      const sent = performance.now();
      try {
        const answer = await call(agent, port, method, path, cell.headers, body);
        samples.push({ at: sent - started, kind, ms: performance.now() - sent });
        if (answer.status >= 400) {
          const key = `${kind} ${answer.status}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
        return answer;
      } catch (error) {
        const key = `${kind} no answer: ${(error as Error).message}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        return undefined;
      }
    };
    const loop = async (pauseMs: number, work: () => Promise<unknown>) => {
      while (!done()) {
        await work();
        await sleep(pauseMs);
      }
    };
    const submitter = () =>
      loop(50, async () => {
        const envelopes = Array.from({ length: 5 }, () => {
          const n = made++;
          return signedEvent(sampleEvent(`s-${n}`, 'qatar', 1 + (n % 50)), cell.qatar);
        });
        const answer = await timed(
          'submit',
          '/api/v1/events/signed',
          'POST',
          JSON.stringify({ envelopes }),
        );
        if (answer?.status === 201) size += 5;
      });
    const sampler = async () => {
      while (!done()) {
        memory.push({ at: performance.now() - started, mb: rssMb(pid) });
        sizes.push({ at: performance.now() - started, size });
        await sleep(1000);
      }
    };
    const reporter = async () => {
      while (!done()) {
        await sleep(Math.min(60_000, durationMs / 2));
        if (!done())
          log(
            `  soak: ${Math.round((performance.now() - started) / 1000)} s, ${samples.length.toLocaleString('en')} requests, ${memory.at(-1)?.mb.toFixed(0)} MB`,
          );
      }
    };
    await Promise.all([
      submitter(),
      submitter(),
      submitter(),
      loop(100, () => timed('status', '/api/v1/status')),
      loop(100, () => timed('status', '/api/v1/status')),
      loop(200, () => timed('events', '/api/v1/events?limit=100')),
      loop(500, async () => {
        const latest = await timed('checkpoint', '/api/v1/checkpoints/latest');
        const checkpointSize =
          latest?.status === 200 ? (JSON.parse(latest.body) as { size: number }).size : 0;
        if (checkpointSize > 1)
          await timed('proof', `/api/v1/proofs/consistency?from=${Math.ceil(checkpointSize / 2)}`);
      }),
      sampler(),
      reporter(),
    ]);
    const window = (from: number, to: number): SoakWindow => {
      const inside = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms);
      inside.sort((a, b) => a - b);
      const mem = memory.filter((m) => m.at >= from && m.at < to).map((m) => m.mb);
      return {
        requests: inside.length,
        p50: quantile(inside, 0.5),
        p99: quantile(inside, 0.99),
        rssMb: mem.reduce((a, b) => a + b, 0) / Math.max(1, mem.length),
        entries: sizes.filter((s) => s.at < to).at(-1)?.size ?? 0,
      };
    };
    const first = window(windowMs, 2 * windowMs);
    const last = window(durationMs - windowMs, durationMs + 1);
    const perKind = new Map<string, { first: number; last: number }>();
    for (const kind of ['submit', 'status', 'events', 'checkpoint', 'proof']) {
      const p99Of = (from: number, to: number) =>
        quantile(
          samples
            .filter((s) => s.kind === kind && s.at >= from && s.at < to)
            .map((s) => s.ms)
            .sort((a, b) => a - b),
          0.99,
        );
      perKind.set(kind, {
        first: p99Of(windowMs, 2 * windowMs),
        last: p99Of(durationMs - windowMs, durationMs + 1),
      });
    }
    return {
      minutes: options.minutes,
      requests: samples.length,
      errors,
      first,
      last,
      p99Drift: (last.p99 - first.p99) / first.p99,
      memoryDrift: (last.rssMb - first.rssMb) / first.rssMb,
      perKind,
    };
  } finally {
    agent.destroy();
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGTERM');
      await Promise.race([child.exited, sleep(20_000)]);
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}
