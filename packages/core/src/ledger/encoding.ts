/**
 * Byte encodings used by the ledger formats. Decoders are strict: a string decodes only if it is
 * the one canonical encoding of its bytes. Node's own decoders ignore stray characters and
 * non-zero trailing bits, which would let two different strings stand for the same signature:
 * a signed envelope or checkpoint could then be altered without any signature failing.
 */

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64UrlPattern = /^[A-Za-z0-9_-]*$/;
const hexPattern = /^(?:[0-9a-f]{2})*$/;

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Standard base64 with padding (RFC 4648 §4), as C2SP signed notes and checkpoints use. */
export function toBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/** The bytes of a canonical standard base64 string, or `undefined` if it is not one. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? view(bytes) : undefined;
}

/** URL-safe base64 without padding (RFC 4648 §5), as envelope signatures use. */
export function toBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64url');
}

/** The bytes of a canonical unpadded base64url string, or `undefined` if it is not one. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!base64UrlPattern.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? view(bytes) : undefined;
}

/** Lower-case hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex');
}

/** The bytes of a lower-case hexadecimal string, or `undefined` if it is not one. */
export function fromHex(text: string): Uint8Array | undefined {
  return hexPattern.test(text) ? view(Buffer.from(text, 'hex')) : undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8, or returns `undefined` for malformed input instead of substituting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a JavaScript string is well-formed Unicode. A lone surrogate has no UTF-8 encoding: the
 * encoder would silently replace it with U+FFFD, so two different strings would sign the same.
 */
export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}
