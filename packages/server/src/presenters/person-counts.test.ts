import { readFileSync } from 'node:fs';
import {
  evaluate,
  generateGaza2025ExchangeScenario,
  parseAgreement,
  parseEventLines,
} from '@truce/core';
import { describe, expect, it } from 'vitest';
import { figuresForAggregates, whyForAggregates } from './person-counts.js';
import { presentStatus } from './status.js';

const root = new URL('../../../../examples/', import.meta.url);
const agreement = parseAgreement(readFileSync(new URL('agreements/gaza-2025.yaml', root), 'utf8'));
const base = parseEventLines(
  readFileSync(new URL('scenarios/gaza-2025-synthetic.jsonl', root), 'utf8'),
);
const events = [...base, ...generateGaza2025ExchangeScenario(base).events];
const statusOf = (asOf: string, id: string) =>
  evaluate(agreement, events, asOf).obligations.find((o) => o.id === id)!;

describe('small counts of persons in the whys', () => {
  it('Day 1 of the Jan-2025 sample: the 3 hostages released are a small cell for observers, not the agreement terms', () => {
    const asOf = '2025-01-19T20:00:00+02:00';
    const prisoners = statusOf(asOf, 'prisoner-releases-phase-1');
    expect(prisoners.why).toContain('For 3 counterpart releases, 90 persons are owed so far');
    const shown = whyForAggregates(prisoners);
    expect(shown).toContain(
      'For fewer than 5 counterpart releases, 90 persons are owed so far and 0 released',
    );
    // The ratios and the hours are the agreement's terms: public.
    expect(shown).toContain(
      'man_over_50/sick_or_wounded: 3 life_sentence + 27 other_detainee, within 24 h',
    );

    const hostages = statusOf(asOf, 'hostage-releases-phase-1');
    expect(hostages.why).toContain('3 persons counted so far; next: 4 more by the end of Day 7');
    const aggregate = whyForAggregates(hostages);
    expect(aggregate).toContain(
      'fewer than 5 persons counted so far; next: fewer than 5 more by the end of Day 7',
    );
    expect(aggregate).toContain('3 on Day 1, 4 on Day 7');
    expect(aggregate).toContain('(3 by Day 1, 4 by Day 7');
  });

  it('the Day-7 dispute: the person named in the claims and the list of 4 are hidden; counts of 5 and more stay', () => {
    const hostages = statusOf('2025-01-26T20:00:00+02:00', 'hostage-releases-phase-1');
    expect(hostages.why).toMatch(/H-0008/);
    expect(hostages.why).toContain('names 4 of female soldier');
    const shown = whyForAggregates(hostages);
    expect(shown).not.toMatch(/\b[HP]-\d{3,}\b/);
    expect(shown).toContain('[person] was not among the Day-7 releases');
    expect(shown).toContain('names fewer than 5 of female soldier');
    expect(shown).toContain('7 persons counted so far');

    const late = statusOf('2025-03-02T20:00:00+02:00', 'prisoner-releases-phase-1');
    expect(late.whyAggregates).toBeUndefined();
    expect(whyForAggregates(late)).toBe(late.why);
  });

  it('no observed count from 1 to 4 is left in any exchange or schedule why, on any day of the sample', () => {
    const observed =
      /\b(?:For [1-4] counterpart|[1-4] \w+ counted so far|next: [1-4] more|names [1-4] |withholding [1-4]\b|[1-4] released by then|and [1-4] released)/;
    for (let day = 0; day <= 45; day++) {
      const asOf = new Date(Date.UTC(2025, 0, 18 + day, 18)).toISOString();
      for (const o of evaluate(agreement, events, asOf).obligations) {
        if (o.kind !== 'exchange' && o.kind !== 'schedule') continue;
        expect(whyForAggregates(o), `${o.id} ${asOf}`).not.toMatch(observed);
        // The marks of observed counts never reach a reader.
        expect(`${o.why}${o.whyAggregates ?? ''}`).not.toMatch(/[\uE000\uE001]/);
      }
    }
  });

  it('the per-release figures and the status as observers receive it', () => {
    const evaluation = evaluate(agreement, events, '2025-01-19T20:00:00+02:00');
    const prisoners = evaluation.obligations.find((o) => o.id === 'prisoner-releases-phase-1')!;
    const [first] = figuresForAggregates(prisoners.exchanges ?? []);
    expect(first).toMatchObject({ counterparts: null, owedTotal: 90, madeTotal: 0 });
    expect(first?.owed).toEqual([{ category: 'any', count: 90 }]);

    const day7 = evaluate(agreement, events, '2025-01-26T20:00:00+02:00');
    const disputed = presentStatus(day7, 10, 'aggregates').obligations.find(
      (o) => o.id === 'hostage-releases-phase-1',
    )!;
    expect(JSON.stringify(day7.obligations)).toMatch(/H-0008/);
    expect(disputed.disputes[0]?.claims.length).toBeGreaterThan(0);
    expect(JSON.stringify(disputed)).not.toMatch(/\b[HP]-\d{3,}\b/);

    const members = presentStatus(evaluation, 10, 'members');
    const observers = presentStatus(evaluation, 10, 'aggregates');
    const of = (s: typeof members) => s.obligations.find((o) => o.id === prisoners.id)!;
    expect(of(members).why).toBe(prisoners.why);
    expect(of(observers).why).toBe(whyForAggregates(prisoners));
    expect(of(observers).why).not.toBe(prisoners.why);
    expect(of(observers)).not.toHaveProperty('whyAggregates', expect.anything());
    expect(of(observers).exchanges?.[0]?.counterparts).toBeNull();
  });
});
