import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine } from '../bench/harness.js';
import {
  type FuzzTarget,
  fuzzAgreementParser,
  fuzzEventSchemas,
  fuzzHttpRoutes,
  fuzzHxlImport,
  hxlImporterPresent,
} from './bad-input.js';
import { postgresAdminUrl, useBuildSnapshot } from './cell.js';
import { type CrashResult, crashCampaign } from './crash.js';
import { type DiskResult, type DiskTarget, diskFullCampaign } from './disk.js';
import { type ForgeryResult, forgeryCampaign } from './forgery.js';
import { type SlowDiskResult, slowDiskCampaign } from './slow-disk.js';
import { type SoakResult, soakCampaign } from './soak.js';

/**
 * `npm run reliability` runs the reliability campaign (docs/RELIABILITY.md says what each part
 * does) and writes docs/RELIABILITY.md with the figures of this run, the sizes that produced
 * them, the machine, versions and date.
 *
 *   --quick          small sizes (a few minutes), for development; the report says so
 *   --ci             CI sizes (20 kills per store, …); writes nothing, exits 1 on any failure
 *   --only A,B       only these parts: crash, forgery, bad-input, access, disk, slow-disk, soak
 *                    (slow-disk is not run with --ci; --slow-disk-seconds N, --slow-disk-iops N)
 *   --cycles N       kills per store (full: 1,000)
 *   --stores A,B     the stores the crash part runs on: pglite, postgres (default: both)
 *   --forgery-classes A,B  only the forgery classes whose names start so (e.g. "truncation")
 *   --fuzz N         cases per fuzz target (full: 100,000)
 *   --soak-minutes N soak length (full: 30)
 *   --disk-targets A,B where the disk fills: pglite, postgres-data, postgres-wal (CI: pglite)
 *   --no-write       print, do not write docs/RELIABILITY.md
 */

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const ci = flag('--ci');
const quick = flag('--quick') || ci;
const mode = ci ? 'ci' : quick ? 'quick' : 'full';
const only = value('--only')?.split(',');
const wanted = (part: string) => only === undefined || only.includes(part);
const sizes = {
  cycles: Number(value('--cycles') ?? (mode === 'full' ? 1000 : 20)),
  forgeryEvents: Number(value('--forgery-events') ?? (mode === 'ci' ? 2000 : 10_000)),
  forgeryTrials: Number(
    value('--forgery-trials') ?? (mode === 'full' ? 100 : mode === 'quick' ? 20 : 10),
  ),
  consistencyUpTo: Number(value('--consistency') ?? (mode === 'ci' ? 256 : 1024)),
  eventFuzz: Number(
    value('--event-fuzz') ??
      value('--fuzz') ??
      (mode === 'full' ? 100_000 : mode === 'quick' ? 2000 : 1000),
  ),
  hxlFuzz: Number(
    value('--hxl-fuzz') ??
      value('--fuzz') ??
      (mode === 'full' ? 100_000 : mode === 'quick' ? 500 : 300),
  ),
  httpFuzz: Number(
    value('--http-fuzz') ??
      value('--fuzz') ??
      (mode === 'full' ? 100_000 : mode === 'quick' ? 2000 : 1000),
  ),
  agreementFuzz: Number(
    value('--agreement-fuzz') ??
      value('--fuzz') ??
      (mode === 'full' ? 100_000 : mode === 'quick' ? 500 : 300),
  ),
  soakMinutes: Number(value('--soak-minutes') ?? (mode === 'full' ? 30 : mode === 'quick' ? 2 : 1)),
};
const n = (x: number) => x.toLocaleString('en');
const full = {
  cycles: 1000,
  forgeryEvents: 10_000,
  forgeryTrials: 100,
  consistencyUpTo: 1024,
  eventFuzz: 100_000,
  httpFuzz: 100_000,
  hxlFuzz: 100_000,
  agreementFuzz: 100_000,
  soakMinutes: 30,
};
const smaller = (Object.keys(full) as (keyof typeof full)[]).filter((k) => sizes[k] < full[k]);
const sizeLine = `sizes: ${n(sizes.cycles)} kills per store, a ledger of ${n(sizes.forgeryEvents)} events and ${sizes.forgeryTrials} mutations per class and verifier, consistency proofs up to ${n(sizes.consistencyUpTo)}, ${n(sizes.agreementFuzz)} agreements, ${n(sizes.eventFuzz)} events, ${n(sizes.hxlFuzz)} HXL files and ${n(sizes.httpFuzz)} requests fuzzed, a ${sizes.soakMinutes}-minute soak${smaller.length ? ` — **smaller than the full campaign** (1,000 kills per store, 100 mutations per class, 100,000 cases per fuzz target, a 30-minute soak) in ${smaller.join(', ')}, for lack of time on a machine shared with five other engineers; \`npm run reliability\` with no options runs the full sizes` : ' (the full campaign)'}`;
function report(partial: boolean): string {
  const header = [
    '# Reliability',
    '',
    `Written by \`npm run reliability${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; ${sizeLine}. Do not edit by hand: run it again. \`.ci/run\` runs \`npm run reliability -- --ci\` (smaller sizes, writes nothing, fails CI on any failure).`,
    '',
    ...machineLines.map((line) => `- ${line}`),
    ...versions().map((line) => `- ${line}`),
    `- Load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')} (six engineers share this machine)`,
    `- Result: ${failures.length ? `**failed: ${failures.join(', ')}**` : partial ? 'so far, every part met its goal' : 'every part met its goal'}`,
    '',
    ...(partial
      ? ['**Partial: the run is still going; this file is rewritten after each part.**', '']
      : []),
  ];
  return `${[...header, ...sections].join('\n')}\n`;
}

