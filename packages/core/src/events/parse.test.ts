import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDetail, TruceError } from '../errors.js';
import { parseEvent, parseEventLines } from './parse.js';
import { type AgreementEventType, eventTypes, type TruceEventInput } from './schema.js';

/**
 * Events files come from many organisations and are loaded all or nothing: these tests check
 * that a bad line is named by its number and the path inside it, and that nothing half-loads.
 */

function rejection(text: string, file?: string, maxErrors?: number): TruceError {
  try {
    parseEventLines(text, file, maxErrors);
  } catch (error) {
    if (error instanceof TruceError) return error;
    throw error;
  }
  throw new Error('expected the events to be rejected');
}

const envelope = {
  occurredAt: '2025-01-19T10:00:00+02:00',
  reportedAt: '2025-01-19T12:00:00+02:00',
};

/** One valid event of every type, as a reporting organisation would send it. */
// The ledger's own key events are tested with the ledger (packages/server/src/ledger).
const samples: {
  [T in AgreementEventType]: Omit<Extract<TruceEventInput, { type: T }>, 'id' | 'type'>;
} = {
  aid_trucks_crossed: {
    ...envelope,
    source: 'cogat',
    payload: { crossing: 'kerem-shalom', cargo: 'fuel', destination: 'north', count: 50 },
  },
  aid_items_delivered: {
    ...envelope,
    source: 'un',
    payload: { crossing: 'rafah', item: 'tents', count: 2000 },
  },
  consignment_registered: {
    ...envelope,
    source: 'wfp',
    payload: {
      consignment: 'wfp-c0001',
      crossing: 'kerem-shalom',
      cargo: 'food',
      trucks: 20,
      pallets: 440,
      tonnes: 340,
      destination: 'north',
      sender: 'wfp',
      receiver: 'wfp',
    },
  },
  consignment_inspected: {
    ...envelope,
    source: 'cogat',
    payload: { consignment: 'wfp-c0001', outcome: 'rejected', reason: 'manifest does not match' },
  },
  consignment_crossed: {
    ...envelope,
    source: 'wfp',
    payload: { consignment: 'wfp-c0001', crossing: 'kerem-shalom', halfLoaded: 2 },
  },
  consignment_collected: {
    ...envelope,
    source: 'wfp',
    payload: { consignment: 'wfp-c0001', outcome: 'uncollected', reason: 'no safe route' },
  },
  consignment_warehoused: {
    ...envelope,
    source: 'wfp',
    payload: { consignment: 'wfp-c0001', warehouse: 'deir-al-balah-1', area: 'south' },
  },
  consignment_distributed: {
    ...envelope,
    source: 'wfp',
    payload: { consignment: 'wfp-c0001', area: 'south', people: 12000 },
  },
  hostage_released: {
    ...envelope,
    source: 'icrc',
    payload: { persons: [{ id: 'H-0001', category: 'civilian-woman' }] },
  },
  prisoner_released: {
    ...envelope,
    source: 'ips',
    payload: {
      persons: [{ id: 'P-0001', category: 'life-sentence' }],
      inExchangeFor: ['H-0001'],
    },
  },
  remains_returned: {
    ...envelope,
    source: 'icrc',
    payload: { persons: [{ id: 'H-0002', category: 'civilian-man', living: false }] },
  },
  release_withheld: {
    ...envelope,
    source: 'israel',
    payload: { obligation: 'prisoners-per-hostage', persons: 620, reason: 'handover ceremonies' },
  },
  names_list_delivered: {
    ...envelope,
    source: 'qatar',
    payload: { forDay: 1, persons: ['H-0001', 'H-0003', 'H-0004'] },
  },
  person_registered: {
    ...envelope,
    source: 'qatar',
    payload: {
      person: { id: 'H-0001', category: 'civilian_woman' },
      heldBy: 'hamas',
      releaseTo: 'israel',
    },
  },
  handover_step: {
    ...envelope,
    source: 'icrc',
    payload: { persons: ['H-0001'], step: 'handed_to_icrc', place: 'kerem-shalom' },
  },
  remains_identified: {
    ...envelope,
    source: 'israel',
    payload: { persons: ['H-0031'], outcome: 'not_identified' },
  },
  person_record_committed: {
    ...envelope,
    source: 'icrc',
    payload: {
      person: 'H-0001',
      version: 1,
      fields: { name: 'a'.repeat(64) },
    },
  },
  withdrawal_completed: { ...envelope, source: 'idf', payload: { zone: 'netzarim' } },
  flight_observed: {
    ...envelope,
    source: 'un',
    payload: { endedAt: '2025-01-19T11:30:00+02:00', area: 'north' },
  },
  talks_started: { ...envelope, source: 'qatar', payload: { phase: 'phase-2' } },
  talks_ended: {
    ...envelope,
    source: 'qatar',
    payload: { phase: 'phase-2', outcome: 'suspended' },
  },
  crossing_opened: {
    ...envelope,
    source: 'egypt',
    payload: { crossing: 'rafah', for: 'wounded and sick' },
  },
  crossing_closed: {
    ...envelope,
    source: 'cogat',
    payload: { crossing: 'kerem-shalom', reason: 'phase 1 expired' },
  },
  returns_counted: { ...envelope, source: 'un', payload: { route: 'rashid', count: 200000 } },
  incident_reported: {
    ...envelope,
    source: 'hamas',
    payload: {
      incident: 'inc-7',
      category: 'fire',
      obligation: 'ceasefire',
      against: 'israel',
      place: 'rafah',
      description: 'Fire reported near the crossing.',
    },
  },
  finding_recorded: {
    ...envelope,
    source: 'cmcc',
    payload: { incident: 'inc-7', outcome: 'inconclusive', summary: 'No corroboration.' },
  },
  incident_triaged: {
    ...envelope,
    source: 'qatar',
    payload: {
      incident: 'inc-8',
      decision: 'duplicate',
      duplicateOf: 'inc-7',
      reason: 'Same fire.',
    },
  },
  incident_assigned: {
    ...envelope,
    source: 'qatar',
    payload: { incident: 'inc-7', assignee: 'egypt', reason: 'Liaison officers on site.' },
  },
  investigation_started: {
    ...envelope,
    source: 'egypt',
    payload: { incident: 'inc-7', reason: 'Logs requested from both sides.' },
  },
  finding_reviewed: {
    ...envelope,
    source: 'qatar',
    payload: { incident: 'inc-7', finding: 'e-9', decision: 'endorsed', reason: 'Sound.' },
  },
  finding_published: {
    ...envelope,
    source: 'qatar',
    payload: { incident: 'inc-7', finding: 'e-9', reason: 'Agreed by the committee.' },
  },
  dispute_opened: {
    ...envelope,
    source: 'qatar',
    payload: {
      dispute: 'd-1',
      obligations: ['hostage-releases'],
      subject: 'Order of releases',
      claims: [
        { by: 'israel', claim: 'A civilian woman was due on Day 7.', evidence: ['e-1'] },
        { by: 'hamas', claim: 'The order was followed.' },
      ],
    },
  },
  dispute_claim_added: {
    ...envelope,
    source: 'hamas',
    payload: { dispute: 'd-1', claim: 'The order was followed.', evidence: ['e-2'] },
  },
  dispute_resolved: {
    ...envelope,
    source: 'qatar',
    payload: {
      dispute: 'd-1',
      decision: 'An extra release; returns move from Day 7 to Day 9.',
      measures: [
        { kind: 'addItem', obligation: 'hostage-releases', day: 8, count: 1 },
        { kind: 'moveItem', obligation: 'hostage-releases', fromDay: 7, toDay: 8 },
        { kind: 'delay', obligation: 'returns-north', days: 2 },
        { kind: 'waive', obligation: 'names-list' },
        { kind: 'suspend', obligation: 'aid-trucks', fromDay: 43, untilDay: 50 },
      ],
    },
  },
  notice_sent: {
    ...envelope,
    source: 'hamas',
    payload: {
      notice: 'names-day-7',
      kind: 'names_list',
      to: ['israel'],
      via: ['qatar', 'egypt'],
      subject: 'Names for the Day 7 release',
      forDay: 7,
    },
  },
  notice_delivered: {
    ...envelope,
    source: 'qatar',
    payload: { notice: 'names-day-7', to: 'israel', channel: 'email' },
  },
  notice_read: { ...envelope, source: 'israel', payload: { notice: 'names-day-7' } },
  notice_acknowledged: { ...envelope, source: 'israel', payload: { notice: 'names-day-7' } },
  notice_answered: {
    ...envelope,
    source: 'israel',
    payload: { notice: 'names-day-7', body: 'Received; the list is complete.' },
  },
  correction: {
    ...envelope,
    source: 'icrc',
    payload: {
      target: 'e-remains-1',
      payload: { persons: [{ id: 'H-0005', category: 'civilian-man', living: false }] },
      reason: 'Forensic identification: not the person named.',
    },
  },
  retraction: {
    ...envelope,
    source: 'un',
    payload: { target: 'e-trucks-9', reason: 'Counted twice.' },
  },
};

