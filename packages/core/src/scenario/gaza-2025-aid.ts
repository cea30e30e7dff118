import type { EventOf, EventType } from '../events/schema.js';
import { type Scenario, ScenarioBuilder } from './builder.js';
import { fixedOffsetCalendar } from './local-time.js';
import { createRandom, type Random } from './random.js';

/** The seed of the consignment stream: its own, so the base scenario's draws stay put. */
export const gaza2025AidSeed = 20250120;

/**
 * Consignments of the sample, step by step: registered by the World Food Programme (WFP), the
 * receiving agency, inspected by COGAT, crossed, collected, taken to a warehouse and distributed.
 * Their trucks are a third source beside COGAT's and the UN's daily counts: the sample's quotas
 * combine only those two, so the quota figures the README and the tests quote stay as they are,
 * while the pipeline, dwell times and stuck consignments have something real-shaped to show.
 *
 * Documented cases (marks): a consignment rejected at inspection (`consignment-rejected`), one
 * left uncollected then collected the next day (`consignment-uncollected`), one intercepted on
 * the way (`consignment-intercepted`), a crossing reported twice (`consignment-duplicate`), a
 * collection reported as before the crossing (`consignment-out-of-order`), and consignments
 * cleared on Day 22 that have not crossed by Day 23 noon (`consignment-stuck`).
 *
 * A supplement with its own event ids (`a-000001`…, in feed order) committed beside the base
 * feed (`examples/scenarios/gaza-2025-aid-synthetic.jsonl`), not merged into it: the base's
 * `e-` ids and its documented cases stay as the README and the tests quote them. `npm start`
 * reports both.
 */
