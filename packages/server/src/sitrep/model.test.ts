import { evaluate, hxl, parseEvent, type TruceEvent } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { effectiveEvents } from './effective-events.js';
import { sitrepWindow } from './model.js';
import {
  afterTheScenario as later,
  sampleAgreement,
  sampleEvents,
  sampleSitrep,
} from './testing.js';

describe('the day a report covers', () => {
  it('counts days as the agreement does and reports as of the last instant of the day', () => {
    const window = sitrepWindow(sampleAgreement, '2025-01-25', later);
    expect(window).toEqual({
      date: '2025-01-25',
      day: 7,
      from: '2025-01-25T00:00:00+02:00',
      to: '2025-01-26T00:00:00+02:00',
      asOf: '2025-01-25T23:59:59.999+02:00',
      previousAsOf: '2025-01-24T23:59:59.999+02:00',
      complete: true,
    });
    expect(sitrepWindow(sampleAgreement, '2025-01-18', later).day).toBe(0);
  });

  it('is provisional, as of now, while the day runs; a day not begun is refused', () => {
    const window = sitrepWindow(sampleAgreement, '2025-01-25', new Date('2025-01-25T10:00:00Z'));
    expect(window).toMatchObject({ asOf: '2025-01-25T12:00:00.000+02:00', complete: false });
    expect(() =>
      sitrepWindow(sampleAgreement, '2025-01-26', new Date('2025-01-25T10:00:00Z')),
    ).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    for (const bad of ['2025-02-30', '25-01-2025', '2025-1-5', '']) {
      expect(() => sitrepWindow(sampleAgreement, bad, later)).toThrowError(
        expect.objectContaining({ code: 'USAGE' }),
      );
    }
  });
});

describe('the report model of the Gaza 2025 sample on Day 7 (25 January 2025)', () => {
  const model = sampleSitrep('2025-01-25');
  const engine = evaluate(sampleAgreement, sampleEvents, model.window.asOf);
  const dayBefore = evaluate(sampleAgreement, sampleEvents, model.window.previousAsOf);

  it('takes every status, progress and why from the engine', () => {
    expect(
      model.compliance.map((o) => [o.id, o.status, o.underlying, o.done, o.required, o.why]),
    ).toEqual(
      engine.obligations.map((o) => [
        o.id,
        o.status,
        o.underlying,
        o.progress.done,
        o.progress.required,
        o.why,
      ]),
    );
    expect(model.compliance.map((o) => o.previous)).toEqual(
      dayBefore.obligations.map((o) => o.status),
    );
  });

  it('puts phase 1, Day 7 of 42 in the header', () => {
    expect(model.current).toMatchObject({ id: 'phase-1', dayOfPhase: 7, lengthDays: 42 });
    expect(model.agreement).toEqual(engine.agreement);
  });

  it('summarises counts by status and the transitions since the end of Day 6', () => {
    const total = (counts: Record<string, number>) =>
      Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total(model.summary.counts)).toBe(engine.obligations.length);
    expect(model.summary.counts.disputed).toBe(
      engine.obligations.filter((o) => o.status === 'disputed').length,
    );
    expect(model.summary.transitions.map((t) => [t.id, t.from, t.to])).toEqual([
      ['hostage-releases-phase-1', 'on_track', 'disputed'],
      ['aid-fuel-daily', 'breached', 'on_track'],
      ['aid-north-daily', 'breached', 'on_track'],
      ['withdrawal-rashid-street', 'on_track', 'met'],
      ['returns-north-rashid-street', 'not_started', 'disputed'],
      ['returns-north-salah-al-din-vehicles', 'not_started', 'disputed'],
    ]);
  });

  it('reports the releases of the day as the engine counts them, by side and category', () => {
    expect(
      model.exchanges.obligations.map((o) => [o.id, o.owedBy, o.donePrevious, o.done, o.required]),
    ).toEqual([
      ['hostage-releases-phase-1', ['hamas'], 3, 7, 33],
      ['prisoner-releases-phase-1', ['israel'], 90, 290, 290],
    ]);
    const today = model.exchanges.releases.filter((r) => r.today > 0);
    expect(today.map((r) => [r.type, r.by, r.category, r.today])).toEqual([
      ['hostage_released', ['hamas'], 'female_soldier', 4],
      ['prisoner_released', ['israel'], 'life_sentence', 120],
      ['prisoner_released', ['israel'], 'other_detainee', 80],
    ]);
    // Pseudonymous ids only: the schema has no name field, and every id is of the H-/P- form.
    for (const row of model.exchanges.releases) {
      for (const id of row.ids) expect(id).toMatch(/^[A-Z]{1,3}-[0-9A-Z]{1,12}$/);
    }
  });

  it('shows each source’s daily aid figure beside the counted one, from the engine’s periods', () => {
    const trucks = model.aid.daily.find((t) => t.id === 'aid-trucks-daily')!;
    const periods = engine.obligations.find((o) => o.id === 'aid-trucks-daily')!.periods;
    expect(trucks.sources).toEqual(['cogat', 'un']);
    expect(trucks.rows.map((r) => r.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const row of trucks.rows) {
      const period = periods.find((p) => p.day === row.day)!;
      expect([row.done, row.required, row.met, row.reported]).toEqual([
        period.done,
        period.required,
        period.met,
        period.reported,
      ]);
      expect(row.bySource).toEqual(
        trucks.sources.map((s) => period.sources.find((f) => f.source === s)?.done ?? null),
      );
    }
    expect(model.aid.daily.map((t) => t.id)).toEqual([
      'aid-trucks-daily',
      'aid-fuel-daily',
      'aid-north-daily',
    ]);
    expect(model.aid.totals.map((t) => t.id)).toEqual(['shelter-caravans', 'shelter-tents']);
  });

  it('lists the day’s movement reports and the open dispute with both claims', () => {
    expect(model.movement.reports.map((r) => [r.eventId, r.type])).toEqual([
      ['e-000123', 'withdrawal_completed'],
      ['e-000151', 'crossing_closed'],
      ['e-000152', 'crossing_closed'],
    ]);
    expect(model.disputes.open).toHaveLength(1);
    const [dispute] = model.disputes.open;
    expect(dispute?.obligations).toEqual([
      'hostage-releases-phase-1',
      'returns-north-rashid-street',
      'returns-north-salah-al-din-vehicles',
    ]);
    expect(dispute?.claims.map((c) => c.by)).toEqual(['israel', 'hamas']);
  });

  it('names the agreement’s documents and the organisations that reported that day', () => {
    expect(model.sources.documents.map((d) => d.id)).toEqual(
      sampleAgreement.sources.map((s) => s.id),
    );
    expect(model.sources.reporters.map((r) => r.org)).toContain('icrc');
    expect(model.coverage).toEqual({
      kind: 'file',
      file: 'gaza-2025-synthetic.jsonl',
      events: 1231,
    });
  });
});

