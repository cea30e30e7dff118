import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { AgreementsService } from '../routes/agreements/agreements-service.js';
import { sampleEvents } from '../sitrep/testing.js';
import { openPgliteStore, sqlDriverOf } from '../store/index.js';
import { appendRequest, freshPgliteFolder, temporaryFolder } from '../store/testing/fixtures.js';
import { memoryIo } from './io.js';
import { run } from './run.js';

const example = (path: string) =>
  fileURLToPath(new URL(`../../../../examples/${path}`, import.meta.url));
const agreement = example('agreements/gaza-2025.yaml');
const events = example('scenarios/gaza-2025-synthetic.jsonl');
const scratch = temporaryFolder('cli-sitrep');
const folders: string[] = [scratch];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function truce(argv: string[], env: Record<string, string> = {}) {
  // The clock of the cell: long after the sample's days.
  const io = memoryIo({ env, now: new Date('2025-06-01T10:00:00Z') });
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

describe('truce sitrep', () => {
  it('writes the report of a day from an agreement and its events', async () => {
    const out = join(scratch, 'day-7.html');
    const result = await truce([
      'sitrep',
      '--date',
      '2025-01-25',
      '--agreement',
      agreement,
      '--events',
      events,
      '--out',
      out,
    ]);
    expect(result.stderr).toContain(`wrote ${out}`);
    expect(result.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<html lang="en-GB" dir="ltr">');
    expect(html).toContain('Phase 1, Day 7 of 42');
    expect(html).toContain('<section id="compliance">');
  });

  it('writes Hebrew to stdout with --out -', async () => {
    const result = await truce([
      'sitrep',
      '--date=2025-02-22',
      '--lang=he',
      `--agreement=${agreement}`,
      `--events=${events}`,
      '--out=-',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('<html lang="he" dir="rtl">');
    expect(result.stdout).toContain('e-000979');
  });

  it('reads a cell’s data folder: its stored agreement and its ledger', async () => {
    const dataDir = await freshPgliteFolder();
    folders.push(dataDir);
    const store = await openPgliteStore({ dataDir, durability: 'process-crash' });
    const db = sqlDriverOf(store)!;
    const clock = () => new Date('2025-01-18T00:00:00Z');
    await new AgreementsService(db, new AuditLog(db), clock).upload(
      { actor: { kind: 'anonymous' }, ip: 'test' },
      readFileSync(agreement, 'utf8'),
    );
    // Entries as the ledger stores them: the envelope holds the event (signatures are the
    // ledger's business, not the report's).
    const first = sampleEvents.slice(0, 12);
    await store.append(
      first.map((event, n) =>
        appendRequest('sitrep', n, {
          entry: new TextEncoder().encode(JSON.stringify({ v: 1, id: event.id, event })),
          eventId: event.id,
          org: event.source,
        }),
      ),
    );
    await store.close();

    const out = join(scratch, 'from-data.html');
    const result = await truce(['sitrep', '--date', '2025-01-19', '--data', dataDir, '--out', out]);
    expect(result.stderr).toContain('wrote');
    expect(result.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('ledger size 12; no checkpoint signed yet');
    expect(html).toContain('Phase 1, Day 1 of 42');
    // Day 1's three released women: a small cell, shown as "fewer than 5", and nobody listed.
    expect(html).toContain('fewer than 5');
    expect(html).not.toMatch(/\b[HP]-\d{4}\b/);
  });

  it('refuses what it cannot do, with exit 2 and what to do instead', async () => {
    const cases: [string[], string][] = [
      [['sitrep', '--agreement', agreement, '--events', events], 'missing --date'],
      [['sitrep', '--date', '2025-01-25', '--data', scratch, '--agreement', agreement], 'either'],
      [['sitrep', '--date', '2025-01-25'], 'either'],
      [
        [
          'sitrep',
          '--date',
          '2025-01-25',
          '--lang',
          'fr',
          '--agreement',
          agreement,
          '--events',
          events,
        ],
        'is not one of en, ar, he',
      ],
      [
        ['sitrep', '--date', '2025-07-01', '--agreement', agreement, '--events', events],
        'has not begun',
      ],
      [
        [
          'sitrep',
          '--date',
          '2025-01-25',
          '--format',
          'pdf',
          '--out',
          '-',
          '--agreement',
          agreement,
          '--events',
          events,
        ],
        'not written to stdout',
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await truce(argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toContain(message);
    }
  });

  it('says how to get a PDF when Chromium is missing', async () => {
    const out = join(scratch, 'day-7.pdf');
    const result = await truce(
      [
        'sitrep',
        '--date',
        '2025-01-25',
        '--agreement',
        agreement,
        '--events',
        events,
        '--out',
        out,
      ],
      { TRUCE_CHROMIUM: '/nonexistent/chromium' },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(NOT_FOUND)');
    expect(result.stderr).toContain('TRUCE_CHROMIUM');
    expect(existsSync(out)).toBe(false);
  });

  it('is listed in the help', async () => {
    expect((await truce(['--help'])).stdout).toContain('sitrep --date');
    const help = await truce(['sitrep', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: truce sitrep');
  });
});