/** After each part, so that a run cut short still leaves its figures. */
function partialReport(): void {
  if (write) writeFileSync(new URL('../docs/RELIABILITY.md', import.meta.url), report(true));
}

const write = !flag('--no-write') && !ci && only === undefined;
const seed = Number(value('--seed') ?? Date.now() % 1_000_000);
const started = new Date();
const machineLines = machine();
const log = (line: string) => process.stderr.write(`${line}\n`);
// Only the parts that start `truce serve` as a child need the copy of the build.
if (['crash', 'disk', 'slow-disk', 'soak'].some(wanted)) {
  log(`reliability: children run the build copied to ${useBuildSnapshot()}`);
}
const failures: string[] = [];
const sections: string[] = [];
const pct = (a: number, b: number) =>
  b === 0 ? '—' : `${((100 * a) / b).toFixed(a === b ? 0 : 2)}%`;

function versions(): string[] {
  const pkg = (name: string) => {
    try {
      return (
        JSON.parse(
          readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
        ) as { version: string }
      ).version;
    } catch {
      return '?';
    }
  };
  const postgres = spawnSync('psql', [postgresAdminUrl, '-Atc', 'SHOW server_version'], {
    encoding: 'utf8',
  });
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).stdout.trim();
  return [
    `truce at commit ${commit} (with the working tree of the run)`,
    `PGlite ${pkg('@electric-sql/pglite')}, PostgreSQL ${postgres.stdout.trim() || 'not reachable'} on 127.0.0.1, Fastify ${pkg('fastify')}, fast-check ${pkg('fast-check')}`,
  ];
}

