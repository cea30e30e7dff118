import type { Evaluation, ObligationStatus } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { painter } from './color.js';
import {
  describeDay,
  evaluationJson,
  evaluationTable,
  formatProgress,
  shortWhy,
  withoutCitation,
} from './present-evaluation.js';

function obligation(
  overrides: Partial<ObligationStatus> & Pick<ObligationStatus, 'id'>,
): ObligationStatus {
  return {
    kind: 'quota',
    title: overrides.id,
    owedBy: ['side-a'],
    status: 'on_track',
    underlying: null,
    progress: { done: 0, required: 1, unit: 'trucks' },
    why: 'No reason given.',
    eventIds: [],
    forecast: null,
    sources: [],
    periods: [],
    disputes: [],
    alternatives: [],
    dueAt: null,
    ...overrides,
  };
}

// Built by hand so that the presenter is tested on its own, whatever the engine decides.
const evaluation: Evaluation = {
  agreement: { id: 'sample-pause', version: 2, title: 'Sample pause', timeZone: 'Asia/Gaza' },
  asOf: '2025-02-11T12:00:00+02:00',
  day: 24,
  phases: [
    {
      id: 'phase-1',
      name: 'Phase 1',
      state: 'active',
      startedAt: '2025-01-19T08:30:00+02:00',
      endsAt: '2025-03-02T08:30:00+02:00',
      dayOfPhase: 23,
      lengthDays: 42,
      why: 'started at zero hour',
    },
  ],
  obligations: [
    obligation({
      id: 'aid-trucks-daily',
      status: 'breached',
      progress: { done: 4120, required: 13_800, unit: 'trucks' },
      why: 'Clause 8: 600 trucks a day; Day 3 had 412 (e-3). Days 4 to 23 were met.',
      eventIds: ['e-1', 'e-2', 'e-3'],
      forecast: { metAt: null, basis: 'daily quota' },
      sources: [
        { source: 'cogat', done: 4120 },
        { source: 'un', done: 3980 },
      ],
    }),
    obligation({
      id: 'talks-begin',
      kind: 'deadline',
      status: 'disputed',
      underlying: 'late',
      progress: { done: 1, required: 1, unit: 'act' },
      why: 'Clause 14: talks by Day 16; started Day 18 (e-9).',
      eventIds: ['e-9'],
      forecast: { metAt: '2025-02-05T10:00:00+02:00', basis: 'talks started' },
      dueAt: '2025-02-04T00:00:00+02:00',
      disputes: [
        {
          id: 'd-1',
          openedAt: '2025-02-06T09:00:00+02:00',
          openedBy: 'side-b',
          subject: 'whether the talks count',
          claims: [{ by: 'side-b', claim: 'delegation not mandated', evidence: ['e-9'] }],
          eventId: 'e-10',
        },
      ],
    }),
    obligation({
      id: 'no-flights',
      kind: 'prohibition',
      status: 'met',
      progress: { done: 0, required: null, unit: 'flights' },
      why: 'No flight observed in the quiet hours.',
    }),
  ],
  warnings: [{ eventId: 'e-7', message: 'correction by a source other than the original' }],
};

describe('evaluationJson', () => {
  it('has exactly the promised shape, in a stable key order', () => {
    const json = evaluationJson(evaluation);
    expect(Object.keys(json)).toEqual(['agreement', 'asOf', 'obligations']);
    expect(json.agreement).toEqual({ id: 'sample-pause', version: 2 });
    expect(json.asOf).toBe('2025-02-11T12:00:00+02:00');
    for (const entry of json.obligations) {
      expect(Object.keys(entry)).toEqual([
        'id',
        'kind',
        'status',
        'progress',
        'why',
        'eventIds',
        'forecast',
      ]);
    }
    expect(json.obligations[1]).toEqual({
      id: 'talks-begin',
      kind: 'deadline',
      status: 'disputed',
      progress: { done: 1, required: 1, unit: 'act' },
      why: 'Clause 14: talks by Day 16; started Day 18 (e-9).',
      eventIds: ['e-9'],
      forecast: { metAt: '2025-02-05T10:00:00+02:00', basis: 'talks started' },
    });
    expect(json.obligations[2]?.forecast).toBeNull();
  });
});

