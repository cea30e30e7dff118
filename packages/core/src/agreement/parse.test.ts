import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { type ErrorDetail, formatDetail, TruceError } from '../errors.js';
import { parseAgreement } from './parse.js';

/**
 * The parser is what a drafter meets first: every test here checks what a drafter would see,
 * down to the line, column and path of each message. Positions are worked out by hand from the
 * numbered lines in the comments; columns count from 1.
 */

function rejection(text: string, file?: string): TruceError {
  try {
    parseAgreement(text, file);
  } catch (error) {
    if (error instanceof TruceError) return error;
    throw error;
  }
  throw new Error('expected the agreement to be rejected');
}

/** Only what a drafter reads: where, and the path. */
function places(error: TruceError): Pick<ErrorDetail, 'line' | 'column' | 'path'>[] {
  return error.details.map(({ line, column, path }) => ({ line, column, path }));
}

const lines = (...rows: string[]) => rows.join('\n');

// 24 lines; the first obligation starts on line 25.
const header = [
  'truce: 1', //                                                        1
  'id: gaza-2025', //                                                   2
  'title: Gaza ceasefire, January 2025', //                             3
  'version: 1', //                                                      4
  'timeZone: Asia/Gaza', //                                             5
  'zeroHour: 2025-01-19T08:30:00+02:00', //                             6
  'zeroHourDay: 1', //                                                  7
  'sources:', //                                                        8
  '  - { id: text, title: Agreement text as reported }', //             9
  '  - { id: reuters, title: Reuters report }', //                     10
  'parties:', //                                                       11
  '  - { id: israel, name: Israel, roles: [party] }', //               12
  '  - { id: hamas, name: Hamas, roles: [party] }', //                 13
  '  - { id: cogat, name: COGAT, roles: [agency], represents: israel }', // 14
  '  - { id: un, name: United Nations, roles: [monitor] }', //         15
  'places:', //                                                        16
  '  - { id: kerem-shalom, name: Kerem Shalom, kind: crossing }', //   17
  '  - { id: netzarim, name: Netzarim corridor, kind: corridor }', //  18
  '  - { id: rashid, name: Rashid Street, kind: route }', //           19
  'phases:', //                                                        20
  '  - id: phase-1', //                                                21
  '    start: { day: 1 }', //                                          22
  '    durationDays: 42', //                                           23
  'obligations:', //                                                   24
];

const withObligations = (...obligations: string[][]) => lines(...header, ...obligations.flat());

// Each example below: index 0 is line 25 when it is the only obligation.
const quota = [
  '  - id: aid-trucks', //                                              25
  '    title: Aid trucks', //                                           26
  '    clause: 600 trucks of aid a day', //                             27
  '    owedBy: [israel]', //                                            28
  '    kind: quota', //                                                 29
  '    measure: { type: aid_trucks_crossed }', //                       30
  '    unit: trucks', //                                                31
  '    target: 600', //                                                 32
  '    sources: { combine: priority, among: [un, cogat] }', //          33
];

const exchange = [
  '  - id: prisoners-per-hostage', //                                   25
  '    title: Prisoners released per hostage', //                       26
  '    clause: 30 per civilian woman or child; 50 per female soldier', // 27
  '    owedBy: [israel]', //                                            28
  '    kind: exchange', //                                              29
  '    counterpart: { type: hostage_released }', //                     30
  '    release: { type: prisoner_released }', //                        31
  '    ratios:', //                                                     32
  '      - for: [civilian-woman, child]', //                            33
  '        release: [{ category: any, count: 30 }]', //                 34
  '      - for: female-soldier', //                                     35
  '        release:', //                                                36
  '          - { category: life-sentence, count: 30 }', //              37
  '          - { category: other, count: 20 }', //                      38
  '    withinHours: 24', //                                             39
];

const schedule = [
  '  - id: hostage-releases', //                                        25
  '    title: Hostage releases in Phase 1', //                          26
  '    clause: 3 on Day 1, 4 on Day 7, then 3 every 7 days; the remainder in week 6', // 27
  '    owedBy: [hamas]', //                                             28
  '    kind: schedule', //                                              29
  '    measure: { type: hostage_released, persons: { where: { living: true } } }', // 30
  '    items:', //                                                      31
  '      - { day: 1, count: 3 }', //                                    32
  '      - { day: 7, count: 4 }', //                                    33
  '      - { every: 7, fromDay: 14, untilDay: 35, count: 3 }', //       34
  '      - { remainderBy: 42 }', //                                     35
  '    total: 33', //                                                   36
];

