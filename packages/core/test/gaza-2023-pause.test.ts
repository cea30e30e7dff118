import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../src/agreement/parse.js';
import { evaluate } from '../src/engine/evaluate.js';
import { parseEventLines } from '../src/events/parse.js';

// The November 2023 pause: 4 days, +1 day for every 10 releases beyond 50; extended twice to 7.
const root = new URL('../../../examples/', import.meta.url);
const agreement = parseAgreement(
  readFileSync(new URL('agreements/gaza-2023-pause.yaml', root), 'utf8'),
);
const events = parseEventLines(
  readFileSync(new URL('scenarios/gaza-2023-pause-synthetic.jsonl', root), 'utf8'),
);
const at = (day: number, time: string) => {
  const date = new Date(Date.UTC(2023, 10, 23 + day)).toISOString().slice(0, 10);
  return evaluate(agreement, events, `${date}T${time}:00+02:00`);
};

describe('Gaza 2023 pause sample', () => {
  it('is extended by the releases made during each extra day, to seven days', () => {
    // On the morning of Day 5 the releases that earn it have not happened: 4 days so far.
    expect(at(5, '08:00').phases[0]).toMatchObject({ state: 'ended', lengthDays: 4 });
    expect(at(5, '23:00').phases[0]).toMatchObject({ state: 'active', lengthDays: 5 });
    const after = at(9, '12:00');
    expect(after.phases[0]).toMatchObject({ state: 'ended', lengthDays: 7 });
    expect(after.phases[0]?.why).toContain('+3 days for 30 counted beyond 50');
  });

  it('ends with the 50 released on schedule and the 1 : 3 exchange met', () => {
    const result = at(9, '12:00');
    const byId = Object.fromEntries(result.obligations.map((o) => [o.id, o]));
    expect(byId['hostage-releases']?.status).toBe('met');
    expect(byId['prisoner-releases']?.status).toBe('met');
    expect(byId['prisoner-releases']?.progress).toEqual({
      done: 240,
      required: 240,
      unit: 'persons',
    });
  });
});
