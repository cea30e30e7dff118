import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wantsColor } from './arguments.js';
import { type MemoryIoOptions, memoryIo } from './io.js';
import { type CheckJson, evaluationJson } from './present-evaluation.js';
import { run } from './run.js';

// Small inline fixtures: the sample agreement and scenario are written by others and change.
const agreementYaml = `truce: 1
id: sample-pause
title: Sample humanitarian pause
version: 2
timeZone: Asia/Gaza
zeroHour: 2025-01-19T08:30:00+02:00
zeroHourDay: 1
parties:
  - id: side-a
    name: Side A
    roles: [party]
  - id: side-b
    name: Side B
    roles: [party]
phases:
  - id: phase-1
    name: Phase 1
    start: { day: 1 }
    durationDays: 42
obligations:
  - id: aid-trucks-daily
    kind: quota
    title: 600 aid trucks a day
    clause: 600 trucks of aid shall enter daily.
    owedBy: [side-a]
    measure: { type: aid_trucks_crossed }
    unit: trucks
    target: 600
  - id: talks-begin
    kind: deadline
    title: Talks begin by Day 16
    clause: Indirect talks shall begin no later than Day 16.
    owedBy: [side-a, side-b]
    act: { type: talks_started }
    by: { day: 16 }
`;

const trucks = (id: string, day: string, count: number) =>
  JSON.stringify({
    id,
    type: 'aid_trucks_crossed',
    occurredAt: `${day}T12:00:00+02:00`,
    reportedAt: `${day}T18:00:00+02:00`,
    source: 'un',
    payload: { crossing: 'kerem-shalom', cargo: 'food', count },
  });
const eventsJsonl = `${trucks('e-1', '2025-01-19', 300)}\n${trucks('e-2', '2025-01-20', 650)}\n`;