const deadline = [
  '  - id: netzarim-withdrawal', //                                     25
  '    title: Withdrawal from the Netzarim corridor', //                26
  '    clause: Withdrawal from the Netzarim corridor on Day 22', //     27
  '    owedBy: [israel]', //                                            28
  '    kind: deadline', //                                              29
  '    act: { type: withdrawal_completed, where: { zone: netzarim } }', // 30
  '    by:', //                                                         31
  '      day:', //                                                      32
  '        value: 22', //                                               33
  '        source: text', //                                            34
  '        alternatives:', //                                           35
  '          - { value: 21, source: reuters, note: as reported by some outlets }', // 36
];

const prohibition = [
  '  - id: surveillance-flights', //                                    25
  '    title: No surveillance flights for 10 hours a day', //           26
  '    clause: Flights suspended 10 hours a day, 12 hours on exchange days', // 27
  '    owedBy: [israel]', //                                            28
  '    kind: prohibition', //                                           29
  '    act: { type: flight_observed, where: { purpose: surveillance } }', // 30
  '    window:', //                                                     31
  '      quietHoursPerDay: 10', //                                      32
  '      onExchangeDays: 12', //                                        33
  '      exchangeDays: { type: hostage_released }', //                  34
];

const permission = [
  '  - id: returns-north', //                                           25
  '    title: Return of displaced people to the north', //              26
  '    clause: From Day 7, return on foot via Rashid Street without inspection', // 27
  '    owedBy: [israel]', //                                            28
  '    kind: permission', //                                            29
  '    when: { day: 7 }', //                                            30
  '    act: { type: crossing_opened, where: { crossing: rashid } }', // 31
  '    blockedBy: { type: crossing_closed, where: { crossing: rashid } }', // 32
  '    graceHours: 24', //                                              33
];

/** Replaces line `line` (1-based, as in the comments above) of an obligation example. */
function replaceLine(example: string[], line: number, ...rows: string[]): string[] {
  const index = line - header.length - 1;
  return [...example.slice(0, index), ...rows, ...example.slice(index + 1)];
}