// ---------------------------------------------------------------- crash
if (wanted('crash')) {
  const results: CrashResult[] = [];
  const stores = (['pglite', 'postgres'] as const).filter(
    (store) => value('--stores')?.split(',').includes(store) ?? true,
  );
  for (const store of stores) {
    log(`reliability: crash on ${store}, ${n(sizes.cycles)} kills…`);
    const result = await crashCampaign({
      store,
      cycles: sizes.cycles,
      clients: 4,
      batch: 5,
      maxLoadMs: 1500,
      log,
    });
    results.push(result);
    log(
      `  ${store}: acknowledged ${n(result.acknowledged)}, lost ${result.lost}, duplicated ${result.duplicated}, receipts differing ${result.receiptMismatches}, export ${result.exportVerified ? 'verified' : result.exportDetail}`,
    );
    if (
      result.lost ||
      result.duplicated ||
      result.receiptMismatches ||
      result.promisesInvalid ||
      result.checkpointProblems ||
      !result.exportVerified ||
      result.unexpected.length
    ) {
      failures.push(`crash on ${store}`);
    }
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  sections.push(
    '## Crash: SIGKILL under load',
    '',
    `\`truce serve\` as a child process; 4 clients submit signed envelopes (5 per request, \`POST /api/v1/events/signed\`) at full speed over HTTP; a supervisor kills the server with SIGKILL 50–${50 + 1500} ms after it is ready (one kill in five lands while it is still starting or recovering) and starts it again. After every restart, before the clients go on: the entries appended since the last restart are read back through the API (seqs gapless, no event id twice, each acknowledged event at its seq with its leaf hash); the latest signed checkpoint must verify with the log key, have the root of the tree recomputed from everything read back so far, and a valid consistency proof (from the server) from the previous one; each client's last acknowledged request is sent again with the same idempotency keys and must get the original receipts (seq, leaf hash, appendedAt, checkpointBy; \`idempotent: true\`; the signed promise verifies). A request the kill left unanswered is sent again by its client. At the end the server is stopped with SIGTERM, the log exported with \`truce export\` and the export verified with the existing verifier (\`verifyExport\`, what \`truce verify\` runs); its root must equal the recomputed one.`,
    '',
    '| store | kills | acknowledged events | acknowledged only on a retry | lost | duplicated | retries checked (receipts differing) | checkpoints checked (problems) | export | killed while starting | start-up (median) | time |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.store === 'pglite' ? 'PGlite (default durability)' : 'PostgreSQL'} | ${n(r.cycles)} | ${n(r.acknowledged)} | ${n(r.acknowledgedOnRetry)} | **${r.lost}** | **${r.duplicated}** | ${n(r.receiptRetries)} (${r.receiptMismatches}${r.promisesInvalid ? `, ${r.promisesInvalid} promises invalid` : ''}) | ${n(r.checkpointsChecked)} (${r.checkpointProblems}) | ${r.exportVerified ? 'verified' : '**failed**'}: ${r.exportDetail} | ${r.killedWhileStarting} | ${(median(r.startupMs) / 1000).toFixed(1)} s | ${(r.seconds / 60).toFixed(1)} min |`,
    ),
    '',
    ...results.flatMap((r) =>
      r.unexpected.length
        ? [`Unexpected on ${r.store}:`, '', ...r.unexpected.map((u) => `- ${u}`), '']
        : [],
    ),
    '"Acknowledged only on a retry": the server committed the request but was killed before answering; the client sent it again with the same idempotency keys and got the original receipts (`idempotent: true`). Those are counted once among the acknowledged events.',
    '',
    "The server runs with `node --liftoff-only` (as `pglite-crash.test.ts` does): a process that lives a second gains nothing from optimising PGlite's WebAssembly, and it halved the start-up here. PostgreSQL runs in a database created for the run and dropped after it.",
    '',
  );
  partialReport();
}

