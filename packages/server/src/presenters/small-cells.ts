/**
 * Counts of persons from 1 to 4 can identify someone (the one woman released on a day, the
 * two detainees of a village): every aggregate of persons that leaves the server shows them as
 * null, "fewer than 5". Zero stays zero: nobody can be singled out of an empty cell.
 */
import { isSmallCell } from '@truce/core';

export { isSmallCell, smallCellLimit } from '@truce/core';

export function suppressSmallCells<K extends string>(
  counts: Record<K, number>,
): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const [key, value] of Object.entries(counts) as [K, number][]) {
    out[key] = isSmallCell(value) ? null : value;
  }
  return out;
}
