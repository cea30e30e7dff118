import { describe, expect, it } from 'vitest';
import { contentMismatch } from './content-type.js';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(
    parts.flatMap((part) => (typeof part === 'string' ? Array.from(Buffer.from(part)) : part)),
  );

describe('contentMismatch', () => {
  it('accepts files that start as their type says', () => {
    const files: [string, Uint8Array][] = [
      ['application/pdf', bytes('%PDF-1.7\n…')],
      ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
      ['image/png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'IHDR')],
      ['image/webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
      ['video/mp4', bytes([0, 0, 0, 0x20], 'ftypisom')],
      ['audio/mpeg', bytes('ID3', [4, 0])],
      ['audio/mpeg', bytes([0xff, 0xfb, 0x90])],
      ['audio/ogg', bytes('OggS', [0])],
      ['application/octet-stream', bytes('anything at all')],
    ];
    for (const [type, file] of files) expect(contentMismatch(type, file), type).toBeUndefined();
  });

  it('refuses files that do not, saying what the type starts with', () => {
    const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(contentMismatch('image/jpeg', png)).toBe('ff d8 ff');
    expect(contentMismatch('application/pdf', bytes('<html><script>'))).toBe('"%PDF-"');
    expect(contentMismatch('image/webp', bytes('RIFF', [1, 2, 3, 4], 'WAVE'))).toBe('"RIFF"');
    expect(contentMismatch('video/mp4', bytes('plain text'))).toBe('"ftyp" at byte 4');
    expect(contentMismatch('audio/mpeg', bytes([0xff, 0x00]))).toMatch(/MPEG audio frame/);
    expect(contentMismatch('image/png', new Uint8Array())).toBeDefined();
  });
});
