import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../src/agreement/parse.js';
import { evaluate } from '../src/engine/evaluate.js';
import type { Evaluation, ObligationStatus } from '../src/engine/types.js';
import { parseEventLines } from '../src/events/parse.js';

/**
 * The golden test of the sample agreement and its synthetic scenario
 * (examples/scenarios/README.md lists the cases and their event ids). Each expected status is
 * explained where it is not plain. Day N is 19 January 2025 + N − 1; "at Day N" means 18:00 local
 * that day, the cell's evening briefing, unless a time is given.
 */
const root = new URL('../../../examples/', import.meta.url);
const agreement = parseAgreement(
  readFileSync(new URL('agreements/gaza-2025.yaml', root), 'utf8'),
  'gaza-2025.yaml',
);
const events = parseEventLines(
  readFileSync(new URL('scenarios/gaza-2025-synthetic.jsonl', root), 'utf8'),
);

function at(day: number, time = '18:00'): Evaluation {
  const date = new Date(Date.UTC(2025, 0, 18 + day)).toISOString().slice(0, 10);
  return evaluate(agreement, events, `${date}T${time}:00+02:00`);
}
function statuses(result: Evaluation): Record<string, string> {
  return Object.fromEntries(result.obligations.map((o) => [o.id, o.status]));
}
function get(result: Evaluation, id: string): ObligationStatus {
  const found = result.obligations.find((o) => o.id === id);
  if (!found) throw new Error(`no obligation ${id}`);
  return found;
}

describe('Gaza 2025 sample: the golden days', () => {
  it('Day 3: the late names list, the first exchange paid, returns not yet allowed', () => {
    const result = at(3);
    expect(result.phases[0]).toMatchObject({
      id: 'phase-1',
      state: 'active',
      dayOfPhase: 3,
      lengthDays: 42,
    });
    expect(statuses(result)).toEqual({
      // Delivered at 10:45 for 08:30: late, never breached (case 1).
      'names-list-day-1': 'late',
      'hostage-releases-phase-1': 'on_track',
      // 3 civilian women × 30 = 90, released the same night.
      'prisoner-releases-phase-1': 'on_track',
      // Day 3 is in progress and unreported; Days 1–2 met at the higher (COGAT) figure.
      'aid-trucks-daily': 'on_track',
      'aid-fuel-daily': 'on_track',
      'aid-north-daily': 'on_track',
      // Nothing delivered yet: with no rate, a whole-phase target is at risk.
      'shelter-caravans': 'at_risk',
      'shelter-tents': 'at_risk',
      'withdrawal-buffer-zone': 'met',
      'withdrawal-rashid-street': 'on_track',
      'withdrawal-netzarim-corridor': 'on_track',
      'withdrawal-philadelphi-corridor': 'on_track',
      'surveillance-flights-suspended': 'on_track',
      // Allowed only from Day 7 (or after a count of releases for Rafah).
      'returns-north-rashid-street': 'not_started',
      'returns-north-salah-al-din-vehicles': 'not_started',
      'returns-north-salah-al-din-all': 'not_started',
      'rafah-wounded-and-sick': 'not_started',
      'phase-2-talks-begin': 'on_track',
    });
    expect(get(result, 'names-list-day-1').why).toContain('2.3 h late (e-000001)');
  });

  it('Day 10: the release-order dispute resolved, returns open from Day 9 as the mediators decided', () => {
    const result = at(10);
    expect(statuses(result)).toMatchObject({
      'hostage-releases-phase-1': 'on_track',
      'withdrawal-rashid-street': 'met',
      // Postponed 2 days by the resolution e-000182, opened on Day 9: met, not late (case 2).
      'returns-north-rashid-street': 'met',
      'returns-north-salah-al-din-vehicles': 'met',
      'rafah-wounded-and-sick': 'not_started',
      'phase-2-talks-begin': 'on_track',
      'surveillance-flights-suspended': 'on_track',
    });
    expect(get(result, 'returns-north-rashid-street').why).toContain(
      'postponed 2 days by release-order-day-7 (e-000182)',
    );
    // The extra release added by the resolution comes out of the remainder: 33 in all stays.
    expect(get(result, 'hostage-releases-phase-1').why).toContain('3 by Day 12');
    expect(get(result, 'hostage-releases-phase-1').progress).toEqual({
      done: 7,
      required: 33,
      unit: 'persons',
    });
  });

  it('Day 17: the Day-16 talks deadline missed with no event; a confirmed finding on aid', () => {
    const result = at(17);
    expect(statuses(result)).toMatchObject({
      // Nothing reports talks: breached on silence (case 4).
      'phase-2-talks-begin': 'breached',
      // The obstruction at Kerem Shalom was confirmed (e-000299) against the daily quota.
      'aid-trucks-daily': 'breached',
      // Opened on Day 13 after the ninth living woman was released on Day 12 (case 11).
      'rafah-wounded-and-sick': 'met',
      'hostage-releases-phase-1': 'on_track',
    });
    expect(get(result, 'phase-2-talks-begin').why).toContain('no event reports it done');
    expect(get(result, 'aid-trucks-daily').eventIds).toContain('e-000299');
  });

  it('Day 23: Netzarim met on Day 22 (late under the Day-21 report); flights breached on Day 18 and 21', () => {
    const result = at(23);
    const netzarim = get(result, 'withdrawal-netzarim-corridor');
    expect(netzarim.status).toBe('met');
    expect(netzarim.alternatives).toMatchObject([{ path: 'by.day', value: 21, status: 'late' }]);
    const flights = get(result, 'surveillance-flights-suspended');
    expect(flights.status).toBe('breached');
    // Day 18: 9 h quiet for 10; Day 21, an exchange day: 11 h for 12 (case 8).
    expect(flights.why).toContain('Day 18: longest quiet period 9 h, 10 h required');
    expect(flights.why).toContain(
      'Day 21 (an exchange day): longest quiet period 11 h, 12 h required',
    );
    expect(flights.progress).toEqual({ done: 21, required: 23, unit: 'days without violation' });
    expect(statuses(result)).toMatchObject({
      'returns-north-salah-al-din-all': 'met',
      'phase-2-talks-begin': 'breached',
    });
  });

  it('Day 42: the remainder released, the withheld release paid late, talks started late', () => {
    const result = at(42);
    expect(statuses(result)).toMatchObject({
      'hostage-releases-phase-1': 'met',
      // Withheld on Day 35, released on Day 39 23:30 (case 6).
      'prisoner-releases-phase-1': 'late',
      // Started on Day 30: met after the deadline.
      'phase-2-talks-begin': 'late',
      'withdrawal-philadelphi-corridor': 'on_track',
      'surveillance-flights-suspended': 'breached',
    });
    expect(get(result, 'hostage-releases-phase-1').progress).toEqual({
      done: 33,
      required: 33,
      unit: 'persons',
    });
    expect(get(result, 'prisoner-releases-phase-1').why).toContain(
      'reached Day 39 23:30 (e-001099)',
    );
    expect(get(result, 'phase-2-talks-begin').why).toContain('13.5 days late (e-000829)');
    // Talks were suspended on Day 41, so phase 1 is not extended: it ends with Day 42.
    expect(result.phases[0]).toMatchObject({
      state: 'active',
      dayOfPhase: 42,
      endsAt: '2025-03-02T00:00:00+02:00',
    });
  });
});

