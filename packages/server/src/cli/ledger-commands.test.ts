import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { run } from './run.js';

const scratch = mkdtempSync(join(tmpdir(), 'truce-cli-ledger-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const example = new URL('../../../../examples/ledger', import.meta.url).pathname;

async function truce(argv: string[], options: { isTTY?: boolean } = {}) {
  const io = memoryIo(options);
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

describe('ledger commands', () => {
  it.each(['keys', 'ledger', 'export', 'verify', 'witness'])('%s --help', async (command) => {
    const result = await truce([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`truce ${command}`);
  });

  it('keys generate writes a 0600 private key, the verifier key and a registration request', async () => {
    const result = await truce(['keys', 'generate', '--org', 'qatar', '--out', scratch]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^qatar:[0-9a-f]{16}\n$/);
    expect(statSync(join(scratch, 'qatar.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(scratch, 'qatar.pub'), 'utf8')).toMatch(/^qatar\+[0-9a-f]{8}\+/);
    expect(readFileSync(join(scratch, 'qatar.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
  });

  it('verify accepts examples/ledger (exit 0), with plain lines off a terminal', async () => {
    const result = await truce(['verify', example]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK /);
    expect(result.stderr).toContain('entries:');
  });

  it('verify draws a progress bar on a terminal', async () => {
    const result = await truce(['verify', example], { isTTY: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('[#');
  });

  it('verify exits 1 with the position on a changed entry, 2 on an unreadable folder', async () => {
    const copy = join(scratch, 'copy');
    cpSync(example, copy, { recursive: true });
    const path = join(copy, 'entries.jsonl');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"count":', '"count":1'));
    const failed = await truce(['verify', copy]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAILED at entries\.jsonl:\d+ \(seq \d+\)/);
    expect((await truce(['verify', join(scratch, 'nothing')])).code).toBe(2);
  });
});
