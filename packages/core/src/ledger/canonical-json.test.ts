import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TruceError } from '../errors.js';
import { canonicalBytes, canonicalize, type JsonValue, parseJson } from './canonical-json.js';

const testdata = new URL('./testdata/rfc8785/', import.meta.url);

function read(path: string): string {
  return readFileSync(new URL(path, testdata), 'utf8');
}

function expectCode(action: () => unknown, code: string): TruceError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    expect((error as TruceError).code).toBe(code);
    return error as TruceError;
  }
  throw new Error('expected an error');
}

function sortDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      Object.defineProperty(out, key, {
        value: sortDeep(value[key] as JsonValue),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

describe('RFC 8785 test vectors (cyberphone/json-canonicalization testdata)', () => {
  const names = readdirSync(new URL('input/', testdata)).filter((n) => n.endsWith('.json.txt'));

  it('has all the vectors', () => {
    expect(names.sort()).toEqual([
      'arrays.json.txt',
      'french.json.txt',
      'simpleString.json.txt',
      'structures.json.txt',
      'unicode.json.txt',
      'values.json.txt',
      'weird.json.txt',
    ]);
  });

  for (const name of names) {
    it(`canonicalises ${name} to the expected bytes`, () => {
      const input = read(`input/${name}`);
      const expected = readFileSync(new URL(`output/${name}`, testdata));
      expect(Buffer.from(canonicalBytes(parseJson(input)))).toEqual(expected);
      // The same from JSON.parse: a verifier need not use truce's parser.
      expect(Buffer.from(canonicalBytes(JSON.parse(input)))).toEqual(expected);
    });
  }
});

describe('RFC 8785 examples', () => {
  it('§3.2.2: serialises primitives', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    expect(canonicalize(parseJson(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('§3.2.3: sorts members by UTF-16 code units, not code points or locale', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    // Compared as text: Object.keys would list the integer-like "1" first, whatever the order.
    expect(canonicalize(parseJson(input))).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('§3.2.4: encodes the result as UTF-8', () => {
    expect(Buffer.from(canonicalBytes({ a: '€😀' })).toString('hex')).toBe(
      `7b2261223a22${'e282ac'}${'f09f9880'}227d`,
    );
  });
});

describe('numbers (RFC 8785 Appendix B and ES6 Number::toString)', () => {
  const rows = read('appendix-b-numbers.csv')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

  function double(hex: string): number {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(`0x${hex}`));
    return view.getFloat64(0);
  }

  it('has the 26 samples', () => expect(rows).toHaveLength(26));

  for (const [hex, expected] of rows) {
    it(`${hex} → ${expected}`, () => {
      const value = double(hex as string);
      if (expected === 'NaN' || expected === 'Infinity') {
        expectCode(() => canonicalize(value), 'LEDGER_CANONICAL_JSON');
        expectCode(() => canonicalize([1, { x: value }]), 'LEDGER_CANONICAL_JSON');
        expectCode(() => canonicalize([1, value, null]), 'LEDGER_CANONICAL_JSON');
      } else {
        expect(canonicalize(value)).toBe(expected);
      }
    });
  }

  it.each([
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [1e-7, '1e-7'],
    [1e-6, '0.000001'],
    [-0, '0'],
    [5e-324, '5e-324'],
    [-5e-324, '-5e-324'],
    [0.1 + 0.2, '0.30000000000000004'],
    [2 ** 53 + 2, '9007199254740994'],
    [123e-20, '1.23e-18'],
    [-1.5, '-1.5'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
  ])('%d → %s', (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
    expect(canonicalize(parseJson(expected))).toBe(expected);
    // Also in an array of numbers only (written by a shorter path) and in a mixed one.
    expect(canonicalize([value, null, value])).toBe(`[${expected},null,${expected}]`);
    expect(canonicalize([value, 'x'])).toBe(`[${expected},"x"]`);
  });

  it('rejects -Infinity', () => {
    expectCode(() => canonicalize(Number.NEGATIVE_INFINITY), 'LEDGER_CANONICAL_JSON');
  });
});

describe('canonicalize', () => {
  it('escapes exactly what JSON requires, in lower-case hex, and nothing else', () => {
    expect(canonicalize('\u0000\u001f\b\t\n\f\r"\\/\u007f\u2028\u00e9')).toBe(
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028\u00e9"',
    );
  });

  it('keeps a member named __proto__ as a member', () => {
    const value = parseJson('{"b":1,"__proto__":{"x":2}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(canonicalize(value)).toBe('{"__proto__":{"x":2},"b":1}');
  });

  it('accepts objects without a prototype', () => {
    const value = Object.assign(Object.create(null), { b: 2, a: 1 });
    expect(canonicalize(value)).toBe('{"a":1,"b":2}');
  });

  it('names the path of what it cannot represent', () => {
    const error = expectCode(
      () => canonicalize({ event: { payload: { counts: [1, Number.NaN] } } }),
      'LEDGER_CANONICAL_JSON',
    );
    expect(error.message).toContain('event.payload.counts[1]');
    expect(error.details[0]?.path).toBe('event.payload.counts[1]');
  });

  it.each<[string, unknown]>([
    ['a lone high surrogate in a string', 'a\ud800b'],
    ['a lone low surrogate in a string', '\udc00'],
    ['a reversed surrogate pair', '\udc00\ud800'],
    ['a lone surrogate in a member name', { '\ud83d': 1 }],
    ['undefined', undefined],
    ['an undefined member', { a: undefined }],
    ['an undefined element', [1, undefined]],
    ['an undefined element among numbers', [1, undefined, null]],
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    ['a sparse array', [1, , 3]],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a bigint', 10n],
    ['a Date', new Date('2025-01-19T08:30:00Z')],
    ['a Map', new Map([['a', 1]])],
    ['a class instance', new (class Point {})()],
    ['a Uint8Array', new Uint8Array(2)],
  ])('rejects %s', (_, value) => {
    expectCode(() => canonicalize(value), 'LEDGER_CANONICAL_JSON');
  });

  it('rejects cycles and very deep nesting instead of overflowing the stack', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expectCode(() => canonicalize(cycle), 'LEDGER_CANONICAL_JSON');
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expectCode(() => canonicalize(deep), 'LEDGER_CANONICAL_JSON');
    let fine: unknown = 1;
    for (let i = 0; i < 200; i++) fine = { a: fine };
    expect(canonicalize(fine)).toMatch(/^(\{"a":){200}1\}{200}$/);
  });

  it('equals JSON.stringify of the value with members sorted, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        const json = value as JsonValue;
        expect(canonicalize(json)).toBe(JSON.stringify(sortDeep(json)));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through parseJson and JSON.parse, and does not depend on member order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalize(value);
        expect(canonicalize(parseJson(text))).toBe(text);
        expect(canonicalize(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(text, (_key, v) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canonicalize(reversed)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseJson (strict I-JSON)', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    const text = '{ "a" : [ 1 , -2.5e3 , true , false , null , "x\\u00e9\\n" , { } , [ ] ] }\r\n';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['a duplicate member name', '{"a":1,"b":2,"a":3}', 1, 14],
    ['a lone surrogate escape', '["\\ud800"]', 1, 2],
    ['a number outside the double range', '[1e400]', 1, 2],
    ['a byte-order mark', '\ufeff{}', 1, 1],
    ['a trailing comma', '[1,]', 1, 4],
    ['a leading zero', '[01]', 1, 3],
    ['a raw control character in a string', '["a\tb"]', 1, 4],
    ['single quotes', "{'a':1}", 1, 2],
    ['text after the value', '{} {}', 1, 4],
    ['an unknown escape', '["\\x41"]', 1, 3],
    ['a short \\u escape', '["\\u12"]', 1, 3],
    ['NaN', '[NaN]', 1, 2],
    ['an unterminated string', '\n\n  "abc', 3, 3],
    ['nothing', '   ', 1, 4],
    ['a missing colon', '{"a" 1}', 1, 6],
  ])('rejects %s with its line and column', (_, text, line, column) => {
    const error = expectCode(() => parseJson(text), 'LEDGER_CANONICAL_JSON');
    expect(error.details[0]).toMatchObject({ line, column });
  });

  it('rejects nesting deeper than 256 levels', () => {
    expectCode(() => parseJson(`${'['.repeat(300)}${']'.repeat(300)}`), 'LEDGER_CANONICAL_JSON');
  });

  it('never throws anything but LEDGER_CANONICAL_JSON on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        try {
          parseJson(text);
        } catch (error) {
          expect((error as TruceError).code).toBe('LEDGER_CANONICAL_JSON');
        }
      }),
      { numRuns: 500 },
    );
  });
});
