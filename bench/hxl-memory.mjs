// Peak memory of one HXL operation on one file, in a fresh process so that nothing else is
// counted. `check FILE AGREEMENT`: the import's checking pass (hash, decode, parse, map,
// validate). `import FILE AGREEMENT DATA`: `truce import hxl` into a fresh log in DATA.
// Prints JSON: { maxRssMiB, heapUsedMiB, events, ms }.
import { createReadStream, readFileSync } from 'node:fs';
import { parseAgreement } from '@truce/core';
import { run } from '../packages/server/dist/cli/run.js';
import { readHxlFile } from '../packages/server/dist/hxl/read-hxl.js';

const [mode, file, agreementPath, data] = process.argv.slice(2);
let started = performance.now();
let events = 0;
if (mode === 'check') {
  const summary = await readHxlFile(createReadStream(file, { highWaterMark: 256 * 1024 }), {
    agreement: parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath),
    reportedAt: '2025-03-02T10:00:00+02:00',
    encoding: 'auto',
    idPrefix: 'hxl-bench',
  });
  if (summary.problemCount > 0) throw new Error(JSON.stringify(summary.problems.slice(0, 3)));
  events = summary.events;
} else {
  const errors = [];
  const io = {
    stdout: { write: () => {}, isTTY: false, columns: undefined },
    stderr: { write: (text) => errors.push(text) },
    readStdin: async () => '',
    env: {},
    now: () => new Date(),
  };
  if ((await run(['ledger', 'init', '--data', data], io)) !== 0) throw new Error(errors.join(''));
  errors.length = 0;
  // The import alone is timed; starting the log (PGlite's first open) is not.
  started = performance.now();
  const code = await run(
    ['import', 'hxl', file, '--data', data, '--agreement', agreementPath, '--as', 'cogat'],
    io,
  );
  if (code !== 0) throw new Error(`import exited ${code}: ${errors.join('')}`);
  events = Number.NaN;
}
process.stdout.write(
  JSON.stringify({
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
    events,
    ms: performance.now() - started,
  }),
);
