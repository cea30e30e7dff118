import type { Person } from '../events/schema.js';
import { type DraftRef, placeholderId, type Scenario, ScenarioBuilder } from './builder.js';
import { fixedOffsetCalendar, minutesOf } from './local-time.js';
import { createRandom, type Random, splitByWeights } from './random.js';

/** The seed of the committed `examples/scenarios/gaza-2025-synthetic.jsonl`. */
export const gaza2025Seed = 20250119;

/**
 * Obligation ids of `examples/agreements/gaza-2025.yaml` that events in this scenario cite
 * (disputes, withheld releases, incidents). A test checks that the agreement defines them.
 */
export const gaza2025ObligationIds = {
  namesListDay1: 'names-list-day-1',
  hostageSchedule: 'hostage-releases-phase-1',
  prisonerExchange: 'prisoner-releases-phase-1',
  aidTrucks: 'aid-trucks-daily',
  returnsRashid: 'returns-north-rashid-street',
  returnsVehicles: 'returns-north-salah-al-din-vehicles',
  bufferZone: 'withdrawal-buffer-zone',
} as const;

export interface ScenarioOptions {
  seed?: number;
}

interface Lane {
  crossing: string;
  cargo: string;
  destination: 'north' | 'south';
  weight: number;
}

// COGAT reports every crossing it screens; the UN figures used here leave Erez out, as the UN's
// counts did not cover every crossing. That, and COGAT counting half-loaded trucks at screening
// where the UN counts repacked trucks collected inside, is why the two sources differ.
const cogatLanes: readonly Lane[] = [
  { crossing: 'zikim', cargo: 'food', destination: 'north', weight: 3 },
  { crossing: 'erez', cargo: 'food', destination: 'north', weight: 2 },
  { crossing: 'erez', cargo: 'medical', destination: 'north', weight: 1 },
  { crossing: 'kerem-shalom', cargo: 'food', destination: 'north', weight: 2 },
  { crossing: 'kerem-shalom', cargo: 'shelter', destination: 'north', weight: 1 },
  { crossing: 'kerem-shalom', cargo: 'food', destination: 'south', weight: 4 },
  { crossing: 'kerem-shalom', cargo: 'medical', destination: 'south', weight: 1 },
  { crossing: 'kerem-shalom', cargo: 'shelter', destination: 'south', weight: 1.5 },
  { crossing: 'kerem-shalom', cargo: 'water', destination: 'south', weight: 1 },
  { crossing: 'kissufim', cargo: 'food', destination: 'south', weight: 2 },
];
const unLanes: readonly Lane[] = cogatLanes.filter((lane) => lane.crossing !== 'erez');

interface DayFigures {
  total: number;
  fuel: number;
  north: number;
}

// Days on which even the higher (COGAT) figure falls short, so that the quotas show breaches
// that no choice of source explains away.
const cogatTotalShort: Readonly<Record<number, number>> = { 3: 561, 10: 574, 19: 587, 31: 592 };
const cogatFuelShort: Readonly<Record<number, number>> = { 5: 42, 26: 46 };
const cogatNorthShort: Readonly<Record<number, number>> = { 3: 268, 15: 286 };

function cogatFigures(day: number, random: Random): DayFigures {
  const total = random.int(605, 655) + (day > 21 ? random.int(0, 25) : 0);
  const fuel = random.int(50, 58);
  const north = random.int(296, 330);
  return {
    total: cogatTotalShort[day] ?? total,
    fuel: cogatFuelShort[day] ?? fuel,
    north: cogatNorthShort[day] ?? north,
  };
}

function unFigures(day: number, random: Random): DayFigures {
  const total = day <= 21 ? random.int(350, 500) : random.int(440, 590);
  const fuel = random.int(30, 47);
  const north = Math.round((total * random.int(42, 55)) / 100);
  // Day 26: the UN's fuel figure is the higher one, so "the highest figure counts" picks a
  // different source than on other days, and is still short of 50.
  return { total, fuel: day === 26 ? 48 : fuel, north };
}