// ---------------------------------------------------------------- forgery
if (wanted('forgery')) {
  log(
    `reliability: forgery, a ledger of ${n(sizes.forgeryEvents)} events, ${sizes.forgeryTrials} mutations per class…`,
  );
  const result: ForgeryResult = await forgeryCampaign({
    events: sizes.forgeryEvents,
    trials: sizes.forgeryTrials,
    consistencyUpTo: sizes.consistencyUpTo,
    ...(value('--forgery-classes') ? { classes: value('--forgery-classes')!.split(',') } : {}),
    seed,
    log,
  });
  const tried = result.classes.reduce((a, c) => a + c.tried, 0);
  const rejected = result.classes.reduce((a, c) => a + c.rejected, 0);
  if (
    tried !== rejected ||
    result.consistencyFailures ||
    result.consistencyMutationsRejected !== result.consistencyMutationsTried
  ) {
    failures.push('forgery');
  }
  sections.push(
    '## Forgery: mutated exports and proofs',
    '',
    `A ledger of ${n(result.events)} events (${n(result.entries)} entries with the genesis and four key registrations; ${result.checkpoints} checkpoints, the latest cosigned by two witnesses and one earlier by a third) is exported with \`exportLedger\` (what \`truce export\` writes). Each mutation changes one thing — one byte (to another of the same kind four times in five, so that parsers pass it on to the cryptographic checks; to any byte otherwise), or whole lines or files — and the copy goes to \`truce verify\`'s verifier (\`verifyExport\`, in-process, log key pinned) and to the browser verifier (\`packages/web/src/verify\`, WebCrypto, run in Node; its input is the latest checkpoint, entries.jsonl and cosignatures.jsonl, so it is not counted for mutations of anything else). A forger would also fix the unsigned manifest: **every mutated copy gets a recomputed manifest** (sizes and SHA-256 of every file), so what rejects it is the signatures, the tree and the rules; only the manifest class leaves it as mutated. A cosignature mutation counts as rejected by the browser verifier when it reports a problem or fewer verified cosigners. Seed ${seed}.`,
    '',
    '| mutation class | verifier | tried | rejected | rate | caught by (most frequent) |',
    '|---|---|---|---|---|---|',
    ...result.classes.map((c) => {
      const top = [...c.caughtBy]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, v]) => `${k.trim()} (${v})`)
        .join('; ');
      return `| ${c.name} | ${c.verifier} | ${n(c.tried)} | ${n(c.rejected)} | ${pct(c.rejected, c.tried)} | ${top.replaceAll('|', '\\|')} |`;
    }),
    `| **all** | | **${n(tried)}** | **${n(rejected)}** | **${pct(rejected, tried)}** | |`,
    '',
    ...result.classes.flatMap((c) =>
      c.accepted.length
        ? [
            `Accepted by ${c.verifier} (${c.name}):`,
            '',
            ...c.accepted.slice(0, 5).map((a) => `- \`${a}\``),
            '',
          ]
        : [],
    ),
    `**Consistency proofs:** for every 1 ≤ m ≤ n ≤ ${n(sizes.consistencyUpTo)} (${n(result.consistencyPairs)} pairs), the proof read from the store's stored nodes (\`tree-reads.ts\`, shared by the PGlite and PostgreSQL stores; on the memory store here) verified against roots recomputed from the entries: ${n(result.consistencyPairs - result.consistencyFailures)} of ${n(result.consistencyPairs)} verified. Each non-empty one was also given with one byte of one node changed: ${n(result.consistencyMutationsRejected)} of ${n(result.consistencyMutationsTried)} rejected.`,
    '',
    `**Equivalent encodings found and removed:** in this campaign's first runs, swapping the two cosignature lines of one checkpoint verified with \`truce verify\` — the same two valid cosignatures, in another order; no information changed, but an export had two encodings. \`truce export\` now writes cosignatures by checkpoint size then witness in code-point order (not the database's collation) and \`verifyExport\` refuses any other order (\`export-verify.test.ts\`). The browser verifier takes cosignatures as a set, so order is not one of its inputs.`,
    '',
    `**Accepted by design:** an export rolled back to an earlier checkpoint (entries cut at that checkpoint's size, later checkpoints and their cosignatures removed, manifest rewritten) is a valid export of an earlier state — ${result.rollbackAccepted ? 'accepted, as expected' : 'REFUSED (unexpected)'}. An export alone cannot show a truncation; a witness's state file or any later checkpoint a party holds does (docs/LEDGER.md, trust model). Not counted above.`,
    '',
    `Time: ${(result.seconds / 60).toFixed(1)} min.`,
    '',
  );
  partialReport();
}

