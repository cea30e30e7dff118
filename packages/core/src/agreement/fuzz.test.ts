import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ErrorCode, TruceError } from '../errors.js';
import { parseEventLines } from '../events/parse.js';
import type { TruceEventInput } from '../events/schema.js';
import { parseAgreement } from './parse.js';
import type { AgreementInput } from './schema.js';

/**
 * Whatever a drafter or a reporting organisation feeds in, the parsers either return a value or
 * throw a `TruceError` with a stable code and details that say where: never a TypeError from deep
 * inside, never a detail without a message. The CLI relies on this to exit 2 without a stack.
 */

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

/**
 * Runs `parse` and returns its result; if it throws, the error must be a well-formed TruceError
 * with one of `codes`, and the result is `undefined`.
 */
function onlyTruceErrors<T>(
  text: string,
  codes: readonly ErrorCode[],
  parse: () => T,
): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof TruceError)) throw error;
    expect(codes).toContain(error.code);
    expect(error.message).not.toBe('');
    expect(error.details.length).toBeGreaterThan(0);
    const lineCount = text.split(/\r\n|\r|\n/).length;
    for (const detail of error.details) {
      expect(typeof detail.message).toBe('string');
      expect(detail.message).not.toBe('');
      if (detail.line !== undefined) {
        expect(Number.isInteger(detail.line)).toBe(true);
        expect(detail.line).toBeGreaterThanOrEqual(1);
        expect(detail.line).toBeLessThanOrEqual(lineCount);
      }
      if (detail.column !== undefined) expect(detail.column).toBeGreaterThanOrEqual(1);
      if (detail.path !== undefined) expect(typeof detail.path).toBe('string');
    }
    return undefined;
  }
}

const checkAgreement = (text: string) =>
  onlyTruceErrors(text, agreementCodes, () => parseAgreement(text, 'fuzz.yaml'));
const checkEvents = (text: string) =>
  onlyTruceErrors(text, eventCodes, () => parseEventLines(text, 'fuzz.jsonl'));
// fast-check fails a property that returns anything but `true` or `undefined`.
const agreementProperty = (text: string): void => void checkAgreement(text);
const eventsProperty = (text: string): void => void checkEvents(text);

