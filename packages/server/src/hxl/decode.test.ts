import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { HxlDecoder } from './decode.js';

/** What csv-parse receives from the decoder, for a file cut into these chunks. */
async function decode(chunks: Buffer[], encoding: 'auto' | 'utf-8' | 'windows-1256' = 'auto') {
  const decoder = new HxlDecoder(encoding);
  const out = await buffer(Readable.from(chunks).pipe(decoder));
  return { text: out.toString('utf8'), encoding: decoder.encoding };
}

const arabic = 'التاريخ,المعبر\r\n2025-01-20,كرم أبو سالم ✓ 🚚\r\n';

describe('HxlDecoder', () => {
  it('passes UTF-8 through whole, wherever a chunk cuts a character', async () => {
    const bytes = Buffer.from(arabic);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { text } = await decode([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(text).toBe(arabic);
    }
    // One byte at a time, the worst case.
    const single = [...bytes].map((byte) => Buffer.from([byte]));
    expect((await decode(single, 'utf-8')).text).toBe(arabic);
  });

  it('drops the BOM, and reads Windows-1256 when the bytes are not UTF-8', async () => {
    const bom = await decode([Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x23, 0x64])]);
    expect(bom).toEqual({ text: '#d', encoding: 'utf-8' });
    // "تاريخ" in Windows-1256.
    const legacy = await decode([Buffer.from([0xca, 0xc7, 0xd1, 0xed, 0xce, 0x2c, 0x31])]);
    expect(legacy).toEqual({ text: 'تاريخ,1', encoding: 'windows-1256' });
  });

  it('refuses a byte that is not UTF-8 after a UTF-8 start, naming its line', async () => {
    const good = Buffer.from('a,b\r\nc,d\r\n');
    const bad = Buffer.from([0x65, 0xff, 0x0a]);
    await expect(decode([good, bad])).rejects.toMatchObject({
      code: 'HXL_INVALID',
      message: expect.stringContaining('not UTF-8 (line 3 is not)'),
    });
    // A file that ends inside a character.
    await expect(decode([Buffer.from([0x61, 0xd8])], 'utf-8')).rejects.toMatchObject({
      code: 'HXL_INVALID',
    });
  });

  it('refuses UTF-16 and binary files', async () => {
    await expect(decode([Buffer.from([0xff, 0xfe, 0x23, 0x00])])).rejects.toMatchObject({
      message: expect.stringContaining('UTF-16'),
    });
    await expect(decode([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00])])).rejects.toMatchObject({
      message: expect.stringContaining('NUL bytes'),
    });
  });
});
