import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { evaluate } from '../engine/evaluate.js';
import { parseEvent } from '../events/parse.js';
import { generateGaza2025Scenario } from '../scenario/gaza-2025.js';
import { returnsSummary } from './returns.js';

const agreement = parseAgreement(
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
);

const hourly = (id: string, source: string, at: string, count: number, mode: string) =>
  parseEvent({
    id,
    type: 'returns_counted',
    source,
    occurredAt: at,
    reportedAt: at,
    payload: {
      route: 'rashid-street',
      checkpoint: 'netzarim-rashid-checkpoint',
      mode,
      count,
      periodMinutes: 60,
    },
  });

describe('returns by route, checkpoint, mode and hour, beside their permissions', () => {
  const scenario = generateGaza2025Scenario().events;
  const extra = [
    hourly('r-un-1', 'un', '2025-01-27T08:00:00+02:00', 9000, 'on_foot'),
    hourly('r-un-2', 'un', '2025-01-27T09:00:00+02:00', 14000, 'on_foot'),
    hourly('r-ps-1', 'icrc', '2025-01-27T09:00:00+02:00', 12500, 'on_foot'),
    // Counted on Day 8, before the permission (postponed to Day 9) was honoured.
    hourly('r-early', 'un', '2025-01-26T15:00:00+02:00', 300, 'on_foot'),
  ];
  const events = [...scenario, ...extra];
  const asOf = '2025-01-27T12:00:00+02:00';
  const summary = returnsSummary(agreement, events, evaluate(agreement, events, asOf));

  it('keeps each source apart, per hour', () => {
    const nine = summary.cells.find(
      (c) =>
        c.checkpoint === 'netzarim-rashid-checkpoint' && c.hour === '2025-01-27T08:00:00+02:00',
    );
    expect(nine).toMatchObject({
      route: 'rashid-street',
      mode: 'on_foot',
      direction: 'north',
      day: 9,
      bySource: { un: 14000, icrc: 12500 },
      highest: 14000,
    });
  });

  it('shows the permission of the route, postponed by the dispute, and flags a count before it', () => {
    const rashid = summary.routes.find((r) => r.route === 'rashid-street');
    expect(rashid?.permissions.map((p) => [p.obligation, p.status])).toEqual([
      ['returns-north-rashid-street', 'met'],
    ]);
    expect(rashid?.permissions[0]?.why).toContain('postponed 2 days by release-order-day-7');
    expect(rashid?.flags.map((f) => f.eventId)).toEqual(['r-early']);
  });

  it('names the vehicle permission of Salah al-Din Road apart from the one for everyone', () => {
    const salah = summary.routes.find((r) => r.route === 'salah-al-din-road');
    expect(salah?.permissions.map((p) => [p.obligation, p.mode])).toEqual([
      ['returns-north-salah-al-din-vehicles', 'vehicle'],
      ['returns-north-salah-al-din-all', 'unspecified'],
    ]);
  });
});
