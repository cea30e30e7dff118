import { readFileSync } from 'node:fs';
import {
  type Agreement,
  type EventOf,
  type EventType,
  gaza2025ObligationIds,
  generateGaza2023Scenario,
  generateGaza2025Scenario,
  generateLoad,
  loadEvents,
  parseAgreement,
  parseEventLines,
  type TruceEvent,
  toJsonLines,
} from '@truce/core';
import { describe, expect, it } from 'vitest';

/**
 * The samples are also fixtures: the agreements must parse, the committed scenarios must be
 * exactly what their generators produce, every failure case the README documents must be in the
 * 2025 scenario, and no example may hold anything that looks like a person's name.
 */

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

const files = {
  agreement2025: 'examples/agreements/gaza-2025.yaml',
  agreement2023: 'examples/agreements/gaza-2023-pause.yaml',
  scenario2025: 'examples/scenarios/gaza-2025-synthetic.jsonl',
  scenario2023: 'examples/scenarios/gaza-2023-pause-synthetic.jsonl',
  readme: 'examples/scenarios/README.md',
};

const agreement2025 = parseAgreement(read(files.agreement2025), files.agreement2025);
const agreement2023 = parseAgreement(read(files.agreement2023), files.agreement2023);
const events2025 = parseEventLines(read(files.scenario2025), files.scenario2025);
const events2023 = parseEventLines(read(files.scenario2023), files.scenario2023);

const HOUR = 3_600_000;
/** Day number as the agreements count (the calendar day of zero hour is Day 1; +02:00 throughout). */
const dayIn = (firstDay: string) => (instant: string) =>
  Math.floor((Date.parse(instant) - Date.parse(`${firstDay}T00:00:00+02:00`)) / (24 * HOUR)) + 1;
const day2025 = dayIn('2025-01-19');
const day2023 = dayIn('2023-11-24');

function ofType<T extends EventType>(events: readonly TruceEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}
const one = <T>(items: readonly T[], what: string): T => {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
};
const mediators = (agreement: Agreement) =>
  new Set(agreement.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id));

describe('the sample agreements', () => {
  it('parse, with every referenced id defined', () => {
    expect(agreement2025.obligations.map((o) => o.id)).toEqual([
      'names-list-day-1',
      'hostage-releases-phase-1',
      'prisoner-releases-phase-1',
      'aid-trucks-daily',
      'aid-fuel-daily',
      'aid-north-daily',
      'shelter-caravans',
      'shelter-tents',
      'withdrawal-buffer-zone',
      'withdrawal-rashid-street',
      'withdrawal-netzarim-corridor',
      'withdrawal-philadelphi-corridor',
      'surveillance-flights-suspended',
      'returns-north-rashid-street',
      'returns-north-salah-al-din-vehicles',
      'returns-north-salah-al-din-all',
      'rafah-wounded-and-sick',
      'phase-2-talks-begin',
    ]);
    expect(agreement2023.obligations.map((o) => o.id)).toEqual([
      'hostage-releases',
      'prisoner-releases',
      'aid-trucks-daily',
      'aid-fuel-daily',
      'flights-north',
      'flights-south',
    ]);
  });

  it('carry the reported alternatives as data', () => {
    const byId = new Map(agreement2025.obligations.map((o) => [o.id, o]));
    expect(byId.get('withdrawal-netzarim-corridor')).toMatchObject({
      by: { day: { value: 22, alternatives: [{ value: 21 }] } },
    });
    expect(byId.get('surveillance-flights-suspended')).toMatchObject({
      window: { quietHoursPerDay: { value: 10, alternatives: [{ value: 8 }] }, onExchangeDays: 12 },
    });
    const trucks2023 = agreement2023.obligations.find((o) => o.id === 'aid-trucks-daily');
    expect(trucks2023).toMatchObject({ target: { value: 200, alternatives: [{ value: 300 }] } });
  });
});

