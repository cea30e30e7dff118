// Peak memory of one HXL operation on one file, in a fresh process so that nothing else is
// counted. `check FILE AGREEMENT`: the import's checking pass (hash, decode, parse, map,
// validate). `import FILE AGREEMENT DATA`: the import of `truce import hxl` into a fresh log in
// DATA: the log is started and opened first (PGlite's start is not the import's), then a plain
// csv-parse of the file and the import are timed one after the other, csv-parse warmed up once
// for both, the import's own code run for the first time in the process, as a user's one import.
// Prints JSON: { maxRssMiB, heapUsedMiB, events, ms, plainMs }.
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { parseAgreement } from '@truce/core';
import { parse } from 'csv-parse';
import { OrgKeys } from '../packages/server/dist/accounts/org-keys.js';
import { HxlImporter } from '../packages/server/dist/hxl/hxl-import.js';
import { ImportsRepository } from '../packages/server/dist/hxl/imports-repository.js';
import { readHxlFile } from '../packages/server/dist/hxl/read-hxl.js';
import { Ledger, readLogIdentity } from '../packages/server/dist/ledger/index.js';
import { openPgliteStore, sqlDriverOf } from '../packages/server/dist/store/index.js';
import { peakRssMiB } from './peak-rss.mjs';

const [mode, file, agreementPath, data] = process.argv.slice(2);
let started = performance.now();
let events = 0;
let ms;
let plainMs;
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
  // The log is started by another process, as \`truce ledger init\` is run before an import: its
  // creation (two PGlite starts) would otherwise be most of this process's peak memory.
  execFileSync(
    process.execPath,
    [
      new URL('../packages/server/dist/cli/main.js', import.meta.url).pathname,
      'ledger',
      'init',
      '--data',
      data,
    ],
    { stdio: 'ignore' },
  );
  const agreement = parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath);
  const store = await openPgliteStore({ dataDir: data });
  const ledger = await Ledger.open(store, readLogIdentity(data));
  const keys = new OrgKeys(data, ledger);
  await keys.keyFor('cogat', new Date());
  const importer = new HxlImporter(ledger, new ImportsRepository(sqlDriverOf(store)), (org) =>
    keys.keyFor(org, new Date()),
  );
  const plainParse = async () => {
    const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(
      parse({ relax_column_count: true, skip_empty_lines: true }),
    );
    for await (const _record of parser);
  };
  // csv-parse, which both use, is warmed up once; the import's own code is run cold.
  await plainParse();
  started = performance.now();
  await plainParse();
  plainMs = performance.now() - started;
  started = performance.now();
  const report = await importer.import({
    open: () => createReadStream(file, { highWaterMark: 256 * 1024 }),
    fileName: 'bench.csv',
    agreement,
    reportingOrg: 'cogat',
    importedBy: 'cli:cogat',
    encoding: 'auto',
    now: new Date(),
  });
  ms = performance.now() - started;
  if (report.outcome !== 'imported') throw new Error(`import: ${report.outcome}`);
  events = report.appended;
  await ledger.close();
  await store.close();
}
process.stdout.write(
  JSON.stringify({
    maxRssMiB: peakRssMiB(),
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
    events,
    ms: ms ?? performance.now() - started,
    plainMs,
  }),
);
