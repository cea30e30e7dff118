import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TruceError } from '@truce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { lockFolder } from './folder-lock.js';
import { temporaryFolder } from './testing/fixtures.js';

const folders: string[] = [];
const folder = (): string => {
  const path = temporaryFolder('lock');
  folders.push(path);
  return path;
};

afterEach(() => {
  for (const path of folders.splice(0)) rmSync(path, { recursive: true, force: true });
});

/** The pid of a process that has exited (pids are not reused that fast). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

function writeLock(path: string, holder: Record<string, unknown>): void {
  writeFileSync(
    join(path, 'store.lock'),
    JSON.stringify({
      processStartedAt: '2025-01-01T00:00:00.000Z',
      lockedAt: '2025-01-01T00:00:01.000Z',
      token: 'someone',
      ...holder,
    }),
  );
}

function lockError(path: string): TruceError {
  try {
    lockFolder(path).release();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    return error as TruceError;
  }
  throw new Error('the folder was locked although it should not have been');
}

describe('folder lock', () => {
  it('writes who holds it, and removes only its own lock on release', () => {
    const path = folder();
    const lock = lockFolder(path);
    const written = JSON.parse(readFileSync(join(path, 'store.lock'), 'utf8'));
    expect(written).toMatchObject({ pid: process.pid, host: hostname(), token: lock.holder.token });
    expect(Date.parse(written.processStartedAt)).toBeLessThanOrEqual(Date.parse(written.lockedAt));
    lock.release();
    expect(existsSync(join(path, 'store.lock'))).toBe(false);
    // No draft or stale files are left behind.
    expect(spawnSync('ls', ['-A', path]).stdout.toString()).toBe('');
  });

  it('refuses a second lock in the same process', () => {
    const path = folder();
    const lock = lockFolder(path);
    expect(lockError(path).message).toMatch(/already open in this process/);
    lock.release();
    lockFolder(path).release();
  });

  it('names a live holder, on this host or another, and leaves its lock alone', () => {
    const path = folder();
    // pid 1 is alive on every Linux machine.
    writeLock(path, { pid: 1, host: hostname() });
    const error = lockError(path);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`process 1 on ${hostname()}`);
    expect(error.message).toContain(join(path, 'store.lock'));

    writeLock(path, { pid: deadPid(), host: 'another-machine' });
    expect(lockError(path).message).toMatch(/on another-machine/);
    expect(JSON.parse(readFileSync(join(path, 'store.lock'), 'utf8')).host).toBe('another-machine');
  });

  it('takes over a lock whose process is dead, or from before a reboot', () => {
    const path = folder();
    const pid = deadPid();
    writeLock(path, { pid, host: hostname() });
    const lock = lockFolder(path);
    expect(lock.tookOver).toContain(`process ${pid} is no longer running`);
    expect(JSON.parse(readFileSync(join(path, 'store.lock'), 'utf8')).pid).toBe(process.pid);
    lock.release();

    if (existsSync('/proc/sys/kernel/random/boot_id')) {
      writeLock(path, { pid: 1, host: hostname(), bootId: 'a-previous-boot' });
      const afterReboot = lockFolder(path);
      expect(afterReboot.tookOver).toContain('restarted');
      afterReboot.release();
    }
  });

  it('reports an unreadable lock file instead of guessing', () => {
    const path = folder();
    writeFileSync(join(path, 'store.lock'), 'not json');
    expect(lockError(path).message).toMatch(/cannot read/);
  });
});