describe('the committed scenarios', () => {
  it('are exactly what the generators produce from their seeds (never stale)', () => {
    expect(read(files.scenario2025)).toBe(toJsonLines(generateGaza2025Scenario().events));
    expect(read(files.scenario2023)).toBe(toJsonLines(generateGaza2023Scenario().events));
  });

  it.each([
    ['2025', events2025, agreement2025],
    ['2023', events2023, agreement2023],
  ] as const)('%s: ids, instants and references are well-formed', (_, events, agreement) => {
    const parties = new Set(agreement.parties.map((p) => p.id));
    const places = new Set(agreement.places.map((p) => p.id));
    const obligations = new Set(agreement.obligations.map((o) => o.id));
    events.forEach((event, index) => {
      expect(event.id).toBe(`e-${String(index + 1).padStart(6, '0')}`);
      expect(event.occurredAt).toMatch(/\+02:00$/);
      expect(event.reportedAt).toMatch(/\+02:00$/);
      expect(Date.parse(event.reportedAt)).toBeGreaterThanOrEqual(Date.parse(event.occurredAt));
      expect(parties, `source of ${event.id}`).toContain(event.source);
      const payload = event.payload as Record<string, unknown>;
      for (const key of ['crossing', 'zone', 'place']) {
        if (typeof payload[key] === 'string')
          expect(places, `${key} of ${event.id}`).toContain(payload[key]);
      }
      const cited = [
        ...(typeof payload.obligation === 'string' ? [payload.obligation] : []),
        ...((payload.obligations as string[] | undefined) ?? []),
        ...((payload.measures as { obligation: string }[] | undefined) ?? []).map(
          (m) => m.obligation,
        ),
      ];
      for (const id of cited) expect(obligations, `obligation cited by ${event.id}`).toContain(id);
    });
    // Feed order: numbered as reported.
    for (let i = 1; i < events.length; i++) {
      expect(Date.parse(events[i]?.reportedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(events[i - 1]?.reportedAt ?? ''),
      );
    }
  });

  it('the obligation ids the 2025 generator cites are defined by the agreement', () => {
    const defined = new Set(agreement2025.obligations.map((o) => o.id));
    for (const id of Object.values(gaza2025ObligationIds)) expect(defined).toContain(id);
  });

  it('the same seed gives the same scenario, another seed different counts', () => {
    expect(generateGaza2025Scenario({ seed: 7 })).toEqual(generateGaza2025Scenario({ seed: 7 }));
    expect(toJsonLines(generateGaza2025Scenario({ seed: 7 }).events)).not.toBe(
      read(files.scenario2025),
    );
  });
});

describe('the 2025 scenario contains every documented failure', () => {
  const events = events2025;
  const byId = new Map(events.map((event) => [event.id, event]));
  const mediatorIds = mediators(agreement2025);
  const at = (event: TruceEvent) => Date.parse(event.occurredAt);
  const onDay = <T extends TruceEvent>(list: T[], day: number) =>
    list.filter((event) => day2025(event.occurredAt) === day);

  it('Day 1: the names list arrives at 10:45, after zero hour (late, not breached)', () => {
    const list = one(
      ofType(events, 'names_list_delivered').filter((e) => e.payload.forDay === 1),
      'one list for Day 1',
    );
    expect(list.occurredAt).toBe('2025-01-19T10:45:00+02:00');
    expect(at(list)).toBeGreaterThan(Date.parse(agreement2025.zeroHour));
  });

  it('Day 7: release order dispute, returns postponed to Day 9, extra release on Day 12', () => {
    const day7 = one(onDay(ofType(events, 'hostage_released'), 7), 'one Day-7 handover');
    expect(day7.payload.persons).toHaveLength(4);
    expect(day7.payload.persons.map((p) => p.id)).not.toContain('H-0008');
    const closed = one(
      onDay(ofType(events, 'crossing_closed'), 7).filter(
        (e) => e.payload.crossing === 'rashid-street',
      ),
      'Rashid Street closed on Day 7',
    );
    expect(closed.source).toBe('israel');
    expect(closed.payload.reason).toContain('H-0008');

    const opened = one(
      ofType(events, 'dispute_opened').filter((e) => day2025(e.occurredAt) === 7),
      'dispute',
    );
    expect(mediatorIds).toContain(opened.source);
    expect(opened.payload.obligations).toEqual(
      expect.arrayContaining(['returns-north-rashid-street', 'hostage-releases-phase-1']),
    );
    expect(opened.payload.claims.map((c) => c.by).sort()).toEqual(['hamas', 'israel']);
    for (const claim of opened.payload.claims) {
      expect(claim.evidence.length).toBeGreaterThan(0);
      for (const id of claim.evidence)
        expect(at(byId.get(id) as TruceEvent)).toBeLessThanOrEqual(at(opened));
    }
    const resolved = one(
      ofType(events, 'dispute_resolved').filter(
        (e) => e.payload.dispute === opened.payload.dispute,
      ),
      'resolution',
    );
    expect(day2025(resolved.occurredAt)).toBe(8);
    expect(mediatorIds).toContain(resolved.source);
    expect(resolved.payload.measures).toEqual(
      expect.arrayContaining([
        { kind: 'delay', obligation: 'returns-north-rashid-street', days: 2 },
        { kind: 'addItem', obligation: 'hostage-releases-phase-1', day: 12, count: 3 },
      ]),
    );
    const rashidOpened = one(
      ofType(events, 'crossing_opened').filter((e) => e.payload.crossing === 'rashid-street'),
      'Rashid Street opened once',
    );
    expect(day2025(rashidOpened.occurredAt)).toBe(9);
    const returns = ofType(events, 'returns_counted').filter(
      (e) => e.payload.route === 'rashid-street',
    );
    expect(Math.min(...returns.map((e) => day2025(e.occurredAt)))).toBe(9);
    expect(onDay(returns, 9)[0]?.payload.count).toBeGreaterThanOrEqual(10_000);
    const day12 = onDay(ofType(events, 'hostage_released'), 12).flatMap((e) => e.payload.persons);
    expect(day12).toHaveLength(3);
    expect(day12.map((p) => p.id)).toContain('H-0008');
  });

  it('Day 33–35: wrong remains corrected by the same source, then the right remains', () => {
    const wrong = one(
      ofType(events, 'remains_returned').filter(
        (e) => e.payload.persons.length === 1 && day2025(e.occurredAt) === 33,
      ),
      'single-person remains on Day 33',
    );
    const person = wrong.payload.persons[0];
    expect(person).toMatchObject({ category: 'remains', living: false });
    const correction = one(
      ofType(events, 'correction').filter((e) => e.payload.target === wrong.id),
      'correction',
    );
    expect(correction.source).toBe(wrong.source);
    expect(correction.source).toBe('icrc');
    expect(day2025(correction.occurredAt)).toBe(34);
    expect(correction.payload.payload).toEqual({
      persons: [{ id: person?.id, category: 'unidentified_remains', living: false }],
    });
    const right = ofType(events, 'remains_returned').filter(
      (e) => e.id !== wrong.id && e.payload.persons.some((p) => p.id === person?.id),
    );
    expect(right.map((e) => day2025(e.occurredAt))).toEqual([35]);
  });

  it('Day 35–39: release withheld over the ceremonies, both claims on record, made on Day 39', () => {
    const day35 = onDay(ofType(events, 'hostage_released'), 35).flatMap((e) => e.payload.persons);
    expect(day35.filter((p) => p.living)).toHaveLength(6);
    const withheld = one(ofType(events, 'release_withheld'), 'withheld');
    expect(withheld).toMatchObject({
      source: 'israel',
      payload: { obligation: 'prisoner-releases-phase-1', persons: 620 },
    });
    expect(day2025(withheld.occurredAt)).toBe(35);
    const dispute = one(
      ofType(events, 'dispute_opened').filter((e) =>
        e.payload.obligations.includes('prisoner-releases-phase-1'),
      ),
      'dispute',
    );
    expect(mediatorIds).toContain(dispute.source);
    expect(dispute.payload.claims.map((c) => c.by).sort()).toEqual(['hamas', 'israel']);
    const resolved = one(
      ofType(events, 'dispute_resolved').filter(
        (e) => e.payload.dispute === dispute.payload.dispute,
      ),
      'resolution',
    );
    expect(day2025(resolved.occurredAt)).toBe(39);
    const made = one(
      ofType(events, 'prisoner_released').filter((e) => e.payload.persons.length === 620),
      'the withheld release',
    );
    expect(day2025(made.occurredAt)).toBe(39);
    expect(made.payload.inExchangeFor?.sort()).toEqual(day35.map((p) => p.id).sort());
  });

  it('phase-2 talks: none by Day 16, started Day 30, suspended Day 41', () => {
    const started = one(ofType(events, 'talks_started'), 'talks started once');
    expect(day2025(started.occurredAt)).toBe(30);
    const ended = one(ofType(events, 'talks_ended'), 'talks ended once');
    expect(ended.payload).toEqual({ phase: 'phase-2', outcome: 'suspended' });
    expect(day2025(ended.occurredAt)).toBe(41);
  });

  it('aid counts: COGAT and the UN every day, differing, with shortfalls even at the higher figure', () => {
    const trucks = ofType(events, 'aid_trucks_crossed');
    const perDay = (
      source: string,
      filter: (e: EventOf<'aid_trucks_crossed'>) => boolean = () => true,
    ) => {
      const totals = new Map<number, number>();
      for (const e of trucks)
        if (e.source === source && filter(e)) {
          const day = day2025(e.occurredAt);
          totals.set(day, (totals.get(day) ?? 0) + e.payload.count);
        }
      return totals;
    };
    const cogat = perDay('cogat');
    const un = perDay('un');
    expect([...cogat.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 42 }, (_, i) => i + 1),
    );
    expect([...un.keys()]).toHaveLength(42);
    const highest = (a: Map<number, number>, b: Map<number, number>, day: number) =>
      Math.max(a.get(day) ?? 0, b.get(day) ?? 0);
    const days = [...cogat.keys()];
    for (const day of days.filter((d) => d <= 14)) {
      expect(cogat.get(day)).toBeGreaterThan(un.get(day) ?? 0);
      expect(un.get(day)).toBeGreaterThanOrEqual(350);
      expect(un.get(day)).toBeLessThanOrEqual(500);
    }
    expect(days.filter((d) => highest(cogat, un, d) < 600).length).toBeGreaterThanOrEqual(2);
    const fuel = (e: EventOf<'aid_trucks_crossed'>) => e.payload.cargo === 'fuel';
    const fuelCogat = perDay('cogat', fuel);
    const fuelUn = perDay('un', fuel);
    expect(days.filter((d) => highest(fuelCogat, fuelUn, d) < 50).length).toBeGreaterThanOrEqual(2);
    const north = (e: EventOf<'aid_trucks_crossed'>) => e.payload.destination === 'north';
    const northCogat = perDay('cogat', north);
    for (const day of days) expect(Math.abs((northCogat.get(day) ?? 0) - 300)).toBeLessThan(40);
    expect(
      trucks.filter((e) => e.source === 'cogat').every((e) => e.payload.halfLoaded !== undefined),
    ).toBe(true);
    expect(
      trucks.filter((e) => e.source === 'un').every((e) => e.payload.halfLoaded === undefined),
    ).toBe(true);
    // The UN does not count every crossing.
    expect(trucks.some((e) => e.source === 'un' && e.payload.crossing === 'erez')).toBe(false);
  });

  it('flights: at least 12 quiet hours most days, 9 h on Day 18, 11 h on the exchange Day 21', () => {
    const flights = ofType(events, 'flight_observed');
    const exchangeDays = new Set(
      [...ofType(events, 'hostage_released'), ...ofType(events, 'prisoner_released')].map((e) =>
        day2025(e.occurredAt),
      ),
    );
    const quiet = new Map<number, number>();
    for (let day = 1; day <= 42; day++) {
      const start = Date.parse('2025-01-19T00:00:00+02:00') + (day - 1) * 24 * HOUR;
      const from = day === 1 ? Date.parse(agreement2025.zeroHour) : start;
      const spans = flights
        .map((f) => [at(f), Date.parse(f.payload.endedAt)] as const)
        .filter(([a, b]) => b > start && a < start + 24 * HOUR)
        .sort((x, y) => x[0] - y[0]);
      let cursor = from;
      let longest = 0;
      for (const [a, b] of spans) {
        longest = Math.max(longest, a - cursor);
        cursor = Math.max(cursor, b);
      }
      quiet.set(day, Math.max(longest, start + 24 * HOUR - cursor) / HOUR);
    }
    expect(quiet.get(18)).toBe(9);
    expect(exchangeDays.has(18)).toBe(false);
    expect(quiet.get(21)).toBe(11);
    expect(exchangeDays.has(21)).toBe(true);
    for (const [day, hours] of quiet)
      if (day !== 18 && day !== 21) expect(hours, `Day ${day}`).toBeGreaterThanOrEqual(12);
  });

  it('withdrawals: Rashid Street on Day 7, Netzarim on the morning of Day 22', () => {
    const withdrawals = ofType(events, 'withdrawal_completed');
    const of = (zone: string) =>
      one(
        withdrawals.filter((e) => e.payload.zone === zone),
        zone,
      );
    expect(day2025(of('rashid-street').occurredAt)).toBe(7);
    expect(of('netzarim-corridor').occurredAt).toBe('2025-02-09T07:30:00+02:00');
    expect(day2025(of('buffer-zone').occurredAt)).toBe(1);
  });

  it('Rafah opens after the last living woman is released; the agreement counts the same women', () => {
    const women = ofType(events, 'hostage_released').flatMap((e) =>
      e.payload.persons
        .filter((p) => p.living && ['civilian_woman', 'female_soldier'].includes(p.category))
        .map(() => at(e)),
    );
    const rafah = agreement2025.obligations.find((o) => o.id === 'rafah-wounded-and-sick');
    expect(rafah).toMatchObject({ when: { atLeast: women.length } });
    const opened = one(
      ofType(events, 'crossing_opened').filter((e) => e.payload.crossing === 'rafah'),
      'Rafah opened',
    );
    expect(at(opened)).toBeGreaterThan(Math.max(...women));
    const salah = ofType(events, 'crossing_opened').filter(
      (e) =>
        e.payload.crossing === 'salah-al-din-road' && e.payload.for === 'all-without-inspection',
    );
    expect(salah.map((e) => day2025(e.occurredAt))).toEqual([22]);
  });

  it('incidents: one finding confirmed against an obligation, one unfounded', () => {
    const incidents = ofType(events, 'incident_reported');
    const findings = ofType(events, 'finding_recorded');
    const obstruction = one(
      incidents.filter((e) => e.payload.category === 'obstruction_of_aid'),
      'obstruction',
    );
    const fire = one(
      incidents.filter((e) => e.payload.category === 'fire'),
      'fire',
    );
    expect(fire.payload.place).toBe('buffer-zone');
    const findingFor = (incident: string) =>
      one(
        findings.filter((f) => f.payload.incident === incident),
        incident,
      );
    expect(findingFor(obstruction.payload.incident).payload).toMatchObject({
      outcome: 'confirmed',
      obligation: 'aid-trucks-daily',
    });
    expect(findingFor(fire.payload.incident).payload.outcome).toBe('unfounded');
  });

  it('exchanges: each living release is answered within 24 h by the ratios, except Day 35; ~1,900 in all', () => {
    const exchange = agreement2025.obligations.find((o) => o.id === 'prisoner-releases-phase-1');
    if (exchange?.kind !== 'exchange') throw new Error('no exchange obligation');
    const owedPer = (category: string) =>
      exchange.ratios.find((r) => [r.for].flat().includes(category))?.release ?? [];
    const prisoners = ofType(events, 'prisoner_released');
    for (const handover of ofType(events, 'hostage_released')) {
      const day = day2025(handover.occurredAt);
      const within = prisoners.filter(
        (p) => at(p) >= at(handover) && at(p) - at(handover) <= 24 * HOUR,
      );
      const released = within.flatMap((p) => p.payload.persons);
      for (const person of handover.payload.persons) {
        for (const { category, count } of owedPer(person.category)) {
          const have = released.filter((p) => category === 'any' || p.category === category).length;
          if (day === 35) expect(within).toHaveLength(0);
          else
            expect(have, `${handover.id} ${person.id} ${category}`).toBeGreaterThanOrEqual(
              count as number,
            );
        }
      }
    }
    const total = prisoners.reduce((sum, e) => sum + e.payload.persons.length, 0);
    expect(total).toBeGreaterThanOrEqual(1800);
    expect(total).toBeLessThanOrEqual(2000);
  });

  it('every event id the README lists for a case is the one the generator marks', () => {
    const readme = read(files.readme);
    const { marks } = generateGaza2025Scenario();
    const documented = Object.entries(marks).filter(
      ([mark]) => !['aid-short-day', 'shelter-items'].includes(mark),
    );
    expect(documented.length).toBeGreaterThan(20);
    for (const [mark, ids] of documented) {
      for (const id of ids) expect(readme, `${mark}: ${id}`).toContain(id);
    }
  });
});

