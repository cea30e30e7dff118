import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIo } from '../packages/server/src/cli/io.js';
import { run } from '../packages/server/src/cli/run.js';

/**
 * Rebuilds examples/ledger/: a small export of the ledger made from the first events of the
 * synthetic Gaza 2025 scenario, cosigned by three witnesses in two rounds (so the export holds
 * a consistency the witnesses checked). Demo keys are generated in a temporary folder and
 * deleted: only public material is committed. Each run makes new keys, hence new bytes.
 *
 *     npx tsx scripts/generate-ledger-example.ts [--events N]
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const countFlag = process.argv.indexOf('--events');
const count = countFlag > 0 ? Number(process.argv[countFlag + 1]) : 120;
const out = join(root, 'examples/ledger');
const work = mkdtempSync(join(tmpdir(), 'truce-ledger-example-'));
const io = processIo();
const witnesses = ['qatar', 'egypt', 'united-states'];

async function truce(...argv: string[]): Promise<string> {
  let captured = '';
  const code = await run(argv, {
    ...io,
    stdout: {
      ...io.stdout,
      write: (text) => {
        captured += text;
      },
    },
  });
  if (code !== 0) throw new Error(`truce ${argv.join(' ')} exited ${code}`);
  return captured;
}

try {
  const lines = readFileSync(join(root, 'examples/scenarios/gaza-2025-synthetic.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, count);
  const sources = new Set(lines.map((line) => (JSON.parse(line) as { source: string }).source));
  for (const org of new Set([...sources, ...witnesses])) {
    await truce('keys', 'generate', '--org', org, '--out', join(work, 'keys'));
  }
  const data = join(work, 'data');
  await truce(
    'ledger',
    'init',
    '--data',
    data,
    '--origin',
    'truce.example/gaza-2025',
    '--operator',
    'cell',
  );
  for (const org of witnesses.filter((org) => !sources.has(org))) {
    await truce(
      'ledger',
      'register',
      join(work, 'keys', `${org}.registration.json`),
      '--data',
      data,
    );
  }
  const half = Math.floor(lines.length / 2);
  for (const [round, part] of [lines.slice(0, half), lines.slice(half)].entries()) {
    const events = join(work, `events-${round}.jsonl`);
    writeFileSync(events, `${part.join('\n')}\n`);
    await truce('ledger', 'import', events, '--keys', join(work, 'keys'), '--data', data);
    const draft = join(work, `export-${round}`);
    await truce('export', '--out', draft, '--data', data);
    for (const org of witnesses) {
      const line = await truce(
        'witness',
        '--checkpoint',
        draft,
        '--key',
        join(work, 'keys', `${org}.key`),
        '--state',
        join(work, `${org}.state`),
        '--log-key',
        join(data, 'ledger/log.pub'),
      );
      await truce('ledger', 'cosign', line, '--data', data);
    }
  }
  await truce('export', '--out', out, '--data', data);
  process.stdout.write(await truce('verify', out));
} finally {
  rmSync(work, { recursive: true, force: true });
}