describe('parseAgreement: a valid agreement', () => {
  it('parses a minimal agreement and applies the defaults', () => {
    const agreement = parseAgreement(
      lines(
        'truce: 1',
        'id: minimal',
        'title: Minimal',
        'version: 1',
        'timeZone: Asia/Gaza',
        'zeroHour: 2025-01-19T08:30:00+02:00',
        'parties:',
        '  - id: israel',
        '    name: Israel',
        '    roles: [party]',
      ),
    );
    expect(agreement).toEqual({
      truce: 1,
      id: 'minimal',
      title: 'Minimal',
      version: 1,
      timeZone: 'Asia/Gaza',
      // YAML 1.2 keeps an unquoted date-time a string, so the offset survives as written.
      zeroHour: '2025-01-19T08:30:00+02:00',
      zeroHourDay: 0,
      sources: [],
      parties: [{ id: 'israel', name: 'Israel', roles: ['party'] }],
      places: [],
      phases: [],
      obligations: [],
    });
  });

  it('parses all six obligation kinds together, with the defaults of each', () => {
    const agreement = parseAgreement(
      withObligations(quota, exchange, schedule, deadline, prohibition, permission),
      'gaza-2025.yaml',
    );
    expect(agreement.obligations.map((o) => o.kind)).toEqual([
      'quota',
      'exchange',
      'schedule',
      'deadline',
      'prohibition',
      'permission',
    ]);
    const [q, x, s, d, p, w] = agreement.obligations;
    expect(q).toMatchObject({
      comparison: 'atLeast',
      period: { calendarDay: true },
      assess: 'eachPeriod',
      tolerancePercent: 0,
      sources: { combine: 'priority', among: ['un', 'cogat'] },
    });
    expect(x).toMatchObject({ unit: 'persons', withinHours: 24 });
    expect(s).toMatchObject({ unit: 'persons', total: 33 });
    expect(d).toMatchObject({ warnHours: 24 });
    expect(p).toMatchObject({ window: { quietHoursPerDay: 10, onExchangeDays: 12 } });
    expect(w).toMatchObject({ graceHours: 24, when: { day: 7 } });
  });

  it('keeps a prohibition without a window prohibited always', () => {
    const agreement = parseAgreement(withObligations(prohibition.slice(0, 6)));
    expect(agreement.obligations[0]).toMatchObject({ window: { always: true } });
  });

  it('accepts reported alternatives for a day and for a number, and keeps them', () => {
    const agreement = parseAgreement(
      withObligations(
        replaceLine(
          quota,
          32,
          '    target: { value: 600, alternatives: [{ value: 400, source: reuters }] }',
        ),
        deadline,
      ),
    );
    expect(agreement.obligations[0]).toMatchObject({
      target: { value: 600, alternatives: [{ value: 400, source: 'reuters' }] },
    });
    expect(agreement.obligations[1]).toMatchObject({
      by: {
        day: {
          value: 22,
          source: 'text',
          alternatives: [{ value: 21, source: 'reuters', note: 'as reported by some outlets' }],
        },
      },
    });
  });

  it('accepts the other shapes: a deadline after a condition, a daily window, a rolling quota', () => {
    const agreement = parseAgreement(
      withObligations(
        [
          ...quota.slice(0, 8),
          '    period: { rollingHours: 24 }',
          '    assess: average',
          '    tolerancePercent: 5',
          '    sources: { combine: single, source: un }',
        ],
        [
          ...deadline.slice(0, 6),
          '    by: { withinHours: 72, after: { all: [{ phaseStarted: phase-1 }, { not: { day: 3, time: "08:00" } }] } }',
        ],
        [...prohibition.slice(0, 6), '    window: { dailyFrom: "10:00", dailyTo: "16:00" }'],
      ),
    );
    expect(agreement.obligations.map((o) => o.id)).toEqual([
      'aid-trucks',
      'netzarim-withdrawal',
      'surveillance-flights',
    ]);
  });

  it('reads an unquoted local time as text, not as sexagesimal minutes (YAML 1.1)', () => {
    const agreement = parseAgreement(
      withObligations([...deadline.slice(0, 6), '    by: { day: 16, time: 08:30 }']),
    );
    expect(agreement.obligations[0]).toMatchObject({ by: { day: 16, time: '08:30' } });
  });
});

describe('parseAgreement: each kind rejects a typical mistake, at the right place', () => {
  it('quota: a single source rule without its source is reported at the rule', () => {
    const error = rejection(
      withObligations(replaceLine(quota, 33, '    sources: { combine: single }')),
    );
    expect(error.code).toBe('AGREEMENT_INVALID');
    // Line 33: `    sources: { combine: single }`; the map opens in column 14.
    expect(places(error)).toEqual([
      { line: 33, column: 14, path: 'obligations[0].sources.source' },
    ]);
  });

  it('exchange: a negative time limit', () => {
    const error = rejection(withObligations(replaceLine(exchange, 39, '    withinHours: -6')));
    // `    withinHours: ` is 17 characters: the value starts in column 18.
    expect(places(error)).toEqual([{ line: 39, column: 18, path: 'obligations[0].withinHours' }]);
    expect(error.details[0]?.message).toMatch(/>=\s*0/);
  });

  it('schedule: a repeating item without its last day is reported at the item', () => {
    const error = rejection(
      withObligations(replaceLine(schedule, 34, '      - { every: 7, fromDay: 14, count: 3 }')),
    );
    // The item's flow map opens in column 9 after `      - `.
    expect(places(error)).toEqual([
      { line: 34, column: 9, path: 'obligations[0].items[2].untilDay' },
    ]);
  });

  it('deadline: a time of day that does not exist', () => {
    const error = rejection(
      withObligations([...deadline.slice(0, 6), '    by: { day: 22, time: "24:00" }']),
    );
    // Line 31: `    by: { day: 22, time: ` is 25 characters: the quoted time starts in column 26.
    expect(places(error)).toEqual([{ line: 31, column: 26, path: 'obligations[0].by.time' }]);
    expect(error.details[0]?.message).toContain('HH:MM');
  });

  it('prohibition: a daily window without its end is reported at the window', () => {
    const error = rejection(
      withObligations([...prohibition.slice(0, 6), '    window: { dailyFrom: "10:00" }']),
    );
    expect(places(error)).toEqual([
      { line: 31, column: 13, path: 'obligations[0].window.dailyTo' },
    ]);
  });

  it('permission: a condition naming a phase with a number', () => {
    const error = rejection(
      withObligations(replaceLine(permission, 30, '    when: { phaseStarted: 7 }')),
    );
    // `    when: { phaseStarted: ` is 26 characters: the 7 is in column 27.
    expect(places(error)).toEqual([
      { line: 30, column: 27, path: 'obligations[0].when.phaseStarted' },
    ]);
  });

  it('an unknown kind is reported at `kind`', () => {
    const error = rejection(withObligations(replaceLine(quota, 29, '    kind: quotum')));
    expect(places(error)).toEqual([{ line: 29, column: 11, path: 'obligations[0].kind' }]);
  });
});

