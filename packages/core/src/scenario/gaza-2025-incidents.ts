import type { TruceEvent } from '../events/schema.js';
import { type Scenario, ScenarioBuilder } from './builder.js';
import { generateGaza2025Scenario } from './gaza-2025.js';
import { fixedOffsetCalendar, minutesOf } from './local-time.js';
import { createRandom } from './random.js';

/** The seed of the incident workflow's stream: its own, so the base scenario's draws stay put. */
export const gaza2025IncidentsSeed = 20250121;

/** The documented cases of the incidents supplement (examples/scenarios/README.md). */
export const gaza2025IncidentCases = {
  /** Triaged, assigned, investigated; its finding (base feed) reviewed by Qatar and published. */
  publishedConfirmed: 'inc-2025-001',
  /** The unfounded fire near the buffer zone: reviewed and published. */
  publishedUnfounded: 'inc-2025-002',
  /** The inconclusive finding returned to investigation by the review: still open. */
  returnedToInvestigation: 'inc-2025-003',
  /** A crowd held at the Rashid Street checkpoint, reported by the UN… */
  returnsObstructed: 'inc-2025-004',
  /** …and by the ICRC 400 m away 90 minutes later: suggested as, then triaged as, a duplicate. */
  duplicateReport: 'inc-2025-005',
  /** Reported three days after it happened (late) and never triaged (overdue). */
  lateAndUntriaged: 'inc-2025-006',
  /** People counted on foot at the Rashid Street checkpoint on Day 8, while it was reported closed. */
  countBeforeOpening: 'rashid-street',
} as const;

/**
 * The verification workflow of the sample's incidents: the triage, assignment, investigation,
 * review and publication steps around the three reports and findings of the base feed, each with
 * its reason, and three further reports that show a duplicate and a late, untriaged report; and
 * hourly returns at the two checkpoints by two sources, on foot and in vehicles.
 *
 * A supplement with its own ids (`i-000001`…), not merged into the committed base feed (merging
 * would renumber the `e-` ids the README and tests quote). Evaluate `[...base, ...supplement]`.
 */
