/**
 * Whether a file's first bytes are what its declared media type says (ASVS 5.2.2): a file sent
 * as image/jpeg must start as a JPEG does, and so on. `application/octet-stream` claims nothing
 * and is accepted as it is (it is served as an attachment, never rendered, with nosniff).
 */

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

/** Byte patterns at offsets; `undefined` in a pattern matches any byte. */
const signatures: Record<string, { at: number; bytes: (number | undefined)[] }[][]> = {
  'application/pdf': [[{ at: 0, bytes: ascii('%PDF-') }]],
  'image/jpeg': [[{ at: 0, bytes: [0xff, 0xd8, 0xff] }]],
  'image/png': [[{ at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }]],
  'image/webp': [
    [
      { at: 0, bytes: ascii('RIFF') },
      { at: 8, bytes: ascii('WEBP') },
    ],
  ],
  'video/mp4': [[{ at: 4, bytes: ascii('ftyp') }]],
  'audio/mpeg': [[{ at: 0, bytes: ascii('ID3') }], [{ at: 0, bytes: [0xff] }]],
  'audio/ogg': [[{ at: 0, bytes: ascii('OggS') }]],
};

/** Undefined when the bytes fit the type; else what the type's files start with. */
export function contentMismatch(mediaType: string, bytes: Uint8Array): string | undefined {
  const alternatives = signatures[mediaType];
  if (!alternatives) return undefined;
  const fits = alternatives.some((parts) =>
    parts.every(({ at, bytes: pattern }) =>
      pattern.every((byte, i) => byte === undefined || bytes[at + i] === byte),
    ),
  );
  if (
    fits &&
    mediaType === 'audio/mpeg' &&
    bytes[0] === 0xff &&
    ((bytes[1] ?? 0) & 0xe0) !== 0xe0
  ) {
    return 'an MPEG audio frame (0xFF 0xE0 and up) or an ID3 tag';
  }
  if (fits) return undefined;
  const first = alternatives[0]![0]!;
  return first.bytes.some((b) => b !== undefined && (b < 0x20 || b > 0x7e))
    ? first.bytes.map((b) => (b ?? 0).toString(16).padStart(2, '0')).join(' ')
    : `"${String.fromCharCode(...first.bytes.map((b) => b ?? 0x3f))}"${first.at ? ` at byte ${first.at}` : ''}`;
}
