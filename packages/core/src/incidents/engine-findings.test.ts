import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { evaluate } from '../engine/evaluate.js';
import { parseEvent } from '../events/parse.js';
import type { TruceEvent } from '../events/schema.js';

/** How the engine reads the verification workflow: a finding counts while it is the cell's word. */

const agreement = parseAgreement(
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
);
const obligation = 'withdrawal-philadelphi-corridor';
const event = (id: string, type: string, source: string, at: string, payload: object): TruceEvent =>
  parseEvent({ id, type, source, occurredAt: at, reportedAt: at, payload });

const report = event('r', 'incident_reported', 'un', '2025-01-27T08:00:00+02:00', {
  incident: 'inc-x',
  category: 'incursion',
  obligation,
  description: 'Forces seen in the corridor.',
});
const confirmed = event('f1', 'finding_recorded', 'egypt', '2025-01-28T08:00:00+02:00', {
  incident: 'inc-x',
  outcome: 'confirmed',
  attributedTo: 'israel',
  obligation,
  summary: 'Positions confirmed by both sides.',
});
const returned = event('v1', 'finding_reviewed', 'qatar', '2025-01-28T12:00:00+02:00', {
  incident: 'inc-x',
  finding: 'f1',
  decision: 'returned',
  reason: 'The positions are from before zero hour; check again.',
});
const unfounded = event('f2', 'finding_recorded', 'egypt', '2025-01-29T08:00:00+02:00', {
  incident: 'inc-x',
  outcome: 'unfounded',
  obligation,
  summary: 'The positions predate the agreement.',
});
const asOf = '2025-01-30T12:00:00+02:00';
const statusOf = (events: TruceEvent[]) =>
  evaluate(agreement, events, asOf).obligations.find((o) => o.id === obligation);

describe('findings in the compliance status', () => {
  it('breaches the obligation with a confirmed finding, the finding in its why', () => {
    const status = statusOf([report, confirmed]);
    expect(status?.status).toBe('breached');
    expect(status?.why).toContain('f1 by egypt on incident inc-x, attributed to israel');
  });

  it('no longer breaches it once the review returns the finding to investigation', () => {
    const result = evaluate(agreement, [report, confirmed, returned], asOf);
    expect(result.obligations.find((o) => o.id === obligation)?.status).toBe('on_track');
    expect(result.warnings).toContainEqual({
      eventId: 'f1',
      message: 'finding returned to investigation by its review: not applied until a new finding',
    });
  });

  it('follows the latest finding on an incident: an unfounded one supersedes a confirmed one', () => {
    expect(statusOf([report, confirmed, unfounded])?.status).toBe('on_track');
    const again = event('f3', 'finding_recorded', 'egypt', '2025-01-30T08:00:00+02:00', {
      incident: 'inc-x',
      outcome: 'confirmed',
      attributedTo: 'israel',
      obligation,
      summary: 'New positions inside the corridor.',
    });
    expect(statusOf([report, confirmed, returned, unfounded, again])?.why).toContain('f3 by egypt');
  });
});
