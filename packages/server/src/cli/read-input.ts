import { readFile } from 'node:fs/promises';
import { TruceError } from '@truce/core';
import type { CliIo } from './io.js';

/** A document as read: its text and the name errors should cite (`<stdin>` for `-`). */
export interface Input {
  text: string;
  name: string;
}

/**
 * Reads a file, or stdin for `-`. File-system failures become `TruceError`s naming the file,
 * because a wrong path is the user's mistake to fix, not a crash.
 */
export async function readInput(path: string, io: CliIo): Promise<Input> {
  if (path === '-') return { text: await io.readStdin(), name: '<stdin>' };
  try {
    return { text: await readFile(path, 'utf8'), name: path };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new TruceError('NOT_FOUND', `cannot read ${path}: no such file; check the path`);
    }
    if (code === 'EISDIR') {
      throw new TruceError('USAGE', `cannot read ${path}: it is a directory; give a file`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new TruceError('USAGE', `cannot read ${path}: permission denied`);
    }
    throw error;
  }
}
