import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built binary, spawned as a user would run it: these catch what in-process tests cannot
 * (the shebang, ESM resolution of @truce/core from dist, exit codes reaching the shell).
 * They need `npx tsc -b` first, which `npm test` does.
 */
const binary = new URL('../../dist/cli/main.js', import.meta.url).pathname;

function truce(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [binary, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const agreementYaml = `truce: 1
id: spawned
title: Spawned
version: 1
timeZone: Asia/Gaza
zeroHour: 2025-01-19T08:30:00+02:00
parties: [{ id: side-a, name: Side A, roles: [party] }]
obligations:
  - id: talks-begin
    kind: deadline
    title: Talks begin by Day 16
    clause: Indirect talks shall begin no later than Day 16.
    owedBy: [side-a]
    act: { type: talks_started }
    by: { day: 16 }
`;

let dir = '';
let agreementFile = '';
beforeAll(() => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npx tsc -b\` first`);
  dir = mkdtempSync(join(tmpdir(), 'truce-bin-'));
  agreementFile = join(dir, 'agreement.yaml');
  writeFileSync(agreementFile, agreementYaml);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the truce binary', () => {
  it('starts with a node shebang', () => {
    expect(readFileSync(binary, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('prints its version and help with exit 0', () => {
    expect(truce(['--version'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^truce \d+\.\d+\.\d+\n$/),
    });
    expect(truce(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: truce'),
    });
  });

  it('lints a file and stdin with exit 0', () => {
    expect(truce(['lint', agreementFile])).toEqual({
      code: 0,
      stdout: 'ok: spawned v1, 1 obligation, 0 phases\n',
      stderr: '',
    });
    expect(truce(['lint', '-'], agreementYaml).stdout).toBe(
      'ok: spawned v1, 1 obligation, 0 phases\n',
    );
  });

  it('exits 2 on invalid input with a located message and no stack', () => {
    const result = truce(['lint', '-'], agreementYaml.replace('kind: deadline', 'kind: deadlines'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^<stdin>:10:11 obligations\[0\]\.kind: /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 2 naming a missing file', () => {
    const result = truce(['check', join(dir, 'missing.yaml'), '-']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${join(dir, 'missing.yaml')}: no such file`);
  });

  it('exits 2 on an unknown flag', () => {
    expect(truce(['schema', '--pretty']).code).toBe(2);
  });

  it('exits 2 when --data names a file, or a path through one, and creates nothing there', () => {
    for (const data of [agreementFile, join(agreementFile, 'cell')]) {
      const result = truce(['serve', '--data', data, '--port', '0']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `truce: --data ${data} is not a folder (it, or a folder on its path, is a file): name the cell's data folder, which is created if it does not exist (USAGE)\n`,
      );
    }
    expect(readFileSync(agreementFile, 'utf8')).toBe(agreementYaml);
  });

  it('exits 2 naming the path when the file system refuses one it was given, not as a bug', () => {
    const result = truce(['keys', 'generate', '--org', 'qatar', '--out', agreementFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `truce: cannot mkdir ${agreementFile}: a file is already there where a folder is needed (EEXIST); check the paths given to this command\n`,
    );
    expect(readFileSync(agreementFile, 'utf8')).toBe(agreementYaml);
  });
});