// ---------------------------------------------------------------- bad input
if (wanted('bad-input')) {
  log(
    `reliability: bad input, ${n(sizes.agreementFuzz)} agreements, ${n(sizes.eventFuzz)} events, ${n(sizes.httpFuzz)} requests…`,
  );
  const targets: FuzzTarget[] = [];
  targets.push(fuzzAgreementParser(sizes.agreementFuzz, seed));
  log(
    `  ${targets.at(-1)!.name}: ${n(targets.at(-1)!.cases)} cases, ${targets.at(-1)!.failures} failures`,
  );
  targets.push(fuzzEventSchemas(sizes.eventFuzz, seed));
  log(
    `  ${targets.at(-1)!.name}: ${n(targets.at(-1)!.cases)} cases, ${targets.at(-1)!.failures} failures`,
  );
  if (hxlImporterPresent()) {
    targets.push(await fuzzHxlImport(sizes.hxlFuzz, seed));
    log(
      `  ${targets.at(-1)!.name}: ${n(targets.at(-1)!.cases)} cases, ${targets.at(-1)!.failures} failures`,
    );
  }
  const http = await fuzzHttpRoutes(sizes.httpFuzz, seed);
  targets.push(http);
  log(`  ${http.name}: ${n(http.cases)} cases, ${http.failures} failures`);
  if (targets.some((t) => t.failures)) failures.push('bad input');
  sections.push(
    '## Bad input: property-based fuzzing',
    '',
    `fast-check properties, seed ${seed}. The agreement parser gets the sample agreements edited at random (deletions, insertions of random text and of YAML syntax — anchors, tags, tabs, NUL, bidi controls —, replaced characters, swapped lines), random strings and random JSON; it must return an agreement or throw a \`TruceError\` with an \`AGREEMENT_*\` code and a message. The event schemas get one sample of every event type in the synthetic scenario with a random member replaced by any value or removed, any value at all, and edited JSON Lines; \`EVENT_*\` codes only. Every HTTP route the server registers (its route list, ${http.routes} method × path pairs) is called through Fastify's injector as every role and as anonymous, with random path segments, query strings, headers, content types and bodies; one case in four is a signed submission by a reporting mediator with 1–5 envelopes, some nearly valid (a signature, an event, an organisation, a key id or a member wrong). Never a 5xx, every error in the one shape with a stable code and no stack trace; and never half a request stored: after each request the ledger holds exactly the entries its answer acknowledged (none for a refusal; key registrations the server adds for an organisation's first server-signed event are recognised), and at the end the stored tree is recomputed from the entries.`,
    '',
    '| target | cases | failures | time | note |',
    '|---|---|---|---|---|',
    ...targets.map(
      (t) =>
        `| ${t.name} | ${n(t.cases)} | **${t.failures}** | ${t.seconds.toFixed(0)} s | ${(t.counterexample ? `counterexample: \`${t.counterexample}\` — ` : '') + (t.detail ?? '')} |`,
    ),
    '',
    hxlImporterPresent()
      ? '**HXL importer:** landed during this campaign; fuzzed through its route (`POST /api/v1/imports`) with the first rows of the two sample files (`examples/aid/`) edited as above, random options (dry run, zone, encoding, delimiter) and content types; whole or nothing is checked after every request. Its route is also in the all-routes target.'
      : '**HXL importer:** not in the tree when this ran (being built in `packages/core/src/hxl` and `packages/server/src/hxl`); not fuzzed.',
    '',
    ...(sizes.agreementFuzz < 100_000
      ? [
          `The agreement parser ran ${n(sizes.agreementFuzz)} cases, not 100,000: at ${((1000 * targets[0]!.seconds) / Math.max(1, targets[0]!.cases)).toFixed(1)} ms a case on this shared machine, 100,000 take about ${Math.round(((targets[0]!.seconds / Math.max(1, targets[0]!.cases)) * 100_000) / 60)} minutes.`,
          '',
        ]
      : []),
  );
  partialReport();
}

// ---------------------------------------------------------------- access
if (wanted('access')) {
  log('reliability: access (the route × role matrix test)…');
  const out = join(mkdtempSync(join(tmpdir(), 'truce-reliability-access-')), 'vitest.json');
  const tests = ['packages/server/src/policies/matrix.test.ts'];
  const personsTest = 'packages/server/src/persons/persons.test.ts';
  tests.push('test/person-reads-audited.test.ts');
  const personsPresent = existsSync(new URL(`../${personsTest}`, import.meta.url));
  if (personsPresent) tests.push(personsTest);
  spawnSync('npx', ['vitest', 'run', ...tests, '--reporter=json', `--outputFile=${out}`], {
    stdio: 'ignore',
  });
  const report = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as {
        testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
      })
    : { testResults: [] };
  rmSync(join(out, '..'), { recursive: true, force: true });
  const rows = report.testResults.flatMap((file) =>
    file.assertionResults.map(
      (a) =>
        `| \`${file.name.replace(/^.*?\/(packages|test)\//, '$1/')}\` | ${a.title} | ${a.status} |`,
    ),
  );
  const matrixSource = readFileSync(
    new URL('../packages/server/src/policies/matrix.ts', import.meta.url),
    'utf8',
  );
  const principals = /principals\s*=\s*\[([^\]]*)\]/
    .exec(matrixSource)?.[1]
    ?.split(',')
    .filter((p) => p.trim()).length;
  if (
    rows.length === 0 ||
    report.testResults.some((f) => f.assertionResults.some((a) => a.status !== 'passed'))
  ) {
    failures.push('access');
  }
  sections.push(
    '## Access',
    '',
    `\`packages/server/src/policies/matrix.test.ts\` calls every route the server registers as every principal${principals ? ` (${principals}: five roles and anonymous)` : ''} and checks each answer against \`policies/matrix.ts\`, the one table of who may do what; the route count is in the bad-input section (the same route list). Run as part of this campaign:`,
    '',
    '| file | test | result |',
    '|---|---|---|',
    ...rows,
    '',
    personsPresent
      ? "**Person data:** the person register (issue 7) is in the tree; its test of decryption per role and field, every attempt audited, ran above. `test/person-reads-audited.test.ts` (written in this campaign) puts a names list naming H-0001 in the log, then calls every GET route in the server's route list as every role and as anonymous: every answer that carries the person id must have added an audit line naming that user."
      : '**Person data:** the person register (issue 7) was not in the tree when this ran; the test that every read of person data is audited is not written.',
    '',
  );
  partialReport();
}