function allocate(figures: DayFigures, lanes: readonly Lane[], random: Random) {
  const fuelNorth = Math.round(figures.fuel * 0.4);
  const fuelSouth = figures.fuel - fuelNorth;
  const north = lanes.filter((lane) => lane.destination === 'north');
  const south = lanes.filter((lane) => lane.destination === 'south');
  const jitter = (lane: Lane) => (lane.weight * random.int(85, 115)) / 100;
  const northParts = splitByWeights(figures.north - fuelNorth, north.map(jitter));
  const southParts = splitByWeights(
    figures.total - figures.fuel - (figures.north - fuelNorth),
    south.map(jitter),
  );
  const rows: { crossing: string; cargo: string; destination: string; count: number }[] = [];
  const row = (lane: Lane, count: number) => ({
    crossing: lane.crossing,
    cargo: lane.cargo,
    destination: lane.destination,
    count,
  });
  north.forEach((lane, i) => rows.push(row(lane, northParts[i] ?? 0)));
  south.forEach((lane, i) => rows.push(row(lane, southParts[i] ?? 0)));
  rows.push({ crossing: 'kerem-shalom', cargo: 'fuel', destination: 'north', count: fuelNorth });
  rows.push({ crossing: 'kerem-shalom', cargo: 'fuel', destination: 'south', count: fuelSouth });
  return rows.filter((row) => row.count > 0);
}

const hostage = (n: number, category: string, living = true): Person => ({
  id: placeholderId('H', n),
  category,
  living,
});
const remains = (n: number): Person => hostage(n, 'remains', false);

/**
 * Forty-two days of the January 2025 agreement's first phase as a monitoring cell might have
 * received them: aid counts from two sources, flights, releases, returns, incidents, and every
 * failure listed in the domain notes (each documented in `examples/scenarios/README.md`).
 * Persons are placeholders; the numbers are synthetic but of the reported order of magnitude.
 */
