import type { Evaluation } from '@truce/core';

/** The engine's evaluation as the API shows it, with the ledger size it covers. */
export function presentStatus(evaluation: Evaluation, ledgerSize: number) {
  return {
    ledgerSize,
    ...evaluation,
    obligations: evaluation.obligations.map((obligation) => ({ ...obligation })),
  };
}