export function generateGaza2025AidScenario({ seed = gaza2025AidSeed } = {}): Scenario {
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  // Minutes since Day 1 00:00 (local, +02:00) → an instant.
  const iso = (minutes: number) => calendar.at(1, minutes);
  const random = createRandom(seed);
  const builder = new ScenarioBuilder(calendar.epoch);
  const day = (d: number, hour: number, minute = 0) => (d - 1) * 1440 + hour * 60 + minute;
  // Aid entry halted at Day 43 00:00 (2 March 2025): nothing crosses after that.
  const halt = day(43, 0);
  const end = day(45, 0);

  const lanes = [
    { crossing: 'kerem-shalom', destination: 'south', weight: 5, opens: 7, closes: 19 },
    { crossing: 'kerem-shalom', destination: 'north', weight: 2, opens: 7, closes: 19 },
    { crossing: 'zikim', destination: 'north', weight: 2, opens: 8, closes: 17 },
    { crossing: 'kissufim', destination: 'south', weight: 1, opens: 8, closes: 17 },
  ] as const;
  const cargos = ['food', 'food', 'food', 'food', 'water', 'medical', 'shelter'] as const;
  const warehouses = {
    north: ['gaza-city-1', 'jabalia-1'],
    south: ['deir-al-balah-1', 'khan-younis-2'],
  };
  const pickLane = (r: Random) => {
    const total = lanes.reduce((sum, lane) => sum + lane.weight, 0);
    let at = r.next() * total;
    for (const lane of lanes) {
      at -= lane.weight;
      if (at < 0) return lane;
    }
    return lanes[0];
  };
  /** The next minute the crossing is open at or after `minutes`. */
  const whenOpen = (minutes: number, opens: number, closes: number) => {
    const inDay = ((minutes % 1440) + 1440) % 1440;
    if (inDay < opens * 60) return minutes - inDay + opens * 60;
    if (inDay >= closes * 60) return minutes - inDay + 1440 + opens * 60;
    return minutes;
  };
  const add = <T extends EventType>(
    type: T,
    source: string,
    occurred: number,
    reportDelay: number,
    payload: EventOf<T>['payload'],
    mark?: string,
  ) => {
    if (occurred > end) return false;
    builder.add(
      type,
      source,
      iso(occurred),
      iso(Math.min(occurred + reportDelay, end + 1440)),
      // The payload is checked against T where `add` is called; the builder's own generic
      // cannot follow T through this wrapper.
      payload as never,
      mark ? { mark } : {},
    );
    return true;
  };

  let serial = 0;
  for (let d = 1; d <= 42; d++) {
    const perDay = random.int(3, 6);
    for (let n = 0; n < perDay; n++) {
      serial++;
      const id = `wfp-c${String(serial).padStart(4, '0')}`;
      const lane = pickLane(random);
      const cargo = random.pick(cargos);
      const trucks = random.int(8, 30);
      const registeredAt = day(d, random.int(6, 10), random.int(0, 59)) - (d > 1 ? 1440 : 0);
      add('consignment_registered', 'wfp', Math.max(registeredAt, day(1, 6)), random.int(5, 30), {
        consignment: id,
        crossing: lane.crossing,
        cargo,
        trucks,
        pallets: trucks * random.int(18, 26),
        tonnes: trucks * random.int(14, 20),
        destination: lane.destination,
        sender: random.pick(['wfp', 'jordan-hco', 'egyptian-red-crescent']),
        receiver: 'wfp',
      });
      const registered = Math.max(registeredAt, day(1, 6));
      const inspectedAt = whenOpen(registered + random.int(120, 1800), lane.opens, lane.closes);
      const special = serial % 53 === 17 ? 'rejected' : serial % 61 === 29 ? 'intercepted' : null;
      if (special === 'rejected') {
        add(
          'consignment_inspected',
          'cogat',
          inspectedAt,
          random.int(30, 240),
          {
            consignment: id,
            outcome: 'rejected',
            reason: random.pick(['items listed as dual-use', 'manifest does not match the load']),
            crossing: lane.crossing,
          },
          'consignment-rejected',
        );
        continue;
      }
      add('consignment_inspected', 'cogat', inspectedAt, random.int(30, 240), {
        consignment: id,
        outcome: 'cleared',
        crossing: lane.crossing,
      });
      // Day 22: the last consignments cleared at Kerem Shalom wait; they have not crossed by the
      // demo's noon on Day 23 (cross on Day 24).
      const stuck = d === 22 && n >= perDay - 2;
      let crossedAt = whenOpen(inspectedAt + random.int(60, 600), lane.opens, lane.closes);
      if (stuck) crossedAt = whenOpen(day(24, 9), lane.opens, lane.closes);
      if (crossedAt >= halt) continue;
      const halfLoaded =
        random.int(0, 3) === 0 ? random.int(1, Math.max(1, Math.floor(trucks / 5))) : 0;
      add(
        'consignment_crossed',
        'wfp',
        crossedAt,
        random.int(20, 120),
        {
          consignment: id,
          crossing: lane.crossing,
          ...(halfLoaded > 0 ? { halfLoaded } : {}),
        },
        stuck ? 'consignment-stuck' : undefined,
      );
      if (serial % 47 === 11) {
        add(
          'consignment_crossed',
          'wfp',
          crossedAt + random.int(60, 180),
          30,
          { consignment: id, crossing: lane.crossing },
          'consignment-duplicate',
        );
      }
      let collectedAt = crossedAt + random.int(45, 720);
      if (special === 'intercepted') {
        add(
          'consignment_collected',
          'wfp',
          collectedAt,
          random.int(60, 300),
          { consignment: id, outcome: 'intercepted', reason: 'taken from the trucks on the road' },
          'consignment-intercepted',
        );
        continue;
      }
      if (serial % 37 === 5) {
        add(
          'consignment_collected',
          'wfp',
          collectedAt,
          random.int(30, 120),
          { consignment: id, outcome: 'uncollected', reason: 'no safe route to the crossing' },
          'consignment-uncollected',
        );
        collectedAt += 1440 + random.int(0, 240);
      }
      const outOfOrder = serial % 71 === 40;
      add(
        'consignment_collected',
        'wfp',
        outOfOrder ? crossedAt - 30 : collectedAt,
        random.int(30, 240),
        { consignment: id, outcome: 'collected', by: 'wfp' },
        outOfOrder ? 'consignment-out-of-order' : undefined,
      );
      const warehousedAt = collectedAt + random.int(120, 1440);
      const area = lane.destination;
      if (
        !add('consignment_warehoused', 'wfp', warehousedAt, random.int(30, 360), {
          consignment: id,
          warehouse: random.pick(warehouses[area]),
          area,
        })
      )
        continue;
      add(
        'consignment_distributed',
        'wfp',
        warehousedAt + random.int(720, 4320),
        random.int(60, 720),
        {
          consignment: id,
          area,
          people: trucks * random.int(400, 900),
        },
      );
    }
  }
  return builder.build(seed, 'a-');
}
