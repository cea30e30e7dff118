import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { isTruceError, parseAgreement } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { readHxlFile } from './read-hxl.js';

const agreementPath = new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url);
const agreement = parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath.pathname);
const sample = readFileSync(
  new URL('../../../../examples/aid/un2720-daily.csv', import.meta.url),
  'utf8',
);

async function outcome(text: string): Promise<unknown> {
  try {
    return await readHxlFile(Readable.from([Buffer.from(text)]), {
      agreement,
      reportedAt: '2025-02-10T12:00:00+02:00',
      idPrefix: 'hxl-test',
      encoding: 'auto',
    });
  } catch (error) {
    return error;
  }
}

describe('reading an HXL file that is not valid CSV', () => {
  // Found by the reliability campaign: a stray control character before an opening quote, with
  // CRLF or CR line ends, ended in an AbortError (500) instead of a located HXL_INVALID.
  // Its cause: the misspelt hashtag refuses the file at its hashtag row, the reader stops there,
  // and leaving the loop destroys the parser, which Node 20 reports as an AbortError. That stop
  // is the reader's own: the user gets the problem at the hashtag row, with or without the
  // characters before the header.
  it.each(['\u0001\udc00 ', ''])(
    '%j before the header, and a hashtag misspelt: the problem at the hashtag row',
    async (prefix) => {
      const text = `${prefix}${sample.replace('#indicator+num+trucks', '#ndicator+num+trucks').replace(/\r?\n/g, '\r\n')}`;
      expect(await outcome(text)).toMatchObject({
        problemCount: 1,
        problems: [{ line: 2, message: expect.stringContaining('no count column') }],
      });
    },
  );

  it.each([
    ['\u000e"', '\r\n'],
    ['\u000e"', '\r'],
    ['"', '\r\n'],
    ['x"', '\n'],
    ['\u0001\udc00 ', '\r\n'],
  ])(
    '%j before the header, lines ended by %j: a located HXL_INVALID, never a crash',
    async (prefix, end) => {
      const text = prefix + sample.replace(/\r?\n/g, end);
      const result = await outcome(text);
      if (isTruceError(result)) {
        expect(result.code).toBe('HXL_INVALID');
        expect(result.message).toMatch(/line \d+/);
      } else {
        // A file the reader could still read: its problems are listed, nothing thrown.
        expect(result).toMatchObject({ sha256: expect.any(String) });
      }
    },
  );
});
