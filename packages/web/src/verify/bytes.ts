/**
 * Byte encodings for the browser verifier, without Buffer: strict decoders that accept a string
 * only if it is the one canonical encoding of its bytes, as the core's `encoding.ts` does (two
 * spellings of one signature would let a signed text be altered without any signature failing).
 */

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64UrlChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64UrlPattern = /^[A-Za-z0-9_-]*$/;

function decodeTable(chars: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = i;
  return table;
}

const base64Table = decodeTable(base64Chars);
const base64UrlTable = decodeTable(base64UrlChars);

function encode(bytes: Uint8Array, chars: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += `${chars[n >> 18]}${chars[(n >> 12) & 63]}${chars[(n >> 6) & 63]}${chars[n & 63]}`;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${chars[n >> 18]}${chars[(n >> 12) & 63]}${pad ? '==' : ''}`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${chars[n >> 18]}${chars[(n >> 12) & 63]}${chars[(n >> 6) & 63]}${pad ? '=' : ''}`;
  }
  return out;
}

/**
 * Decodes unpadded base64 text, or returns `undefined` unless it is the canonical spelling of its
 * bytes: a length that is 1 mod 4 or a non-zero bit after the last byte has another spelling.
 */
function decode(text: string, table: Int16Array): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = table[text.charCodeAt(i)];
    if (digit === undefined || digit < 0) return undefined;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  // The bits left over after the last whole byte must be zero.
  return (value & ((1 << bits) - 1)) === 0 ? out : undefined;
}

/** Standard base64 with padding (RFC 4648 §4), as signed notes and checkpoints use. */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, base64Chars, true);
}

/** The bytes of a canonical padded base64 string, or `undefined` if it is not one. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  return decode(text.replace(/=+$/, ''), base64Table);
}

/** URL-safe base64 without padding (RFC 4648 §5), as envelope signatures use. */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, base64UrlChars, false);
}

/** The bytes of a canonical unpadded base64url string, or `undefined` if it is not one. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!base64UrlPattern.test(text)) return undefined;
  return decode(text, base64UrlTable);
}

/** Lower-case hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

// The Buffer-free helpers are the core's own (its canonical JSON, which the verifier imports,
// already brings this module into the bundle): one implementation for server and browser.
export {
  bytesEqual,
  concatBytes,
  fromUtf8,
  isWellFormed,
  utf8,
} from '../../../core/src/ledger/encoding.js';