// ---------------------------------------------------------------- disk
if (wanted('disk')) {
  const targets = (
    value('--disk-targets') ?? (mode === 'ci' ? 'pglite' : 'pglite,postgres-data,postgres-wal')
  ).split(',') as DiskTarget[];
  const results: DiskResult[] = [];
  for (const target of targets) {
    log(`reliability: disk full, ${target}…`);
    const result = await diskFullCampaign({
      target,
      sizeMb: target === 'postgres-wal' ? 48 : 128,
      attempts: mode === 'full' ? 200 : 30,
      log,
    });
    results.push(result);
    log(
      `  ${target}: ${result.skipped ?? `answers while full ${[...result.answersWhileFull].map(([k, v]) => `${k} × ${v}`).join(', ')}; recovered after ${result.recoveredAfterMs?.toFixed(0)} ms; lost ${result.lost}, duplicated ${result.duplicated}`}`,
    );
    if (
      !result.skipped &&
      (result.lost ||
        result.duplicated ||
        !result.serverSurvived ||
        result.recoveredAfterMs === undefined ||
        [...result.answersWhileFull.keys()].some((k) => !/^(201|507 STORAGE_FULL|503)/.test(k)))
    ) {
      failures.push(`disk full (${target})`);
    }
  }
  const where: Record<DiskTarget, string> = {
    pglite: "PGlite: the cell's data folder on a 128 MiB tmpfs",
    'postgres-data':
      "PostgreSQL: a database of its own in a tablespace on a 128 MiB tmpfs (tables and indexes; the WAL on the cluster's disk)",
    'postgres-wal':
      'PostgreSQL: a scratch cluster of its own (initdb, 1 MiB WAL segments, no checkpoint during the run) whose pg_wal is a 48 MiB tmpfs',
  };
  sections.push(
    '## Disk full',
    '',
    '`truce serve` acknowledges 200 events (40 requests of 5 signed envelopes), then a file fills the tmpfs to the last byte and more requests are sent; then the file is deleted and the same server must acknowledge again without a restart; finally it is stopped, started again, and every acknowledged event read back (seq and leaf hash as acknowledged, none twice). Mounts, tablespace, scratch database and cluster are made for the run and removed after it.',
    '',
    '| where the disk is full | acknowledged before | requests while full: answers | events acknowledged while full | server | acknowledging again after space returned | lost | duplicated |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map((r) =>
      r.skipped
        ? `| ${where[r.target]} | skipped: ${r.skipped} | | | | | | |`
        : `| ${where[r.target]} | ${n(r.acknowledgedBefore)} | ${r.attemptsWhileFull}: ${[...r.answersWhileFull].map(([k, v]) => `${k} × ${v}`).join(', ')} | ${n(r.acknowledgedWhileFull)} | ${r.serverSurvived ? 'stayed up' : '**exited**'} | ${r.recoveredAfterMs === undefined ? '**never**' : `${r.recoveredAfterMs.toFixed(0)} ms`}${r.restartedByHand ? ' (PostgreSQL had stopped; started again by hand)' : ''} | **${r.lost}** of ${n(r.acknowledgedAfter)} | **${r.duplicated}** |`,
    ),
    '',
    ...results.flatMap((r) => [
      ...(r.notes.length ? [`${r.target}: ${r.notes.join(' ')}`, ''] : []),
      ...(r.postgresLog?.length
        ? [
            `What the scratch cluster logged while its WAL was full (${r.postgresLog.length} lines; the first and last):`,
            '',
            '```',
            ...[...new Set([...r.postgresLog.slice(0, 6), ...r.postgresLog.slice(-4)])].map(
              (line) => line.replace(/^\S+ \S+ \S+ \[\d+\] /, ''),
            ),
            '```',
            '',
          ]
        : []),
    ]),
    'A full disk answers `STORAGE_FULL`, HTTP 507: the store turns SQLSTATE 53100 (disk_full, from PGlite and PostgreSQL alike) into it, with a message that says nothing of the request was stored and to send it again with the same idempotency keys (`packages/server/src/store/storage-errors.ts`, its test beside it). PostgreSQL rolls the statement back, so nothing is half-written.',
    '',
  );
  partialReport();
}

