import { describe, expect, it } from 'vitest';
import { CompactEvents, CompactMembers, ID_HELD_ELSEWHERE, ID_UNSEEN } from './compact-events.js';

describe('compact events', () => {
  const hash = CompactEvents.hash;
  const anything = <T>(value: T): value is T => true;

  it('finds every id it was given, through the growth of columns and table', () => {
    const columns = new CompactEvents<{ id: string }>();
    const rows = new Map<string, number>();
    // Enough ids to grow the columns (16k) and the table (32k places) several times.
    for (let n = 0; n < 100_000; n++) {
      const id = `e-${n}`;
      expect(columns.find(id, hash(id))).toBe(ID_UNSEEN);
      if (n % 7 === 0) columns.addHeld(id, hash(id), { id });
      else rows.set(id, columns.add(id, hash(id), n, n, 1, 0, 0));
    }
    expect(columns.size).toBe(rows.size);
    for (let n = 0; n < 100_000; n++) {
      const id = `e-${n}`;
      expect(columns.find(id, hash(id))).toBe(n % 7 === 0 ? ID_HELD_ELSEWHERE : rows.get(id));
      expect(columns.findHeld(id, hash(id), anything)?.id).toBe(n % 7 === 0 ? id : undefined);
    }
    expect(columns.occurredAt[rows.get('e-99999')!]).toBe(99_999);
    expect(columns.find('e-100000', hash('e-100000'))).toBe(ID_UNSEEN);
  });

  it('tells ids of equal hash apart', () => {
    const columns = new CompactEvents<{ id: string }>();
    // A hash forced equal: only the ids themselves can tell these apart.
    columns.add('a', 42, 0, 0, 1, 0, 0);
    columns.addHeld('b', 42, { id: 'b' });
    columns.add('c', 42, 0, 0, 1, 0, 0);
    expect(columns.find('a', 42)).toBe(0);
    expect(columns.find('b', 42)).toBe(ID_HELD_ELSEWHERE);
    expect(columns.find('c', 42)).toBe(1);
    expect(columns.find('d', 42)).toBe(ID_UNSEEN);
    expect(columns.findHeld('b', 42, anything)?.id).toBe('b');
    expect(columns.findHeld('a', 42, anything)).toBeUndefined();
  });

  it('finds the held object an id leads to until it is released', () => {
    const columns = new CompactEvents<{ id: string; version: number }>();
    const first = { id: 'x', version: 1 };
    const second = { id: 'x', version: 2 };
    columns.addHeld('x', hash('x'), first);
    expect(columns.findHeld('x', hash('x'), anything)).toBe(first);
    columns.release(hash('x'), first);
    expect(columns.findHeld('x', hash('x'), anything)).toBeUndefined();
    // The id stays known: an event of that id was seen.
    expect(columns.find('x', hash('x'))).toBe(ID_HELD_ELSEWHERE);
    columns.addHeld('x', hash('x'), second);
    expect(columns.findHeld('x', hash('x'), anything)).toBe(second);
    expect(columns.findHeld('x', hash('x'), (v): v is typeof v => v.version === 1)).toBeUndefined();
  });

  it('sends a promoted event to the full records, and finds a later compact event of its id', () => {
    const columns = new CompactEvents();
    const first = columns.add('x', hash('x'), 0, 0, 1, 0, 0);
    columns.type[first] = -1;
    expect(columns.find('x', hash('x'))).toBe(ID_HELD_ELSEWHERE);
    const second = columns.add('x', hash('x'), 0, 0, 1, 0, 0);
    expect(columns.find('x', hash('x'))).toBe(second);
  });
});

describe('compact members', () => {
  it('keeps members and their values in order through growth and removal', () => {
    const members = new CompactMembers(2);
    for (let n = 0; n < 200; n++) {
      const at = members.push(n * 10);
      members.setValue(at, 0, n);
      members.setValue(at, 1, n + 0.5);
    }
    expect(members.length).toBe(200);
    expect(members.find(1_230)).toBe(123);
    expect(members.find(1_231)).toBe(-1);
    members.removeAt(123);
    expect(members.length).toBe(199);
    expect(members.find(1_230)).toBe(-1);
    expect(members.index(123)).toBe(1_240);
    expect(members.valuesAt(123)).toEqual([124, 124.5]);
    expect(members.value(198, 1)).toBe(199.5);
  });
});
