import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

/** "The names 24 hours before each release": the rule the issue names, on both ways to say it. */
const rules = agreement([
  {
    id: 'names-each-release',
    kind: 'notice',
    title: 'Names 24 h before each release',
    clause: 'the names of those to be released are delivered 24 hours before each release',
    owedBy: ['side-b'],
    during: { phase: 'phase-1', fromDay: 2 },
    notice: { kind: 'names_list', to: ['side-a'] },
    before: { each: { type: 'hostage_released' }, hours: 24 },
  },
  {
    id: 'names-scheduled',
    kind: 'notice',
    title: 'Names 24 h before each scheduled release',
    clause: 'the names 24 hours before the releases of Days 7 and 14 (at 16:00)',
    owedBy: ['side-b'],
    notice: { kind: 'names_list' },
    before: { days: [7, 14], time: '16:00', hours: 24 },
    warnHours: 6,
  },
]);

const list = (forDay: number | undefined, at: string, to = ['side-a'], source = 'side-b') =>
  event('notice_sent', at, source, {
    notice: `names-${forDay ?? 'undated'}-${at.slice(0, 13)}`,
    kind: 'names_list',
    to,
    subject: `Names for Day ${forDay}`,
    ...(forDay === undefined ? {} : { forDay }),
  });
const release = (n: number, time = '16:00') =>
  event('hostage_released', day(n, time), 'un', { persons: persons('H', n * 10, 3, 'child') });

const statusOf = (events: ReturnType<typeof event>[], asOf: string) =>
  Object.fromEntries(evaluate(rules, events, asOf).obligations.map((o) => [o.id, o]));

describe('notice: a notice owed before each release', () => {
  it('is met when every list was sent 24 h or more before its release', () => {
    const sent = list(7, day(6, '12:00'));
    const each = statusOf([sent, release(7)], day(8))['names-each-release']!;
    expect(each.status).toBe('on_track');
    expect(each.progress).toEqual({ done: 1, required: 1, unit: 'notice' });
    expect(each.why).toContain('Day 7: sent by side-b 28 h before');
    expect(each.eventIds).toEqual([sent.id]);
  });

  it('is late when a list came after its due time, breached when none came', () => {
    const lateList = list(7, day(7, '06:00'));
    const late = statusOf([lateList, release(7)], day(8))['names-each-release']!;
    expect(late.status).toBe('late');
    expect(late.why).toContain('14 h late');
    const releaseDay14 = release(14);
    const missing = statusOf([lateList, release(7), releaseDay14], day(15))['names-each-release']!;
    expect(missing.status).toBe('breached');
    expect(missing.progress).toEqual({ done: 1, required: 2, unit: 'notice' });
    expect(missing.why).toContain('Day 14: none sent');
    expect(missing.eventIds).toContain(releaseDay14.id);
  });

  it('counts only lists of the party that owes them, addressed to whom the rule says', () => {
    const byOther = list(7, day(5), ['side-a'], 'side-a');
    const toNobodyRequired = list(7, day(5, '13:00'), ['mediator']);
    const result = statusOf([byOther, toNobodyRequired, release(7)], day(8))['names-each-release']!;
    expect(result.status).toBe('breached');
  });

  it('takes a list without forDay for the next release after it', () => {
    const undated = list(undefined, day(6, '09:00'));
    const result = statusOf([undated, release(7, '10:00')], day(8))['names-each-release']!;
    expect(result.status).toBe('on_track');
    expect(result.eventIds).toEqual([undated.id]);
  });
});

describe('notice: a notice owed before given days', () => {
  it('warns within warnHours of the due time, then is breached while nothing is sent', () => {
    // Due Day 6 16:00 for Day 7 16:00.
    expect(statusOf([], day(6, '09:00'))['names-scheduled']?.status).toBe('on_track');
    const atRisk = statusOf([], day(6, '11:00'))['names-scheduled']!;
    expect(atRisk.status).toBe('at_risk');
    expect(atRisk.why).toContain('Day 7: due');
    expect(statusOf([], day(6, '17:00'))['names-scheduled']?.status).toBe('breached');
  });

  it('becomes late once the missing list arrives, and met when all came in time', () => {
    const late = [list(7, day(6, '20:00'))];
    expect(statusOf(late, day(6, '21:00'))['names-scheduled']?.status).toBe('late');
    const inTime = [list(7, day(6, '10:00')), list(14, day(13, '09:00'))];
    expect(statusOf(inTime, day(10))['names-scheduled']?.status).toBe('on_track');
    const done = statusOf(inTime, day(15))['names-scheduled']!;
    expect(done.status).toBe('met');
    expect(done.progress).toEqual({ done: 2, required: 2, unit: 'notice' });
  });
});
