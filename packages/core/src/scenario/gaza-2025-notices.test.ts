import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { agreementSchema } from '../agreement/schema.js';
import { evaluate } from '../engine/evaluate.js';
import { parseEventLines } from '../events/parse.js';
import { foldNotices, foldOptionsOf } from '../notices/fold.js';
import { toJsonLines } from './builder.js';
import { gaza2025NoticeCases, generateGaza2025NoticesScenario } from './gaza-2025-notices.js';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const sample = parseAgreement(read('examples/agreements/gaza-2025.yaml'), 'gaza-2025.yaml');
const base = parseEventLines(read('examples/scenarios/gaza-2025-synthetic.jsonl'));
const file = 'examples/scenarios/gaza-2025-notices-synthetic.jsonl';
const scenario = generateGaza2025NoticesScenario();
const events = [...base, ...scenario.events];

/** The sample agreement with the general rule its names-list deadline leaves out. */
const withRule = agreementSchema.parse({
  ...sample,
  obligations: [
    ...sample.obligations,
    {
      id: 'names-lists-24h',
      kind: 'notice',
      title: 'Names delivered 24 hours before each release',
      clause:
        'The names of those to be released are delivered to the mediators before each release (reported: 24 hours before).',
      owedBy: ['hamas'],
      during: { phase: 'phase-1', fromDay: 2 },
      notice: { kind: 'names_list', to: ['israel'] },
      before: { each: { type: ['hostage_released', 'remains_returned'] }, hours: 24 },
    },
  ],
});
const rule = (asOf: string) =>
  evaluate(withRule, events, asOf).obligations.find((o) => o.id === 'names-lists-24h')!;

describe('the sample names lists as notices (gaza-2025-notices)', () => {
  it('are exactly the committed file, valid events, in feed order, ids apart from the base', () => {
    expect(read(file)).toBe(toJsonLines(scenario.events));
    expect(parseEventLines(read(file), file)).toEqual(scenario.events);
    expect(scenario.events.every((e) => e.id.startsWith('n-'))).toBe(true);
  });

  it('a late list shows as late, with the clause and the notice in its why', () => {
    const day24 = rule('2025-02-11T12:00:00+02:00');
    expect(day24.status).toBe('late');
    expect(day24.progress).toEqual({ done: 4, required: 4, unit: 'notice' });
    expect(day24.why).toContain('reported: 24 hours before');
    const late = scenario.events.find(
      (e) => e.type === 'notice_sent' && e.payload.forDay === gaza2025NoticeCases.lateListDay,
    )!;
    expect(day24.why).toContain(`Day 21: sent by hamas`);
    expect(day24.eventIds).toContain(late.id);
  });

  it('a missing list shows as breached once it was due', () => {
    const end = rule('2025-03-02T12:00:00+02:00');
    expect(end.status).toBe('breached');
    expect(end.why).toContain(`Day ${gaza2025NoticeCases.missingListDay}: none sent`);
  });

  it('the slow acknowledgement climbed to the mediators, and cleared', () => {
    const fold = foldNotices(
      events,
      foldOptionsOf(sample, Date.parse('2025-02-11T12:00:00+02:00')),
    );
    const slow = fold.notices.find(
      (n) => n.notice === `names-day-${gaza2025NoticeCases.slowAcknowledgementDay}`,
    )!;
    expect(slow.escalations).toEqual([
      expect.objectContaining({
        to: 'mediators',
        orgs: ['qatar', 'egypt', 'united-states'],
        cleared: true,
      }),
    ]);
    expect(fold.notices.filter((n) => n.escalations.length > 0)).toHaveLength(1);
    expect(fold.warnings).toEqual([]);
  });
});
