import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The core must stay pure: no file system, network, database, clock or randomness. Time is a
 * parameter (`asOf`), so the same inputs always give the same statuses. `node:crypto` is
 * allowed for hashing and signing, which are pure functions of their inputs.
 */
const coreSource = new URL('../packages/core/src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const forbiddenModules =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads|os|readline|process)$|^(pg|postgres|@electric-sql\/pglite|better-sqlite3|mysql2?|redis|ioredis|undici|axios|node-fetch)(\/|$)/;

function purityViolations(path: string, text: string): string[] {
  const problems: string[] = [];
  const importPattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? '';
    if (forbiddenModules.test(specifier)) problems.push(`${path}: imports ${specifier}`);
  }
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  if (/\bDate\.now\s*\(/.test(code)) problems.push(`${path}: reads the clock with Date.now()`);
  if (/\bnew\s+Date\s*\(\s*\)/.test(code))
    problems.push(`${path}: reads the clock with new Date()`);
  if (/\bperformance\.now\s*\(/.test(code))
    problems.push(`${path}: reads the clock with performance.now()`);
  if (/\bMath\.random\s*\(/.test(code))
    problems.push(`${path}: draws random numbers with Math.random()`);
  if (/\bprocess\./.test(code)) problems.push(`${path}: uses process`);
  if (/\b(randomBytes|randomUUID|randomInt|generateKeyPair(Sync)?)\s*\(/.test(code)) {
    problems.push(`${path}: draws randomness from node:crypto`);
  }
  return problems;
}

describe('packages/core is pure', () => {
  it('imports no I/O module and reads neither the clock nor a random source', () => {
    const problems = sourceFiles(coreSource).flatMap((file) =>
      purityViolations(relative(coreSource, file), readFileSync(file, 'utf8')),
    );
    expect(problems).toEqual([]);
  });

  it('the check itself catches each forbidden use', () => {
    const samples = [
      "import { readFileSync } from 'node:fs';",
      "import net from 'net';",
      "import { PGlite } from '@electric-sql/pglite';",
      "const pg = await import('pg');",
      'const t = Date.now();',
      'const t = new Date();',
      'const r = Math.random();',
      "import { randomBytes } from 'node:crypto'; randomBytes(4);",
    ];
    for (const sample of samples) expect(purityViolations('x.ts', sample)).not.toEqual([]);
    expect(purityViolations('x.ts', "const d = new Date('2025-01-19T08:30:00+02:00');")).toEqual(
      [],
    );
    expect(purityViolations('x.ts', "import { createHash } from 'node:crypto';")).toEqual([]);
  });
});
