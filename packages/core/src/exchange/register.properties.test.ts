import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TruceEvent } from '../events/schema.js';
import { buildRegister } from './register.js';

const steps = ['handed_to_icrc', 'received', 'medical_check', 'reunited'] as const;

/**
 * Whatever order handover steps arrive in, the register loses none of them, the status is the
 * furthest step reached, and every step that does not move the person forward is flagged.
 */
describe('the register under any sequence of handover steps', () => {
  it('keeps every step, ends at the furthest, flags each repeat or step back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }),
        (sequence) => {
          const at = (i: number) =>
            `2025-01-20T${String(10 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00+02:00`;
          const events: TruceEvent[] = [
            {
              id: 'reg',
              type: 'person_registered',
              occurredAt: '2025-01-19T06:00:00+02:00',
              reportedAt: '2025-01-19T06:00:00+02:00',
              source: 'mediator',
              payload: {
                person: { id: 'H-0001', category: 'civilian_woman', living: true },
                heldBy: 'side-b',
                releaseTo: 'side-a',
              },
            } as TruceEvent,
            ...sequence.map(
              (step, i) =>
                ({
                  id: `s-${i}`,
                  type: 'handover_step',
                  occurredAt: at(i),
                  reportedAt: at(i),
                  source: 'icrc',
                  payload: { persons: ['H-0001'], step: steps[step], place: 'crossing' },
                }) as TruceEvent,
            ),
          ];
          const register = buildRegister(events);
          const person = register.persons[0]!;
          expect(person.history).toHaveLength(sequence.length + 1);
          expect(person.status).toBe(steps[Math.max(...sequence)]);
          let furthest = -1;
          let expectedIssues = 0;
          for (const step of sequence) {
            if (step <= furthest) expectedIssues++;
            furthest = Math.max(furthest, step);
          }
          expect(register.issues).toHaveLength(expectedIssues);
        },
      ),
    );
  });
});
