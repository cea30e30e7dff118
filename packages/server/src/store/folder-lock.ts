import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TruceError } from '@truce/core';

/** What a lock file says about its holder; written once, read by whoever finds it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Linux boot id: a lock from before a reboot cannot be held by a live process. */
  bootId?: string;
  /** When the holder process started and when it took the lock (ISO 8601). */
  processStartedAt: string;
  lockedAt: string;
  /** Unique to this acquisition, so that a holder only ever removes its own lock. */
  token: string;
}

export interface FolderLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Set when a stale lock was taken over: whose, and why it was stale. */
  readonly tookOver?: string;
  release(): void;
}

const lockFileName = 'store.lock';

// Two PGlite instances of one process on one folder corrupt it just as two processes would.
const heldInThisProcess = new Set<string>();

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(holder: LockHolder): string {
  return `process ${holder.pid} on ${holder.host} (started ${holder.processStartedAt}, holding the lock since ${holder.lockedAt})`;
}

/**
 * Why a lock someone else wrote can be taken over, or undefined when its holder may be alive.
 * Only a holder on this host can be checked; a lock from another host is left to a human.
 */
function staleReason(holder: LockHolder, path: string): string | undefined {
  if (holder.host !== hostname()) return undefined;
  const bootId = readBootId();
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) {
    return 'the machine has restarted since';
  }
  if (holder.pid === process.pid) {
    // Our pid but not our lock: a previous run of a container whose processes always get the
    // same pid, killed before it could remove the file.
    return heldInThisProcess.has(path) ? undefined : 'it was left by an earlier run with this pid';
  }
  return isAlive(holder.pid) ? undefined : `process ${holder.pid} is no longer running`;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return {
        pid: value.pid,
        host: value.host,
        ...(typeof value.bootId === 'string' ? { bootId: value.bootId } : {}),
        processStartedAt: String(value.processStartedAt ?? 'unknown'),
        lockedAt: String(value.lockedAt ?? 'unknown'),
        token: String(value.token ?? ''),
      };
    }
  } catch {
    // An unreadable lock file is reported as such below.
  }
  return undefined;
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves a stale lock aside. The rename is atomic, so of two processes breaking the same stale
 * lock only one moves it; if what was moved turns out to be a fresh lock (someone broke and
 * re-took it meanwhile), it is put back.
 */
function breakStaleLock(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readFileSync(aside, 'utf8') !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process took the lock meanwhile; the next attempt reports it.
    }
  }
  unlinkSync(aside);
}

/**
 * Locks `folder` for this process: a lock file with pid, host and start time, created
 * atomically (written aside, then hard-linked into place, which fails if one exists). A lock
 * whose holder is provably dead is taken over; otherwise CONFLICT names the holder.
 */
export function lockFolder(folder: string): FolderLock {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, lockFileName);
  if (heldInThisProcess.has(path)) {
    throw new TruceError(
      'CONFLICT',
      `The data folder ${folder} is already open in this process; share the open store instead of opening it twice.`,
    );
  }
  const bootId = readBootId();
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    ...(bootId !== undefined ? { bootId } : {}),
    processStartedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    lockedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  const text = `${JSON.stringify(holder, null, 2)}\n`;
  const draft = `${path}.${process.pid}-${holder.token}`;
  writeFileSync(draft, text, { mode: 0o644 });
  let tookOver: string | undefined;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, path);
        heldInThisProcess.add(path);
        return {
          path,
          holder,
          ...(tookOver !== undefined ? { tookOver } : {}),
          release: () => {
            heldInThisProcess.delete(path);
            // Only our own lock: never one another process took after ours was broken.
            if (readLock(path) === text) unlinkSync(path);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const existingText = readLock(path);
      if (existingText === undefined) continue;
      const existing = parseHolder(existingText);
      if (existing === undefined) {
        throw new TruceError(
          'CONFLICT',
          `The data folder ${folder} has a lock file truce cannot read (${path}). If no truce process uses this folder, delete that file and start again.`,
        );
      }
      const reason = staleReason(existing, path);
      if (reason === undefined) {
        throw new TruceError(
          'CONFLICT',
          `The data folder ${folder} is in use by ${describe(existing)}. Stop that process first, or point this one at another --data folder. If that process is gone, delete ${path}.`,
          [{ message: `lock holder: pid ${existing.pid}, host ${existing.host}` }],
        );
      }
      breakStaleLock(path, existingText);
      tookOver = `${describe(existing)}: ${reason}`;
    }
    throw new TruceError(
      'CONFLICT',
      `Could not lock the data folder ${folder}: other processes keep taking it. Make sure only one truce process uses it.`,
    );
  } finally {
    unlinkSync(draft);
  }
}
