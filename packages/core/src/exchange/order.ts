import { fewerThanFive, isSmallCell } from '../engine/observed.js';
/**
 * Checks a names list before the day it announces: against the schedule (how many are due
 * that day) and the agreement's order rules (e.g. living civilian women before female
 * soldiers). Pure; the engine's schedule kind and the register's callers share it.
 */

export interface OrderRule {
  /** Persons of these categories (living or not, when set) are released first. */
  first: { category: readonly string[]; living?: boolean | undefined };
  /** …before anyone of these categories. */
  before: readonly string[];
}

export interface KnownPerson {
  category: string;
  living: boolean;
  /** When the person was released or returned; null while still held. */
  releasedAt: number | null;
}

export interface ListToCheck {
  id: string;
  forDay: number;
  persons: readonly string[];
  /** When the list was delivered. */
  at: number;
}

export type ListProblemCode = 'LIST_ORDER_RULE' | 'LIST_COUNT_MISMATCH' | 'LIST_PERSON_UNKNOWN';

export interface ListProblem {
  code: ListProblemCode;
  listId: string;
  forDay: number;
  /** Counts only: a problem is shown in statuses that every member reads, never person ids. */
  message: string;
}

const words = (categories: readonly string[]) => categories.join(', ').replace(/_/g, ' ');

/**
 * A count of persons still held, as the status (which leaves the server) may show it: from 1
 * to 4 only as "fewer than 5", since "1 living civilian woman still held" singles someone out.
 */
const cell = (n: number) => (isSmallCell(n) ? fewerThanFive : String(n));

export function checkList(
  list: ListToCheck,
  known: ReadonlyMap<string, KnownPerson>,
  rules: readonly OrderRule[],
  due: number | null,
  /** Whether a register exists to check names against (without one, lists introduce persons). */
  registered = true,
  /**
   * How a count of persons the list names is written: plainly, or marked as an observed count
   * (engine/observed.ts) when the message goes into a status's why.
   */
  count: (n: number) => string = String,
): ListProblem[] {
  const problems: ListProblem[] = [];
  const problem = (code: ListProblemCode, message: string) =>
    problems.push({ code, listId: list.id, forDay: list.forDay, message });
  const listed = new Set(list.persons);
  const unknown = list.persons.filter((id) => !known.has(id)).length;
  if (unknown > 0 && registered) {
    problem(
      'LIST_PERSON_UNKNOWN',
      `the list for Day ${list.forDay} (${list.id}) names ${cell(unknown)} ${unknown === 1 ? 'person' : 'persons'} not in the register`,
    );
  }
  if (due !== null && list.persons.length !== due) {
    problem(
      'LIST_COUNT_MISMATCH',
      `the list for Day ${list.forDay} (${list.id}) names ${count(list.persons.length)} for ${count(due)} due that day`,
    );
  }
  for (const rule of rules) {
    const early = list.persons.filter((id) => {
      const person = known.get(id);
      return person !== undefined && rule.before.includes(person.category);
    }).length;
    if (early === 0) continue;
    let waiting = 0;
    for (const [id, person] of known) {
      if (listed.has(id)) continue;
      if (person.releasedAt !== null && person.releasedAt <= list.at) continue;
      if (!rule.first.category.includes(person.category)) continue;
      if (rule.first.living !== undefined && person.living !== rule.first.living) continue;
      waiting++;
    }
    if (waiting > 0) {
      const firstWords = `${rule.first.living === true ? 'living ' : ''}${words(rule.first.category)}`;
      problem(
        'LIST_ORDER_RULE',
        `the list for Day ${list.forDay} (${list.id}) names ${count(early)} of ${words(rule.before)} while ${cell(waiting)} ${firstWords} still held are not on it (the order rule: ${firstWords} first)`,
      );
    }
  }
  return problems;
}
