import { TruceError } from '../errors.js';
import { fromBase64, isWellFormed, toBase64 } from './encoding.js';
import { hashSize } from './merkle.js';
import {
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  noteSignature,
  signatureTypes,
  signNote,
  type VerifiedNote,
  verifyNote,
} from './signed-note.js';

/**
 * Checkpoints of the ledger, in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint): the
 * body of a signed note,
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n]...
 *
 * signed by the log's key (signature type 0x01) and cosigned by witnesses (type 0x04, see
 * signed-note.ts), so Go, Sigsum and Tessera tooling can read and verify truce's checkpoints.
 */

export interface Checkpoint {
  /** The log's identity, e.g. `truce.example/gaza-2025`; by convention also its key name. */
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Opaque lines after the root hash; the spec discourages them, but signatures cover them. */
  extensions: readonly string[];
}

export interface Cosignature {
  /** The witness's key name. */
  name: string;
  /** When the witness cosigned, in seconds since the Unix epoch. */
  timestamp: number;
}

export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  /** The note text that was signed: the exact checkpoint body. */
  text: string;
  /** Witnesses among those given whose cosignatures verified. */
  cosignatures: Cosignature[];
  note: VerifiedNote;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: checkpoint lines are printable text
const controlCharacter = /[\u0000-\u001f]/;
const decimal = /^(?:0|[1-9][0-9]*)$/;

function invalid(reason: string): TruceError {
  return new TruceError('LEDGER_CHECKPOINT_INVALID', `invalid checkpoint: ${reason}`);
}

function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line.length === 0) throw invalid(`the ${what} is empty`);
  if (controlCharacter.test(line) || !isWellFormed(line)) {
    throw invalid(`the ${what} contains a newline, a control character or a lone surrogate`);
  }
}

/** The checkpoint body, ending in a newline: the text the log signs. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  checkLine(checkpoint.origin, 'origin');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) {
    throw invalid(
      `the tree size must be an integer from 0 to 2^53 - 1, got ${String(checkpoint.size)}`,
    );
  }
  if (!(checkpoint.rootHash instanceof Uint8Array) || checkpoint.rootHash.length !== hashSize) {
    throw invalid('the root hash is 32 bytes');
  }
  for (const line of checkpoint.extensions) checkLine(line, 'extension line');
  const lines = [checkpoint.origin, String(checkpoint.size), toBase64(checkpoint.rootHash)];
  return `${[...lines, ...checkpoint.extensions].join('\n')}\n`;
}

/** Parses a checkpoint body (the note text, not the whole signed note). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n'))
    throw invalid('the text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined) {
    throw invalid('a checkpoint has an origin, a tree size and a root hash line');
  }
  checkLine(origin, 'origin');
  if (!decimal.test(size) || !Number.isSafeInteger(Number(size))) {
    throw invalid(
      `the tree size ${JSON.stringify(size)} is not a decimal number without leading zeros`,
    );
  }
  const rootHash = fromBase64(root);
  if (!rootHash || rootHash.length !== hashSize) {
    throw invalid('the root hash is not the canonical base64 of 32 bytes');
  }
  for (const line of extensions) checkLine(line, 'extension line');
  return { origin, size: Number(size), rootHash, extensions };
}

/** Signs a checkpoint with the log's key (signature type 0x01): the signed note. */
export function signCheckpoint(checkpoint: Checkpoint, logSigner: NoteSigner): string {
  if (logSigner.type !== signatureTypes.ed25519) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      'the log signs checkpoints with an Ed25519 (type 0x01) key',
    );
  }
  return signNote(formatCheckpoint(checkpoint), logSigner);
}

/**
 * A witness's cosignature of a checkpoint (c2sp.org/tlog-cosignature v1), made with a type 0x04
 * signer. `note` is the checkpoint body or the whole signed note; `timestamp` is now, in seconds
 * since the Unix epoch. Add it to the note with `appendSignatures`.
 *
 * A cosignature says: as of `timestamp`, this is the largest tree the witness has seen, and it is
 * consistent with every earlier one. So the caller must have checked the log's signature and a
 * consistency proof from the last checkpoint it cosigned before calling this.
 */
export function cosignCheckpoint(
  note: string,
  witness: NoteSigner,
  timestamp: number,
): NoteSignature {
  if (witness.type !== signatureTypes.cosignatureV1) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      'witnesses cosign with a type 0x04 (cosignature/v1) key',
    );
  }
  const split = note.lastIndexOf('\n\n');
  const text = split < 0 ? note : note.slice(0, split + 1);
  parseCheckpoint(text);
  return noteSignature(text, witness, timestamp);
}

/**
 * Verifies a signed checkpoint: the log's signature must be present and valid, the body a
 * checkpoint whose origin is `origin` (default: the log key's name); cosignatures by the given
 * witnesses are verified too (a bad one rejects the whole note, as the spec recommends) and
 * listed. Throws `LEDGER_CHECKPOINT_INVALID` or `LEDGER_SIGNATURE_INVALID`.
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  options: { log: NoteVerifier; origin?: string; witnesses?: readonly NoteVerifier[] },
): VerifiedCheckpoint {
  const { log, witnesses = [] } = options;
  const verified = verifyNote(note, [log, ...witnesses]);
  const isLog = (s: NoteSignature) => s.name === log.name && s.keyHash === log.keyHash;
  if (!verified.verified.some(isLog)) {
    throw new TruceError(
      'LEDGER_SIGNATURE_INVALID',
      `the checkpoint is not signed by the log key ${log.name}; only a witness signed it`,
    );
  }
  const checkpoint = parseCheckpoint(verified.text);
  const origin = options.origin ?? log.name;
  if (checkpoint.origin !== origin) {
    throw invalid(
      `the origin is ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(origin)}`,
    );
  }
  const cosignatures = verified.verified
    .filter((s) => !isLog(s) && s.timestamp !== undefined)
    .map((s) => ({ name: s.name, timestamp: s.timestamp as number }));
  return { checkpoint, text: verified.text, cosignatures, note: verified };
}
