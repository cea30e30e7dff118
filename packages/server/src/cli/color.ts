import type { Status } from '@truce/core';

/** ANSI styles, a handful is all the table needs; no dependency for that. */
const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
} as const;

export type Style = keyof typeof codes;

export type Paint = (style: Style, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => `\u001b[${codes[style][0]}m${text}\u001b[${codes[style][1]}m`;
}

/** Good news green, trouble yellow, a breach red, contested magenta; nothing to judge yet dim. */
export const statusStyle: Record<Status, Style> = {
  met: 'green',
  on_track: 'green',
  at_risk: 'yellow',
  late: 'yellow',
  breached: 'red',
  disputed: 'magenta',
  not_started: 'dim',
  suspended: 'dim',
  waived: 'dim',
};