describe('the 2023 scenario', () => {
  const releases = ofType(events2023, 'hostage_released');
  const counted = (e: EventOf<'hostage_released'>) =>
    e.payload.persons.filter((p) => ['civilian_woman', 'child'].includes(p.category)).length;
  const byDay = new Map<number, number>();
  for (const e of releases)
    byDay.set(day2023(e.occurredAt), (byDay.get(day2023(e.occurredAt)) ?? 0) + counted(e));

  it('releases 50 in the four agreed days, then 10 a day for the two extensions (to Day 7)', () => {
    expect([1, 2, 3, 4].reduce((sum, d) => sum + (byDay.get(d) ?? 0), 0)).toBe(50);
    expect([5, 6, 7].map((d) => byDay.get(d))).toEqual([10, 10, 10]);
    expect(byDay.get(8)).toBeUndefined();
    const pause = agreement2023.phases[0];
    expect(pause?.extensions?.[0]).toMatchObject({ perCount: { beyond: 50, every: 10, days: 1 } });
    expect(pause?.extensions?.[0]?.maxDays).toBeGreaterThanOrEqual(3);
  });

  it('releases three prisoners for each hostage the same evening', () => {
    const prisoners = ofType(events2023, 'prisoner_released');
    const total = prisoners.reduce((sum, e) => sum + e.payload.persons.length, 0);
    expect(total).toBe(3 * releases.reduce((sum, e) => sum + counted(e), 0));
  });

  it('keeps flights over the north outside 10:00–16:00 and none over the south during the pause', () => {
    for (const flight of ofType(events2023, 'flight_observed')) {
      const day = day2023(flight.occurredAt);
      if (day > 7) continue;
      expect(flight.payload.area).toBe('north');
      const from = flight.occurredAt.slice(11, 16);
      const to = flight.payload.endedAt.slice(11, 16);
      expect(to <= '10:00' || from >= '16:00', flight.id).toBe(true);
    }
  });
});

