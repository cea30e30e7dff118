import { TruceError } from '../errors.js';
import { isWellFormed, utf8 } from './encoding.js';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte sequence of a JSON value that gets
 * hashed and signed, so a verifier in any language that implements JCS gets the same bytes.
 *
 * JCS defines its output through ECMAScript itself: numbers are serialised as
 * `Number.prototype.toString` does, strings as `JSON.stringify` does, and object members are
 * sorted by the UTF-16 code units of their names. So this is a short, exact implementation.
 *
 * What JCS cannot represent is rejected with `LEDGER_CANONICAL_JSON`, never silently changed:
 * - `NaN`, `Infinity` and `-Infinity` (RFC 8785 §3.2.2.3 requires an error);
 * - strings or member names with a lone surrogate (I-JSON, RFC 7493 §2.1: they have no UTF-8
 *   encoding, and replacing them with U+FFFD would make two different values sign the same);
 * - `undefined` (also as an object member: omit the member instead), functions, symbols, bigints;
 * - anything that is not a plain object or an array (a `Date`, a `Map`, a class instance): their
 *   JSON form depends on `toJSON` methods and is not data;
 * - nesting deeper than 256 levels (also what a cycle looks like).
 * `-0` is serialised as `0`, as RFC 8785 specifies.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export const maxJsonDepth = 256;

function fail(message: string, path: readonly (string | number)[]): never {
  const where = formatPath(path);
  throw new TruceError('LEDGER_CANONICAL_JSON', `${where ? `${where}: ` : ''}${message}`, [
    where ? { message, path: where } : { message },
  ]);
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON must escape
const needsEscape = /["\\\u0000-\u001f]/;

const shortEscapes: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

function quote(text: string, path: readonly (string | number)[], what: string): string {
  if (!isWellFormed(text)) {
    fail(`${what} contains a lone UTF-16 surrogate, which has no UTF-8 encoding`, path);
  }
  if (!needsEscape.test(text)) return `"${text}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c) {
      out += text.slice(start, i);
      out += shortEscapes[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
      start = i + 1;
    }
  }
  return `${out}${text.slice(start)}"`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isNumberRow(array: readonly unknown[]): boolean {
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    if (item !== null && !(typeof item === 'number' && Number.isFinite(item))) return false;
  }
  return true;
}

function serialise(value: unknown, path: (string | number)[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value, path, 'string');
    case 'number':
      if (!Number.isFinite(value)) fail(`${value} is not a JSON number`, path);
      // ECMAScript Number::toString is the serialisation RFC 8785 §3.2.2.3 prescribes; it
      // already writes -0 as "0".
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (path.length >= maxJsonDepth) {
        fail(`nested deeper than ${maxJsonDepth} levels (or a cycle)`, path);
      }
      if (Array.isArray(value)) {
        // An array of finite numbers and nulls (a batch's row): JSON.stringify writes exactly
        // RFC 8785's form (Number::toString, -0 as 0), natively.
        if (isNumberRow(value)) return JSON.stringify(value);
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          path.push(i);
          // Reading holes as `undefined` makes sparse arrays fail like any other undefined.
          out += serialise(value[i], path);
          path.pop();
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) {
        const kind = (value as object).constructor?.name ?? 'object';
        fail(`a ${kind} is not JSON data; convert it to a plain object, array or string`, path);
      }
      // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3's order.
      const keys = Object.keys(value).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        path.push(key);
        if (i > 0) out += ',';
        out += quote(key, path, 'member name');
        out += ':';
        out += serialise(value[key], path);
        path.pop();
      }
      return `${out}}`;
    }
    case 'undefined':
      return fail('undefined is not JSON; omit the member or use null', path);
    default:
      return fail(`a ${typeof value} is not JSON data`, path);
  }
}

/** The RFC 8785 canonical form of a JSON value, as a string. */
export function canonicalize(value: unknown): string {
  return serialise(value, []);
}

/** The RFC 8785 canonical form of a JSON value, as the UTF-8 bytes that are hashed and signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

/**
 * Parses JSON text strictly, as I-JSON (RFC 7493), the input RFC 8785 expects: a duplicate member
 * name, a lone surrogate escape, a number outside the double range or a byte-order mark is an
 * error (`LEDGER_CANONICAL_JSON` with line and column), where `JSON.parse` would silently keep
 * the last duplicate or produce an unencodable string. Use it for JSON whose bytes are verified.
 */
export function parseJson(text: string): JsonValue {
  const parser = new StrictJsonParser(text);
  return parser.parseDocument();
}