let dir = '';
let agreementFile = '';
let eventsFile = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-cli-'));
  agreementFile = join(dir, 'agreement.yaml');
  eventsFile = join(dir, 'events.jsonl');
  writeFileSync(agreementFile, agreementYaml);
  writeFileSync(eventsFile, eventsJsonl);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function truce(argv: string[], options: MemoryIoOptions = {}) {
  const io = memoryIo(options);
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

const stackLine = /^\s+at /m;

describe('truce help and version', () => {
  it('--help lists the commands and exits 0', async () => {
    const result = await truce(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: truce COMMAND/);
    for (const command of ['check', 'lint', 'schema']) expect(result.stdout).toContain(command);
  });

  it('help CMD and CMD --help print the same help', async () => {
    for (const command of ['check', 'lint', 'schema']) {
      const viaHelp = await truce(['help', command]);
      const viaFlag = await truce([command, '--help']);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: truce ${command}`));
      expect(viaFlag.stdout).toBe(viaHelp.stdout);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const result = await truce(['--version']);
    expect(result).toEqual({ code: 0, stdout: `truce ${pkg.version}\n`, stderr: '' });
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const result = await truce([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: truce/);
  });

  it('an unknown command or flag exits 2 with a hint and no stack', async () => {
    const command = await truce(['chek']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "chek"');
    expect(command.stderr).toContain('(USAGE)');
    const flag = await truce(['lint', agreementFile, '--strict']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("'--strict'");
    expect(flag.stderr).toContain('truce lint --help');
    expect(flag.stderr).not.toMatch(stackLine);
  });
});

describe('truce lint', () => {
  it('prints ok with the id, version and counts', async () => {
    const result = await truce(['lint', agreementFile]);
    expect(result).toEqual({
      code: 0,
      stdout: 'ok: sample-pause v2, 2 obligations, 1 phase\n',
      stderr: '',
    });
  });

  it('reads stdin for -', async () => {
    const result = await truce(['lint', '-'], { stdin: agreementYaml });
    expect(result.stdout).toBe('ok: sample-pause v2, 2 obligations, 1 phase\n');
  });

  it('prints every problem as file:line:column path: message and exits 2', async () => {
    const file = write(
      'invalid.yaml',
      agreementYaml.replace('roles: [party]', 'roles: [partie]').replace('by: { day: 16 }', ''),
    );
    const result = await truce(['lint', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `truce: ${file} does not follow the agreement format (docs/AGREEMENT-FORMAT.md) (AGREEMENT_INVALID)`,
    );
    // Line 11, column 13 is "partie" inside `roles: [partie]`.
    expect(lines).toContain(
      `${file}:11:13 parties[0].roles[0]: expected one of "party", "mediator", "guarantor", "monitor", "agency"`,
    );
    expect(
      lines.some((line) => line.startsWith(`${file}:`) && line.includes('obligations[1]')),
    ).toBe(true);
    expect(result.stderr).not.toMatch(stackLine);
  });

  it('reports YAML syntax errors with their position', async () => {
    const result = await truce(['lint', '-'], { stdin: 'truce: 1\nid: [x\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(AGREEMENT_YAML_SYNTAX)');
    expect(result.stderr).toMatch(/^<stdin>:\d+:\d+ /m);
  });

  it('names a missing file instead of crashing', async () => {
    const missing = join(dir, 'nowhere.yaml');
    const result = await truce(['lint', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `truce: cannot read ${missing}: no such file; check the path (NOT_FOUND)\n`,
    );
  });

  it('refuses a directory and a missing argument with exit 2', async () => {
    expect((await truce(['lint', dir])).code).toBe(2);
    const missing = await truce(['lint']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing AGREEMENT');
  });
});

describe('truce schema', () => {
  it('prints the agreement schema by default, as accepted on input', async () => {
    const result = await truce(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as {
      $schema: string;
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.$schema).toContain('json-schema.org');
    expect(Object.keys(schema.properties)).toContain('obligations');
    // `io: 'input'`: fields with defaults (obligations, phases…) are optional to write.
    expect(schema.required).not.toContain('obligations');
    expect(result.stdout).toBe(`${JSON.stringify(core.agreementJsonSchema(), null, 2)}\n`);
  });

  it('prints the event schema, one branch per event type', async () => {
    const result = await truce(['schema', 'event']);
    const schema = JSON.parse(result.stdout) as { oneOf: unknown[] };
    expect(schema.oneOf).toHaveLength(
      core.eventTypes.length +
        core.keyEventTypes.length +
        core.batchEventTypes.length +
        core.auditEventTypes.length,
    );
  });

  it('refuses an unknown schema name', async () => {
    const result = await truce(['schema', 'ledger']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"agreement" and "event"');
  });
});

describe('truce check: input errors exit 2 without a stack', () => {
  it('--as-of without an offset is AS_OF_INVALID', async () => {
    for (const asOf of ['2025-02-11T12:00:00', '2025-02-11', 'yesterday']) {
      const result = await truce(['check', agreementFile, eventsFile, '--as-of', asOf]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--as-of "${asOf}" is not a date-time with an offset`);
      expect(result.stderr).toContain('(AS_OF_INVALID)');
    }
  });

  it('invalid event lines are reported with file and line', async () => {
    const file = write('bad.jsonl', `${trucks('e-1', '2025-01-19', 3)}\nnot json\n`);
    const result = await truce(['check', agreementFile, file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(EVENT_JSON_SYNTAX)');
    expect(result.stderr).toMatch(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:2:1 not JSON`, 'm'),
    );
  });

  it('an invalid agreement stops check before the events are read', async () => {
    const file = write('broken.yaml', 'truce: 2\n');
    const result = await truce(['check', file, join(dir, 'absent.jsonl')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(AGREEMENT_INVALID)');
  });

  it('only one input may come from stdin', async () => {
    const result = await truce(['check', '-', '-']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stdin');
  });

  it('needs both files', async () => {
    const result = await truce(['check', agreementFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing EVENTS');
  });
});

describe('unexpected errors', () => {
  function failingIo(env: Record<string, string>) {
    const io = memoryIo({ env });
    io.stdout.write = () => {
      throw new Error('disk full');
    };
    return io;
  }

  it('exit 1 with a short message, no stack', async () => {
    const io = failingIo({});
    expect(await run(['lint', agreementFile], io)).toBe(1);
    expect(io.errors()).toContain('truce: unexpected error: disk full');
    expect(io.errors()).toContain('TRUCE_DEBUG=1');
    expect(io.errors()).not.toMatch(stackLine);
  });

  it('show the stack with TRUCE_DEBUG=1', async () => {
    const io = failingIo({ TRUCE_DEBUG: '1' });
    expect(await run(['lint', agreementFile], io)).toBe(1);
    expect(io.errors()).toMatch(stackLine);
  });
});

describe('colour', () => {
  const tokens = (...names: string[]) => names.map((name) => ({ kind: 'option', name }));
  const io = (options: MemoryIoOptions) => memoryIo(options);

  it('follows the terminal by default', () => {
    expect(wantsColor([], io({ isTTY: true }))).toBe(true);
    expect(wantsColor([], io({ isTTY: false }))).toBe(false);
  });

  it('respects NO_COLOR, and --color/--no-color win (the last one given)', () => {
    expect(wantsColor([], io({ isTTY: true, env: { NO_COLOR: '1' } }))).toBe(false);
    expect(wantsColor(tokens('color'), io({ isTTY: false, env: { NO_COLOR: '1' } }))).toBe(true);
    expect(wantsColor(tokens('no-color'), io({ isTTY: true }))).toBe(false);
    expect(wantsColor(tokens('no-color', 'color'), io({ isTTY: false }))).toBe(true);
    expect(wantsColor([], io({ isTTY: false, env: { FORCE_COLOR: '1' } }))).toBe(true);
  });
});

describe('truce check', () => {
  const asOf = '2025-01-20T20:00:00+02:00';
  const expected = () =>
    evaluationJson(
      core.evaluate(core.parseAgreement(agreementYaml), core.parseEventLines(eventsJsonl), asOf),
    );

  it('prints the header, one row per obligation and the summary', async () => {
    const result = await truce(['check', agreementFile, eventsFile, '--as-of', asOf]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    // Zero hour is Day 1 (19 January), so the evening of 20 January is Day 2 of phase 1.
    expect(lines[0]).toBe(`sample-pause v2 · as of ${asOf} · Phase 1, Day 2 of 42`);
    expect(lines[1]).toBe('Sample humanitarian pause');
    const header = lines.findIndex((line) => line.startsWith('ID'));
    const statuses = expected().obligations.map((entry) => entry.status);
    expect(lines[header + 1]).toMatch(
      new RegExp(`^aid-trucks-daily\\s+quota\\s+${statuses[0]}\\s+950 / \\d+ trucks\\b`),
    );
    expect(lines[header + 2]).toMatch(
      new RegExp(`^talks-begin\\s+deadline\\s+${statuses[1]}\\s+0 / 1 `),
    );
    expect(result.stdout).toContain('2 obligations: ');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('--json prints exactly the evaluation of the core, in the promised shape', async () => {
    const result = await truce(['check', agreementFile, eventsFile, '--as-of', asOf, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as CheckJson;
    expect(json).toEqual(expected());
    expect(Object.keys(json)).toEqual(['agreement', 'asOf', 'obligations']);
    expect(json.agreement).toEqual({ id: 'sample-pause', version: 2 });
    expect(json.obligations.map((entry) => entry.id)).toEqual(['aid-trucks-daily', 'talks-begin']);
    expect(json.obligations[0]?.progress.done).toBe(950);
    // Two-space indentation, one trailing newline: diffable and pipeable.
    expect(result.stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
  });

  it('reads the events from stdin with -', async () => {
    const fromFile = await truce(['check', agreementFile, eventsFile, '--as-of', asOf, '--json']);
    const fromStdin = await truce(['check', agreementFile, '-', '--as-of', asOf, '--json'], {
      stdin: eventsJsonl,
    });
    expect(fromStdin).toEqual(fromFile);
  });

  it('defaults --as-of to now, in the agreement time zone', async () => {
    const result = await truce(['check', agreementFile, eventsFile, '--json'], {
      now: new Date('2025-02-11T10:00:00.250Z'),
    });
    expect((JSON.parse(result.stdout) as CheckJson).asOf).toBe('2025-02-11T12:00:00+02:00');
  });

  it('--verbose gives every obligation its full why', async () => {
    const result = await truce(['check', agreementFile, eventsFile, '--as-of', asOf, '-v']);
    for (const entry of expected().obligations) {
      expect(result.stdout).toContain(`  why: ${entry.why}`);
    }
  });

  it('colours on a terminal only, and obeys NO_COLOR, --color and --no-color', async () => {
    const args = ['check', agreementFile, eventsFile, '--as-of', asOf];
    const coloured = (result: { stdout: string }) => result.stdout.includes('\u001b[');
    expect(coloured(await truce(args, { isTTY: true }))).toBe(true);
    expect(coloured(await truce(args, { isTTY: true, env: { NO_COLOR: '1' } }))).toBe(false);
    expect(coloured(await truce([...args, '--no-color'], { isTTY: true }))).toBe(false);
    expect(coloured(await truce([...args, '--color'], { isTTY: false }))).toBe(true);
  });
});

describe('truce check --amendment', () => {
  it('judges each day under the version in force, and refuses a file that amends nothing', async () => {
    // Version 3 lowers the quota to 400 from Day 2: Day 1 (prorated 388 of 600) and Day 2 (400).
    const amended = write(
      'amended.yaml',
      agreementYaml
        .replace(
          'version: 2',
          'version: 3\nsupersedes: { id: sample-pause, version: 2 }\neffectiveFrom: { day: 2 }',
        )
        .replace('target: 600', 'target: 400'),
    );
    const asOf = ['--as-of', '2025-01-21T01:00:00+02:00', '--json'];
    const before = JSON.parse(
      (await truce(['check', agreementFile, eventsFile, ...asOf])).stdout,
    ) as CheckJson;
    const after = await truce([
      'check',
      agreementFile,
      eventsFile,
      '--amendment',
      amended,
      ...asOf,
    ]);
    expect(after.code).toBe(0);
    const json = JSON.parse(after.stdout) as CheckJson;
    expect(json.agreement.version).toBe(3);
    const quota = (result: CheckJson) =>
      result.obligations.find((o) => o.id === 'aid-trucks-daily')!;
    expect(quota(before).progress.required).toBe(388 + 600 + 600);
    expect(quota(json).progress.required).toBe(388 + 400 + 400);
    const stranger = write('stranger.yaml', agreementYaml.replace('id: sample-pause', 'id: other'));
    const refused = await truce(['check', agreementFile, eventsFile, '--amendment', stranger]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not an amendment of sample-pause');
  });
});

describe('truce check --fail-on', () => {
  it('exits 3 when an obligation has a listed status, 0 otherwise, 2 for an unknown status', async () => {
    // As of Day 17 the talks (due by Day 16) are breached.
    const asOf = ['--as-of', '2025-02-04T12:00:00+02:00'];
    expect(
      (await truce(['check', agreementFile, eventsFile, ...asOf, '--fail-on', 'breached'])).code,
    ).toBe(3);
    expect(
      (await truce(['check', agreementFile, eventsFile, ...asOf, '--fail-on', 'waived,disputed']))
        .code,
    ).toBe(0);
    const unknown = await truce([
      'check',
      agreementFile,
      eventsFile,
      ...asOf,
      '--fail-on',
      'broken',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown status "broken"');
  });
});
