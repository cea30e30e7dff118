import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ledger } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, toBase64, toBase64Url, toHex } from './bytes.js';
import type { SignedEnvelope } from './envelope.js';
import { leafHashes, rootOf } from './merkle.js';
import { signingBytes } from './registry.js';
import { parseVerifierKey } from './signed-note.js';
import { sampleDir } from './testing.js';
import { checkSupport } from './webcrypto.js';

describe('encodings without Buffer', () => {
  it('encode and decode as the core does, for every length up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      expect(toBase64(bytes)).toBe(ledger.toBase64(bytes));
      expect(toBase64Url(bytes)).toBe(ledger.toBase64Url(bytes));
      expect(toHex(bytes)).toBe(ledger.toHex(bytes));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
  });

  it('refuse what is not the one canonical spelling, as the core does', () => {
    const texts = ['', 'QQ==', 'QR==', 'QQ=', 'QQ', 'Q', 'QUI=', 'QUJ=', 'QU I=', 'QUJD', 'QU-_'];
    for (const text of texts) {
      expect(fromBase64(text), text).toEqual(ledger.fromBase64(text));
      expect(fromBase64Url(text), text).toEqual(ledger.fromBase64Url(text));
    }
    // Every last character after every length: only zero bits after the last byte are canonical.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    for (let n = 1; n <= 7; n++) {
      const url = toBase64Url(new Uint8Array(randomBytes(n))).slice(0, -1);
      const std = toBase64(new Uint8Array(randomBytes(n))).replace(/=*$/, '');
      const padding = '='.repeat((4 - (std.length % 4)) % 4);
      for (const c of `${alphabet}-_+/`) {
        expect(fromBase64Url(url + c), url + c).toEqual(ledger.fromBase64Url(url + c));
        const text = `${std.slice(0, -1)}${c}${padding}`;
        expect(fromBase64(text), text).toEqual(ledger.fromBase64(text));
      }
    }
  });
});

describe('signed bytes', () => {
  it('are the canonical envelope without sig, cut from the line or its bytes', () => {
    const line = readFileSync(`${sampleDir}entries.jsonl`, 'utf8').split('\n')[40] as string;
    const envelope = JSON.parse(line) as SignedEnvelope;
    const { sig: _, ...unsigned } = envelope;
    const expected = ledger.canonicalBytes(unsigned);
    expect(signingBytes(envelope, line)).toEqual(expected);
    expect(signingBytes(envelope, line, new TextEncoder().encode(line))).toEqual(expected);
    expect(signingBytes(envelope, line.replace('"v":1}', '"v":1 }'))).toEqual(expected);
  });
});

describe('the RFC 9162 tree with WebCrypto', () => {
  it('has the root of the core tree, and of the recursive definition, for 0 to 70 leaves', async () => {
    const entries = Array.from({ length: 70 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    const leaves = await leafHashes(entries);
    const core = new ledger.MemoryMerkleTree();
    const recursive = (from: number, to: number): Uint8Array => {
      if (to - from === 1) return ledger.hashLeaf(entries[from] as Uint8Array);
      let k = 1;
      while (k * 2 < to - from) k *= 2;
      return ledger.hashChildren(recursive(from, from + k), recursive(from + k, to));
    };
    expect(await rootOf([])).toEqual(ledger.emptyRoot());
    for (let n = 1; n <= 70; n++) {
      core.append(entries[n - 1] as Uint8Array);
      const root = await rootOf(leaves.slice(0, n));
      expect(root).toEqual(core.root());
      expect(root).toEqual(recursive(0, n));
    }
  });
});

describe('WebCrypto', () => {
  it('has Ed25519 here (RFC 8032 test vector 1)', async () => {
    expect(await checkSupport()).toEqual({ ok: true });
  });

  it('reads verifier keys as the core does', async () => {
    const vkey = 'truce.example/gaza-2025+bd2f515c+ATaQ29dw0hlxMWZAPRkFU5tnM1CJioV83OVyp1ZTBTEN';
    const parsed = await parseVerifierKey(vkey);
    const core = ledger.parseVerifierKey(vkey);
    expect(parsed).toMatchObject({ name: core.name, keyHash: core.keyHash, type: core.type });
    expect(await parseVerifierKey(vkey.replace('bd2f515c', 'bd2f515d'))).toMatch(/key hash/);
  });
});
