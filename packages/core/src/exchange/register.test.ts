import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEventLines } from '../events/parse.js';
import type { TruceEvent } from '../events/schema.js';
import { generateGaza2025ExchangeScenario } from '../scenario/gaza-2025-exchange.js';
import { buildRegister, countByStatus } from './register.js';

const root = new URL('../../../../examples/', import.meta.url);
const base = parseEventLines(
  readFileSync(new URL('scenarios/gaza-2025-synthetic.jsonl', root), 'utf8'),
);
const supplement = generateGaza2025ExchangeScenario(base).events;
const all = [...base, ...supplement];
const mediators = ['qatar', 'egypt', 'united-states'];
const dayAt = (day: number, time = '18:00') =>
  `${new Date(Date.UTC(2025, 0, 18 + day)).toISOString().slice(0, 10)}T${time}:00+02:00`;
const person = (register: ReturnType<typeof buildRegister>, id: string) => {
  const found = register.persons.find((p) => p.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

describe('the register of the Jan-2025 sample', () => {
  const register = buildRegister(all, { mediators, asOf: dayAt(42, '23:59') });

  it('follows a hostage through the whole chain, each step signed by who performed it', () => {
    const h1 = person(register, 'H-0001');
    expect(h1.history.map((h) => [h.status, h.by])).toEqual([
      ['held', 'qatar'],
      ['listed', 'qatar'],
      ['handed_to_icrc', 'hamas'],
      ['received', 'icrc'],
      ['received', 'israel'],
      ['medical_check', 'israel'],
      ['reunited', 'israel'],
    ]);
    expect(h1).toMatchObject({ category: 'civilian_woman', heldBy: 'hamas', status: 'reunited' });
    expect(h1.history.find((h) => h.status === 'handed_to_icrc')?.place).toBe('kerem-shalom');
  });

  it('marks the wrong remains of Day 33 not identified (the correction), then the right ones identified', () => {
    const h23 = person(register, 'H-0023');
    const statuses = h23.history.map((h) => h.status);
    expect(statuses.slice(statuses.indexOf('returned'))).toEqual([
      'returned',
      'received',
      'not_identified',
      'handed_to_icrc',
      'returned',
      'received',
      'identified',
    ]);
    const issue = register.issues.find((i) => i.code === 'EXCHANGE_REMAINS_NOT_IDENTIFIED');
    expect(issue).toMatchObject({ person: 'H-0023', eventId: 'e-000931' });
    expect(h23.status).toBe('identified');
  });

  it('has no other issue: the sample is clean apart from the correction', () => {
    expect(register.issues.map((i) => i.code)).toEqual(['EXCHANGE_REMAINS_NOT_IDENTIFIED']);
    const counts = countByStatus(register);
    // The 25 living hostages of the sample (3 + 4 + 3 + 3 + 3 + 3 + 6), and 8 remains identified.
    expect(counts.reunited).toBe(25);
    expect(counts.identified).toBe(8);
  });

  it('is what was known at asOf: on Day 6 at noon, before the Day-7 list, all are held', () => {
    const early = buildRegister(all, { mediators, asOf: dayAt(6, '12:00') });
    expect(person(early, 'H-0008').status).toBe('held');
    expect(person(early, 'H-0004').status).toBe('held');
    expect(
      person(buildRegister(all, { mediators, asOf: dayAt(7, '09:00') }), 'H-0004').status,
    ).toBe('listed');
  });
});

let n = 0;
const event = (
  type: string,
  time: string,
  source: string,
  payload: Record<string, unknown>,
): TruceEvent =>
  ({
    id: `t-${++n}`,
    type,
    occurredAt: `2025-01-20T${time}:00+02:00`,
    reportedAt: `2025-01-20T${time}:00+02:00`,
    source,
    payload,
  }) as TruceEvent;
const registered = (id: string) =>
  event('person_registered', '06:00', 'qatar', {
    person: { id, category: 'civilian_woman', living: true },
    heldBy: 'side-b',
    releaseTo: 'side-a',
  });
const step = (time: string, source: string, step: string, persons: string[]) =>
  event('handover_step', time, source, { persons, step, place: 'crossing' });

describe('bad input is flagged with a code, never silently accepted', () => {
  it('an unknown person id in a handover step is an error, and nothing else is lost', () => {
    const register = buildRegister([
      registered('H-0001'),
      step('10:00', 'side-b', 'handed_to_icrc', ['H-0001', 'H-9999']),
    ]);
    expect(register.issues).toEqual([
      expect.objectContaining({
        code: 'EXCHANGE_PERSON_UNKNOWN',
        severity: 'error',
        person: 'H-9999',
      }),
    ]);
    expect(register.persons.find((p) => p.id === 'H-0001')?.status).toBe('handed_to_icrc');
  });

  it('a duplicate step and a step out of order are warnings that keep both reports', () => {
    const register = buildRegister([
      registered('H-0001'),
      step('10:00', 'side-b', 'handed_to_icrc', ['H-0001']),
      step('10:05', 'icrc', 'handed_to_icrc', ['H-0001']),
      step('12:00', 'side-a', 'medical_check', ['H-0001']),
      step('12:30', 'side-a', 'received', ['H-0001']),
    ]);
    expect(register.issues.map((i) => i.code)).toEqual([
      'EXCHANGE_STEP_DUPLICATE',
      'EXCHANGE_STEP_OUT_OF_ORDER',
    ]);
    const h1 = register.persons[0]!;
    expect(h1.history).toHaveLength(5);
    expect(h1.status).toBe('medical_check');
  });

  it('a release of someone on no list, and a step signed by the wrong side, are flagged', () => {
    const register = buildRegister([
      registered('H-0001'),
      registered('H-0002'),
      event('names_list_delivered', '08:00', 'mediator', { forDay: 2, persons: ['H-0001'] }),
      event('hostage_released', '11:00', 'icrc', {
        persons: [
          { id: 'H-0001', category: 'civilian_woman', living: true },
          { id: 'H-0002', category: 'civilian_woman', living: true },
        ],
      }),
      step('12:00', 'side-b', 'medical_check', ['H-0001']),
    ]);
    expect(register.issues.map((i) => [i.code, i.person])).toEqual([
      ['EXCHANGE_NOT_ON_LIST', 'H-0002'],
      ['EXCHANGE_STEP_WRONG_ORG', 'H-0001'],
    ]);
  });

  it('a registered person handed to the ICRC before any list named them is flagged at that step', () => {
    const register = buildRegister([
      registered('H-0001'),
      registered('H-0002'),
      event('names_list_delivered', '08:00', 'mediator', { forDay: 2, persons: ['H-0001'] }),
      step('10:00', 'side-b', 'handed_to_icrc', ['H-0001', 'H-0002']),
    ]);
    expect(register.issues.map((i) => [i.code, i.person, i.severity])).toEqual([
      ['EXCHANGE_NOT_ON_LIST', 'H-0002', 'warning'],
    ]);
    // Recorded all the same: the step happened, and the register says so.
    expect(register.persons.map((p) => p.status)).toEqual(['handed_to_icrc', 'handed_to_icrc']);
  });
});
