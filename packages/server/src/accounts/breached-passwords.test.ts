import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BreachedPasswords } from './breached-passwords.js';

const folder = mkdtempSync(join(tmpdir(), 'truce-breached-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();
let files = 0;

/** A corpus of these passwords (and counts) in the published format: sorted by hash. */
function corpus(entries: [string, number][], options: { crlf?: boolean; counts?: boolean } = {}) {
  const lines = entries
    .map(([password, count]) => `${sha1(password)}${options.counts === false ? '' : `:${count}`}`)
    .sort();
  const path = join(folder, `corpus-${files++}.txt`);
  writeFileSync(path, `${lines.join(options.crlf === false ? '\n' : '\r\n')}\r\n`);
  return BreachedPasswords.open(path);
}

describe('BreachedPasswords', () => {
  it('finds every password of a large corpus and no other, first and last lines included', async () => {
    const entries = Array.from({ length: 20_000 }, (_, i): [string, number] => [
      `leaked-${i}`,
      i + 1,
    ]);
    const breached = corpus(entries);
    const sorted = [...entries].sort((a, b) => (sha1(a[0]) < sha1(b[0]) ? -1 : 1));
    for (const [password, count] of [
      sorted[0]!,
      sorted.at(-1)!,
      ...sorted.slice(0, 3000).filter((_, i) => i % 7 === 0),
    ]) {
      expect(await breached.count(password), password).toBe(count);
    }
    for (let i = 0; i < 300; i++) expect(await breached.count(`never-leaked-${i}`)).toBe(0);
  });

  it('agrees with a set lookup on any corpus, with LF or CRLF, with or without counts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 400,
        }),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        async (leaked, others, crlf, counts) => {
          const breached = corpus(
            leaked.map((password, i) => [password, i + 2]),
            { crlf, counts },
          );
          for (const [i, password] of leaked.entries()) {
            expect(await breached.count(password)).toBe(counts ? i + 2 : 1);
          }
          for (const password of others) {
            const found = await breached.count(password);
            if (leaked.includes(password)) expect(found).toBeGreaterThan(0);
            else expect(found).toBe(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a missing file or one in another format when it is opened', () => {
    expect(() => BreachedPasswords.open(join(folder, 'missing.txt'))).toThrow(/cannot be read/);
    const other = join(folder, 'other.txt');
    writeFileSync(other, 'password123\nletmein\n');
    expect(() => BreachedPasswords.open(other)).toThrow(/SHA-1 line/);
  });
});
