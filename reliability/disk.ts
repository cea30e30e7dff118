import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleEvent, signedEvent } from '../packages/server/src/ledger/testing.js';
import { createCell, freePort, serveCell } from './cell.js';
import { call, NoAnswer, newAgent } from './http.js';

/**
 * Disk full: the cell's data folder on a small tmpfs mounted for the purpose; the server runs,
 * acknowledges appends, then the file system is filled to the last byte. Appends must then fail
 * cleanly (an answer with a stable error code, 507 or 503, no crash, no 500), nothing already
 * acknowledged may be lost, and once space returns the same server must accept appends again
 * without a restart. Finally the server is stopped, started again and every acknowledged event
 * read back. Needs root (mount); skipped with a reason otherwise.
 */

export interface DiskResult {
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
}

export async function diskFullCampaign(options: {
  sizeMb: number;
  attempts: number;
  log?: (line: string) => void;
}): Promise<DiskResult> {
  const log = options.log ?? (() => undefined);
  const result: DiskResult = {
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
  try {
    const cell = await createCell(join(mount, 'data'));
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
      result.notes.push(`the server exited while the disk was full: ${child.stderr().slice(-600)}`);
    }

    // Space returns.
    rmSync(filler);
    const freed = performance.now();
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
    await child.ready;
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
      execFileSync('umount', [mount]);
    } catch {
      execFileSync('umount', ['-l', mount]);
    }
    rmSync(mount, { recursive: true, force: true });
  }
}
