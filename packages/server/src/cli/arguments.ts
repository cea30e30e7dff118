import { statSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { TruceError } from '@truce/core';
import type { CliIo } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

interface StrictConfig<T extends Options> {
  args: string[];
  options: T;
  allowPositionals: true;
  strict: true;
  tokens: true;
}

export type ParsedCommandArgs<T extends Options> = ReturnType<typeof parseArgs<StrictConfig<T>>>;

/** Every command takes these; `--color`/`--no-color` override what the terminal suggests. */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const satisfies Options;

/**
 * `parseArgs`, strict, with its errors turned into `USAGE` so that a mistyped flag exits 2
 * with a hint instead of a stack trace.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
): ParsedCommandArgs<T> {
  try {
    const config: StrictConfig<T> = {
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    };
    const parsed = parseArgs(config);
    const data = (parsed.values as { data?: unknown }).data;
    if (typeof data === 'string') checkDataFolder(data);
    return parsed;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    const message = (error as Error).message.split('. ')[0] ?? 'invalid arguments';
    throw new TruceError(
      'USAGE',
      `${lowerFirst(message)}; run \`truce ${command} --help\` for the options`,
    );
  }
}

/** A `--data` that names a file (or a path through one) is refused before anything opens it. */
function checkDataFolder(path: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ENOTDIR') return; // Missing: created when needed; anything else: said there.
    isFolder = false;
  }
  if (!isFolder) {
    throw new TruceError(
      'USAGE',
      `--data ${path} is not a folder (it, or a folder on its path, is a file): name the cell's data folder, which is created if it does not exist`,
    );
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Colour only where a person reads it: `--color`/`--no-color` win (the last one given), then
 * `NO_COLOR` (https://no-color.org), then `FORCE_COLOR`, then whether stdout is a terminal.
 */
export function wantsColor(
  tokens: readonly { kind: string; name?: string }[] | undefined,
  io: CliIo,
): boolean {
  const flags = (tokens ?? []).filter(
    (token) => token.kind === 'option' && (token.name === 'color' || token.name === 'no-color'),
  );
  const last = flags.at(-1);
  if (last) return last.name === 'color';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return io.stdout.isTTY;
}

export function requirePositionals(
  command: string,
  positionals: readonly string[],
  names: readonly string[],
  optional: readonly string[] = [],
): void {
  if (positionals.length < names.length) {
    const missing = names.slice(positionals.length).join(' and ');
    throw new TruceError('USAGE', `missing ${missing}; run \`truce ${command} --help\` for usage`);
  }
  if (positionals.length > names.length + optional.length) {
    const extra = positionals.slice(names.length + optional.length);
    throw new TruceError(
      'USAGE',
      `unexpected argument${extra.length > 1 ? 's' : ''} ${extra
        .map((arg) => `"${arg}"`)
        .join(', ')}; run \`truce ${command} --help\` for usage`,
    );
  }
}

/**
 * A comma-separated list whose items must each be one of `allowed` (spaces around items and
 * empty items ignored, a repeated item kept once); otherwise a USAGE error, `refusal` worded
 * by the caller with the unknown items quoted.
 */
export function allowedList<T extends string>(
  text: string,
  allowed: readonly T[],
  refusal: (unknown: string) => string,
): T[] {
  const named = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const unknown = named.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) {
    throw new TruceError('USAGE', refusal(unknown.map((item) => `"${item}"`).join(', ')));
  }
  return [...new Set(named)] as T[];
}
