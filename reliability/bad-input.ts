import { existsSync, readFileSync } from 'node:fs';
import {
  type ErrorCode,
  errorCodes,
  isTruceError,
  ledger,
  parseAgreement,
  parseEvent,
  parseEventLines,
} from '@truce/core';
import fc from 'fast-check';
import { startTestServer } from '../packages/server/src/http/testing.js';
import {
  newKey,
  registration,
  sampleEvent,
  signedEvent,
} from '../packages/server/src/ledger/testing.js';

/**
 * Bad input: property-based fuzzing (fast-check) of the agreement parser, the event schemas and
 * every HTTP route the server registers. The parsers must return a value or throw a TruceError
 * with one of their stable codes, never anything else; the server must never answer 5xx, always
 * answer errors in the one shape with a stable code, and never store half a request: after each
 * request the ledger holds exactly what the answer acknowledged (nothing for a refusal).
 */

export interface FuzzTarget {
  name: string;
  cases: number;
  failures: number;
  /** The first counterexample, shrunk by fast-check. */
  counterexample?: string;
  detail?: string;
  seconds: number;
}

const agreementCodes: readonly ErrorCode[] = [
  'AGREEMENT_YAML_SYNTAX',
  'AGREEMENT_INVALID',
  'AGREEMENT_REFERENCE_UNKNOWN',
];
const eventCodes: readonly ErrorCode[] = [
  'EVENT_INVALID',
  'EVENT_JSON_SYNTAX',
  'EVENT_DUPLICATE_ID',
];

function onlyTruceErrors(codes: readonly ErrorCode[], work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!isTruceError(error)) throw error;
    if (!codes.includes(error.code)) throw new Error(`unexpected code ${error.code}`);
    if (error.message === '') throw new Error('an error without a message');
  }
}

function summarise<T>(name: string, started: number, details: fc.RunDetails<T>): FuzzTarget {
  return {
    name,
    cases: details.numRuns,
    failures: details.failed ? 1 : 0,
    ...(details.failed
      ? {
          counterexample: fc.stringify(details.counterexample).slice(0, 500),
          detail: String(details.errorInstance).slice(0, 500),
        }
      : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Edits of a text: what a hurried drafter, a broken upload or a hostile client produces. */
function editedText(base: string): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(40) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.string({ maxLength: 30 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.constantFrom(
        ': ',
        '\n  - ',
        '\n',
        '\t',
        '"',
        "'",
        '&a ',
        '*a',
        '!!binary ',
        '{',
        '[',
        '#',
        '---\n',
        'null',
        '-1',
        '1e999',
        '\u0000',
        '\u202e',
      ),
    }),
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    }),
    fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = base;
    for (const e of edits) {
      if (e.kind === 'swapLines') {
        const lines = text.split('\n');
        const a = e.a % lines.length;
        const b = e.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        text = lines.join('\n');
        continue;
      }
      const at = e.at % (text.length + 1);
      if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
      else if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
      else text = text.slice(0, at) + e.char + text.slice(at + 1);
    }
    return text;
  });
}

