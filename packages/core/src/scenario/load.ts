import type { TruceEvent } from '../events/schema.js';
import { fixedOffsetCalendar } from './local-time.js';
import { createRandom } from './random.js';

export interface LoadOptions {
  seed: number;
  count: number;
  /** Days of the 2025 calendar the events spread over (Day 1 = 19 January 2025). */
  days?: number;
}

const lanes = [
  ['kerem-shalom', 'food', 'south'],
  ['kerem-shalom', 'food', 'north'],
  ['kerem-shalom', 'medical', 'south'],
  ['kerem-shalom', 'shelter', 'north'],
  ['kerem-shalom', 'water', 'south'],
  ['kerem-shalom', 'fuel', 'south'],
  ['kerem-shalom', 'fuel', 'north'],
  ['kissufim', 'food', 'south'],
  ['zikim', 'food', 'north'],
  ['erez', 'food', 'north'],
  ['erez', 'medical', 'north'],
] as const;
const routes = ['rashid-street', 'salah-al-din-road'] as const;
const areas = ['north', 'south'] as const;

/**
 * Returns a function that gives the load's events one by one, in order. The work happens in a
 * plain function rather than in a generator's body: V8 cannot optimise a long-running loop inside
 * a generator on the fly, which made the first million events about eight times slower.
 */
function loadSource({ seed, count, days = 42 }: LoadOptions): (i: number) => TruceEvent {
  const random = createRandom(seed);
  const width = Math.max(6, String(count).length);
  // Formatting a million instants with Date is the slow part; with a table of every minute's
  // "YYYY-MM-DDTHH:MM:" and of every second's "SS+02:00" it is one concatenation.
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  const minutes = Array.from({ length: (days + 4) * 1440 }, (_, minute) =>
    calendar.at(1, minute).slice(0, 17),
  );
  const seconds = Array.from({ length: 60 }, (_, s) => `${String(s).padStart(2, '0')}+02:00`);
  const stamp = (second: number): string => {
    const minute = Math.floor(second / 60);
    return `${minutes[minute]}${seconds[second - minute * 60]}`;
  };
  const span = days * 86_400;
  return (i) => {
    const second = Math.floor((i * span) / count);
    const id = `e-${String(i + 1).padStart(width, '0')}`;
    const occurredAt = stamp(second);
    const roll = random.next();
    if (roll < 0.78) {
      const lane = lanes[random.int(0, lanes.length - 1)] ?? lanes[0];
      const trucks = random.int(1, 40);
      if (random.next() < 0.55) {
        return {
          id,
          type: 'aid_trucks_crossed',
          occurredAt,
          reportedAt: stamp(second + 64_800 + random.int(0, 3600)),
          source: 'cogat',
          payload: {
            crossing: lane[0],
            cargo: lane[1],
            destination: lane[2],
            count: trucks,
            halfLoaded: random.int(0, Math.floor(trucks / 5)),
          },
        };
      } else {
        return {
          id,
          type: 'aid_trucks_crossed',
          occurredAt,
          reportedAt: stamp(second + 136_800 + random.int(0, 3600)),
          source: 'un',
          payload: { crossing: lane[0], cargo: lane[1], destination: lane[2], count: trucks },
        };
      }
    } else if (roll < 0.9) {
      return {
        id,
        type: 'flight_observed',
        occurredAt,
        reportedAt: stamp(second + 21_600 + random.int(0, 21_600)),
        source: 'egypt',
        payload: {
          endedAt: stamp(second + 60 * random.int(5, 90)),
          area: areas[random.int(0, 1)] ?? 'north',
          purpose: 'surveillance',
        },
      };
    } else if (roll < 0.97) {
      return {
        id,
        type: 'returns_counted',
        occurredAt,
        reportedAt: stamp(second + 43_200 + random.int(0, 7200)),
        source: 'un',
        payload: {
          route: routes[random.int(0, 1)] ?? 'rashid-street',
          count: random.int(50, 3000),
          direction: 'north',
        },
      };
    } else {
      return {
        id,
        type: 'aid_items_delivered',
        occurredAt,
        reportedAt: stamp(second + 64_800 + random.int(0, 3600)),
        source: random.next() < 0.5 ? 'cogat' : 'un',
        payload: { crossing: 'kerem-shalom', item: 'tents', count: random.int(10, 500) },
      };
    }
  };
}

/**
 * Plausible events for `examples/agreements/gaza-2025.yaml` in feed order, for benchmarks: mostly
 * aid counts from COGAT and the UN, then flights, returns and shelter deliveries, spread evenly
 * over the days. Deterministic from the seed. A generator, so that a million events can be
 * streamed without holding them all.
 */
export function* loadEvents(options: LoadOptions): Generator<TruceEvent> {
  const next = loadSource(options);
  for (let i = 0; i < options.count; i++) yield next(i);
}

/** The same events as `loadEvents`, collected into an array. */
export function generateLoad(options: LoadOptions): TruceEvent[] {
  const next = loadSource(options);
  const events = new Array<TruceEvent>(options.count);
  for (let i = 0; i < options.count; i++) events[i] = next(i);
  return events;
}