describe('privacy: examples hold placeholders, never names', () => {
  const placeholder = /^[HP]-\d{4}$/;
  // Capitalised word pairs that are places, organisations or roles, not people.
  const allowed = new Set(['Khan Younis', 'Rashid Street', 'Kerem Shalom', 'Din Road']);
  const nameLike = /\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b/g;

  function strings(value: unknown, out: string[] = []): string[] {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) strings(item, out);
    else if (value && typeof value === 'object')
      for (const item of Object.values(value)) strings(item, out);
    return out;
  }
  function personIds(event: TruceEvent): string[] {
    const payload = event.payload as Record<string, unknown>;
    const fromPersons = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.map((p) => (typeof p === 'string' ? p : String((p as { id: unknown }).id)))
        : [];
    return [
      ...fromPersons(payload.persons),
      ...fromPersons(payload.inExchangeFor),
      ...(event.type === 'correction' ? fromPersons(event.payload.payload.persons) : []),
    ];
  }

  it.each([
    ['2025', events2025],
    ['2023', events2023],
  ] as const)('%s: every person id is a placeholder and no text looks like a name', (_, events) => {
    let persons = 0;
    for (const event of events) {
      for (const id of personIds(event)) {
        persons++;
        expect(id, event.id).toMatch(placeholder);
      }
      for (const text of strings(event.payload)) {
        const names = (text.match(nameLike) ?? []).filter((pair) => !allowed.has(pair));
        expect(names, `${event.id}: ${text}`).toEqual([]);
        // Person-like ids in free text must be placeholders too.
        for (const id of text.match(/\b[A-Z]{1,3}-\d+\b/g) ?? []) expect(id).toMatch(placeholder);
      }
    }
    expect(persons).toBeGreaterThan(100);
  });

  it('the check itself catches a name and a non-placeholder id', () => {
    expect('claim by Jane Doe'.match(nameLike)).toEqual(['Jane Doe']);
    expect('H-12').not.toMatch(placeholder);
  });
});