export function fuzzAgreementParser(cases: number, seed: number): FuzzTarget {
  const started = performance.now();
  const samples = ['gaza-2025.yaml', 'gaza-2023-pause.yaml'].map((name) =>
    readFileSync(new URL(`../examples/agreements/${name}`, import.meta.url), 'utf8'),
  );
  const input = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...samples).chain(editedText) },
    { weight: 1, arbitrary: fc.string({ maxLength: 400 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  );
  const details = fc.check(
    fc.property(input, (text) =>
      onlyTruceErrors(agreementCodes, () => parseAgreement(text, 'fuzz.yaml')),
    ),
    { numRuns: cases, seed },
  );
  return summarise('agreement parser (parseAgreement)', started, details);
}

export function fuzzEventSchemas(cases: number, seed: number): FuzzTarget {
  const started = performance.now();
  const lines = readFileSync(
    new URL('../examples/scenarios/gaza-2025-synthetic.jsonl', import.meta.url),
    'utf8',
  )
    .split('\n')
    .filter((line) => line !== '');
  // One sample event of every type the scenario has, mutated at a random path.
  const byType = new Map<string, unknown>();
  for (const line of lines) {
    const event = JSON.parse(line) as { type: string };
    if (!byType.has(event.type)) byType.set(event.type, event);
  }
  const samples = [...byType.values()];
  const mutated = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      fc.oneof(fc.anything(), fc.constant(undefined)),
    )
    .map(([sample, path, value]) => {
      const copy = structuredClone(sample) as Record<string, unknown>;
      let node: unknown = copy;
      for (const [depth, step] of path.entries()) {
        if (node === null || typeof node !== 'object') break;
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = keys[step % keys.length]!;
        if (
          depth === path.length - 1 ||
          typeof (node as Record<string, unknown>)[key] !== 'object'
        ) {
          if (value === undefined) delete (node as Record<string, unknown>)[key];
          else (node as Record<string, unknown>)[key] = value;
          break;
        }
        node = (node as Record<string, unknown>)[key];
      }
      return copy;
    });
  const input = fc.oneof(
    {
      weight: 6,
      arbitrary: mutated.map((value) => ({ value, text: undefined as string | undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.anything().map((value) => ({ value, text: undefined as string | undefined })),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.constantFrom(...lines.slice(0, 200)), { minLength: 1, maxLength: 5 })
        .chain((picked) => editedText(picked.join('\n')))
        .map((text) => ({ value: undefined as unknown, text: text as string | undefined })),
    },
  );
  const details = fc.check(
    fc.property(input, ({ value, text }) => {
      if (text !== undefined)
        onlyTruceErrors(eventCodes, () => parseEventLines(text, 'fuzz.jsonl'));
      else onlyTruceErrors(eventCodes, () => parseEvent(value));
    }),
    { numRuns: cases, seed },
  );
  return summarise('event schemas (parseEvent, parseEventLines)', started, details);
}

/**
 * A sample file still valid but with other truck counts (each data row's `#indicator+num+trucks`
 * raised by 0–50), so that some cases are new files that must be imported whole, not only refused.
 */
function recounted(base: string): fc.Arbitrary<string> {
  const lines = base.split('\n');
  const column = (lines[1] ?? '').split(',').indexOf('#indicator+num+trucks');
  return fc.array(fc.nat(50), { minLength: lines.length, maxLength: lines.length }).map((adds) =>
    lines
      .map((line, i) => {
        const cells = line.split(',');
        const cell = cells[column];
        if (i < 2 || column < 0 || cell === undefined || !/^\d+$/.test(cell)) return line;
        cells[column] = String(Number(cell) + (adds[i] ?? 0));
        return cells.join(',');
      })
      .join('\n'),
  );
}

/**
 * The HXL importer through its route, `POST /api/v1/imports`: the two sample files (their first
 * rows) edited at random — cells, delimiters, quotes, hashtags, encodings' bytes, cut lines —
 * posted as a reporting mediator with random options. Never a 5xx, errors with stable codes, and
 * whole or nothing: a refused file leaves the ledger as it was; an accepted one grows it by
 * exactly the entries of its import's range (its rows' batch events, ending at the log's end),
 * and the organisation's key registration on its first server-signed event.
 */
export async function fuzzHxlImport(cases: number, seed: number): Promise<FuzzTarget> {
  const started = performance.now();
  const server = await startTestServer({
    config: { loginPerMinute: 1_000_000, requestsPerMinute: 100_000_000 },
  });
  try {
    const app = server.app;
    const store = app.truce.store;
    await app.truce.agreements
      .upload(
        { actor: { kind: 'anonymous' }, ip: 'fuzz' },
        readFileSync(new URL('../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
      )
      .catch(() => undefined);
    // Each organisation imports its own figures: the samples' rows are made the posting
    // mediator's (`#org+code`, the fourth column of both), or every case would be refused for
    // that alone and the importer's accepting path never fuzzed.
    const samples = ['un2720-daily.csv', 'cogat-daily.csv'].map((name) =>
      readFileSync(new URL(`../examples/aid/${name}`, import.meta.url), 'utf8')
        .split('\n')
        .slice(0, 12)
        .map((line, i) => (i < 2 ? line : line.replace(/^([^,]*,[^,]*,[^,]*,)[^,]*/, '$1qatar')))
        .join('\n'),
    );
    const known = new Set<string>(errorCodes);
    let accepted = 0;
    const property = fc.asyncProperty(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...samples).chain(editedText) },
        { weight: 1, arbitrary: fc.constantFrom(...samples).chain(recounted) },
        { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
      ),
      fc.record(
        {
          dryRun: fc.constantFrom('true', 'false'),
          assumeZone: fc.constantFrom('true', 'false'),
          encoding: fc.constantFrom('auto', 'utf-8', 'windows-1256', 'latin1'),
          delimiter: fc.constantFrom(',', ';', '|'),
        },
        { requiredKeys: [] },
      ),
      fc.constantFrom(
        'text/csv',
        'text/csv; charset=utf-8',
        'text/csv; charset=windows-1256',
        'application/octet-stream',
        'text/plain',
      ),
      async (file, query, type) => {
        const before = await store.size();
        const response = await app.inject({
          method: 'POST',
          url: `/api/v1/imports?${new URLSearchParams({ ...query, fileName: 'fuzz.csv' }).toString()}`,
          headers: { ...server.headers('mediator'), 'content-type': type },
          payload: file,
        });
        const after = await store.size();
        if (response.statusCode >= 500)
          throw new Error(`${response.statusCode}: ${response.body.slice(0, 300)}`);
        if (response.statusCode >= 400) {
          const code = (response.json() as { error?: { code?: string } }).error?.code ?? '';
          if (!known.has(code)) throw new Error(`no stable code: ${response.body.slice(0, 300)}`);
          if (after !== before)
            throw new Error(`refused (${code}) but ${after - before} entries stored`);
          return;
        }
        const report = response.json() as {
          appended: number;
          outcome: string;
          import: { firstSeq: number | null; lastSeq: number | null } | null;
        };
        // Rows are appended as batch events (one per batch of an organisation's rows), so the
        // ledger grows by the import's range of entries, and at most the organisation's key
        // registration before it; `appended` counts rows.
        const stored = after - before;
        const first = report.import?.firstSeq ?? null;
        const last = report.import?.lastSeq ?? null;
        const range = first !== null && last !== null ? last - first + 1 : 0;
        const whole =
          report.appended === 0
            ? stored <= 1
            : range >= 1 && last === after - 1 && (stored === range || stored === range + 1);
        if (!whole) {
          throw new Error(
            `${report.outcome}: appended ${report.appended} rows as entries ${first}–${last}, stored ${stored}`,
          );
        }
        if (report.outcome === 'imported') accepted += 1;
      },
    );
    const details = await fc.check(property, { numRuns: cases, seed });
    const result = summarise(
      'HXL importer (POST /api/v1/imports, edited sample files)',
      started,
      details,
    );
    return {
      ...result,
      detail: `${result.detail ? `${result.detail}; ` : ''}${n(accepted)} edited files imported whole, the others refused with nothing stored`,
    };
  } finally {
    await server.close();
  }
}

const n = (x: number) => x.toLocaleString('en');

/** The HXL importer is being built by another engineer: included once its module exists. */
export function hxlImporterPresent(): boolean {
  return (
    existsSync(new URL('../packages/core/src/hxl', import.meta.url)) &&
    existsSync(new URL('../packages/server/src/hxl', import.meta.url))
  );
}

export async function fuzzHttpRoutes(
  cases: number,
  seed: number,
): Promise<FuzzTarget & { routes: number }> {
  const started = performance.now();
  const server = await startTestServer({
    config: { streamMaxMs: 30, loginPerMinute: 1_000_000, requestsPerMinute: 100_000_000 },
  });
  try {
    const app = server.app;
    const store = app.truce.store;
    const qatar = newKey();
    await app.truce.ledger.submit([registration(app.truce.ledger.identity, 'qatar', qatar)]);
    const routes = app.truce.routes;
    const known = new Set<string>(errorCodes);
    const roles = Object.keys(server.as) as (keyof typeof server.as)[];
    let made = 0;
    const envelope = fc
      .tuple(
        fc.nat(9).map((n) => n < 8),
        fc.nat(5),
        fc.anything(),
      )
      .map(([valid, how, junk]) => {
        const n = made++;
        const good = signedEvent(sampleEvent(`z-${seed}-${n}`, 'qatar', 1 + (n % 9)), qatar);
        if (valid) return good as unknown;
        // Nearly right: the ways a broken client gets an envelope wrong.
        if (how === 0) return { ...good, sig: `${good.sig.slice(0, -2)}AA` };
        if (how === 1) return { ...good, event: { ...(good.event as object), payload: junk } };
        if (how === 2) return { ...good, org: 'egypt' };
        if (how === 3) return { ...good, extra: junk };
        if (how === 4) return junk;
        return { ...good, keyId: 'qatar:0000000000000000' };
      });
    const segment = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '0',
        '1',
        '-1',
        '1e3',
        '99999999999999999999',
        'gaza-2025',
        '..',
        'qatar',
        '%00',
      ),
      fc.uuid(),
    );
    const queryKeys = fc.constantFrom(
      'limit',
      'cursor',
      'from',
      'to',
      'seq',
      'size',
      'asOf',
      'since',
      'type',
      'source',
      'ids',
      'action',
      'agreement',
      'format',
      'lang',
      'x',
    );
    const queryValue = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('0', '5', '-3', '100000', '2025-01-20T10:00:00+02:00', 'null', '', 'e-1,e-2'),
    );
    const body = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 200 }),
      fc
        .array(envelope, { minLength: 1, maxLength: 4 })
        .map((envelopes) => JSON.stringify({ envelopes })),
      fc
        .record({ event: fc.oneof(fc.anything(), fc.constant(sampleEvent('x', 'qatar'))) })
        .map((b) => JSON.stringify(b)),
      fc.constantFrom(
        '{"envelopes":[{}]}',
        '{"event":{"type":"aid_trucks_crossed"}}',
        '{"email":"a@b.c","password":"x"}',
        '{"id":"x","name":"y","kind":"party"}',
        '{"line":"— x abc"}',
        '{"name":"n","scopes":["admin"],"expiresInDays":1}',
        '{',
        '[]',
        'null',
      ),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/yaml',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
    );
    const headerValue = fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
    let stored = 0;
    const signedRoute = routes.find(
      (r) => r.url === '/api/v1/events/signed' && r.method === 'POST',
    )!;
    const property = fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom(...roles, 'anonymous' as const),
      fc.array(segment, { minLength: 4, maxLength: 4 }),
      fc.dictionary(queryKeys, queryValue, { maxKeys: 4 }),
      body,
      contentType,
      fc.record(
        {
          'last-event-id': headerValue,
          'idempotency-key': headerValue,
          authorization: headerValue,
          origin: headerValue,
          'if-none-match': headerValue,
        },
        { requiredKeys: [] },
      ),
      fc.nat(3),
      fc.array(envelope, { minLength: 1, maxLength: 5 }),
      async (anyRoute, anyRole, segments, query, anyPayload, anyType, extra, focus, batch) => {
        // One case in four is a signed submission by a reporting mediator, with a batch that
        // mixes valid and nearly valid envelopes: where half a request could be stored.
        const focused = focus === 0;
        const route = focused ? signedRoute : anyRoute;
        const role = focused ? 'mediator' : anyRole;
        const payload = focused ? JSON.stringify({ envelopes: batch }) : anyPayload;
        const type = focused ? 'application/json' : anyType;
        let n = 0;
        const path = route.url.replace(/:[a-zA-Z]+/g, () =>
          encodeURIComponent(segments[n++] ?? ''),
        );
        const search = new URLSearchParams(query).toString();
        // Logging out, or a mediator changing accounts, would end the sessions later runs use.
        const signedIn = role !== 'anonymous' && route.action !== 'auth.logout';
        const headers: Record<string, string> = {
          ...(signedIn ? server.headers(role) : {}),
          ...extra,
          ...(type ? { 'content-type': type } : {}),
        };
        if (signedIn) delete headers.authorization;
        const before = await store.size();
        const response = await app.inject({
          method: route.method as 'GET',
          url: `${path}${search ? `?${search}` : ''}`,
          headers,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload }),
        });
        const after = await store.size();
        if (response.statusCode >= 500)
          throw new Error(`${response.statusCode}: ${response.body.slice(0, 300)}`);
        if (response.statusCode >= 400) {
          const error = (response.json() as { error?: { code?: string; message?: string } }).error;
          if (!error || !known.has(error.code ?? '') || typeof error.message !== 'string') {
            throw new Error(`error body without a stable code: ${response.body.slice(0, 300)}`);
          }
          if (/at .*\.(js|ts):\d+/.test(response.body))
            throw new Error('a stack trace in an answer');
          if (after !== before)
            throw new Error(
              `refused (${response.statusCode}) but ${after - before} entries stored`,
            );
          return;
        }
        // Accepted: the ledger grew by exactly the new entries the answer acknowledged.
        let acknowledged = 0;
        if (route.url === '/api/v1/events/signed') {
          const receipts = (response.json() as { receipts: { idempotent: boolean }[] }).receipts;
          acknowledged = receipts.filter((r) => !r.idempotent).length;
        } else if (route.url === '/api/v1/events' && route.method === 'POST') {
          acknowledged = (response.json() as { idempotent: boolean }).idempotent ? 0 : 1;
        }
        // The server also appends entries of its own (a key it registers for an organisation on
        // first use), so growth beyond the acknowledged ones must be key registrations.
        if (after - before < acknowledged)
          throw new Error(`acknowledged ${acknowledged}, stored ${after - before}`);
        for (const entry of after > before + acknowledged
          ? await store.entries(before, after - before)
          : []) {
          if (!Buffer.from(entry.entry).includes('"type":"key_registered"') && acknowledged === 0) {
            throw new Error(`${route.method} ${route.url} stored an entry it did not acknowledge`);
          }
        }
        stored += after - before;
      },
    );
    const details = await fc.check(property, { numRuns: cases, seed });
    // Whatever was stored forms one verifiable log: every entry's signature, gapless seqs.
    const size = await store.size();
    const entries = await store.entries(0, size);
    const tree = ledger.MemoryMerkleTree.of(entries.map((e) => e.entry));
    const root = await store.root(size);
    const consistent =
      entries.every((e, i) => e.seq === i) &&
      Buffer.from(root).equals(Buffer.from(tree.root(size)));
    const result = summarise(
      'every HTTP route (app.inject, every role and anonymous)',
      started,
      details,
    );
    if (!consistent) {
      result.failures += 1;
      result.detail = `${result.detail ?? ''} the stored log is not one consistent tree`;
    }
    return {
      ...result,
      routes: routes.length,
      detail: `${result.detail ? `${result.detail}; ` : ''}${routes.length} routes; ${stored.toLocaleString('en')} entries stored by accepted requests, the stored tree of ${size.toLocaleString('en')} entries recomputed and equal`,
    };
  } finally {
    await server.close();
  }
}