const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class StrictJsonParser {
  #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parseDocument(): JsonValue {
    this.#skipWhitespace();
    const value = this.#value(0);
    this.#skipWhitespace();
    if (this.#at < this.#text.length) this.#fail('unexpected text after the JSON value');
    return value;
  }

  #fail(message: string, at = this.#at): never {
    let line = 1;
    let column = 1;
    for (let i = 0; i < at && i < this.#text.length; i++) {
      if (this.#text.charCodeAt(i) === 0x0a) {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    throw new TruceError('LEDGER_CANONICAL_JSON', `line ${line}, column ${column}: ${message}`, [
      { line, column, message },
    ]);
  }

  #skipWhitespace(): void {
    const text = this.#text;
    while (this.#at < text.length) {
      const code = text.charCodeAt(this.#at);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) break;
      this.#at++;
    }
  }

  #value(depth: number): JsonValue {
    if (depth >= maxJsonDepth) this.#fail(`nested deeper than ${maxJsonDepth} levels`);
    const char = this.#text[this.#at];
    switch (char) {
      case '{':
        return this.#object(depth);
      case '[':
        return this.#array(depth);
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      case undefined:
        return this.#fail('unexpected end of input, expected a JSON value');
      default:
        return this.#number();
    }
  }

  #literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#at)) this.#fail(`expected ${word}`);
    this.#at += word.length;
    return value;
  }

  #number(): number {
    numberPattern.lastIndex = this.#at;
    const match = numberPattern.exec(this.#text);
    if (!match) this.#fail('expected a JSON value');
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.#fail(`${match[0]} is outside the range of a double`);
    this.#at += match[0].length;
    return value;
  }

  #string(): string {
    const text = this.#text;
    const start = this.#at;
    this.#at++;
    let out = '';
    let chunk = this.#at;
    for (;;) {
      if (this.#at >= text.length) this.#fail('unterminated string', start);
      const code = text.charCodeAt(this.#at);
      if (code === 0x22) {
        out += text.slice(chunk, this.#at);
        this.#at++;
        break;
      }
      if (code < 0x20) this.#fail('control character in a string: escape it');
      if (code !== 0x5c) {
        this.#at++;
        continue;
      }
      out += text.slice(chunk, this.#at);
      const escaped = text[this.#at + 1];
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out += escaped;
          this.#at += 2;
          break;
        case 'b':
          out += '\b';
          this.#at += 2;
          break;
        case 'f':
          out += '\f';
          this.#at += 2;
          break;
        case 'n':
          out += '\n';
          this.#at += 2;
          break;
        case 'r':
          out += '\r';
          this.#at += 2;
          break;
        case 't':
          out += '\t';
          this.#at += 2;
          break;
        case 'u': {
          const hex = text.slice(this.#at + 2, this.#at + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.#fail('\\u must be followed by 4 hex digits');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.#at += 6;
          break;
        }
        default:
          this.#fail('invalid escape sequence');
      }
      chunk = this.#at;
    }
    if (!isWellFormed(out)) this.#fail('string contains a lone UTF-16 surrogate', start);
    return out;
  }

  #array(depth: number): JsonValue[] {
    this.#at++;
    const out: JsonValue[] = [];
    this.#skipWhitespace();
    if (this.#text[this.#at] === ']') {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#skipWhitespace();
      out.push(this.#value(depth + 1));
      this.#skipWhitespace();
      const next = this.#text[this.#at];
      this.#at++;
      if (next === ']') return out;
      if (next !== ',') this.#fail("expected ',' or ']'", this.#at - 1);
    }
  }

  #object(depth: number): { [key: string]: JsonValue } {
    this.#at++;
    const out: { [key: string]: JsonValue } = {};
    const seen = new Set<string>();
    this.#skipWhitespace();
    if (this.#text[this.#at] === '}') {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#skipWhitespace();
      if (this.#text[this.#at] !== '"') this.#fail('expected a member name in double quotes');
      const keyAt = this.#at;
      const key = this.#string();
      if (seen.has(key)) this.#fail(`duplicate member name ${JSON.stringify(key)}`, keyAt);
      seen.add(key);
      this.#skipWhitespace();
      if (this.#text[this.#at] !== ':') this.#fail("expected ':'");
      this.#at++;
      this.#skipWhitespace();
      const value = this.#value(depth + 1);
      // Plain assignment of "__proto__" would replace the prototype instead of adding a member.
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skipWhitespace();
      const next = this.#text[this.#at];
      this.#at++;
      if (next === '}') return out;
      if (next !== ',') this.#fail("expected ',' or '}'", this.#at - 1);
    }
  }
}