/** A valid agreement using every kind and most shapes, as a starting point for mutations. */
const valid: AgreementInput = {
  truce: 1,
  id: 'gaza-2025',
  title: 'Gaza ceasefire, January 2025',
  version: 2,
  supersedes: { id: 'gaza-2025', version: 1 },
  effectiveFrom: { day: 10 },
  sources: [
    { id: 'text', title: 'Agreement text as reported', url: 'https://example.org/text' },
    { id: 'reuters', title: 'Reuters report', citation: 'Reuters, 16 January 2025' },
  ],
  timeZone: 'Asia/Gaza',
  zeroHour: '2025-01-19T08:30:00+02:00',
  zeroHourDay: 1,
  parties: [
    { id: 'israel', name: 'Israel', roles: ['party'] },
    { id: 'hamas', name: 'Hamas', roles: ['party'] },
    { id: 'cogat', name: 'COGAT', roles: ['agency'], represents: 'israel' },
    { id: 'un', name: 'United Nations', roles: ['monitor', 'agency'] },
    { id: 'qatar', name: 'Qatar', roles: ['mediator', 'guarantor'] },
  ],
  places: [
    { id: 'kerem-shalom', name: 'Kerem Shalom', kind: 'crossing', lat: 31.2208, lon: 34.2706 },
    { id: 'netzarim', name: 'Netzarim corridor', kind: 'corridor' },
    { id: 'rashid', name: 'Rashid Street', kind: 'route' },
  ],
  phases: [
    {
      id: 'phase-1',
      start: { day: 1 },
      durationDays: 42,
      extensions: [
        {
          whileOngoing: {
            started: { event: { type: 'talks_started', where: { phase: 'phase-2' } } },
            stopped: { event: { type: 'talks_ended', where: { phase: 'phase-2' } } },
          },
        },
      ],
    },
    {
      id: 'phase-2',
      start: { when: { all: [{ phaseEnded: 'phase-1' }, { obligationMet: 'talks' }] } },
      extensions: [
        {
          perCount: {
            measure: { type: 'hostage_released' },
            beyond: 33,
            every: 10,
            days: 1,
          },
          maxDays: 14,
        },
      ],
    },
  ],
  obligations: [
    {
      id: 'aid-trucks',
      title: 'Aid trucks',
      clause: '600 trucks of aid a day',
      owedBy: ['israel'],
      kind: 'quota',
      measure: { type: 'aid_trucks_crossed', source: ['cogat', 'un'] },
      unit: 'trucks',
      target: { value: 600, alternatives: [{ value: 400, source: 'reuters' }] },
      period: { calendarDay: true },
      tolerancePercent: 5,
      sources: { combine: 'priority', among: ['un', 'cogat'] },
    },
    {
      id: 'fuel-trucks',
      title: 'Fuel trucks',
      clause: 'of which 50 fuel',
      owedBy: ['israel'],
      kind: 'quota',
      measure: { type: 'aid_trucks_crossed', where: { cargo: 'fuel' } },
      unit: 'trucks',
      target: 50,
      partOf: 'aid-trucks',
      period: { rollingHours: 24 },
      assess: 'average',
      sources: { combine: 'single', source: 'un' },
    },
    {
      id: 'prisoners-per-hostage',
      title: 'Prisoners per hostage',
      clause: '30 per civilian woman or child; 50 per female soldier',
      owedBy: ['israel'],
      kind: 'exchange',
      counterpart: { type: 'hostage_released' },
      release: { type: 'prisoner_released' },
      ratios: [
        { for: ['civilian-woman', 'child'], release: [{ category: 'any', count: 30 }] },
        {
          for: 'female-soldier',
          release: [
            { category: 'life-sentence', count: 30 },
            { category: 'other', count: 20 },
          ],
        },
      ],
      withinHours: 24,
    },
    {
      id: 'hostage-releases',
      title: 'Hostage releases',
      clause: '3 on Day 1, 4 on Day 7, then 3 every 7 days; the remainder in week 6',
      owedBy: ['hamas'],
      kind: 'schedule',
      measure: { type: 'hostage_released', persons: { where: { living: true } } },
      items: [
        { day: 1, count: 3 },
        { day: 7, count: 4 },
        { every: 7, fromDay: 14, untilDay: 35, count: 3 },
        { remainderBy: 42 },
      ],
      total: 33,
      during: { phase: 'phase-1' },
    },
    {
      id: 'talks',
      title: 'Phase-2 talks begin',
      clause: 'Negotiations on Phase 2 begin no later than Day 16',
      owedBy: ['israel', 'hamas'],
      kind: 'deadline',
      act: { type: 'talks_started', where: { phase: 'phase-2' } },
      by: { day: 16 },
    },
    {
      id: 'netzarim-withdrawal',
      title: 'Netzarim withdrawal',
      clause: 'Withdrawal from the Netzarim corridor on Day 22',
      owedBy: ['israel'],
      kind: 'deadline',
      act: { type: 'withdrawal_completed', where: { zone: 'netzarim' } },
      by: {
        day: {
          value: 22,
          source: 'text',
          alternatives: [{ value: 21, source: 'reuters', note: 'as reported' }],
        },
        time: '23:59',
      },
    },
    {
      id: 'surveillance-flights',
      title: 'No surveillance flights 10 hours a day',
      clause: 'Flights suspended 10 hours a day, 12 on exchange days',
      owedBy: ['israel'],
      kind: 'prohibition',
      act: { type: 'flight_observed' },
      window: {
        quietHoursPerDay: 10,
        onExchangeDays: 12,
        exchangeDays: { type: 'hostage_released' },
      },
    },
    {
      id: 'returns-north',
      title: 'Returns to the north',
      clause: 'From Day 7, return on foot via Rashid Street',
      owedBy: ['israel'],
      kind: 'permission',
      when: { any: [{ day: 7, time: '07:00' }, { not: { at: '2025-01-25T07:00:00+02:00' } }] },
      act: { type: 'crossing_opened', where: { crossing: 'rashid' } },
      blockedBy: { type: 'crossing_closed', where: { crossing: 'rashid' } },
      graceHours: 24,
    },
    {
      id: 'rafah',
      title: 'Rafah opens for the wounded',
      clause: 'After all living women are released',
      owedBy: ['israel'],
      kind: 'permission',
      when: {
        count: { type: 'hostage_released', persons: { where: { category: 'civilian-woman' } } },
        atLeast: 7,
      },
      act: { type: 'crossing_opened', where: { crossing: 'kerem-shalom' } },
    },
  ],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Step = (string | number)[];

/** Every path to a node of the value, the root included. */
function pathsOf(value: Json, at: Step = []): Step[] {
  const inner = Array.isArray(value)
    ? value.flatMap((item, index) => pathsOf(item, [...at, index]))
    : value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, key]))
      : [];
  return [at, ...inner];
}

