import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TruceError } from '@truce/core';

/**
 * The demo runs on the sample agreement's own calendar (2025), not today's: a simulated clock
 * that starts at a chosen instant (Day 23 of the sample by default) and runs at real speed, or
 * faster in replay mode. Everything in the demo reads this one clock — the status "now", the
 * ledger's receipts and checkpoints, and which scenario events have been reported yet — so what
 * the dashboard shows is coherent. The clock is saved in the data folder and continues from where
 * it stopped at the next start: checkpoints never go back in time.
 */
export interface DemoClockState {
  /** The simulated instant when the state was saved. */
  simulatedAt: string;
  /** Simulated seconds per real second (1 = real time, 0 = stopped). */
  speed: number;
}

export interface DemoClock {
  now(): Date;
  readonly speed: number;
  /** Saves where the clock is, so that the next start continues from there. */
  save(): void;
}

const fileName = 'demo-clock.json';

export function readDemoClock(dataDir: string): DemoClockState | undefined {
  const path = join(dataDir, fileName);
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoClockState>;
  if (
    typeof state.simulatedAt !== 'string' ||
    Number.isNaN(Date.parse(state.simulatedAt)) ||
    typeof state.speed !== 'number'
  ) {
    throw new TruceError('USAGE', `${path} is not a demo clock; start over with --reset`);
  }
  return { simulatedAt: state.simulatedAt, speed: state.speed };
}

/**
 * A clock that reads `simulatedAt` at the real instant `realStart`, then advances `speed` times
 * faster than the real one. `realNow` is a parameter for tests.
 */
export function demoClock(
  dataDir: string,
  state: DemoClockState,
  realNow: () => number = Date.now,
): DemoClock {
  const realStart = realNow();
  const simulatedStart = Date.parse(state.simulatedAt);
  const now = () => new Date(simulatedStart + (realNow() - realStart) * state.speed);
  return {
    now,
    speed: state.speed,
    save() {
      const path = join(dataDir, fileName);
      const saved: DemoClockState = { simulatedAt: now().toISOString(), speed: state.speed };
      writeFileSync(`${path}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    },
  };
}