export function generateGaza2025IncidentsScenario(
  base: readonly TruceEvent[] = generateGaza2025Scenario().events,
  { seed = gaza2025IncidentsSeed }: { seed?: number } = {},
): Scenario {
  const calendar = fixedOffsetCalendar('2025-01-19', '+02:00');
  const random = createRandom(seed);
  const builder = new ScenarioBuilder(calendar.epoch);
  // A few minutes between deciding a step and recording it, drawn from this stream only.
  const at = (day: number, clock: string) => calendar.at(day, minutesOf(clock));
  const step = (
    type: Parameters<typeof builder.add>[0],
    source: string,
    day: number,
    clock: string,
    payload: Record<string, unknown>,
  ) => {
    const decided = minutesOf(clock);
    builder.add(
      type,
      source,
      calendar.at(day, decided),
      calendar.at(day, decided + random.int(2, 25)),
      payload as never,
    );
  };
  const findingOf = (incident: string): string => {
    const finding = base.find(
      (e) =>
        e.type === 'finding_recorded' && (e.payload as { incident: string }).incident === incident,
    );
    if (!finding) throw new RangeError(`the base scenario has no finding on ${incident}`);
    return finding.id;
  };
  const cases = gaza2025IncidentCases;

  // inc-2025-001: trucks held at Kerem Shalom (reported Day 10 18:00; finding Day 12 12:30).
  step('incident_triaged', 'qatar', 10, '20:00', {
    incident: cases.publishedConfirmed,
    decision: 'accepted',
    reason:
      'A hold of loaded trucks at a crossing falls under the aid clause; the UN log is specific.',
  });
  step('incident_assigned', 'qatar', 11, '08:30', {
    incident: cases.publishedConfirmed,
    assignee: 'egypt',
    reason: 'Egyptian liaison officers work at the Kerem Shalom coordination desk.',
  });
  step('investigation_started', 'egypt', 11, '09:15', {
    incident: cases.publishedConfirmed,
    reason: 'Crossing logs requested from COGAT and the UN for Day 10.',
  });
  step('finding_reviewed', 'qatar', 13, '10:00', {
    incident: cases.publishedConfirmed,
    finding: findingOf(cases.publishedConfirmed),
    decision: 'endorsed',
    reason:
      'Both sources’ logs agree on the six-hour hold; the attribution follows the clearance log.',
  });
  step('finding_published', 'qatar', 13, '16:00', {
    incident: cases.publishedConfirmed,
    finding: findingOf(cases.publishedConfirmed),
    reason: 'Endorsed by the review; released to the parties and the public page.',
  });

  // inc-2025-002: fire near the buffer zone (reported Day 24 19:00; unfounded Day 26 11:30).
  step('incident_triaged', 'qatar', 24, '21:00', {
    incident: cases.publishedUnfounded,
    decision: 'accepted',
    reason: 'An alleged presence beyond the agreed line is within the withdrawal clause.',
  });
  step('incident_assigned', 'qatar', 25, '08:00', {
    incident: cases.publishedUnfounded,
    assignee: 'egypt',
    reason: 'Egypt holds the positions reported for the buffer zone.',
  });
  step('investigation_started', 'egypt', 25, '09:00', {
    incident: cases.publishedUnfounded,
    reason: 'Positions of Day 24 and statements of both sides requested.',
  });
  step('finding_reviewed', 'qatar', 27, '09:30', {
    incident: cases.publishedUnfounded,
    finding: findingOf(cases.publishedUnfounded),
    decision: 'endorsed',
    reason: 'No report places forces beyond the line; the cause given is consistent.',
  });
  step('finding_published', 'qatar', 27, '15:00', {
    incident: cases.publishedUnfounded,
    finding: findingOf(cases.publishedUnfounded),
    reason: 'Endorsed; published so that both parties see the allegation was examined.',
  });

  // inc-2025-003: shots at night (reported Day 27 08:00; inconclusive Day 29 13:30).
  step('incident_triaged', 'qatar', 27, '11:00', {
    incident: cases.returnedToInvestigation,
    decision: 'accepted',
    reason: 'Fire towards forces is within the cessation of hostilities clause.',
  });
  step('incident_assigned', 'qatar', 27, '12:00', {
    incident: cases.returnedToInvestigation,
    assignee: 'egypt',
    reason: 'Egypt is in contact with both sides on the southern sector.',
  });
  step('investigation_started', 'egypt', 27, '15:00', {
    incident: cases.returnedToInvestigation,
    reason: 'Statements requested; no sensor data offered yet.',
  });
  step('finding_reviewed', 'qatar', 30, '10:00', {
    incident: cases.returnedToInvestigation,
    finding: findingOf(cases.returnedToInvestigation),
    decision: 'returned',
    reason: 'Ask both sides for their night logs before calling it inconclusive.',
  });

  // inc-2025-004 and -005: one crowd held at the Rashid Street checkpoint, reported twice.
  builder.add('incident_reported', 'un', at(30, '07:40'), at(30, '09:10'), {
    incident: cases.returnsObstructed,
    category: 'obstruction_of_returns',
    obligation: 'returns-north-rashid-street',
    against: 'israel',
    place: 'netzarim-rashid-checkpoint',
    geometry: { type: 'Point', coordinates: [34.3705, 31.45] },
    clause: 'Return on foot via Rashid Street without inspection.',
    description:
      'Several hundred people on foot held at the checkpoint for about two hours before being let through.',
  });
  builder.add('incident_reported', 'icrc', at(30, '09:10'), at(30, '10:30'), {
    incident: cases.duplicateReport,
    category: 'obstruction_of_returns',
    obligation: 'returns-north-rashid-street',
    place: 'netzarim-rashid-checkpoint',
    lat: 31.4535,
    lon: 34.3705,
    description:
      'A crowd waiting on Rashid Street near the corridor; movement resumed mid-morning.',
  });
  step('incident_triaged', 'qatar', 30, '12:00', {
    incident: cases.duplicateReport,
    decision: 'duplicate',
    duplicateOf: cases.returnsObstructed,
    reason: 'Same crowd, same morning, 400 m apart: the UN report is the fuller one.',
  });
  step('incident_triaged', 'qatar', 30, '12:10', {
    incident: cases.returnsObstructed,
    decision: 'accepted',
    reason: 'A hold of people returning on foot is within the returns clause.',
  });
  step('incident_assigned', 'qatar', 30, '12:20', {
    incident: cases.returnsObstructed,
    assignee: 'qatar',
    reason: 'The Qatari liaison team counts at the Rashid Street checkpoint.',
  });

  // inc-2025-006: reported late, and nobody triages it.
  builder.add('incident_reported', 'hamas', at(33, '22:00'), at(36, '18:00'), {
    incident: cases.lateAndUntriaged,
    category: 'incursion',
    against: 'israel',
    place: 'buffer-zone',
    description:
      'A vehicle said to have crossed into the buffer zone east of Deir al-Balah at night.',
  });

  // Hourly returns at the checkpoints, by two sources, on foot and in vehicles: Day 9, when the
  // routes opened after the postponement, and Day 22, when Salah al-Din Road opened to all. One
  // count on Day 8, while Rashid Street was reported closed, is the case a returns view flags.
  builder.add('returns_counted', 'icrc', at(8, '15:00'), at(8, '16:00'), {
    route: 'rashid-street',
    checkpoint: 'netzarim-rashid-checkpoint',
    mode: 'on_foot',
    direction: 'north',
    count: 350,
    periodMinutes: 60,
  });
  for (const day of [9, 22]) {
    for (let hour = 8; hour <= 17; hour++) {
      const clock = `${String(hour).padStart(2, '0')}:00`;
      const crowd = Math.round((day === 9 ? 9000 : 2500) * Math.sin(((hour - 7) / 11) * Math.PI));
      const un = crowd + random.int(-400, 400);
      builder.add('returns_counted', 'un', at(day, clock), at(day, `${clock.slice(0, 3)}20`), {
        route: 'rashid-street',
        checkpoint: 'netzarim-rashid-checkpoint',
        mode: 'on_foot',
        direction: 'north',
        count: Math.max(0, un),
        periodMinutes: 60,
      });
      builder.add('returns_counted', 'qatar', at(day, clock), at(day, `${clock.slice(0, 3)}35`), {
        route: 'rashid-street',
        checkpoint: 'netzarim-rashid-checkpoint',
        mode: 'on_foot',
        direction: 'north',
        count: Math.max(0, Math.round(un * (0.85 + random.int(0, 20) / 100))),
        periodMinutes: 60,
      });
      const vehicles = (day === 9 ? 300 : 650) + random.int(-60, 60);
      builder.add('returns_counted', 'un', at(day, clock), at(day, `${clock.slice(0, 3)}25`), {
        route: 'salah-al-din-road',
        checkpoint: 'netzarim-salah-al-din-checkpoint',
        mode: 'vehicle',
        direction: 'north',
        count: vehicles * 5,
        vehicles,
        periodMinutes: 60,
      });
    }
  }

  return builder.build(seed, 'i-');
}