const line = (id: string, type: AgreementEventType, change: Record<string, unknown> = {}) =>
  JSON.stringify({ id, type, ...samples[type], ...change });

describe('parseEventLines: valid files', () => {
  it('parses one event of every type, in file order, with defaults applied', () => {
    const text = eventTypes.map((type, index) => line(`e-${index + 1}`, type)).join('\n');
    const events = parseEventLines(text, 'sample.jsonl');
    expect(events.map((event) => event.type)).toEqual(eventTypes);
    const byType = new Map(events.map((event) => [event.type, event]));
    expect(byType.get('hostage_released')?.payload).toEqual({
      persons: [{ id: 'H-0001', category: 'civilian-woman', living: true }],
    });
    expect(byType.get('flight_observed')?.payload).toMatchObject({ purpose: 'surveillance' });
    expect(byType.get('returns_counted')?.payload).toMatchObject({ direction: 'north' });
    expect(byType.get('dispute_opened')?.payload).toMatchObject({
      claims: [{ evidence: ['e-1'] }, { evidence: [] }],
    });
  });

  it('skips blank lines and accepts Windows line endings and a final newline', () => {
    const text = `\n${line('a', 'talks_started')}\r\n   \r\n${line('b', 'talks_ended')}\r\n`;
    expect(parseEventLines(text).map((event) => event.id)).toEqual(['a', 'b']);
    expect(parseEventLines('')).toEqual([]);
  });

  it('accepts `Z` and any offset, and keeps the instant as written', () => {
    const [event] = parseEventLines(
      line('a', 'talks_started', {
        occurredAt: '2025-01-19T08:00:00Z',
        reportedAt: '2025-01-19T13:30:00.250+05:30',
      }),
    );
    expect(event).toMatchObject({
      occurredAt: '2025-01-19T08:00:00Z',
      reportedAt: '2025-01-19T13:30:00.250+05:30',
    });
  });

  it('a correction and a retraction are events of their own that name their target', () => {
    const events = parseEventLines(
      [line('e-remains-1', 'remains_returned'), line('c-1', 'correction')].join('\n'),
    );
    expect(events[1]).toMatchObject({ type: 'correction', payload: { target: 'e-remains-1' } });
    // The target is resolved by the engine, not the parser: a file may hold only corrections.
    expect(parseEventLines(line('r-1', 'retraction'))).toHaveLength(1);
  });
});

