// Test helpers (Node only): the sample export and small ledgers signed with the server's code.

import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ledger } from '@truce/core';
import {
  genesisEnvelope,
  keyRegistrationEnvelope,
} from '../../../server/src/ledger/log-identity.js';
import {
  newKey,
  registration,
  revocation,
  sampleEvent,
  signedEvent,
  testIdentity,
} from '../../../server/src/ledger/testing.js';

export const sampleDir = new URL('../../../../examples/ledger/', import.meta.url).pathname;

export function sampleFile(path: string): string {
  return readFileSync(`${sampleDir}${path}`, 'utf8');
}

/** The committed example export, as verifyLedger takes it. */
export function sampleInput(): {
  logKey: string;
  checkpoint: string;
  entries: string;
  cosignatures: string;
} {
  const manifest = JSON.parse(sampleFile('manifest.json')) as { size: number };
  return {
    logKey: sampleFile('log.pub'),
    checkpoint: sampleFile(`checkpoints/${manifest.size}`),
    entries: sampleFile('entries.jsonl'),
    cosignatures: sampleFile('cosignatures.jsonl'),
  };
}

/** The lines of a JSON Lines text, without the final newline. */
export function linesOf(text: string): string[] {
  return text.slice(0, -1).split('\n');
}

export function jsonl(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

/** Replaces the character at `at` with another one of the same class (digit, letter). */
export function changeChar(text: string, at: number): string {
  const char = text[at] as string;
  const next = /[0-9]/.test(char) ? String((Number(char) + 1) % 10) : char === 'A' ? 'B' : 'A';
  return `${text.slice(0, at)}${next}${text.slice(at + 1)}`;
}

export interface SmallLog {
  logKey: string;
  origin: string;
  /** Signs a checkpoint over `lines` with the log key: the note. */
  checkpoint(lines: readonly string[]): string;
  /** A witness cosignature line of `note` by `org`'s key. */
  cosign(note: string, org: string, key: KeyObject): string;
  genesis: string;
  operator: { org: string; key: KeyObject };
  keys: Record<string, KeyObject>;
  register(org: string, key: KeyObject, options?: { validFrom?: string; by?: string }): string;
  revoke(by: string, keyId: string): string;
  event(id: string, org: string, key: KeyObject, reportedAt?: string): string;
}

/** A fresh log identity with the helpers to write its entries and checkpoints. */
export function smallLog(): SmallLog {
  const identity = testIdentity();
  const keys: Record<string, KeyObject> = { operator: identity.privateKey };
  const line = (envelope: ledger.SignedEnvelope) => ledger.canonicalize(envelope);
  const at = new Date('2025-01-19T06:00:00Z');
  return {
    logKey: identity.verifierKey,
    origin: identity.origin,
    keys,
    operator: { org: identity.operator, key: identity.privateKey },
    genesis: line(genesisEnvelope(identity, at)),
    checkpoint(lines) {
      const tree = ledger.MemoryMerkleTree.of(lines.map((l) => new TextEncoder().encode(l)));
      return ledger.signCheckpoint(
        { origin: identity.origin, size: tree.size, rootHash: tree.root(), extensions: [] },
        identity.signer,
      );
    },
    cosign(note, org, key) {
      const signer = ledger.noteSigner(org, key, ledger.signatureTypes.cosignatureV1);
      return ledger.formatSignatureLine(ledger.cosignCheckpoint(note, signer, 1_737_300_000));
    },
    register(org, key, options = {}) {
      keys[org] ??= key;
      if (options.by === undefined && options.validFrom === undefined) {
        return line(registration(identity, org, key));
      }
      const by = options.by ?? identity.operator;
      return line(
        keyRegistrationEnvelope({
          org,
          publicKey: key,
          newPrivateKey: key,
          registrar: {
            org: by,
            privateKey: by === identity.operator ? identity.privateKey : (keys[by] as KeyObject),
          },
          at,
          ...(options.validFrom !== undefined ? { validFrom: options.validFrom } : {}),
        }),
      );
    },
    revoke(by, keyId) {
      const key = by === identity.operator ? identity.privateKey : (keys[by] as KeyObject);
      return line(revocation({ org: by, key }, keyId));
    },
    event(id, org, key, reportedAt) {
      const event = sampleEvent(id, org);
      return line(signedEvent(reportedAt ? { ...event, reportedAt } : event, key));
    },
  };
}

export { ledger, newKey };