/** Values that sit near the edges of what the schema accepts. */
const edgeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    '',
    -1,
    0,
    1.5,
    1e21,
    -366,
    3651,
    'phase-1',
    'aid-trucks',
    'israel',
    'reuters',
    'netzarim',
    'hostage_released',
    '24:00',
    '2025-01-19T08:30:00',
    '2025-02-30T08:30:00+02:00',
    'alternatives',
    { value: 1, alternatives: [] },
    { value: 1, alternatives: [{ value: 2, source: 'nowhere' }] },
    { all: [] },
    { not: { not: { phaseStarted: 'phase-9' } } },
    { type: 'talks_started' },
    [],
    {},
  ),
  fc.jsonValue() as fc.Arbitrary<Json>,
);

const mutation = fc.record({
  target: fc.nat(),
  op: fc.constantFrom('drop', 'replace', 'insert'),
  key: fc.oneof(
    fc.constantFrom('id', 'kind', 'day', 'value', 'alternatives', 'when', 'where', 'extra'),
    fc.string({ maxLength: 8 }),
  ),
  value: edgeValue,
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Applies one drop/replace/insert at the `target`-th node (modulo the node count). */
function mutate(root: Json, { value: shared, ...change }: Mutation): Json {
  // `constantFrom` hands out the same object every time: a later mutation must not edit it.
  const value = structuredClone(shared);
  const paths = pathsOf(root);
  const path = paths[change.target % paths.length] ?? [];
  if (path.length === 0) return change.op === 'replace' ? value : root;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1] as string | number;
  let parent: Json = root;
  for (const step of parentPath) parent = (parent as Record<string | number, Json>)[step] as Json;
  const node = (parent as Record<string | number, Json>)[last] as Json;
  if (Array.isArray(parent)) {
    const index = last as number;
    if (change.op === 'drop') parent.splice(index, 1);
    else if (change.op === 'replace') parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (parent !== null && typeof parent === 'object') {
    if (change.op === 'drop') delete parent[last];
    else if (change.op === 'replace') parent[last] = value;
    else if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      node[change.key] = value;
    } else {
      parent[change.key] = value;
    }
  }
  return root;
}

// Bounded so that the whole file stays within a few seconds; a run prints its seed on failure.
const fuzzRuns = { numRuns: 500 };
const heavyRuns = { numRuns: 300 };

describe('parseAgreement only ever throws TruceErrors with a code and located details', () => {
  it('the starting point for mutations is itself valid', () => {
    expect(() => parseAgreement(stringify(valid))).not.toThrow();
  });

  it('random text', () => {
    const yamlish = fc.string({
      unit: fc.constantFrom(
        ...'abc019 :-,[]{}&*!|>\'"#%@`?\n\t\r\\.'.split(''),
        'truce: 1\n',
        'obligations:\n  - ',
        'kind: quota\n',
        '&a ',
        '*a',
        '<<: ',
        '---\n',
        '\u00a0',
        '\ufeff',
      ),
      maxLength: 200,
    });
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), yamlish), agreementProperty), {
      numRuns: 1000,
    });
  });

  it('YAML of random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => agreementProperty(stringify(value))),
      fuzzRuns,
    );
  });

  it('mutations of a valid agreement; what still parses parses again to the same value', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (changes) => {
        let document = structuredClone(valid) as Json;
        for (const change of changes) document = mutate(document, change);
        const parsed = checkAgreement(stringify(document));
        // Output is valid input: defaults written out change nothing.
        if (parsed) expect(parseAgreement(stringify(parsed))).toEqual(parsed);
      }),
      heavyRuns,
    );
  });

  it('text edits of a valid agreement (cut, duplicate, insert characters)', () => {
    const text = stringify(valid);
    fc.assert(
      fc.property(
        fc.nat(text.length),
        fc.nat(40),
        fc.constantFrom('', ' ', '\n', ':', '- ', '  ', '{', '[', '"', '*x', '&x ', '#'),
        fc.boolean(),
        (at, length, insert, duplicate) => {
          const middle = duplicate ? text.slice(at, at + length).repeat(2) : insert;
          agreementProperty(text.slice(0, at) + middle + text.slice(at + length));
        },
      ),
      heavyRuns,
    );
  });
});