describe('parseEventLines: errors name the line and the path', () => {
  it('reports a JSON syntax error with its line number (blank lines count)', () => {
    const error = rejection(
      [line('a', 'talks_started'), '', '{"id": "b", "type": '].join('\n'),
      'events.jsonl',
    );
    expect(error.code).toBe('EVENT_JSON_SYNTAX');
    expect(error.message).toContain('nothing was loaded');
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatchObject({ file: 'events.jsonl', line: 3, column: 1 });
    expect(error.details[0]?.message).toMatch(/^not JSON: /);
  });

  it('reports an invalid event with its line and the path inside it', () => {
    const error = rejection(
      [
        line('a', 'aid_trucks_crossed'),
        line('b', 'aid_trucks_crossed', {
          payload: { crossing: 'kerem-shalom', cargo: 'food', count: -3 },
        }),
      ].join('\n'),
      'events.jsonl',
    );
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.details).toEqual([
      {
        file: 'events.jsonl',
        line: 2,
        column: 1,
        path: 'payload.count',
        message: 'Too small: expected number to be >=0',
      },
    ]);
  });

  it('reports every bad line, each with its own number', () => {
    const error = rejection(
      [
        line('a', 'talks_started', { payload: {} }),
        line('b', 'talks_started'),
        line('c', 'withdrawal_completed', { source: 'IDF' }),
        line('d', 'hostage_released', {
          payload: { persons: [{ id: 'Jane Doe', category: 'civilian-woman' }] },
        }),
      ].join('\n'),
    );
    expect(error.details.map(({ line, path }) => ({ line, path }))).toEqual([
      { line: 1, path: 'payload.phase' },
      { line: 3, path: 'source' },
      // A name where a pseudonymous id belongs is refused.
      { line: 4, path: 'payload.persons[0].id' },
    ]);
  });

  it('rejects an instant without an offset', () => {
    for (const field of ['occurredAt', 'reportedAt'] as const) {
      const error = rejection(line('a', 'talks_started', { [field]: '2025-01-19T10:00:00' }));
      expect(error.code).toBe('EVENT_INVALID');
      expect(error.details).toEqual([
        {
          line: 1,
          column: 1,
          path: field,
          message: 'an ISO 8601 date-time with an offset, e.g. 2025-01-19T08:30:00+02:00',
        },
      ]);
    }
    const nested = rejection(
      line('a', 'flight_observed', { payload: { endedAt: '2025-01-19T11:30' } }),
    );
    expect(nested.details.map((detail) => detail.path)).toEqual(['payload.endedAt']);
  });

  it('requires reportedAt and every other envelope field', () => {
    const { reportedAt: _, ...withoutReportedAt } = JSON.parse(line('a', 'talks_started'));
    const error = rejection(JSON.stringify(withoutReportedAt));
    expect(error.details.map((detail) => detail.path)).toEqual(['reportedAt']);
    const bare = rejection(JSON.stringify({ type: 'talks_started', payload: { phase: 'p' } }));
    expect(bare.details.map((detail) => detail.path).sort()).toEqual([
      'id',
      'occurredAt',
      'reportedAt',
      'source',
    ]);
  });

  it('rejects an unknown type at `type` and an unknown field', () => {
    expect(rejection(line('a', 'talks_started', { type: 'talk_started' })).details).toMatchObject([
      { line: 1, path: 'type' },
    ]);
    expect(rejection(line('a', 'talks_started', { note: 'x' })).details[0]?.message).toContain(
      'note',
    );
  });

  it('rejects a line that is JSON but not an object', () => {
    const error = rejection('[1, 2]\n42\nnull');
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.details.map((detail) => detail.line)).toEqual([1, 2, 3]);
  });

  it('rejects an unknown measure in a dispute resolution', () => {
    const error = rejection(
      line('a', 'dispute_resolved', {
        payload: {
          dispute: 'd-1',
          decision: 'x',
          measures: [{ kind: 'cancel', obligation: 'returns-north' }],
        },
      }),
    );
    expect(error.details.map((detail) => detail.path)).toEqual(['payload.measures[0].kind']);
  });

  it('rejects a duplicate id at its second line', () => {
    const error = rejection(
      [line('a', 'talks_started'), line('b', 'talks_ended'), line('a', 'talks_ended')].join('\n'),
      'events.jsonl',
    );
    expect(error.code).toBe('EVENT_DUPLICATE_ID');
    expect(error.details).toEqual([
      {
        file: 'events.jsonl',
        line: 3,
        column: 1,
        path: 'id',
        message: 'duplicate event id "a"',
      },
    ]);
  });

  it('stops after maxErrors bad lines', () => {
    const text = Array.from({ length: 200 }, () => '{').join('\n');
    expect(rejection(text, undefined, 5).details).toHaveLength(5);
    expect(rejection(text).details).toHaveLength(50);
  });
});