describe('parseAgreement: locating errors', () => {
  it('reports a wrong type at the value, with file, line, column and path', () => {
    const text = lines(
      'truce: 1', //                                               1
      'id: test', //                                               2
      'title: Test', //                                            3
      'version: 1', //                                             4
      'timeZone: Asia/Gaza', //                                    5
      'zeroHour: 2025-01-19T08:30:00+02:00', //                    6
      'parties: [{ id: israel, name: Israel, roles: [party] }]', // 7
      'obligations:', //                                           8
      '  - id: aid', //                                            9
      '    kind: quota', //                                       10
      '    unit: trucks', //                                      11
      '    target: six hundred', //                               12
      '    title: Aid', //                                        13
      '    clause: 600 trucks a day', //                          14
      '    owedBy: [israel]', //                                  15
      '    measure: { type: aid_trucks_crossed }', //             16
    );
    const error = rejection(text, 'gaza-2025.yaml');
    expect(error.code).toBe('AGREEMENT_INVALID');
    expect(error.details).toEqual([
      {
        file: 'gaza-2025.yaml',
        line: 12,
        column: 13,
        path: 'obligations[0].target',
        message: 'Invalid input: expected number, received string',
      },
    ]);
    // The form docs/AGREEMENT-FORMAT.md shows a drafter.
    expect(error.details.map(formatDetail)).toEqual([
      'gaza-2025.yaml:12:13 obligations[0].target: Invalid input: expected number, received string',
    ]);
    // Windows line endings change nothing.
    expect(places(rejection(text.replaceAll('\n', '\r\n')))).toEqual(places(error));
  });

  it('reports a wrong type inside an alternative, in flow and in block style', () => {
    const flow = rejection(
      withObligations(
        replaceLine(
          quota,
          32,
          '    target: { value: 600, alternatives: [{ value: x, source: un }] }',
        ),
      ),
    );
    // `    target: { value: 600, alternatives: [{ value: ` is 50 characters.
    expect(places(flow)).toEqual([
      { line: 32, column: 51, path: 'obligations[0].target.alternatives[0].value' },
    ]);
    const block = rejection(
      withObligations(
        replaceLine(
          quota,
          32,
          '    target:', //                                             32
          '      value: 600', //                                        33
          '      alternatives:', //                                     34
          '        - value: x', //                                      35
          '          source: un', //                                    36
        ),
      ),
    );
    expect(places(block)).toEqual([
      { line: 35, column: 18, path: 'obligations[0].target.alternatives[0].value' },
    ]);
  });

  it('reports an unknown field at the field itself, however far below the start of its map', () => {
    const error = rejection(withObligations([...quota, '    colour: red', '    size: 3']));
    expect(error.details).toEqual([
      { line: 34, column: 5, path: 'obligations[0]', message: 'unknown field "colour"' },
      { line: 35, column: 5, path: 'obligations[0]', message: 'unknown field "size"' },
    ]);
  });

  it('reports an unknown field in a nested flow map and at the top level', () => {
    const error = rejection(
      lines(
        ...header.slice(0, 23),
        'notes: draft', //                                              24
        'obligations:', //                                              25
        // The quota now starts on line 26, one below its usual place: `measure` is on line 31.
        ...replaceLine(quota, 30, '    measure: { type: aid_trucks_crossed, kind: fuel }'),
      ),
    );
    // zod checks the known fields before it looks for unknown ones: the obligation comes first.
    expect(places(error)).toEqual([
      // Line 31: `    measure: { type: aid_trucks_crossed, ` is 41 characters.
      { line: 31, column: 42, path: 'obligations[0].measure' },
      { line: 24, column: 1, path: '' },
    ]);
  });

  it('reports a missing required field at the map that lacks it', () => {
    const error = rejection(withObligations(quota.filter((row) => !row.includes('unit:'))));
    // The obligation's map starts at `id` on line 25, column 5.
    expect(error.details).toEqual([
      {
        line: 25,
        column: 5,
        path: 'obligations[0].unit',
        message: 'Invalid input: expected string, received undefined',
      },
    ]);
    const top = rejection(lines(...header.slice(0, 10), ...header.slice(15, 23)));
    expect(places(top)).toEqual([{ line: 1, column: 1, path: 'parties' }]);
  });

  it('reports every problem at once, in document order', () => {
    const error = rejection(
      withObligations(
        replaceLine(replaceLine(quota, 32, '    target: -1'), 26, '    title: ""'),
        replaceLine(exchange, 39, '    withinHours: soon'),
      ),
    );
    // The exchange now starts on line 34 (after 9 quota lines), so its line 39 is line 48.
    expect(places(error)).toEqual([
      { line: 26, column: 12, path: 'obligations[0].title' },
      { line: 32, column: 13, path: 'obligations[0].target' },
      { line: 48, column: 18, path: 'obligations[1].withinHours' },
    ]);
  });

  it('rejects an instant without an offset, at the value', () => {
    const error = rejection(withObligations(quota).replace('08:30:00+02:00', '08:30:00'));
    expect(error.details).toEqual([
      {
        line: 6,
        column: 11,
        path: 'zeroHour',
        message: 'an ISO 8601 date-time with an offset, e.g. 2025-01-19T08:30:00+02:00',
      },
    ]);
    const deadlineAt = rejection(
      withObligations([...deadline.slice(0, 6), '    by: { at: 2025-02-04T12:00 }']),
    );
    expect(places(deadlineAt)).toEqual([{ line: 31, column: 15, path: 'obligations[0].by.at' }]);
  });

  it('reports a document that is not a map at line 1', () => {
    for (const text of ['', 'just text', '- a list']) {
      const error = rejection(text);
      expect(error.code).toBe('AGREEMENT_INVALID');
      expect(places(error)).toEqual([{ line: 1, column: 1, path: '' }]);
    }
  });

  it('finds a key YAML reads as a number (`1:` under `where`)', () => {
    const error = rejection(
      withObligations([
        ...deadline.slice(0, 5),
        '    act:', //                                                 30
        '      type: withdrawal_completed', //                         31
        '      where:', //                                             32
        '        zone: netzarim', //                                   33
        '        1: { nested: map }', //                               34
        '    by: { day: 22 }', //                                      35
      ]),
    );
    // The value of `1` (a map, where a scalar or a list is expected) opens in column 12.
    expect(places(error)).toEqual([{ line: 34, column: 12, path: 'obligations[0].act.where.1' }]);
  });
});

