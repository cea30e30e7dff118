import type { Evaluation } from '@truce/core';
import {
  figuresForAggregates,
  type StatusAudience,
  whyForAggregates,
  withoutPersonIds,
} from './person-counts.js';

/**
 * The engine's evaluation as the API shows it, with the ledger size it covers. For a role that
 * sees aggregates only (person-counts.ts), the whys (and those of the alternatives) and the
 * per-release figures of exchanges lose their small counts of persons, and the whys and the
 * disputes' claims their person ids.
 */
export function audienceOf(role: string | undefined): StatusAudience {
  return role === undefined || role === 'observer' ? 'aggregates' : 'members';
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
            why: whyForAggregates(obligation.why),
            disputes: withoutPersonIds(obligation.disputes),
            alternatives: obligation.alternatives.map((a) => ({
              ...a,
              why: whyForAggregates(a.why),
            })),
            ...(obligation.exchanges
              ? { exchanges: figuresForAggregates(obligation.exchanges) }
              : {}),
          },
    ),
  };
}