describe('parseEvent', () => {
  it('validates one decoded event and names no line when given none', () => {
    const event = parseEvent(JSON.parse(line('a', 'withdrawal_completed')));
    expect(event).toMatchObject({ type: 'withdrawal_completed', payload: { zone: 'netzarim' } });
    try {
      parseEvent({ ...JSON.parse(line('a', 'withdrawal_completed')), payload: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TruceError);
      expect((error as TruceError).details).toEqual([
        { path: 'payload.zone', message: 'Invalid input: expected string, received undefined' },
      ]);
    }
  });
});

describe('the examples in docs/EVENTS.md', () => {
  const doc = readFileSync(new URL('../../../../docs/EVENTS.md', import.meta.url), 'utf8');
  const lines = [...doc.matchAll(/^```json\n([\s\S]*?)^```$/gm)].flatMap((match) =>
    (match[1] ?? '').split('\n').filter((row) => row.trim() !== ''),
  );

  it('parse as one events file, with an example of every type', () => {
    let events: ReturnType<typeof parseEventLines> = [];
    try {
      events = parseEventLines(lines.join('\n'), 'EVENTS.md examples');
    } catch (error) {
      if (!(error instanceof TruceError)) throw error;
      throw new Error(error.details.map(formatDetail).join('\n'));
    }
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(eventTypes));
  });
});