export function generateGaza2025Scenario({ seed = gaza2025Seed }: ScenarioOptions = {}): Scenario {
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  const at = (day: number, clock: string) => calendar.at(day, minutesOf(clock));
  const events = new ScenarioBuilder(calendar.epoch);
  const ids = gaza2025ObligationIds;
  // Separate streams, so that changing how one kind of event is drawn leaves the others alone.
  const aidRandom = createRandom(seed);
  const flightRandom = createRandom(seed + 1);
  const returnsRandom = createRandom(seed + 2);

  let nextPrisoner = 1;
  const prisoners = (groups: [category: string, count: number][]): Person[] =>
    groups.flatMap(([category, count]) =>
      Array.from({ length: count }, () => ({
        id: placeholderId('P', nextPrisoner++),
        category,
        living: true,
      })),
    );

  // --- Handovers through the ICRC, the names lists that announce them, the prisoner releases.
  const namesList = (forDay: number, persons: Person[], when: string, mark?: string) =>
    events.add(
      'names_list_delivered',
      'qatar',
      when,
      when,
      { forDay, persons: persons.map((person) => person.id) },
      mark ? { mark } : {},
    );
  const release = (day: number, clock: string, persons: Person[], mark?: string | string[]) =>
    events.add(
      'hostage_released',
      'icrc',
      at(day, clock),
      calendar.at(day, minutesOf(clock) + 40),
      { persons },
      mark ? { mark } : {},
    );
  const returnRemains = (day: number, clock: string, persons: Person[], mark?: string) =>
    events.add(
      'remains_returned',
      'icrc',
      at(day, clock),
      calendar.at(day, minutesOf(clock) + 40),
      { persons },
      mark ? { mark } : {},
    );
  const freePrisoners = (
    day: number,
    clock: string,
    groups: [string, number][],
    inExchangeFor: Person[],
    mark?: string,
  ) =>
    events.add(
      'prisoner_released',
      'icrc',
      at(day, clock),
      calendar.at(day, minutesOf(clock) + 45),
      { persons: prisoners(groups), inExchangeFor: inExchangeFor.map((person) => person.id) },
      mark ? { mark } : {},
    );

  // Day 1: the names list arrives at 10:45 instead of by zero hour (08:30): late, not breached.
  const day1 = [1, 2, 3].map((n) => hostage(n, 'civilian_woman'));
  namesList(1, day1, at(1, '10:45'), 'late-names-list');
  release(1, '16:30', day1, 'day-1-releases');
  freePrisoners(
    1,
    '23:40',
    [
      ['woman_detainee', 69],
      ['minor_detainee', 21],
    ],
    day1,
  );
  events.add(
    'withdrawal_completed',
    'israel',
    at(1, '18:00'),
    at(1, '19:00'),
    { zone: 'buffer-zone' },
    { mark: 'buffer-zone-withdrawal' },
  );

  // Day 7: four female soldiers released; the civilian woman H-0008, expected before them, is not.
  const day7 = [4, 5, 6, 7].map((n) => hostage(n, 'female_soldier'));
  const day7List = namesList(7, day7, at(6, '17:00'), 'day-7-names-list');
  events.add(
    'withdrawal_completed',
    'israel',
    at(7, '07:00'),
    at(7, '08:00'),
    { zone: 'rashid-street' },
    { mark: 'rashid-street-withdrawal' },
  );
  const day7Release = release(7, '11:30', day7, 'day-7-releases');
  const closureReason =
    'Returns to the north not opened: Israel holds that civilian hostage H-0008 was due for ' +
    'release before the female soldiers released today.';
  const rashidClosed = events.add(
    'crossing_closed',
    'israel',
    at(7, '13:00'),
    at(7, '13:20'),
    { crossing: 'rashid-street', reason: closureReason },
    { mark: 'rashid-street-closed' },
  );
  const salahClosed = events.add(
    'crossing_closed',
    'israel',
    at(7, '13:05'),
    at(7, '13:20'),
    { crossing: 'salah-al-din-road', reason: closureReason },
    { mark: 'salah-al-din-closed' },
  );
  freePrisoners(
    7,
    '21:30',
    [
      ['life_sentence', 120],
      ['other_detainee', 80],
    ],
    day7,
  );
  events.add(
    'dispute_opened',
    'qatar',
    at(7, '20:00'),
    at(7, '20:10'),
    (idOf) => ({
      dispute: 'release-order-day-7',
      obligations: [ids.returnsRashid, ids.returnsVehicles, ids.hostageSchedule],
      subject: 'Order of the Day-7 releases and the opening of returns to the north.',
      claims: [
        {
          by: 'israel',
          claim:
            'Under the agreed order civilian women are released before female soldiers. ' +
            'H-0008 was not among the Day-7 releases, so returns to the north stay closed ' +
            'until she is released.',
          evidence: [idOf(day7List), idOf(day7Release), idOf(rashidClosed)],
        },
        {
          by: 'hamas',
          claim:
            'The four Day-7 releases were made in full and on time; H-0008 is alive and will ' +
            'be released in a later exchange. Keeping the routes closed breaches the returns ' +
            'clause that applies from Day 7.',
          evidence: [idOf(day7Release), idOf(rashidClosed), idOf(salahClosed)],
        },
      ],
    }),
    { mark: 'release-order-dispute-opened' },
  );
  events.add(
    'dispute_resolved',
    'qatar',
    at(8, '23:00'),
    at(8, '23:15'),
    {
      dispute: 'release-order-day-7',
      decision:
        'Mediators announced that H-0008 and two further hostages are released on Day 12 ' +
        'and that returns to the north open on the morning of Day 9.',
      measures: [
        { kind: 'delay', obligation: ids.returnsRashid, days: 2 },
        { kind: 'delay', obligation: ids.returnsVehicles, days: 2 },
        { kind: 'addItem', obligation: ids.hostageSchedule, day: 12, count: 3 },
      ],
    },
    { mark: 'release-order-dispute-resolved' },
  );
  events.add(
    'crossing_opened',
    'israel',
    at(9, '07:00'),
    at(9, '07:30'),
    { crossing: 'rashid-street', for: 'pedestrians' },
    { mark: 'rashid-street-opened' },
  );
  events.add(
    'crossing_opened',
    'israel',
    at(9, '10:00'),
    at(9, '10:30'),
    { crossing: 'salah-al-din-road', for: 'vehicles-after-inspection' },
    { mark: 'salah-al-din-vehicles-opened' },
  );

  // Day 12: the release the mediators added, with H-0008; the last living women are now free.
  const day12 = [
    hostage(9, 'female_soldier'),
    hostage(8, 'civilian_woman'),
    hostage(10, 'man_over_50'),
  ];
  namesList(12, day12, at(11, '17:00'));
  release(12, '11:45', day12.slice(0, 1), 'day-12-extra-release');
  release(12, '13:30', day12.slice(1), 'day-12-extra-release');
  freePrisoners(
    12,
    '22:00',
    [
      ['woman_detainee', 24],
      ['minor_detainee', 6],
      ['life_sentence', 33],
      ['other_detainee', 47],
    ],
    day12,
  );
  events.add(
    'crossing_opened',
    'egypt',
    at(13, '10:00'),
    at(13, '10:30'),
    { crossing: 'rafah', for: 'wounded-and-sick' },
    { mark: 'rafah-opened' },
  );

  // Days 14, 21, 28: three men over 50 or sick and wounded each, as scheduled.
  const men = (numbers: number[], categories: string[]) =>
    numbers.map((n, i) => hostage(n, categories[i % categories.length] ?? 'man_over_50'));
  const day14 = men([11, 12, 13], ['man_over_50', 'sick_or_wounded']);
  const day21 = men([14, 15, 16], ['man_over_50', 'man_over_50', 'sick_or_wounded']);
  const day28 = men([17, 18, 19], ['man_over_50', 'sick_or_wounded']);
  namesList(14, day14, at(13, '17:00'));
  release(14, '09:30', day14.slice(0, 2));
  release(14, '10:45', day14.slice(2));
  freePrisoners(
    14,
    '21:00',
    [
      ['life_sentence', 9],
      ['other_detainee', 81],
      ['gaza_detainee', 93],
    ],
    day14,
  );
  namesList(21, day21, at(20, '17:00'));
  release(21, '10:00', day21);
  freePrisoners(
    21,
    '21:00',
    [
      ['life_sentence', 9],
      ['other_detainee', 81],
      ['gaza_detainee', 93],
    ],
    day21,
  );
  namesList(28, day28, at(27, '17:00'));
  release(28, '10:00', day28);
  freePrisoners(
    28,
    '21:00',
    [
      ['life_sentence', 9],
      ['other_detainee', 81],
      ['gaza_detainee', 279],
    ],
    day28,
  );

  // Day 33: four sets of remains; one is not the person named. The ICRC corrects its own report
  // on Day 34 (a new event, never an edit) and the right remains come back on Day 35.
  const day33 = [20, 21, 22, 23].map(remains);
  namesList(33, day33, at(32, '17:00'));
  const day33First = returnRemains(33, '10:00', day33.slice(0, 3), 'day-33-remains');
  const wrongRemains = returnRemains(33, '10:00', day33.slice(3), 'wrong-remains');
  events.add(
    'correction',
    'icrc',
    at(34, '09:30'),
    at(34, '09:45'),
    (idOf) => ({
      target: idOf(wrongRemains),
      payload: { persons: [{ id: 'H-0023', category: 'unidentified_remains', living: false }] },
      reason:
        'Forensic identification found that the remains handed over are not those of H-0023; ' +
        'their identity is unknown.',
    }),
    { mark: 'wrong-remains-correction' },
  );
  returnRemains(35, '00:40', [remains(23)], 'right-remains');

  // Day 35: six living hostages released; the ~620 releases due in return are withheld over the
  // handover ceremonies. Both claims are on record until the mediators resolve it on Day 39.
  const day35 = men([24, 25, 26, 27, 28, 29], ['sick_or_wounded', 'man_over_50']);
  namesList(35, day35, at(34, '17:00'));
  const day35Releases = [
    release(35, '08:30', day35.slice(0, 2), 'day-35-releases'),
    release(35, '12:30', day35.slice(2, 5), 'day-35-releases'),
    release(35, '15:30', day35.slice(5), 'day-35-releases'),
  ];
  const withheld = events.add(
    'release_withheld',
    'israel',
    at(35, '23:30'),
    at(35, '23:50'),
    {
      obligation: ids.prisonerExchange,
      persons: 620,
      reason:
        'Release postponed until handovers take place without public ceremonies, which Israel ' +
        'holds to be contrary to the agreement.',
    },
    { mark: 'release-withheld' },
  );
  events.add(
    'dispute_opened',
    'egypt',
    at(36, '11:00'),
    at(36, '11:15'),
    (idOf) => ({
      dispute: 'withheld-release-day-35',
      obligations: [ids.prisonerExchange],
      subject: 'Prisoner releases due after the Day-35 handovers, withheld over the ceremonies.',
      claims: [
        {
          by: 'israel',
          claim:
            'The public ceremonies at the handovers of Days 33 and 35 are contrary to the ' +
            'agreement; the release is withheld until handovers take place without them.',
          evidence: [idOf(day33First), ...day35Releases.map(idOf), idOf(withheld)],
        },
        {
          by: 'hamas',
          claim:
            'The six Day-35 releases were made as scheduled; the releases owed in return within ' +
            'the agreed time have not taken place, which breaches the exchange clause.',
          evidence: [...day35Releases.map(idOf), idOf(withheld)],
        },
      ],
    }),
    { mark: 'withheld-dispute-opened' },
  );
  events.add(
    'dispute_resolved',
    'egypt',
    at(39, '10:00'),
    at(39, '10:20'),
    {
      dispute: 'withheld-release-day-35',
      decision:
        'Mediators agreed that the remaining four sets of remains are handed over without a ' +
        'ceremony and that the withheld releases take place the same night.',
      measures: [],
    },
    { mark: 'withheld-dispute-resolved' },
  );
  const day39 = [30, 31, 32, 33].map(remains);
  namesList(39, day39, at(38, '17:00'));
  returnRemains(39, '21:00', day39, 'day-39-remains');
  freePrisoners(
    39,
    '23:30',
    [
      ['life_sentence', 18],
      ['other_detainee', 162],
      ['gaza_detainee', 440],
    ],
    day35,
    'withheld-release-made',
  );
  freePrisoners(40, '02:00', [['gaza_detainee', 145]], day39);

  // --- Military steps, talks, permissions.
  events.add(
    'withdrawal_completed',
    'israel',
    at(22, '07:30'),
    at(22, '09:00'),
    { zone: 'netzarim-corridor' },
    { mark: 'netzarim-withdrawal' },
  );
  events.add(
    'crossing_opened',
    'israel',
    at(22, '10:00'),
    at(22, '10:30'),
    { crossing: 'salah-al-din-road', for: 'all-without-inspection' },
    { mark: 'salah-al-din-all-opened' },
  );
  // No talks_started by Day 16: the deadline is breached with no event at all to point to.
  events.add(
    'talks_started',
    'qatar',
    at(30, '12:00'),
    at(30, '14:00'),
    { phase: 'phase-2' },
    { mark: 'talks-started-late' },
  );
  events.add(
    'talks_ended',
    'qatar',
    at(41, '20:00'),
    at(41, '21:00'),
    { phase: 'phase-2', outcome: 'suspended' },
    { mark: 'talks-suspended' },
  );
  // Day 43: with phase 1 over and no extension, entry of goods is halted (2 March 2025).
  for (const crossing of ['kerem-shalom', 'kissufim', 'zikim', 'erez']) {
    events.add(
      'crossing_closed',
      'israel',
      at(43, '06:00'),
      at(43, '09:00'),
      {
        crossing,
        reason:
          'Entry of goods halted after phase 1 ended without agreement on an extension of it.',
      },
      { mark: 'aid-halted-day-43' },
    );
  }

  // --- Incidents and findings: one confirmed, one unfounded, one inconclusive.
  events.add(
    'incident_reported',
    'un',
    at(10, '15:00'),
    at(10, '18:00'),
    {
      incident: 'inc-2025-001',
      category: 'obstruction_of_aid',
      obligation: ids.aidTrucks,
      against: 'israel',
      place: 'kerem-shalom',
      lat: 31.2208,
      lon: 34.2706,
      description:
        'About 40 loaded trucks held in the holding area for some six hours awaiting clearance; ' +
        'most crossed the next day.',
    },
    { mark: 'incident-confirmed' },
  );
  events.add(
    'finding_recorded',
    'egypt',
    at(12, '12:00'),
    at(12, '12:30'),
    {
      incident: 'inc-2025-001',
      outcome: 'confirmed',
      obligation: ids.aidTrucks,
      attributedTo: 'israel',
      summary: 'Crossing logs of both sources show a hold of about six hours on Day 10.',
    },
    { mark: 'finding-confirmed' },
  );
  events.add(
    'incident_reported',
    'hamas',
    at(24, '16:00'),
    at(24, '19:00'),
    {
      incident: 'inc-2025-002',
      category: 'fire',
      obligation: ids.bufferZone,
      against: 'israel',
      place: 'buffer-zone',
      lat: 31.335,
      lon: 34.355,
      description:
        'Fire in farmland near the buffer zone east of Khan Younis; forces alleged to be ' +
        'present beyond the agreed line.',
    },
    { mark: 'incident-unfounded' },
  );
  events.add(
    'finding_recorded',
    'egypt',
    at(26, '11:00'),
    at(26, '11:30'),
    {
      incident: 'inc-2025-002',
      outcome: 'unfounded',
      obligation: ids.bufferZone,
      summary: 'No movement beyond the line was found; the fire started in dry brush.',
    },
    { mark: 'finding-unfounded' },
  );
  events.add(
    'incident_reported',
    'israel',
    at(27, '02:00'),
    at(27, '08:00'),
    {
      incident: 'inc-2025-003',
      category: 'other',
      against: 'hamas',
      place: 'buffer-zone',
      description: 'Shots reported towards forces from the direction of the buffer zone at night.',
    },
    { mark: 'incident-inconclusive' },
  );
  events.add(
    'finding_recorded',
    'egypt',
    at(29, '13:00'),
    at(29, '13:30'),
    {
      incident: 'inc-2025-003',
      outcome: 'inconclusive',
      summary: 'The source of the shots could not be established.',
    },
    { mark: 'finding-inconclusive' },
  );

  // --- Daily streams: aid counts from both sources, flights, returns.
  for (let day = 1; day <= 42; day++) {
    const cogatRows = allocate(cogatFigures(day, aidRandom), cogatLanes, aidRandom);
    cogatRows.forEach((row, i) => {
      events.add(
        'aid_trucks_crossed',
        'cogat',
        calendar.at(day, 16 * 60 + i * 7),
        calendar.at(day + 1, 10 * 60 + i),
        {
          ...row,
          halfLoaded: Math.floor((row.count * aidRandom.int(6, 16)) / 100),
        },
        day === 3 || day === 10 ? { mark: 'aid-short-day' } : {},
      );
    });
    const unRows = allocate(unFigures(day, aidRandom), unLanes, aidRandom);
    unRows.forEach((row, i) => {
      events.add(
        'aid_trucks_crossed',
        'un',
        calendar.at(day, 19 * 60 + i * 5),
        calendar.at(day + 2, 9 * 60 + i),
        row,
        day === 26 && row.cargo === 'fuel' ? { mark: 'un-fuel-higher' } : {},
      );
    });
    addFlights(day);
    if (day >= 9) addReturns(day);
  }
  for (const [i, day] of [7, 14, 21, 28, 35, 42].entries()) {
    events.add(
      'aid_items_delivered',
      'cogat',
      at(day, '17:30'),
      at(day + 1, '10:30'),
      { crossing: 'kerem-shalom', item: 'tents', count: aidRandom.int(32_000, 38_000) },
      { mark: 'shelter-items' },
    );
    events.add(
      'aid_items_delivered',
      'un',
      at(day, '19:30'),
      at(day + 2, '09:30'),
      { crossing: 'kerem-shalom', item: 'tents', count: aidRandom.int(22_000, 27_000) },
      { mark: 'shelter-items' },
    );
    // Few temporary homes entered, and late in the phase: far short of 60,000 by either count.
    if (i >= 4) {
      events.add(
        'aid_items_delivered',
        'cogat',
        at(day, '17:40'),
        at(day + 1, '10:40'),
        { crossing: 'kerem-shalom', item: 'caravans', count: day === 35 ? 320 : 680 },
        { mark: 'shelter-items' },
      );
    }
  }
  events.add(
    'aid_items_delivered',
    'un',
    at(42, '19:40'),
    at(44, '09:40'),
    { crossing: 'kerem-shalom', item: 'caravans', count: 410 },
    { mark: 'shelter-items' },
  );

  function addFlights(day: number): void {
    // Flights cover the day except one quiet gap: at least 12 hours on most days; 9 hours on
    // Day 18 (short of 10, enough under the reported 8); 11 hours on the exchange Day 21
    // (short of the 12 owed on exchange days).
    const flight = (from: number, to: number, mark?: string): DraftRef =>
      events.add(
        'flight_observed',
        'egypt',
        calendar.at(day, from),
        calendar.at(day + 1, 8 * 60 + flightRandom.int(0, 59)),
        { endedAt: calendar.at(day, to), purpose: 'surveillance' },
        mark ? { mark } : {},
      );
    if (day === 1) {
      // Zero hour is 08:30: nothing before it is the agreement's concern.
      flight(21 * 60, 24 * 60);
      return;
    }
    let quietFrom = 6 * 60 + 15 * flightRandom.int(0, 8);
    let quietTo = quietFrom + 12 * 60 + 15 * flightRandom.int(0, 6);
    let mark: string | undefined;
    if (day === 18) {
      quietFrom = 8 * 60;
      quietTo = 17 * 60;
      mark = 'flights-quiet-9h';
    } else if (day === 21) {
      quietFrom = 7 * 60;
      quietTo = 18 * 60;
      mark = 'flights-quiet-11h-exchange-day';
    }
    const morningSplit = 60 * flightRandom.int(1, Math.max(1, Math.floor(quietFrom / 60) - 1));
    const eveningSplit = quietTo + 60 * flightRandom.int(1, Math.floor((24 * 60 - quietTo) / 60));
    flight(0, morningSplit, mark);
    flight(morningSplit, quietFrom, mark);
    flight(quietTo, Math.min(eveningSplit, 24 * 60 - 30), mark);
    flight(Math.min(eveningSplit, 24 * 60 - 30), 24 * 60, mark);
  }

  function addReturns(day: number): void {
    // Tens of thousands a day on foot at first, tapering; vehicles via Salah al-Din, more
    // once the road is open to all (Day 22).
    const onFoot =
      Math.max(2000, Math.round(95_000 * 0.8 ** (day - 9))) + returnsRandom.int(0, 900);
    events.add(
      'returns_counted',
      'un',
      at(day, '18:00'),
      at(day + 1, '11:00'),
      { route: 'rashid-street', count: onFoot, direction: 'north' },
      day === 9 ? { mark: 'returns-first-day' } : {},
    );
    const vehicles = (day >= 22 ? 9000 : 5000) + returnsRandom.int(-1500, 1500);
    events.add(
      'returns_counted',
      'un',
      at(day, '18:05'),
      at(day + 1, '11:05'),
      { route: 'salah-al-din-road', count: vehicles, direction: 'north' },
      day === 9 ? { mark: 'returns-first-day' } : {},
    );
  }

  return events.build(seed);
}