describe('generateLoad', () => {
  it('is deterministic, valid and in feed order', () => {
    const first = generateLoad({ seed: 42, count: 1000 });
    expect(generateLoad({ seed: 42, count: 1000 })).toEqual(first);
    expect(generateLoad({ seed: 43, count: 1000 })).not.toEqual(first);
    expect([...loadEvents({ seed: 42, count: 1000 })]).toEqual(first);
    expect(parseEventLines(toJsonLines(first))).toEqual(first);
    expect(new Set(first.map((e) => e.id)).size).toBe(1000);
    for (let i = 1; i < first.length; i++) {
      expect(Date.parse(first[i]?.occurredAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(first[i - 1]?.occurredAt ?? ''),
      );
    }
    for (const event of first) {
      expect(Date.parse(event.reportedAt)).toBeGreaterThanOrEqual(Date.parse(event.occurredAt));
      expect(day2025(event.occurredAt)).toBeGreaterThanOrEqual(1);
      expect(day2025(event.occurredAt)).toBeLessThanOrEqual(42);
    }
    const types = new Set(first.map((e) => e.type));
    expect(types).toEqual(
      new Set(['aid_trucks_crossed', 'flight_observed', 'returns_counted', 'aid_items_delivered']),
    );
    expect(first.filter((e) => e.type === 'aid_trucks_crossed').length).toBeGreaterThan(700);
  });

  it('uses only ids the sample agreement defines', () => {
    const places = new Set(agreement2025.places.map((p) => p.id));
    const parties = new Set(agreement2025.parties.map((p) => p.id));
    for (const event of generateLoad({ seed: 1, count: 500 })) {
      expect(parties).toContain(event.source);
      const crossing = (event.payload as { crossing?: string }).crossing;
      if (crossing) expect(places).toContain(crossing);
    }
  });
});
