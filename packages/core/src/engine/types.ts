import type { ObligationKind } from '../agreement/schema.js';
import type { PairReconciliation } from '../aid/reconcile.js';

export const statuses = [
  'not_started',
  'on_track',
  'at_risk',
  'met',
  'late',
  'breached',
  'disputed',
  'suspended',
  'waived',
] as const;
export type Status = (typeof statuses)[number];

/** How far an obligation has come: `done` of `required` (null when open-ended, e.g. a prohibition). */
export interface Progress {
  done: number;
  required: number | null;
  unit: string;
}

/** At the current rate, when the obligation will be met; `null` when there is no rate to go on. */
export interface Forecast {
  metAt: string | null;
  basis: string;
}

/** One source's figure where sources differ (aid counts by COGAT and by the UN, say). */
export interface SourceFigure {
  source: string;
  done: number;
}

/** A quota's figure for one period (a calendar day in the agreement's zone, or a window). */
export interface PeriodFigure {
  day: number;
  from: string;
  to: string;
  done: number;
  required: number;
  met: boolean;
  complete: boolean;
  /** False while no source has reported a figure for the period: unreported is not zero. */
  reported: boolean;
  sources: SourceFigure[];
  /**
   * For an aid quota whose sources have profiles in the agreement: each pair of sources' figures,
   * the part of the difference each counting rule explains and the part none does.
   */
  reconciliation?: PairReconciliation[];
}

export interface Claim {
  by: string;
  claim: string;
  evidence: string[];
  /** Files in the evidence store the side cites, pinned by SHA-256. */
  files?: { sha256: string; name?: string }[];
}

/** An open dispute about an obligation: what each side claims, with the events it relies on. */
export interface DisputeView {
  id: string;
  openedAt: string;
  openedBy: string;
  subject: string;
  /** What the dispute contests: a finding, a status, a count or a list, and which one. */
  contests?: { kind: 'finding' | 'status' | 'count' | 'list'; ref?: string };
  claims: Claim[];
  eventId: string;
}

/** What the obligation's status would be if a value reported by another source were used. */
export interface AlternativeOutcome {
  path: string;
  value: unknown;
  source: string;
  status: Status;
  why: string;
  /** The why for readers of aggregates, when it differs: see ObligationStatus. */
  whyAggregates?: string;
}

/**
 * One counterpart release of an exchange obligation and the releases owed for it, by category,
 * and made (releases pay the oldest debt first, per category and in total).
 */
export interface ExchangeReleaseFigure {
  /** The counterpart release event (a hostage handover, say). */
  eventId: string;
  at: string;
  /** Releases are due by then. */
  dueAt: string;
  counterparts: number;
  owed: { category: string; count: number }[];
  made: { category: string; count: number }[];
  owedTotal: number;
  madeTotal: number;
  /** When the last owed release was made; null while any is outstanding. */
  paidAt: string | null;
  state: 'paid' | 'paid_late' | 'pending' | 'overdue';
}

export interface ObligationStatus {
  id: string;
  kind: ObligationKind;
  title: string;
  owedBy: string[];
  status: Status;
  /** When the status is `disputed`, `suspended` or `waived`: what the events alone would say. */
  underlying: Status | null;
  progress: Progress;
  /** A sentence citing the clause, the numbers and the deciding events. */
  why: string;
  /**
   * The same sentence for readers who see aggregates only (observers, the public), when it
   * differs: observed counts of persons from 1 to 4 as "fewer than 5" (engine/observed.ts).
   */
  whyAggregates?: string;
  /** Ids of the events that decided the status. */
  eventIds: string[];
  forecast: Forecast | null;
  sources: SourceFigure[];
  periods: PeriodFigure[];
  disputes: DisputeView[];
  alternatives: AlternativeOutcome[];
  /** The deadline the obligation is judged against, when it has one. */
  dueAt: string | null;
  /** Exchange obligations: each counterpart release with what is owed and made for it. */
  exchanges?: ExchangeReleaseFigure[];
}

export interface PhaseStatus {
  id: string;
  name: string | null;
  state: 'pending' | 'active' | 'ended';
  startedAt: string | null;
  endsAt: string | null;
  /** Day of the phase at `asOf` (1 on its first day), when active. */
  dayOfPhase: number | null;
  lengthDays: number | null;
  why: string;
}

/** Something in the events the engine did not apply, and why (a correction by the wrong source…). */
export interface Warning {
  eventId: string;
  message: string;
}

export interface Evaluation {
  agreement: { id: string; version: number; title: string; timeZone: string };
  asOf: string;
  /** Day number at `asOf` as the agreement counts days. */
  day: number;
  phases: PhaseStatus[];
  obligations: ObligationStatus[];
  warnings: Warning[];
}
