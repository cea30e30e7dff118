import type { EventOf, Person, TruceEvent } from '../events/schema.js';
import { type Scenario, ScenarioBuilder } from './builder.js';
import { generateGaza2025Scenario } from './gaza-2025.js';
import { fixedOffsetCalendar } from './local-time.js';
import { createRandom } from './random.js';

/** The seed of the exchange register's stream: its own, so the base scenario's draws stay put. */
export const gaza2025ExchangeSeed = 20250207;

const MINUTE = 60_000;

/**
 * The register and the chain of custody for the sample's handovers: every hostage of the base
 * scenario registered at zero hour (held by Hamas, to be released to Israel), then for each
 * handover the steps as each organisation would sign them: handed to the ICRC by Hamas,
 * received, medically checked and reunited by Israel; remains identified the next day (except
 * the wrong remains of Day 33, which the base scenario's correction already marks).
 *
 * A supplement with its own ids (`x-000001`…), not merged into the committed base feed: merging
 * would renumber every `e-` id that the README, the golden test and the scenario notes quote.
 * Evaluate `[...base, ...supplement]` to see both (ids never collide).
 */
export function generateGaza2025ExchangeScenario(
  base: readonly TruceEvent[] = generateGaza2025Scenario().events,
  { seed = gaza2025ExchangeSeed }: { seed?: number } = {},
): Scenario {
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  const random = createRandom(seed);
  const builder = new ScenarioBuilder(calendar.epoch);
  const iso = (ms: number) => {
    // Back to the scenario's fixed +02:00 wall clock.
    const local = new Date(ms + 2 * 60 * MINUTE).toISOString().slice(0, 19);
    return `${local}+02:00`;
  };
  const handovers = base.filter(
    (e): e is EventOf<'hostage_released' | 'remains_returned'> =>
      e.type === 'hostage_released' || e.type === 'remains_returned',
  );
  const corrected = new Set(
    base.flatMap((e) => (e.type === 'correction' ? [e.payload.target] : [])),
  );

  const registered = new Map<string, Person>();
  for (const event of handovers) {
    for (const person of event.payload.persons) {
      if (!registered.has(person.id)) registered.set(person.id, person);
    }
  }
  const zeroHour = calendar.at(1, 6 * 60);
  for (const person of [...registered.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    builder.add('person_registered', 'qatar', zeroHour, zeroHour, {
      person,
      heldBy: 'hamas',
      releaseTo: 'israel',
    });
  }

  for (const event of handovers) {
    const at = Date.parse(event.occurredAt);
    const persons = event.payload.persons.map((p) => p.id);
    const step = (
      source: string,
      offsetMinutes: number,
      reportDelay: number,
      step: EventOf<'handover_step'>['payload']['step'],
      place: string,
    ) => {
      const when = at + offsetMinutes * MINUTE;
      builder.add('handover_step', source, iso(when), iso(when + reportDelay * MINUTE), {
        persons,
        step,
        place,
      });
    };
    step('hamas', -random.int(15, 40), random.int(30, 90), 'handed_to_icrc', 'kerem-shalom');
    step('israel', random.int(50, 80), random.int(10, 30), 'received', 'kerem-shalom');
    if (event.type === 'hostage_released') {
      step('israel', random.int(120, 180), random.int(10, 30), 'medical_check', 'reception-centre');
      step('israel', random.int(300, 480), random.int(20, 60), 'reunited', 'reception-centre');
    } else if (!corrected.has(event.id)) {
      const when = at + random.int(18, 30) * 60 * MINUTE;
      builder.add(
        'remains_identified',
        'israel',
        iso(when),
        iso(when + random.int(20, 90) * MINUTE),
        { persons, outcome: 'identified' },
      );
    }
  }
  return builder.build(seed, 'x-');
}