const validEvents: TruceEventInput[] = [
  {
    id: 'e-1',
    type: 'aid_trucks_crossed',
    occurredAt: '2025-01-19T10:00:00+02:00',
    reportedAt: '2025-01-19T12:00:00+02:00',
    source: 'cogat',
    payload: { crossing: 'kerem-shalom', cargo: 'food', count: 120 },
  },
  {
    id: 'e-2',
    type: 'hostage_released',
    occurredAt: '2025-01-19T16:00:00+02:00',
    reportedAt: '2025-01-19T16:30:00+02:00',
    source: 'icrc',
    payload: { persons: [{ id: 'H-0001', category: 'civilian-woman' }] },
  },
  {
    id: 'e-3',
    type: 'dispute_resolved',
    occurredAt: '2025-01-27T10:00:00+02:00',
    reportedAt: '2025-01-27T10:00:00+02:00',
    source: 'qatar',
    payload: {
      dispute: 'd-1',
      decision: 'returns move to Day 9',
      measures: [{ kind: 'delay', obligation: 'returns-north', days: 2 }],
    },
  },
  {
    id: 'e-4',
    type: 'correction',
    occurredAt: '2025-02-21T10:00:00+02:00',
    reportedAt: '2025-02-21T10:00:00+02:00',
    source: 'icrc',
    payload: { target: 'e-2', payload: { persons: [] }, reason: 'wrong person' },
  },
];

describe('parseEventLines only ever throws TruceErrors with a code and located details', () => {
  const mutatedEvent = fc
    .tuple(fc.constantFrom(...validEvents), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([event, changes]) => {
      let value = structuredClone(event) as unknown as Json;
      for (const change of changes) value = mutate(value, change);
      return JSON.stringify(value);
    });
  const eventLine = fc.oneof(
    fc.constantFrom(...validEvents.map((event) => JSON.stringify(event))),
    mutatedEvent,
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 80 }),
    fc.constant(''),
  );

  it('random JSON lines, mutated events and noise', () => {
    fc.assert(
      fc.property(
        fc.array(eventLine, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        (lines, newline) => eventsProperty(lines.join(newline)),
      ),
      fuzzRuns,
    );
  });

  it('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), eventsProperty), fuzzRuns);
  });
});
