import type { Evaluation, ObligationStatus } from '@truce/core';
import {
  figuresForAggregates,
  type StatusAudience,
  whyForAggregates,
  withoutPersonIds,
} from './person-counts.js';
import { isSmallCell } from './small-cells.js';

/**
 * The engine's evaluation as the API shows it, with the ledger size it covers. For a role that
 * sees aggregates only (person-counts.ts), the whys (and those of the alternatives) and the
 * per-release figures of exchanges and the progress of obligations counting persons lose their
 * small counts of persons, and the whys and the
 * disputes' claims their person ids.
 */
export function audienceOf(role: string | undefined): StatusAudience {
  return role === undefined || role === 'observer' ? 'aggregates' : 'members';
}

const personUnits = /^(persons?|people|hostages?|prisoners?|detainees?|remains)$/i;

/**
 * An obligation's progress for a role that sees aggregates: a count of 1 to 4 persons done is a
 * small cell, shown as null ("<5" on the dashboard); what is required is the agreement's term.
 */
function progressForAggregates(obligation: ObligationStatus): {
  done: number | null;
  required: number | null;
  unit: string;
} {
  const { progress } = obligation;
  const persons = obligation.kind === 'exchange' || personUnits.test(progress.unit);
  return persons && isSmallCell(progress.done) ? { ...progress, done: null } : progress;
}

export function presentStatus(
  evaluation: Evaluation,
  ledgerSize: number,
  audience: StatusAudience = 'members',
) {
  return {
    ledgerSize,
    ...evaluation,
    obligations: evaluation.obligations.map((obligation) =>
      audience === 'members'
        ? { ...obligation }
        : {
            ...obligation,
            why: whyForAggregates(obligation),
            whyAggregates: undefined,
            disputes: withoutPersonIds(obligation.disputes),
            alternatives: obligation.alternatives.map((a) => ({
              ...a,
              why: whyForAggregates(a),
              whyAggregates: undefined,
            })),
            progress: progressForAggregates(obligation),
            ...(obligation.exchanges
              ? { exchanges: figuresForAggregates(obligation.exchanges) }
              : {}),
          },
    ),
  };
}