// ---------------------------------------------------------------- slow disk
if (wanted('slow-disk') && mode !== 'ci') {
  const seconds = Number(value('--slow-disk-seconds') ?? (mode === 'full' ? 60 : 20));
  log(`reliability: slow disk, ${seconds} s unthrottled and ${seconds} s throttled…`);
  const writeIops = Number(value('--slow-disk-iops') ?? 5);
  const result: SlowDiskResult = await slowDiskCampaign({ seconds, writeIops, log });
  const bad = result.runs.filter((r) => r.lost || r.duplicated || r.errors.size);
  if (!result.skipped && bad.length) failures.push('slow disk');
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  sections.push(
    '## Slow disk',
    '',
    result.skipped
      ? `Skipped: ${result.skipped}.`
      : `A PGlite cell's data folder on ext4 in a loop device; \`truce serve\` in a cgroup (v1 blkio) that allows it ${result.writeIops} writes a second on that device, so that each flush (the WAL's fdatasync at every commit) waits for the "disk" (no device-mapper \`dm-delay\` or FUSE on this machine; the cgroup throttles the flushes a process makes itself, which is what a commit waits for). The same bounded load for ${result.seconds} s on an unthrottled cell and on the throttled one: three clients submitting 5 signed envelopes a request (50 ms apart), one reading \`/api/v1/status\` every 100 ms, one listing events every 200 ms. Then each server is stopped, started again, and every acknowledged event read back.`,
    '',
    ...(result.skipped
      ? []
      : [
          '| disk | requests | events acknowledged | submit p50 / p99 | status p50 / p99 | events p50 / p99 | errors | lost | duplicated |',
          '|---|---|---|---|---|---|---|---|---|',
          ...result.runs.map(
            (r) =>
              `| ${r.throttled ? `throttled to ${result.writeIops} writes/s` : 'unthrottled'} | ${n(r.requests)} | ${n(r.acknowledged)} | ${ms(r.p50.submit)} / ${ms(r.p99.submit)} | ${ms(r.p50.status)} / ${ms(r.p99.status)} | ${ms(r.p50.events)} / ${ms(r.p99.events)} | ${r.errors.size ? [...r.errors].map(([k, v]) => `${k} × ${v}`).join(', ') : 'none'} | **${r.lost}** | **${r.duplicated}** |`,
          ),
          '',
        ]),
  );
  partialReport();
}

