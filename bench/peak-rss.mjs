// The peak resident memory of this process, in MiB. On Linux, VmHWM of /proc/self/status: the
// high-water mark of this process's own memory. Not `process.resourceUsage().maxRSS`: Linux keeps
// ru_maxrss across execve, so a process spawned by a large one (the benchmark run) reports at
// least its parent's resident memory at the fork (docs/BENCHMARKS.md, 2026-11-27).
import { readFileSync } from 'node:fs';

export function peakRssMiB() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // Not Linux: the rusage figure, which elsewhere is this process's own.
  }
  return process.resourceUsage().maxRSS / 1024;
}
