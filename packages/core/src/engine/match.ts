import type { EventMatch } from '../agreement/schema.js';
import type { Person } from '../events/schema.js';
import type { EventView } from './event-index.js';

type Scalar = string | number | boolean;
type FieldTest = (value: unknown) => boolean;

function fieldTest(expected: Scalar | Scalar[]): FieldTest {
  if (Array.isArray(expected)) {
    const set = new Set<unknown>(expected);
    return (value) => set.has(value);
  }
  return (value) => value === expected;
}

function recordTest(where: Record<string, Scalar | Scalar[]> | undefined) {
  if (!where) return () => true;
  const keys = Object.keys(where);
  const tests = keys.map((key) => fieldTest(where[key]!));
  // A plain loop: this runs for every event against every match of its type.
  return (record: Record<string, unknown>) => {
    for (let i = 0; i < keys.length; i++) if (!tests[i]!(record[keys[i]!])) return false;
    return true;
  };
}

/** An event match compiled once into fast predicates; the engine runs it for every event. */
export interface CompiledMatch {
  key: string;
  types: ReadonlySet<string>;
  /** Does the event (as it stands after corrections) match type, source and payload fields? */
  test(event: EventView): boolean;
  /** The same, for an event already known to be of one of the match's types. */
  testFields(event: EventView): boolean;
  /** The persons of a matching event that count (all of them when the match has no `persons`). */
  persons(event: EventView): Person[];
  /** How much a matching event counts: persons where it carries persons, otherwise 1. */
  quantity(event: EventView): number;
  describe(): string;
}

export function compileMatch(match: EventMatch): CompiledMatch {
  const types = new Set(Array.isArray(match.type) ? match.type : [match.type]);
  const sources =
    match.source === undefined
      ? null
      : new Set(Array.isArray(match.source) ? match.source : [match.source]);
  const payloadTest = recordTest(match.where);
  const personTest = match.persons ? recordTest(match.persons.where) : null;
  const persons = (event: EventView): Person[] => {
    const list = (event.payload as { persons?: unknown }).persons;
    if (!Array.isArray(list)) return [];
    const all = list as Person[];
    return personTest
      ? all.filter((person) => personTest(person as unknown as Record<string, unknown>))
      : all;
  };
  return {
    key: JSON.stringify(match),
    types,
    test(event) {
      return (
        types.has(event.type) &&
        (sources === null || sources.has(event.source)) &&
        payloadTest(event.payload as Record<string, unknown>)
      );
    },
    testFields(event) {
      return (
        (sources === null || sources.has(event.source)) &&
        payloadTest(event.payload as Record<string, unknown>)
      );
    },
    persons,
    quantity(event) {
      const list = (event.payload as { persons?: unknown }).persons;
      return Array.isArray(list) ? persons(event).length : 1;
    },
    describe() {
      const where = match.where
        ? ` where ${Object.entries(match.where)
            .map(
              ([key, value]) =>
                `${key} ${Array.isArray(value) ? `in [${value.join(', ')}]` : `= ${value}`}`,
            )
            .join(' and ')}`
        : '';
      const who = match.persons?.where
        ? ` (persons: ${Object.entries(match.persons.where)
            .map(
              ([key, value]) =>
                `${key} ${Array.isArray(value) ? `in [${value.join(', ')}]` : `= ${value}`}`,
            )
            .join(', ')})`
        : '';
      const by = sources ? ` reported by ${[...sources].join(' or ')}` : '';
      return `${[...types].join(' or ')}${where}${who}${by}`;
    },
  };
}
