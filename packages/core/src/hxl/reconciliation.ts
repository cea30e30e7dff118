import type { AidDay, SourceDayFigure } from '../aid/daily.js';
import { describePair, type PairReconciliation } from '../aid/reconcile.js';
import type { Calendar } from '../engine/calendar.js';

/**
 * The reconciliation of sources as HXL (docs/HXL.md, "Export"): for every day, first all its
 * trucks, then each crossing and cargo, one row per pair of sources — each source's figure, the
 * difference, what each rule explains and what none does, in words too. A day or cell only one
 * source reported gives one row with that source's figure alone. The figures are those of
 * `aid.reconcileDaily`, the ones GET /api/v1/aid/reconciliation and the status `why` give.
 */
export const reconciliationColumns: readonly { header: string; hashtag: string }[] = [
  { header: 'Date', hashtag: '#date' },
  { header: 'Crossing', hashtag: '#loc+code' },
  { header: 'Cargo', hashtag: '#item+type' },
  { header: 'Source (higher figure)', hashtag: '#org+code+higher' },
  { header: 'Trucks (higher)', hashtag: '#indicator+num+trucks+higher' },
  { header: 'Half-loaded (higher)', hashtag: '#indicator+num+halfloaded+higher' },
  { header: 'Source (lower figure)', hashtag: '#org+code+lower' },
  { header: 'Trucks (lower)', hashtag: '#indicator+num+trucks+lower' },
  { header: 'Half-loaded (lower)', hashtag: '#indicator+num+halfloaded+lower' },
  { header: 'Difference', hashtag: '#indicator+num+difference' },
  { header: 'Explained by half-loads', hashtag: '#indicator+num+explained+halfloads' },
  { header: 'Explained by crossings out of scope', hashtag: '#indicator+num+explained+scope' },
  { header: 'Unexplained', hashtag: '#indicator+num+unexplained' },
  { header: 'Explanation', hashtag: '#description+reconciliation' },
];

/** The header row and the hashtag row of a reconciliation export. */
export function reconciliationHeaderRows(): [string[], string[]] {
  return [
    reconciliationColumns.map((column) => column.header),
    reconciliationColumns.map((column) => column.hashtag),
  ];
}

/** The rows of one day, under `reconciliationHeaderRows()`; days are numbered as the engine's. */
export function reconciliationRowsOf(day: AidDay, calendar: Calendar): string[][] {
  // The date of the agreement's calendar the day is (its local midnight's date).
  const date = calendar.format(calendar.dayStart(day.day)).slice(0, 10);
  const rows: string[][] = [];
  const write = (
    crossing: string,
    cargo: string,
    sources: readonly SourceDayFigure[],
    pairs: readonly PairReconciliation[],
  ) => {
    const figure = (source: string) => sources.find((s) => s.source === source);
    if (pairs.length === 0) {
      for (const source of sources) {
        rows.push([
          date,
          crossing,
          cargo,
          source.source,
          String(source.count),
          String(source.halfLoaded),
          ...Array<string>(8).fill(''),
        ]);
      }
      return;
    }
    for (const pair of pairs) {
      const amount = (rule: string) =>
        String(pair.explained.find((e) => e.rule === rule)?.amount ?? 0);
      rows.push([
        date,
        crossing,
        cargo,
        pair.higher.source,
        String(pair.higher.count),
        String(figure(pair.higher.source)?.halfLoaded ?? ''),
        pair.lower.source,
        String(pair.lower.count),
        String(figure(pair.lower.source)?.halfLoaded ?? ''),
        String(pair.difference),
        pair.comparable ? amount('half-loads') : '',
        pair.comparable ? amount('crossings out of scope') : '',
        String(pair.unexplained),
        describePair(pair),
      ]);
    }
  };
  write('', '', day.sources, day.reconciliation);
  for (const cell of day.cells) write(cell.crossing, cell.cargo, cell.sources, cell.reconciliation);
  return rows;
}
