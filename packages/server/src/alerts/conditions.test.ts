import type { Evaluation, NoticeFold, ObligationStatus } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { conditionsOf, type World } from './conditions.js';
import { alertRule, quietUntil } from './rules.js';

const HOUR = 3_600_000;
const now = Date.parse('2025-02-10T10:00:00Z');

function obligation(partial: Partial<ObligationStatus> & { id: string }): ObligationStatus {
  return {
    kind: 'quota',
    title: partial.id,
    owedBy: ['israel'],
    status: 'on_track',
    underlying: null,
    progress: { done: 100, required: 100, unit: 'trucks' },
    why: `why of ${partial.id}`,
    eventIds: [],
    forecast: null,
    sources: [],
    periods: [],
    disputes: [],
    alternatives: [],
    dueAt: null,
    ...partial,
  } as ObligationStatus;
}

const evaluation = {
  agreement: { id: 'gaza-2025', version: 1, title: 't', timeZone: 'Asia/Gaza' },
  asOf: '2025-02-10T12:00:00+02:00',
  day: 23,
  phases: [],
  warnings: [],
  obligations: [
    obligation({ id: 'aid-trucks', status: 'at_risk' }),
    obligation({
      id: 'names',
      kind: 'deadline',
      status: 'on_track',
      dueAt: new Date(now + 5 * HOUR).toISOString(),
    }),
    obligation({
      id: 'withdrawal',
      kind: 'deadline',
      status: 'met',
      dueAt: new Date(now + 2 * HOUR).toISOString(),
    }),
    obligation({
      id: 'fuel',
      status: 'breached',
      progress: { done: 50, required: 50, unit: 'trucks' },
      sources: [
        { source: 'cogat', done: 50 },
        { source: 'un', done: 30 },
      ],
    }),
  ],
} as unknown as Evaluation;

const notices = {
  warnings: [],
  notices: [
    {
      notice: 'names-day-7',
      eventId: 'n-1',
      from: 'hamas',
      subject: 'Names for Day 7',
      to: ['israel'],
      acknowledgeBy: now - HOUR,
      overdue: true,
      recipients: [{ org: 'israel', overdue: true, acknowledgedAt: null }],
      escalations: [{ to: 'mediators', orgs: ['qatar', 'egypt'], at: now - HOUR, cleared: false }],
    },
  ],
} as unknown as NoticeFold;

const world: World = {
  now,
  realNow: now,
  evaluation,
  notices,
  newEvents: [
    {
      seq: 41,
      event: {
        id: 'e-1',
        type: 'incident_reported',
        source: 'un',
        occurredAt: '2025-02-10T09:00:00Z',
        payload: { incident: 'inc-1', category: 'fire', place: 'rafah', description: '' },
      },
    },
    {
      seq: 42,
      event: {
        id: 'e-2',
        type: 'incident_reported',
        source: 'un',
        occurredAt: '2025-02-10T09:00:00Z',
        payload: {
          incident: 'inc-2',
          category: 'incursion',
          place: 'khan-younis',
          description: '',
        },
      },
    },
  ],
  checkpoint: {
    size: 900,
    savedAt: new Date(now - 45 * 60_000).toISOString(),
    cosigners: ['qatar'],
  },
};

const keys = (rule: unknown, org = 'qatar') => {
  const found = conditionsOf(alertRule.parse(rule), world, org);
  return [...found.holding, ...found.happened].map((c) => c.key);
};

describe('alert conditions', () => {
  it('status: the obligations now in one of the statuses watched', () => {
    expect(keys({ kind: 'status' })).toEqual(['status:aid-trucks:at_risk', 'status:fuel:breached']);
    expect(keys({ kind: 'status', to: ['breached'], obligations: ['aid-trucks'] })).toEqual([]);
  });

  it('deadline: due within the hours and not met', () => {
    expect(keys({ kind: 'deadline', withinHours: 6 })).toEqual([
      `deadline:names:${new Date(now + 5 * HOUR).toISOString()}`,
    ]);
    expect(keys({ kind: 'deadline', withinHours: 4 })).toEqual([]);
  });

  it('incident: by place or category, once per ledger position', () => {
    const found = conditionsOf(
      alertRule.parse({ kind: 'incident', places: ['rafah'] }),
      world,
      'qatar',
    );
    expect(found.happened.map((c) => [c.key, c.seq])).toEqual([['incident:inc-1', 41]]);
    expect(keys({ kind: 'incident', categories: ['incursion'] })).toEqual(['incident:inc-2']);
  });

  it('checkpoint: not co-signed by the party in time', () => {
    expect(keys({ kind: 'checkpoint', party: 'egypt', withinMinutes: 30 })).toEqual([
      'checkpoint:egypt:900',
    ]);
    expect(keys({ kind: 'checkpoint', party: 'egypt', withinMinutes: 60 })).toEqual([]);
    expect(keys({ kind: 'checkpoint', party: 'qatar', withinMinutes: 30 })).toEqual([]);
  });

  it('divergence: a source further than X% from the figure counted', () => {
    expect(keys({ kind: 'divergence', percent: 30 })).toEqual(['divergence:fuel:un']);
    expect(keys({ kind: 'divergence', percent: 50 })).toEqual([]);
  });

  it("notice: overdue for the recipient, escalated for the ladder's organisations, for no one else", () => {
    expect(keys({ kind: 'notice' }, 'israel')).toEqual(['notice-overdue:names-day-7']);
    expect(keys({ kind: 'notice' }, 'hamas')).toEqual(['notice-unacknowledged:names-day-7']);
    expect(keys({ kind: 'notice' }, 'qatar')).toEqual(['notice-escalated:names-day-7:mediators']);
    expect(keys({ kind: 'notice' }, 'un')).toEqual([]);
  });

  it('digest: once a day from its hour, in its time zone', () => {
    // 10:00 UTC is 12:00 in Gaza.
    expect(keys({ kind: 'digest', at: '11:30', timeZone: 'Asia/Gaza' })).toEqual([
      'digest:2025-02-10',
    ]);
    expect(keys({ kind: 'digest', at: '12:30', timeZone: 'Asia/Gaza' })).toEqual([]);
    const [digest] = conditionsOf(
      alertRule.parse({ kind: 'digest', at: '07:00', timeZone: 'Asia/Gaza' }),
      world,
      'israel',
    ).holding;
    expect(digest?.title).toBe(
      'Daily digest 2025-02-10, Day 23: 1 at_risk · 1 on_track · 1 met · 1 breached',
    );
    expect(digest?.body.why).toContain('breached: fuel. at_risk: aid-trucks');
    expect(digest?.body.why).toContain('notices awaiting your acknowledgement: Names for Day 7');
  });
});

describe('quiet hours', () => {
  it('defer to the end of the hours, across midnight, in the zone given', () => {
    const hours = { from: '22:00', to: '06:00', timeZone: 'Asia/Gaza' };
    // 21:30 UTC is 23:30 in Gaza: quiet until 06:00 Gaza, 04:00 UTC.
    expect(quietUntil(hours, Date.parse('2025-02-10T21:30:00Z'))).toBe(
      Date.parse('2025-02-11T04:00:00Z'),
    );
    expect(quietUntil(hours, Date.parse('2025-02-10T10:00:00Z'))).toBeNull();
    expect(quietUntil(null, Date.parse('2025-02-10T21:30:00Z'))).toBeNull();
  });
});