describe('parseAgreement: YAML syntax', () => {
  it('reports a syntax error with its position and the file', () => {
    const error = rejection(
      lines(...header.slice(0, 2), 'title: Gaza: the text', ...header.slice(3)),
      'gaza-2025.yaml',
    );
    expect(error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(error.message).toContain('gaza-2025.yaml');
    // `title: ` is 7 characters: yaml objects to the value starting in column 8.
    expect(error.details[0]).toMatchObject({ file: 'gaza-2025.yaml', line: 3, column: 8 });
    expect(error.details[0]?.message).not.toBe('');
  });

  it('reports tab indentation on its line', () => {
    const error = rejection(lines(...header.slice(0, 21), '\tstart: { day: 1 }'));
    expect(error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(error.details[0]).toMatchObject({ line: 22, column: 1 });
  });

  it('rejects a duplicate key at the second occurrence, at the top and inside an obligation', () => {
    const top = rejection(lines(...header.slice(0, 4), 'version: 2', ...header.slice(4)));
    expect(top.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(top.details).toEqual([{ line: 5, column: 1, message: 'Map keys must be unique' }]);
    const inner = rejection(withObligations([...quota, '    unit: lorries']));
    expect(inner.details).toEqual([{ line: 34, column: 5, message: 'Map keys must be unique' }]);
  });

  it('rejects two documents in one file', () => {
    const error = rejection(`${withObligations(quota)}\n---\ntruce: 1`);
    expect(error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(error.details[0]?.line).toBe(34);
  });

  it('reports an alias without its anchor as a syntax error at the alias (yaml throws there)', () => {
    const error = rejection(lines(...header.slice(0, 15), 'places: *known-places'));
    expect(error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(error.details).toEqual([
      {
        line: 16,
        column: 9,
        message: 'Unresolved alias (the anchor must be set before the alias): known-places',
      },
    ]);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const error = rejection(
      lines(
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ),
    );
    expect(error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(error.details[0]?.line).toBeGreaterThanOrEqual(1);
  });

  it('accepts anchors and aliases that resolve', () => {
    const agreement = parseAgreement(
      lines(...header.slice(0, 15), 'places: &none []', 'obligations: *none'),
    );
    expect(agreement.obligations).toEqual([]);
  });
});

describe('parseAgreement: references', () => {
  const reference = (text: string) => {
    const error = rejection(text);
    expect(error.code).toBe('AGREEMENT_REFERENCE_UNKNOWN');
    return error.details.map(({ line, column, path, message }) => ({
      line,
      column,
      path,
      message,
    }));
  };

  it('an unknown party', () => {
    expect(
      reference(withObligations(replaceLine(quota, 28, '    owedBy: [israel, egypt]'))),
    ).toEqual([
      {
        line: 28,
        column: 22,
        path: 'obligations[0].owedBy[1]',
        message: 'unknown party "egypt" (defined: israel, hamas, cogat, un)',
      },
    ]);
  });

  it('an unknown reporting organisation in a sources rule and in an event match', () => {
    expect(
      reference(
        withObligations(
          replaceLine(
            replaceLine(quota, 33, '    sources: { combine: min, among: [un, wfp] }'),
            30,
            '    measure: { type: aid_trucks_crossed, source: ocha }',
          ),
        ),
      ).map(({ line, column, path }) => ({ line, column, path })),
    ).toEqual([
      // `    measure: { type: aid_trucks_crossed, source: ` is 49 characters.
      { line: 30, column: 50, path: 'obligations[0].measure.source' },
      // `    sources: { combine: min, among: [un, ` is 41 characters.
      { line: 33, column: 42, path: 'obligations[0].sources.among[1]' },
    ]);
  });

  it('an unknown phase, in a condition and in an event match', () => {
    expect(
      reference(
        withObligations(replaceLine(permission, 30, '    when: { phaseStarted: phase-2 }')),
      ),
    ).toEqual([
      {
        line: 30,
        column: 27,
        path: 'obligations[0].when.phaseStarted',
        message: 'unknown phase "phase-2" (defined: phase-1)',
      },
    ]);
    // A list under `where.phase` is checked item by item (it used to be skipped).
    const listed = reference(
      withObligations([
        ...deadline.slice(0, 5),
        '    act: { type: talks_started, where: { phase: [phase-1, phase-3] } }',
        '    by: { day: 16 }',
      ]),
    );
    // Reported at the list, which opens in column 49.
    expect(listed).toEqual([
      {
        line: 30,
        column: 49,
        path: 'obligations[0].act.where.phase',
        message: 'unknown phase "phase-3" (defined: phase-1)',
      },
    ]);
  });

  it('an unknown obligation, in `partOf` and in `obligationMet`', () => {
    expect(
      reference(withObligations([...quota, '    partOf: all-aid'])).map((d) => d.path),
    ).toEqual(['obligations[0].partOf']);
    const met = reference(
      withObligations(
        replaceLine(permission, 30, '    when: { obligationMet: all-women-released }'),
      ),
    );
    expect(met).toEqual([
      {
        line: 30,
        column: 28,
        path: 'obligations[0].when.obligationMet',
        message: 'unknown obligation "all-women-released" (defined: returns-north)',
      },
    ]);
  });

  it('an unknown place', () => {
    expect(
      reference(
        withObligations(
          replaceLine(
            deadline,
            30,
            '    act: { type: withdrawal_completed, where: { zone: philadelphi } }',
          ),
        ),
      ),
    ).toEqual([
      {
        line: 30,
        column: 55,
        path: 'obligations[0].act.where.zone',
        message: 'unknown place "philadelphi" (defined: kerem-shalom, netzarim, rashid)',
      },
    ]);
    // `place` (as incident_reported carries it) is a place like `zone` and `crossing`.
    const incident = reference(
      withObligations([
        ...prohibition.slice(0, 5),
        '    act: { type: incident_reported, where: { place: jabalia } }',
      ]),
    );
    expect(incident.map((d) => d.path)).toEqual(['obligations[0].act.where.place']);
  });

  it('an unknown source document behind an alternative', () => {
    expect(
      reference(
        withObligations(replaceLine(deadline, 36, '          - { value: 21, source: afp }')),
      ),
    ).toEqual([
      {
        line: 36,
        column: 34,
        path: 'obligations[0].by.day.alternatives[0].source',
        message: 'unknown source "afp" (defined: text, reuters)',
      },
    ]);
  });

  it('an unknown event type', () => {
    const details = reference(
      withObligations(replaceLine(quota, 30, '    measure: { type: aid_truck_crossed }')),
    );
    expect(details).toHaveLength(1);
    expect(details[0]).toMatchObject({
      line: 30,
      column: 22,
      path: 'obligations[0].measure.type',
    });
    expect(details[0]?.message).toMatch(/^unknown event type "aid_truck_crossed" \(known: /);
  });

  it('duplicate ids', () => {
    expect(reference(withObligations(quota, quota))).toEqual([
      {
        // The second copy starts on line 34; `  - id: ` is 8 characters.
        line: 34,
        column: 9,
        path: 'obligations[1].id',
        message: 'duplicate obligation id "aid-trucks"',
      },
    ]);
  });

  it('a payload field called `alternatives` in an event match is not taken for alternatives', () => {
    // This used to throw a TypeError from the reference check instead of a TruceError.
    const agreement = parseAgreement(
      withObligations(
        replaceLine(
          deadline,
          30,
          '    act: { type: withdrawal_completed, where: { alternatives: [a, b], zone: netzarim } }',
        ),
      ),
    );
    expect(agreement.obligations[0]).toMatchObject({
      act: { where: { alternatives: ['a', 'b'] } },
    });
  });
});

describe('the examples in docs/AGREEMENT-FORMAT.md', () => {
  // The reference is only trustworthy if its examples parse: each `yaml` block is either a
  // complete agreement, a `phases:` section or a list of obligations for the first agreement.
  const doc = readFileSync(
    new URL('../../../../docs/AGREEMENT-FORMAT.md', import.meta.url),
    'utf8',
  );
  const blocks = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: doc.slice(0, match.index).split('\n').length,
    text: match[1] ?? '',
  }));
  const base = blocks.find((block) => block.text.startsWith('truce:'));

  const parseExample = (text: string, line: number) => {
    try {
      return parseAgreement(text, `AGREEMENT-FORMAT.md, example at line ${line}`);
    } catch (error) {
      if (!(error instanceof TruceError)) throw error;
      throw new Error(`${error.message}:\n${error.details.map(formatDetail).join('\n')}`);
    }
  };

  it('has a complete agreement first and an example of every obligation kind', () => {
    expect(blocks[0]).toBe(base);
    const kinds = new Set(blocks.flatMap((block) => [...block.text.matchAll(/kind: (\w+)/g)]));
    expect([...kinds].map((match) => match[1])).toEqual(
      expect.arrayContaining([
        'quota',
        'exchange',
        'schedule',
        'deadline',
        'prohibition',
        'permission',
        'notice',
      ]),
    );
  });

  for (const block of blocks) {
    it(`the example at line ${block.line} parses`, () => {
      if (!base) throw new Error('no complete agreement example');
      const agreement = parseYaml(base.text) as Record<string, unknown>;
      if (block.text.startsWith('truce:')) {
        parseExample(block.text, block.line);
      } else if (block.text.startsWith('phases:') || block.text.startsWith('notices:')) {
        parseExample(stringify({ ...agreement, ...parseYaml(block.text) }), block.line);
      } else if (block.text.startsWith('- id:')) {
        const obligations = parseYaml(block.text) as unknown[];
        const parsed = parseExample(stringify({ ...agreement, obligations }), block.line);
        expect(parsed.obligations).toHaveLength(obligations.length);
      } else {
        throw new Error('a yaml example must be an agreement, a phases: section or obligations');
      }
    });
  }
});