describe('Gaza 2025 sample: the cases between the golden days', () => {
  it('returns are disputed while the mediators decide, with both claims', () => {
    const returns = get(at(8, '08:00'), 'returns-north-rashid-street');
    expect(returns.status).toBe('disputed');
    expect(returns.underlying).toBe('breached');
    expect(returns.disputes[0]?.claims.map((c) => c.by)).toEqual(['israel', 'hamas']);
  });

  it('the wrong remains lower the count until the right remains come', () => {
    expect(get(at(33, '23:00'), 'hostage-releases-phase-1').progress.done).toBe(23);
    const corrected = get(at(34, '18:00'), 'hostage-releases-phase-1');
    expect(corrected.progress.done).toBe(22);
    expect(corrected.why).toContain('e-000914 corrected by e-000931');
    expect(get(at(35, '23:00'), 'hostage-releases-phase-1').progress.done).toBeGreaterThanOrEqual(
      23,
    );
  });

  it('the withheld release is breached, then disputed with both claims', () => {
    const overdue = get(at(36, '09:00'), 'prisoner-releases-phase-1');
    expect(overdue.status).toBe('breached');
    expect(overdue.why).toContain('israel reports withholding 620');
    const disputed = get(at(36, '12:00'), 'prisoner-releases-phase-1');
    expect(disputed.status).toBe('disputed');
    expect(disputed.underlying).toBe('breached');
    expect(disputed.disputes.map((d) => d.id)).toEqual(['withheld-release-day-35']);
  });

  it('after the phase, each aid quota is judged on every reported day, both sources shown', () => {
    const result = at(44, '12:00');
    const trucks = get(result, 'aid-trucks-daily');
    expect(trucks.status).toBe('breached');
    // Days short even at the higher figure (case 7).
    for (const day of [3, 10, 19, 31])
      expect(trucks.periods.find((p) => p.day === day)?.met).toBe(false);
    expect(trucks.sources.map((s) => s.source)).toEqual(['cogat', 'un']);
    expect(get(result, 'aid-fuel-daily').status).toBe('breached');
    expect(get(result, 'shelter-caravans').status).toBe('breached');
    expect(result.phases[0]?.state).toBe('ended');
  });

  it('as of any day, the evaluation raises no warning about the sample events', () => {
    for (const day of [3, 10, 17, 23, 42]) expect(at(day).warnings).toEqual([]);
  });
});
