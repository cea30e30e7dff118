import { type Evaluation, type ObligationStatus, type Progress, statuses } from '@truce/core';
import { type Paint, statusStyle } from './color.js';

/**
 * What `truce check --json` prints. The shape is a contract (scripts and the golden tests read
 * it), so it is built field by field: key order is stable and engine-internal fields (periods,
 * per-source figures…) stay out until we decide to promise them.
 */
export interface CheckJson {
  agreement: { id: string; version: number };
  asOf: string;
  obligations: {
    id: string;
    kind: string;
    status: string;
    progress: Progress;
    why: string;
    eventIds: string[];
    forecast: { metAt: string | null; basis: string } | null;
  }[];
}

export function evaluationJson(evaluation: Evaluation): CheckJson {
  return {
    agreement: { id: evaluation.agreement.id, version: evaluation.agreement.version },
    asOf: evaluation.asOf,
    obligations: evaluation.obligations.map((obligation) => ({
      id: obligation.id,
      kind: obligation.kind,
      status: obligation.status,
      progress: {
        done: obligation.progress.done,
        required: obligation.progress.required,
        unit: obligation.progress.unit,
      },
      why: obligation.why,
      eventIds: [...obligation.eventIds],
      forecast: obligation.forecast
        ? { metAt: obligation.forecast.metAt, basis: obligation.forecast.basis }
        : null,
    })),
  };
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** `412 / 600 trucks`, or `2 flights` when there is nothing to reach (a prohibition). */
export function formatProgress(progress: Progress): string {
  const done = numberFormat.format(progress.done);
  const unit = progress.unit ? ` ${progress.unit}` : '';
  if (progress.required === null) return `${done}${unit}`;
  return `${done} / ${numberFormat.format(progress.required)}${unit}`;
}

/** "Phase 1, Day 23 of 42" for each active phase; the agreement's day when none is active. */
export function describeDay(evaluation: Evaluation): string {
  const active = evaluation.phases.filter((phase) => phase.state === 'active');
  if (active.length === 0) return `Day ${evaluation.day}`;
  return active
    .map((phase) => {
      const name = phase.name ?? phase.id;
      if (phase.dayOfPhase === null) return `${name}, Day ${evaluation.day}`;
      const length = phase.lengthDays === null ? '' : ` of ${phase.lengthDays}`;
      return `${name}, Day ${phase.dayOfPhase}${length}`;
    })
    .join('; ');
}

/**
 * The why on one line, cut to fit; the table is for scanning, `--verbose` for reading. The
 * engine opens a why with the quoted title and clause (`"600 aid trucks a day" (Intensive…):`),
 * which the id in the same row already names, so the table starts at the numbers instead.
 */
export function shortWhy(why: string, width: number): string {
  const flat = withoutCitation(why.replace(/\s+/g, ' ').trim());
  if (flat.length <= width) return flat;
  return `${flat.slice(0, Math.max(1, width - 1)).trimEnd()}…`;
}

/** Drops a leading `"title"` and an optional balanced `(clause)`; anything else is kept whole. */
export function withoutCitation(why: string): string {
  if (!why.startsWith('"')) return why;
  const closingQuote = why.indexOf('"', 1);
  if (closingQuote < 0) return why;
  let at = closingQuote + 1;
  while (why[at] === ' ') at++;
  if (why[at] === '(') {
    let depth = 0;
    for (; at < why.length; at++) {
      if (why[at] === '(') depth++;
      else if (why[at] === ')' && --depth === 0) break;
    }
    if (depth !== 0) return why;
    at++;
  }
  const rest = why.slice(at).replace(/^[\s:;,]+/, '');
  return rest === '' ? why : rest;
}

export interface TableOptions {
  paint: Paint;
  /** Terminal width; the why column takes what the others leave. */
  columns: number;
  verbose: boolean;
}

const headings = ['ID', 'KIND', 'STATUS', 'PROGRESS', 'WHY'] as const;
/** Narrower than this, a why says nothing; it then goes on its own line under the row. */
const minimumWhyWidth = 40;
const whyIndent = '    ';

export function evaluationTable(evaluation: Evaluation, options: TableOptions): string {
  const { paint } = options;
  const lines: string[] = [];
  const { agreement } = evaluation;
  lines.push(
    `${paint('bold', `${agreement.id} v${agreement.version}`)} · as of ${evaluation.asOf} · ${describeDay(evaluation)}`,
  );
  lines.push(paint('dim', agreement.title));
  lines.push('');

  const rows = evaluation.obligations.map((obligation) => [
    obligation.id,
    obligation.kind,
    obligation.status,
    formatProgress(obligation.progress),
  ]);
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(headings[column]?.length ?? 0, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const gap = '  ';
  const fixed = widths.reduce((sum, width) => sum + width + gap.length, 0);
  const inRow = options.columns - fixed >= minimumWhyWidth;
  const cell = (text: string, column: number) => text.padEnd(widths[column] ?? 0);

  const heading = headings.slice(0, 4).map((text, column) => cell(text, column));
  lines.push(paint('bold', (inRow ? [...heading, headings[4]] : heading).join(gap).trimEnd()));
  evaluation.obligations.forEach((obligation, index) => {
    const row = rows[index] ?? [];
    const status = paint(statusStyle[obligation.status], cell(obligation.status, 2));
    const cells = [cell(row[0] ?? '', 0), cell(row[1] ?? '', 1), status, cell(row[3] ?? '', 3)];
    if (inRow) {
      lines.push([...cells, shortWhy(obligation.why, options.columns - fixed)].join(gap));
    } else {
      lines.push(cells.join(gap).trimEnd());
      const why = shortWhy(
        obligation.why,
        Math.max(minimumWhyWidth, options.columns - whyIndent.length),
      );
      lines.push(`${whyIndent}${paint('dim', why)}`);
    }
  });
  if (evaluation.obligations.length === 0) lines.push(paint('dim', '(no obligations)'));

  lines.push('');
  lines.push(summary(evaluation, paint));
  if (evaluation.warnings.length > 0) {
    const count = evaluation.warnings.length;
    lines.push(
      paint(
        'yellow',
        `${count} event${count === 1 ? '' : 's'} not applied${options.verbose ? ':' : ' (see --verbose)'}`,
      ),
    );
    if (options.verbose) {
      for (const warning of evaluation.warnings) {
        lines.push(`  ${warning.eventId}: ${warning.message}`);
      }
    }
  }

  if (options.verbose) {
    for (const obligation of evaluation.obligations) {
      lines.push('', ...details(obligation, paint));
    }
  } else {
    lines.push(paint('dim', 'Full reasons: --verbose. Machine-readable: --json.'));
  }
  return `${lines.join('\n')}\n`;
}

/** `3 met · 2 on_track · 1 breached`, in the order of the status words. */
function summary(evaluation: Evaluation, paint: Paint): string {
  const counts = new Map<string, number>();
  for (const obligation of evaluation.obligations) {
    counts.set(obligation.status, (counts.get(obligation.status) ?? 0) + 1);
  }
  const parts = statuses
    .filter((status) => counts.has(status))
    .map((status) => paint(statusStyle[status], `${counts.get(status)} ${status}`));
  const total = evaluation.obligations.length;
  return `${total} obligation${total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(' · ')}` : ''}`;
}

const maxListedEvents = 12;

function details(obligation: ObligationStatus, paint: Paint): string[] {
  const status = paint(statusStyle[obligation.status], obligation.status);
  const underlying = obligation.underlying ? ` (events alone: ${obligation.underlying})` : '';
  const lines = [
    `${paint('bold', obligation.id)} — ${obligation.title}`,
    `  ${status}${underlying} · ${formatProgress(obligation.progress)}${
      obligation.dueAt ? ` · due ${obligation.dueAt}` : ''
    }`,
    `  why: ${obligation.why}`,
  ];
  if (obligation.forecast) {
    // No date is not a verdict: the basis says whether there is no rate or no end in sight.
    const when = obligation.forecast.metAt ?? 'no date';
    lines.push(`  forecast: ${when} (${obligation.forecast.basis})`);
  }
  if (obligation.sources.length > 0) {
    const figures = obligation.sources.map(
      (figure) => `${figure.source} ${numberFormat.format(figure.done)}`,
    );
    lines.push(`  by source: ${figures.join(', ')}`);
  }
  for (const dispute of obligation.disputes) {
    lines.push(
      `  dispute ${dispute.id} (opened by ${dispute.openedBy}, ${dispute.openedAt}): ${dispute.subject}`,
    );
    for (const claim of dispute.claims) {
      const evidence = claim.evidence.length > 0 ? ` [${claim.evidence.join(', ')}]` : '';
      lines.push(`    ${claim.by}: ${claim.claim}${evidence}`);
    }
  }
  for (const alternative of obligation.alternatives) {
    lines.push(
      `  if ${alternative.path} = ${JSON.stringify(alternative.value)} (${alternative.source}): ${alternative.status} — ${alternative.why}`,
    );
  }
  if (obligation.eventIds.length > 0) {
    const shown = obligation.eventIds.slice(0, maxListedEvents).join(', ');
    const more = obligation.eventIds.length - maxListedEvents;
    lines.push(`  events: ${shown}${more > 0 ? `, … (${more} more; --json lists all)` : ''}`);
  }
  return lines;
}
