import type { EventOf, TruceEvent } from '../events/schema.js';
import { type Scenario, ScenarioBuilder } from './builder.js';
import { generateGaza2025Scenario } from './gaza-2025.js';
import { fixedOffsetCalendar } from './local-time.js';
import { createRandom } from './random.js';

/** The seed of the notices' stream: its own, so the base scenario's draws stay put. */
export const gaza2025NoticesSeed = 20250118;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The documented cases of the notices supplement (examples/scenarios/README.md). */
export const gaza2025NoticeCases = {
  /** The Day 21 list goes out 19 hours before the release: five hours late under a 24-hour rule. */
  lateListDay: 21,
  /** No list at all is sent for Day 33's handover of remains. */
  missingListDay: 33,
  /** Israel acknowledges the Day 14 list only after 30 hours: it climbs to the mediators. */
  slowAcknowledgementDay: 14,
} as const;

/**
 * The names lists of the sample as formal notices: for each release day of the base scenario
 * (from Day 2; Day 1's list is its own deadline), Hamas sends a names_list notice to Israel
 * through the Qatari and Egyptian mediators about 26 hours before the first handover of the day;
 * Qatar records the delivery, Israel reads and acknowledges it. Three cases depart from that
 * (`gaza2025NoticeCases`).
 *
 * A supplement with its own ids (`n-000001`…), not merged into the committed base feed (merging
 * would renumber the `e-` ids the README and tests quote). Evaluate `[...base, ...supplement]`.
 * Bodies name persons only by their placeholder ids.
 */
export function generateGaza2025NoticesScenario(
  base: readonly TruceEvent[] = generateGaza2025Scenario().events,
  { seed = gaza2025NoticesSeed }: { seed?: number } = {},
): Scenario {
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  const random = createRandom(seed);
  const builder = new ScenarioBuilder(calendar.epoch);
  const iso = (ms: number) => `${new Date(ms + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
  const dayStart = (day: number) => Date.parse('2025-01-19T00:00:00+02:00') + (day - 1) * 24 * HOUR;
  const dayOf = (ms: number) => Math.floor((ms - dayStart(1)) / (24 * HOUR)) + 1;

  // The first handover of each day, and who is on it.
  const releases = new Map<number, { at: number; persons: string[] }>();
  for (const event of base) {
    if (event.type !== 'hostage_released' && event.type !== 'remains_returned') continue;
    const handover = event as EventOf<'hostage_released' | 'remains_returned'>;
    const at = Date.parse(handover.occurredAt);
    const day = dayOf(at);
    const known = releases.get(day) ?? { at, persons: [] };
    known.at = Math.min(known.at, at);
    known.persons.push(...handover.payload.persons.map((p) => p.id));
    releases.set(day, known);
  }

  const cases = gaza2025NoticeCases;
  for (const [day, release] of [...releases].sort((a, b) => a[0] - b[0])) {
    if (day < 2 || day === cases.missingListDay) continue;
    const hoursBefore = day === cases.lateListDay ? 19 : 26;
    const sentAt = release.at - hoursBefore * HOUR + random.int(-30, 30) * MINUTE;
    const notice = `names-day-${day}`;
    builder.add('notice_sent', 'hamas', iso(sentAt), iso(sentAt + random.int(2, 10) * MINUTE), {
      notice,
      kind: 'names_list',
      to: ['israel'],
      via: ['qatar', 'egypt'],
      subject: `Names for the release of Day ${day}`,
      body: `Persons to be released on Day ${day}: ${release.persons.join(', ')}.`,
      attachments: [],
      forDay: day,
      regarding: 'hostage-releases-phase-1',
    });
    const deliveredAt = sentAt + random.int(10, 40) * MINUTE;
    builder.add('notice_delivered', 'qatar', iso(deliveredAt), iso(deliveredAt + 5 * MINUTE), {
      notice,
      to: 'israel',
      channel: random.pick(['email', 'portal'] as const),
      reference: `qatar-desk-${day}`,
    });
    const readAt = deliveredAt + random.int(15, 90) * MINUTE;
    builder.add('notice_read', 'israel', iso(readAt), iso(readAt), { notice });
    const acknowledgedAt =
      day === cases.slowAcknowledgementDay
        ? sentAt + 30 * HOUR
        : readAt + random.int(20, 150) * MINUTE;
    builder.add('notice_acknowledged', 'israel', iso(acknowledgedAt), iso(acknowledgedAt), {
      notice,
    });
  }
  return builder.build(seed, 'n-');
}
