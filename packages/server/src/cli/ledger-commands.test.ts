import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../ledger/testing.js';
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

  it('a witness cosigns each export consistent with the last it cosigned; the operator stores and lists the lines; a log gone back is refused', async () => {
    const dir = mkdtempSync(join(scratch, 'witness-'));
    const keys = join(dir, 'keys');
    const data = join(dir, 'data');
    const state = join(dir, 'qatar.state');
    const events = (from: number, to: number) => {
      const path = join(dir, `events-${from}.jsonl`);
      const lines = [];
      for (let i = from; i < to; i++) lines.push(JSON.stringify(sampleEvent(`w-${i}`, 'qatar', i)));
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    expect((await truce(['keys', 'generate', '--org', 'qatar', '--out', keys])).code).toBe(0);
    expect((await truce(['ledger', 'init', '--data', data])).code).toBe(0);
    expect(
      (await truce(['ledger', 'import', events(0, 5), '--keys', keys, '--data', data])).code,
    ).toBe(0);
    const witness = async (exported: string) => {
      const result = await truce([
        'witness',
        '--checkpoint',
        exported,
        '--key',
        join(keys, 'qatar.key'),
        '--state',
        state,
        '--log-key',
        join(data, 'ledger', 'log.pub'),
      ]);
      const size = /at size (\d+) as qatar/.exec(result.stderr)?.[1];
      return { ...result, line: result.stdout.trim(), size };
    };
    const first = join(dir, 'export-1');
    expect((await truce(['export', '--out', first, '--data', data])).code).toBe(0);
    const one = await witness(first);
    expect(one.code).toBe(0);
    expect(one.line).toMatch(/^— qatar [A-Za-z0-9+/=]+$/);
    const cosigned = await truce([
      'ledger',
      'cosign',
      one.line,
      '--size',
      one.size!,
      '--data',
      data,
    ]);
    expect(cosigned.code).toBe(0);
    const cosigners = await truce(['ledger', 'cosigners', '--size', one.size!, '--data', data]);
    expect(cosigners.stdout).toMatch(/^qatar\t\d{4}-\d\d-\d\dT/);

    // The log grows: the witness checks the new export against the size it remembers.
    expect(
      (await truce(['ledger', 'import', events(5, 9), '--keys', keys, '--data', data])).code,
    ).toBe(0);
    const second = join(dir, 'export-2');
    expect((await truce(['export', '--out', second, '--data', data])).code).toBe(0);
    // Until it cosigns again, it shows behind by the entries appended since.
    const behind = await truce(['ledger', 'witnesses', '--data', data]);
    expect(behind.stdout).toMatch(new RegExp(`^qatar\t${one.size}\t\\S+\t4 behind\n$`));
    const two = await witness(second);
    expect(two.code).toBe(0);
    expect(Number(two.size)).toBe(Number(one.size) + 4);
    expect((await truce(['ledger', 'cosign', two.line, '--data', data])).code).toBe(0);
    expect((await truce(['ledger', 'witnesses', '--data', data])).stdout).toMatch(
      new RegExp(`^qatar\t${two.size}\t\\S+\tlatest\n$`),
    );

    // Shown the earlier, shorter log again (a rollback, or a fork shown to this party): refused.
    const back = await witness(first);
    expect(back.code).toBe(2);
    expect(back.stderr).toContain('refusing to cosign');
    // A line from a key the log does not hold for qatar is not stored.
    const stranger = join(dir, 'stranger');
    await truce(['keys', 'generate', '--org', 'qatar', '--out', stranger]);
    const forged = await truce([
      'witness',
      '--checkpoint',
      second,
      '--key',
      join(stranger, 'qatar.key'),
      '--state',
      join(dir, 'stranger.state'),
      '--log-key',
      join(data, 'ledger', 'log.pub'),
    ]);
    expect(forged.code).toBe(0);
    const refused = await truce(['ledger', 'cosign', forged.stdout.trim(), '--data', data]);
    expect(refused.code).not.toBe(0);
  }, 60_000);
});