// ---------------------------------------------------------------- soak
if (wanted('soak')) {
  log(`reliability: soak, ${sizes.soakMinutes} min…`);
  const result: SoakResult = await soakCampaign({ minutes: sizes.soakMinutes, log });
  // Drift is growth: a p99 or a memory that fell from the start window (warm-up) is not a leak.
  const within = result.p99Drift <= 0.2 && result.memoryDrift <= 0.2;
  // In CI (a one-minute soak on a shared runner, the ledger growing five-fold meanwhile) the p99
  // of one window is noise: CI fails on errors and memory growth, the p99 drift is judged on the
  // full 30-minute soak, whose figure is in docs/RELIABILITY.md.
  const failed = mode === 'ci' ? result.memoryDrift > 0.2 : !within;
  if (failed || result.errors.size) failures.push('soak');
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
  sections.push(
    `## Soak: ${sizes.soakMinutes} minutes of mixed load`,
    '',
    "`truce serve` on PGlite, on 127.0.0.1, bounded load: three clients submitting 5 signed envelopes a request with 50 ms between requests, two reading `/api/v1/status` every 100 ms, one listing events every 200 ms, one reading the latest checkpoint and a consistency proof every 500 ms. The start window is the second tenth of the run (the first is warm-up), the end window the last tenth; memory is the server's resident set (/proc), sampled every second.",
    '',
    '| window | requests | p50 | p99 | server memory (RSS) | ledger entries |',
    '|---|---|---|---|---|---|',
    `| start | ${n(result.first.requests)} | ${result.first.p50.toFixed(1)} ms | ${result.first.p99.toFixed(1)} ms | ${result.first.rssMb.toFixed(0)} MB | ${n(result.first.entries)} |`,
    `| end | ${n(result.last.requests)} | ${result.last.p50.toFixed(1)} ms | ${result.last.p99.toFixed(1)} ms | ${result.last.rssMb.toFixed(0)} MB | ${n(result.last.entries)} |`,
    `| drift | | | **${signed(result.p99Drift)}** | **${signed(result.memoryDrift)}** | |`,
    '',
    `Goal: no growth of more than 20% from the start window to the end window (a fall is not counted against it) — ${within ? 'met' : '**not met**'}. p99 per kind, start → end: ${[...result.perKind].map(([k, v]) => `${k} ${v.first.toFixed(1)} → ${v.last.toFixed(1)} ms`).join('; ')}. ${n(result.requests)} requests in all; errors: ${result.errors.size ? [...result.errors].map(([k, v]) => `${k} × ${v}`).join(', ') : 'none'}.`,
    '',
  );
  partialReport();
}

const text = report(false);
if (write) {
  writeFileSync(new URL('../docs/RELIABILITY.md', import.meta.url), text);
  log('reliability: wrote docs/RELIABILITY.md');
} else {
  process.stdout.write(text);
}
if (failures.length) log(`reliability: FAILED: ${failures.join(', ')}`);
process.exit(failures.length ? 1 : 0);
