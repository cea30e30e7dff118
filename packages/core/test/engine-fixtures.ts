import { type Agreement, type AgreementInput, agreementSchema } from '../src/agreement/schema.js';
import type { TruceEvent } from '../src/events/schema.js';
import { eventSchema } from '../src/events/schema.js';

/**
 * A small agreement for engine tests: zero hour 2025-01-19 08:30 +02:00 is Day 1 in Asia/Gaza
 * (UTC+2 all of January–March 2025), so Day N starts at 2025-01-(18+N) 00:00 +02:00.
 */
export function agreement(
  obligations: AgreementInput['obligations'],
  extra: Partial<AgreementInput> = {},
): Agreement {
  return agreementSchema.parse({
    truce: 1,
    id: 'test',
    title: 'Test agreement',
    version: 1,
    timeZone: 'Asia/Gaza',
    zeroHour: '2025-01-19T08:30:00+02:00',
    zeroHourDay: 1,
    sources: [
      { id: 'report-a', title: 'Report A' },
      { id: 'report-b', title: 'Report B' },
    ],
    parties: [
      { id: 'side-a', name: 'Side A', roles: ['party'] },
      { id: 'side-b', name: 'Side B', roles: ['party'] },
      { id: 'mediator', name: 'Mediator', roles: ['mediator', 'guarantor'] },
      { id: 'monitor', name: 'Monitor', roles: ['monitor'] },
      { id: 'un', name: 'UN', roles: ['agency'] },
      { id: 'cogat', name: 'COGAT', roles: ['agency'], represents: 'side-a' },
    ],
    places: [{ id: 'corridor', name: 'Corridor', kind: 'corridor' }],
    phases: [{ id: 'phase-1', start: { day: 1 }, durationDays: 42 }],
    obligations,
    ...extra,
  });
}

/** `day(3, '14:00')` → an instant on Day 3 of the test agreement. */
export function day(n: number, time = '12:00'): string {
  const date = new Date(Date.UTC(2025, 0, 18 + n));
  return `${date.toISOString().slice(0, 10)}T${time}:00+02:00`;
}

let counter = 0;
export function event(
  type: TruceEvent['type'],
  at: string,
  source: string,
  payload: unknown,
  options: { id?: string; reportedAt?: string } = {},
): TruceEvent {
  counter++;
  return eventSchema.parse({
    id: options.id ?? `t-${type}-${counter}`,
    type,
    occurredAt: at,
    reportedAt: options.reportedAt ?? at,
    source,
    payload,
  });
}

export function persons(
  prefix: 'H' | 'P',
  from: number,
  count: number,
  category: string,
  living = true,
) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${String(from + i).padStart(4, '0')}`,
    category,
    living,
  }));
}
