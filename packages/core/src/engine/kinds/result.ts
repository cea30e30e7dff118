import type {
  ExchangeReleaseFigure,
  Forecast,
  PeriodFigure,
  Progress,
  SourceFigure,
  Status,
} from '../types.js';

/** What each obligation kind computes; `evaluate` adds disputes, measures and alternatives. */
export interface KindResult {
  status: Status;
  progress: Progress;
  why: string;
  eventIds: string[];
  forecast: Forecast | null;
  sources: SourceFigure[];
  periods: PeriodFigure[];
  dueAt: number | null;
  /** When the obligation was met (for conditions such as "after X is met"). */
  metAt: number | null;
  /** Exchange obligations: what each counterpart release owes and what was made for it. */
  exchanges?: ExchangeReleaseFigure[];
}

export function result(
  partial: Partial<KindResult> & Pick<KindResult, 'status' | 'progress' | 'why'>,
): KindResult {
  return {
    eventIds: [],
    forecast: null,
    sources: [],
    periods: [],
    dueAt: null,
    metAt: null,
    ...partial,
  };
}

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : words}`;
}

export function uniqueIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)];
}