describe('evaluationTable', () => {
  const plain = { paint: painter(false), columns: 140, verbose: false };

  it('starts with the agreement, asOf and the day of the phase', () => {
    const first = evaluationTable(evaluation, plain).split('\n')[0];
    expect(first).toBe('sample-pause v2 · as of 2025-02-11T12:00:00+02:00 · Phase 1, Day 23 of 42');
  });

  it('prints one row per obligation with kind, status, progress and a short why', () => {
    const text = evaluationTable(evaluation, plain);
    const rows = text.split('\n');
    const header = rows.findIndex((line) => line.startsWith('ID'));
    expect(rows[header]).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS\s+WHY$/);
    expect(rows[header + 1]).toMatch(
      /^aid-trucks-daily\s+quota\s+breached\s+4,120 \/ 13,800 trucks\s+Clause 8: 600 trucks a day; Day 3 had 412 \(e-3\)\. Days 4 to 23 were met\.$/,
    );
    expect(rows[header + 2]).toMatch(/^talks-begin\s+deadline\s+disputed\s+1 \/ 1 act\s+Clause/);
    expect(rows[header + 3]).toMatch(/^no-flights\s+prohibition\s+met\s+0 flights\s+No flight/);
    expect(text).toContain('3 obligations: 1 met · 1 breached · 1 disputed');
    expect(text).toContain('1 event not applied (see --verbose)');
    expect(text).not.toContain('\u001b[');
  });

  it('cuts the why so that rows fit the terminal width', () => {
    // 64 columns go to id, kind, status, progress and gaps; at 110 the why gets the other 46.
    const text = evaluationTable(evaluation, { ...plain, columns: 110 });
    const lines = text.split('\n');
    const header = lines.findIndex((line) => line.startsWith('ID'));
    for (const line of lines.slice(header, header + 4)) {
      expect(line.length).toBeLessThanOrEqual(110);
    }
    expect(lines[header + 1]).toMatch(/ {2}Clause 8: 600 trucks a day; Day 3 had 412 \(e-…$/);
    expect(lines[header + 1]).toHaveLength(110);
  });

  it('puts the why on its own line when the terminal leaves it too little room', () => {
    const lines = evaluationTable(evaluation, { ...plain, columns: 80 }).split('\n');
    const header = lines.findIndex((line) => line.startsWith('ID'));
    expect(lines[header]).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS$/);
    expect(lines[header + 1]).toMatch(
      /^aid-trucks-daily\s+quota\s+breached\s+4,120 \/ 13,800 trucks$/,
    );
    expect(lines[header + 2]).toBe(
      '    Clause 8: 600 trucks a day; Day 3 had 412 (e-3). Days 4 to 23 were met.',
    );
  });

  it('with --verbose gives the full why, the dispute, the sources and the events', () => {
    const text = evaluationTable(evaluation, { ...plain, verbose: true });
    expect(text).toContain(
      '  why: Clause 8: 600 trucks a day; Day 3 had 412 (e-3). Days 4 to 23 were met.',
    );
    expect(text).toContain('  by source: cogat 4,120, un 3,980');
    expect(text).toContain('disputed (events alone: late)');
    expect(text).toContain('    side-b: delegation not mandated [e-9]');
    expect(text).toContain('  events: e-1, e-2, e-3');
    expect(text).toContain('  e-7: correction by a source other than the original');
  });

  it('colours statuses only when asked: breached red, disputed magenta, met green', () => {
    const text = evaluationTable(evaluation, { ...plain, paint: painter(true) });
    expect(text).toContain('\u001b[31mbreached');
    expect(text).toContain('\u001b[35mdisputed');
    expect(text).toContain('\u001b[32mmet');
  });
});

describe('small formats', () => {
  it('progress reads done / required unit, or done unit when open-ended', () => {
    expect(formatProgress({ done: 412, required: 600, unit: 'trucks' })).toBe('412 / 600 trucks');
    expect(formatProgress({ done: 2.25, required: null, unit: 'flights' })).toBe('2.3 flights');
  });

  it('the day falls back to the agreement day when no phase is active', () => {
    expect(describeDay({ ...evaluation, phases: [], day: -1 })).toBe('Day -1');
  });

  it('a short why leaves out the quoted title and clause that open the why', () => {
    expect(
      withoutCitation('"600 a day" (Aid enters (daily): 600 trucks.): at least 600 a day.'),
    ).toBe('at least 600 a day.');
    expect(withoutCitation('"Talks by Day 16" was due by Day 16.')).toBe('was due by Day 16.');
    expect(withoutCitation('No quote here.')).toBe('No quote here.');
    expect(withoutCitation('"unbalanced" (clause')).toBe('"unbalanced" (clause');
  });

  it('a short why is the why on one line, cut with an ellipsis', () => {
    expect(shortWhy('Met on Day 3.\n  More detail here.', 40)).toBe(
      'Met on Day 3. More detail here.',
    );
    expect(shortWhy('A very long sentence without an end', 10)).toBe('A very lo…');
  });
});
