import type { Person } from '../events/schema.js';
import { placeholderId, type Scenario, ScenarioBuilder } from './builder.js';
import type { ScenarioOptions } from './gaza-2025.js';
import { fixedOffsetCalendar, minutesOf } from './local-time.js';
import { createRandom, splitByWeights } from './random.js';

/** The seed of the committed `examples/scenarios/gaza-2023-pause-synthetic.jsonl`. */
export const gaza2023Seed = 20231124;

// Hostages released per day: 50 in the four agreed days, then 10 a day for the three days the
// pause was extended (+1 day for every 10 beyond 50), which makes seven days in all.
const releasesPerDay = [13, 13, 13, 11, 10, 10, 10] as const;

/**
 * The November 2023 humanitarian pause: releases of women and children with three prisoners
 * each in return, the two extensions, aid counts from two sources and flights over the north
 * kept outside the daily 10:00–16:00 window. A short companion to the 2025 scenario.
 */
export function generateGaza2023Scenario({ seed = gaza2023Seed }: ScenarioOptions = {}): Scenario {
  const calendar = fixedOffsetCalendar('2023-11-24', '+02:00');
  const at = (day: number, clock: string) => calendar.at(day, minutesOf(clock));
  const events = new ScenarioBuilder(calendar.epoch);
  const random = createRandom(seed);

  let nextHostage = 1;
  let nextPrisoner = 1;
  releasesPerDay.forEach((count, index) => {
    const day = index + 1;
    const persons: Person[] = Array.from({ length: count }, () => ({
      id: placeholderId('H', nextHostage++),
      category: random.next() < 0.6 ? 'civilian_woman' : 'child',
      living: true,
    }));
    const mark = day <= 4 ? 'agreed-releases' : day <= 6 ? 'extension-1' : 'extension-2';
    // The list for an extension day follows the mediators' announcement the evening before.
    events.add(
      'names_list_delivered',
      'qatar',
      at(day - 1, '20:00'),
      at(day - 1, '20:00'),
      { forDay: day, persons: persons.map((person) => person.id) },
      { mark: `${mark}-names-list` },
    );
    events.add(
      'hostage_released',
      'icrc',
      at(day, '16:00'),
      at(day, '17:00'),
      { persons },
      { mark },
    );
    events.add(
      'prisoner_released',
      'icrc',
      at(day, '22:00'),
      at(day, '23:00'),
      {
        persons: Array.from({ length: count * 3 }, () => ({
          id: placeholderId('P', nextPrisoner++),
          category: random.next() < 0.7 ? 'minor_detainee' : 'woman_detainee',
          living: true,
        })),
        inExchangeFor: persons.map((person) => person.id),
      },
      { mark: `${mark}-prisoners` },
    );
  });
  // Foreign nationals released on Day 1 under a separate arrangement: they count neither toward
  // the 50 nor toward the extension, which the agreement's category filter makes visible.
  events.add(
    'hostage_released',
    'icrc',
    at(1, '16:10'),
    at(1, '17:10'),
    {
      persons: Array.from({ length: 11 }, (_, i) => ({
        id: placeholderId('H', 101 + i),
        category: 'foreign_national',
        living: true,
      })),
    },
    { mark: 'outside-the-agreement' },
  );

  const lanes = [
    { crossing: 'rafah', cargo: 'food', destination: 'south', weight: 4 },
    { crossing: 'rafah', cargo: 'medical', destination: 'south', weight: 1 },
    { crossing: 'rafah', cargo: 'water', destination: 'south', weight: 1 },
    { crossing: 'rafah', cargo: 'food', destination: 'north', weight: 1.5 },
  ];
  for (let day = 1; day <= releasesPerDay.length; day++) {
    for (const [source, total, fuel, reportLag] of [
      ['cogat', random.int(185, 245), random.int(4, 9), 1],
      ['un', random.int(130, 200), random.int(2, 5), 2],
    ] as const) {
      const parts = splitByWeights(
        total - fuel,
        lanes.map((lane) => lane.weight),
      );
      const rows = [
        ...lanes.map((lane, i) => ({
          crossing: lane.crossing,
          cargo: lane.cargo,
          destination: lane.destination,
          count: parts[i] ?? 0,
        })),
        { crossing: 'rafah', cargo: 'fuel', destination: 'south', count: fuel },
      ];
      rows.forEach((row, i) => {
        events.add(
          'aid_trucks_crossed',
          source,
          calendar.at(day, 17 * 60 + i * 5 + (source === 'un' ? 120 : 0)),
          calendar.at(day + reportLag, 10 * 60 + i),
          row,
        );
      });
    }
    // Flights over the north stay outside 10:00–16:00; none over the south during the pause.
    const morningStart = day === 1 ? 7 * 60 + 30 : 4 * 60 + random.int(0, 90);
    const eveningStart = 16 * 60 + 5 + random.int(0, 55);
    for (const [from, to] of [
      [morningStart, 9 * 60 + 30 + random.int(0, 25)],
      [eveningStart, 21 * 60 + random.int(0, 90)],
    ] as const) {
      events.add('flight_observed', 'qatar', calendar.at(day, from), calendar.at(day + 1, 8 * 60), {
        endedAt: calendar.at(day, to),
        area: 'north',
        purpose: 'surveillance',
      });
    }
  }
  // Day 8, after the extended pause ended: a flight over the south that no longer breaches it.
  events.add(
    'flight_observed',
    'qatar',
    at(8, '07:30'),
    at(8, '12:00'),
    { endedAt: at(8, '09:00'), area: 'south', purpose: 'surveillance' },
    { mark: 'after-the-pause' },
  );
  return events.build(seed);
}