describe('the day’s releases agree with the engine’s counts on every day of phase 1', () => {
  it('sums, per day, to the change of the schedule and of the exchange', () => {
    const counted = new Set([
      'civilian_woman',
      'child',
      'female_soldier',
      'man_over_50',
      'sick_or_wounded',
      'remains',
    ]);
    const mismatches: string[] = [];
    for (let day = 1; day <= 42; day++) {
      const date = new Date(Date.UTC(2025, 0, 18 + day)).toISOString().slice(0, 10);
      const model = sampleSitrep(date);
      const change = (id: string) => {
        const o = model.exchanges.obligations.find((line) => line.id === id)!;
        return o.done - o.donePrevious;
      };
      const hostages = model.exchanges.releases
        .filter((r) => r.type !== 'prisoner_released' && counted.has(r.category))
        .reduce((sum, r) => sum + r.today, 0);
      const prisoners = model.exchanges.releases
        .filter((r) => r.type === 'prisoner_released')
        .reduce((sum, r) => sum + r.today, 0);
      // Day 34: the correction of the remains lowers the count without a release that day.
      if (day !== 34 && hostages !== change('hostage-releases-phase-1')) {
        mismatches.push(
          `Day ${day}: hostages ${hostages} vs ${change('hostage-releases-phase-1')}`,
        );
      }
      if (prisoners !== change('prisoner-releases-phase-1')) {
        mismatches.push(
          `Day ${day}: prisoners ${prisoners} vs ${change('prisoner-releases-phase-1')}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it('shows the withheld release with its reason on Day 35, and the correction on Day 34', () => {
    const day35 = sampleSitrep('2025-02-22');
    expect(day35.exchanges.withheld).toEqual([
      expect.objectContaining({ eventId: 'e-000979', persons: 620, source: 'israel' }),
    ]);
    const day34 = sampleSitrep('2025-02-21');
    const hostages = day34.exchanges.obligations.find((o) => o.id === 'hostage-releases-phase-1');
    expect([hostages?.donePrevious, hostages?.done]).toEqual([23, 22]);
  });
});

describe('the events as the engine applies them', () => {
  const base = {
    occurredAt: '2025-01-20T10:00:00+02:00',
    reportedAt: '2025-01-20T10:00:00+02:00',
  };
  const returns = (id: string, source: string, count: number): TruceEvent => ({
    ...base,
    id,
    type: 'returns_counted',
    source,
    payload: { route: 'rashid-street', count, direction: 'north' },
  });
  const correction = (id: string, source: string, target: string, count: number): TruceEvent => ({
    ...base,
    id,
    type: 'correction',
    source,
    reportedAt: '2025-01-20T12:00:00+02:00',
    payload: {
      target,
      payload: { route: 'rashid-street', count, direction: 'north' },
      reason: 'recount',
    },
  });
  const mediators = new Set(['qatar']);
  const at = Date.parse('2025-01-21T00:00:00+02:00');

  it('applies the reporter’s or a mediator’s correction, not anyone else’s, and drops retractions', () => {
    const events: TruceEvent[] = [
      returns('a', 'un', 100),
      correction('a-fix', 'un', 'a', 90),
      returns('b', 'un', 50),
      correction('b-other', 'israel', 'b', 1),
      returns('c', 'un', 70),
      {
        ...base,
        id: 'c-retract',
        type: 'retraction',
        source: 'qatar',
        payload: { target: 'c', reason: 'counted twice' },
      },
    ];
    const effective = effectiveEvents(events, at, mediators);
    expect(
      effective.map((e) => [
        e.event.id,
        (e.event.payload as { count: number }).count,
        e.correctedBy,
      ]),
    ).toEqual([
      ['a', 90, 'a-fix'],
      ['b', 50, null],
    ]);
    // Before the correction was reported, the original stands.
    const earlier = effectiveEvents(events, Date.parse('2025-01-20T11:00:00+02:00'), mediators);
    expect(earlier.find((e) => e.event.id === 'a')?.correctedBy).toBeNull();
  });
});

describe('a dispute resolved with a corrected count', () => {
  it('lists the measure with the count event and the figure decided', () => {
    const resolved: TruceEvent = {
      id: 'count-decision',
      type: 'dispute_resolved',
      occurredAt: '2025-01-20T18:00:00+02:00',
      reportedAt: '2025-01-20T18:05:00+02:00',
      source: 'qatar',
      payload: {
        dispute: 'zikim-count-day-1',
        decision: 'The mediators counted 87 full trucks at Zikim on Day 1.',
        measures: [
          { kind: 'correctCount', obligation: 'aid-trucks-daily', event: 'e-000006', count: 87 },
        ],
      },
    };
    const model = sampleSitrep('2025-01-20', later, [...sampleEvents, resolved]);
    const line = model.disputes.resolved.find((r) => r.eventId === 'count-decision');
    expect(line?.fields.measures).toBe('correctCount aid-trucks-daily e-000006: 87');
  });
});

describe('an imported file in the sitrep', () => {
  it('counts each row of a batch as a report of its organisation, of the row’s type', () => {
    const batcher = new hxl.HxlBatcher();
    const { implicitIdPrefix, defaultReportedAt } = hxl.batchReaderMarkers;
    for (const [line, crossing, count] of [
      [3, 'kerem-shalom', 120],
      [4, 'zikim', 40],
    ] as const) {
      batcher.add(
        {
          id: `${implicitIdPrefix}-${line}`,
          type: 'aid_trucks_crossed',
          occurredAt: '2025-01-20T12:00:00+02:00',
          reportedAt: defaultReportedAt,
          source: 'un-ocha',
          payload: { crossing, cargo: 'food', count },
        },
        line,
      );
    }
    const [draft] = batcher.finish();
    const envelope = JSON.parse(
      hxl.batchEnvelopeText(draft!, {
        sha256: 'ab'.repeat(32),
        reportedAt: '2025-01-20T18:00:00+02:00',
        keyId: 'k',
      }),
    ) as { event: unknown };
    const batch = parseEvent(envelope.event);
    expect(batch.type).toBe('aid_batch');
    const model = sampleSitrep('2025-01-20', later, [...sampleEvents, batch]);
    expect(model.sources.reporters.find((r) => r.org === 'un-ocha')).toEqual({
      org: 'un-ocha',
      reports: 2,
      types: ['aid_trucks_crossed'],
    });
  });
});
