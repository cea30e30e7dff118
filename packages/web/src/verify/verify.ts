import { canonicalize, parseJson } from '../../../core/src/ledger/canonical-json.js';
import { bytesEqual, fromUtf8, toBase64, utf8 } from './bytes.js';
import { type CheckedEvent, checkEnvelope, checkEvent, type SignedEnvelope } from './envelope.js';
import { leafHashes, rootOf } from './merkle.js';
import {
  type KeyListing,
  type ParsedKey,
  parseRegisteredKey,
  possessionProblem,
  type RegisteredKey,
  Registry,
  verifyEnvelope,
} from './registry.js';
import {
  type Checkpoint,
  formatNote,
  type Note,
  type NoteKey,
  type NoteSignature,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  sameKey,
  signatureTypes,
  verifyCosignature,
  verifyNoteSignature,
} from './signed-note.js';
import { importEd25519, requireSupport } from './webcrypto.js';

/** A witness's cosignature line, as an export's cosignatures.jsonl holds them. */
export interface CosignatureInput {
  /** `— <witness> <base64>` with or without its final newline. */
  line: string;
  /** The checkpoint it cosigns; lines for other sizes are ignored. Default: the checkpoint's. */
  checkpointSize?: number;
  /** Who the line claims to be by; checked against the line's key name if given. */
  witness?: string;
}

export interface VerifyInput {
  /**
   * The log's verifier key string, `<origin>+<8 hex>+<base64>` (an export's log.pub, without or
   * with its newline), as the user obtained it from another channel and pinned it.
   */
  logKey: string;
  /**
   * The signed checkpoint (C2SP signed note): `note` of `GET /api/v1/checkpoints/{size}` or
   * `/latest`, or an export's `checkpoints/<size>` file.
   */
  checkpoint: string | Uint8Array;
  /**
   * entries.jsonl: the body of `GET /api/v1/export` or the export's file, one JCS envelope per
   * line, each line the exact Merkle leaf. Pass the bytes (`await response.arrayBuffer()`) to
   * have malformed UTF-8 detected instead of replaced by the decoder.
   */
  entries: string | Uint8Array;
  /** Witness cosignatures of this checkpoint: cosignatures.jsonl text, or the lines. */
  cosignatures?: string | readonly CosignatureInput[];
  /**
   * `x-truce-checkpoint-size` of the export response: the size of the checkpoint the server cut
   * the export at. If given, it must be the checkpoint's size.
   */
  exportSize?: number;
  /** Called as entries are checked, and once at the end with done = total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the verification: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Problems listed at most (default 1000); the rest are counted in `problemsOmitted`. */
  maxProblems?: number;
  /**
   * Entries parsed, hashed and verified per step, between which the page gets the event loop
   * back (default 256: Chromium verifies Ed25519 on the main thread, ~0.1 ms a signature, so a
   * step stays well under a frame budget of 50 ms). Run `verifyLedger` in a Web Worker to keep
   * the page entirely free; it uses no DOM API.
   */
  chunkSize?: number;
}

export type ProblemCode =
  /** The pinned log key is not a type 0x01 verifier key string. */
  | 'LOG_KEY_INVALID'
  /** The checkpoint is not a well-formed signed note or checkpoint. */
  | 'CHECKPOINT_MALFORMED'
  /** The checkpoint has no signature by the pinned key: another log, or the wrong key pinned. */
  | 'CHECKPOINT_UNSIGNED'
  /** A signature by the pinned key does not verify: the checkpoint was altered. */
  | 'CHECKPOINT_SIGNATURE_INVALID'
  /** The checkpoint's origin is not the log key's name. */
  | 'ORIGIN_MISMATCH'
  /** The export was cut at another size than this checkpoint's (`exportSize`). */
  | 'EXPORT_SIZE_MISMATCH'
  /** The number of entries differs from the checkpoint's size (truncated, extra lines). */
  | 'SIZE_MISMATCH'
  /** The root of the entries is not the checkpoint's: an entry altered, removed, inserted, moved. */
  | 'ROOT_MISMATCH'
  /** There are no entries, not even the genesis. */
  | 'ENTRIES_EMPTY'
  /** The entries do not end with a newline (cut off mid-line). */
  | 'ENTRIES_UNTERMINATED'
  /** A line is not (strict, I-JSON) JSON, or not UTF-8. */
  | 'ENTRY_NOT_JSON'
  /** A line is JSON but not its own RFC 8785 canonical form. */
  | 'ENTRY_NOT_CANONICAL'
  /** The envelope's members are wrong (unknown, missing, malformed). */
  | 'ENTRY_MALFORMED'
  /** The event's common members or a key event's payload are wrong, or it is not the envelope's. */
  | 'EVENT_INVALID'
  /** The envelope's signature does not verify with the key it names. */
  | 'ENTRY_SIGNATURE_INVALID'
  /** The first entry does not register the operator's key, signed by that key. */
  | 'GENESIS_INVALID'
  /** The genesis registers another key than the pinned log key. */
  | 'GENESIS_NOT_LOG_KEY'
  /** The envelope's key is not registered (before this position) in the log. */
  | 'KEY_UNKNOWN'
  /** The envelope's key was revoked at an earlier position. */
  | 'KEY_REVOKED'
  /** The event was reported before the key's validFrom. */
  | 'KEY_NOT_YET_VALID'
  /** A key event the rules refuse: authority, proof of possession, repeated registration… */
  | 'KEY_EVENT_INVALID'
  /** An event id appears twice. */
  | 'DUPLICATE_EVENT_ID'
  /** An organisation's idempotency key appears twice. */
  | 'DUPLICATE_IDEMPOTENCY_KEY'
  /** A cosignature is malformed, does not verify, or repeats a witness. */
  | 'COSIGNATURE_INVALID'
  /** A cosignature's witness has no key registered in the log within the checkpoint. */
  | 'COSIGNATURE_UNKNOWN_WITNESS';

export interface Problem {
  code: ProblemCode;
  message: string;
  /** The entry's position in the log (0-based; line seq + 1 of entries.jsonl). */
  seq?: number;
}

export interface VerifyReport {
  /** True when nothing is wrong: the checkpoint is the pinned log's and covers these entries. */
  ok: boolean;
  /** The log's origin as the pinned key names it, if the key could be read. */
  origin?: string;
  /** The number of entries given. */
  size: number;
  /** Base64 of the RFC 9162 root of the entries given, as checkpoints write it. */
  rootHash: string;
  /** The checkpoint as its text says (whether or not its signature verified), if readable. */
  checkpoint?: { origin: string; size: number; rootHash: string };
  checked: {
    /** Entries that passed every check of their own (shape, canonical form, key, signature). */
    entries: number;
    /** Envelope signatures that verified. */
    signatures: number;
    /** Keys registered by the log's key events. */
    keys: number;
    /** Witness cosignatures of the checkpoint that verified. */
    cosignatures: number;
  };
  /** Witnesses (organisations) whose cosignature of the checkpoint verified, sorted. */
  cosigners: string[];
  /** The keys the key events registered and revoked, as an export's keys.json lists them. */
  keys: KeyListing[];
  problems: Problem[];
  /** Problems found beyond `maxProblems`. */
  problemsOmitted: number;
}

/** One line of entries.jsonl as read. */
interface Line {
  seq: number;
  /** The exact leaf bytes (for text input: encoded when the line's step comes). */
  bytes: Uint8Array | undefined;
  /** The text, unless the bytes are not UTF-8. */
  text: string | undefined;
}

/** An entry whose shape is right, waiting for its key and signature. */
interface Parsed {
  seq: number;
  line: string;
  /** The line's UTF-8 bytes. */
  bytes: Uint8Array;
  envelope: SignedEnvelope;
  event: CheckedEvent;
}

/** Gives the event loop back: `scheduler.yield()` where the browser has it, else a timer. */
function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

class Problems {
  readonly #max: number;
  readonly list: Problem[] = [];
  omitted = 0;

  constructor(max: number) {
    this.#max = max;
  }

  add(code: ProblemCode, message: string, seq?: number): void {
    if (this.list.length >= this.#max) {
      this.omitted++;
      return;
    }
    this.list.push(seq === undefined ? { code, message } : { code, message, seq });
  }
}

function splitLines(entries: string | Uint8Array): { lines: Line[]; unterminated: boolean } {
  const lines: Line[] = [];
  if (typeof entries === 'string') {
    if (entries === '') return { lines, unterminated: false };
    const unterminated = !entries.endsWith('\n');
    const texts = (unterminated ? entries : entries.slice(0, -1)).split('\n');
    for (const [seq, text] of texts.entries()) lines.push({ seq, bytes: undefined, text });
    return { lines, unterminated };
  }
  if (entries.length === 0) return { lines, unterminated: false };
  const unterminated = entries[entries.length - 1] !== 0x0a;
  const end = unterminated ? entries.length : entries.length - 1;
  for (let start = 0; start <= end; ) {
    const newline = entries.indexOf(0x0a, start);
    const stop = newline < 0 || newline > end ? end : newline;
    const bytes = entries.subarray(start, stop);
    lines.push({ seq: lines.length, bytes, text: fromUtf8(bytes) });
    start = stop + 1;
  }
  return { lines, unterminated };
}

function cosignatureInputs(
  input: string | readonly CosignatureInput[] | undefined,
  problems: Problems,
): CosignatureInput[] {
  if (input === undefined) return [];
  if (typeof input !== 'string') return [...input];
  if (input === '') return [];
  if (!input.endsWith('\n')) {
    problems.add('COSIGNATURE_INVALID', 'cosignatures.jsonl does not end with a newline');
  }
  const out: CosignatureInput[] = [];
  for (const [index, text] of input.replace(/\n$/, '').split('\n').entries()) {
    const where = `cosignatures.jsonl line ${index + 1}`;
    let value: unknown;
    try {
      value = parseJson(text);
    } catch (error) {
      problems.add('COSIGNATURE_INVALID', `${where} is not JSON: ${(error as Error).message}`);
      continue;
    }
    if (canonicalize(value) !== text) {
      problems.add('COSIGNATURE_INVALID', `${where} is not in canonical (JCS) form`);
      continue;
    }
    const record = value as Record<string, unknown> | null;
    if (
      typeof record !== 'object' ||
      record === null ||
      typeof record.line !== 'string' ||
      typeof record.checkpointSize !== 'number' ||
      typeof record.witness !== 'string'
    ) {
      problems.add('COSIGNATURE_INVALID', `${where} is not {checkpointSize, line, witness}`);
      continue;
    }
    out.push({ line: record.line, checkpointSize: record.checkpointSize, witness: record.witness });
  }
  return out;
}

function requireInput(input: VerifyInput): void {
  const isText = (value: unknown) => typeof value === 'string' || value instanceof Uint8Array;
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('verifyLedger takes { logKey, checkpoint, entries, … }');
  }
  if (typeof input.logKey !== 'string') throw new TypeError('logKey is the verifier key string');
  if (!isText(input.checkpoint)) throw new TypeError('checkpoint is the signed note text or bytes');
  if (!isText(input.entries)) throw new TypeError('entries is the entries.jsonl text or bytes');
  const { cosignatures } = input;
  if (
    cosignatures !== undefined &&
    typeof cosignatures !== 'string' &&
    !(Array.isArray(cosignatures) && cosignatures.every((c) => typeof c?.line === 'string'))
  ) {
    throw new TypeError('cosignatures is cosignatures.jsonl text or a list of { line }');
  }
  if (input.exportSize !== undefined && !Number.isSafeInteger(input.exportSize)) {
    throw new TypeError('exportSize is the x-truce-checkpoint-size header as a number');
  }
}

/**
 * Verifies a truce ledger in the browser with WebCrypto only, trusting nothing but the pinned
 * log key: the checkpoint's signature and origin, that the entries are exactly the checkpoint's
 * tree (count and RFC 9162 root), each entry's canonical form, shape and signature with the key
 * its organisation had registered at that position, the key events' rules, unique event ids and
 * idempotency keys, and the witnesses' cosignatures given. Never throws for a bad ledger (the
 * report lists the problems); throws TypeError for wrong arguments,
 * UnsupportedEnvironmentError without WebCrypto Ed25519, and the signal's reason when aborted.
 */
export async function verifyLedger(input: VerifyInput): Promise<VerifyReport> {
  requireInput(input);
  await requireSupport();
  const { signal, onProgress } = input;
  const problems = new Problems(input.maxProblems ?? 1000);
  const chunkSize = Math.max(1, input.chunkSize ?? 256);
  const pause = async () => {
    signal?.throwIfAborted();
    await yieldToEventLoop();
    signal?.throwIfAborted();
  };
  signal?.throwIfAborted();

  // The pinned log key.
  let log: (NoteKey & { verifyKey: ParsedKey['key'] }) | undefined;
  const logKeyText = input.logKey.trim();
  const parsedLogKey = await parseVerifierKey(logKeyText);
  if (typeof parsedLogKey === 'string') {
    problems.add('LOG_KEY_INVALID', `the pinned log key: ${parsedLogKey}`);
  } else if (parsedLogKey.type !== signatureTypes.ed25519) {
    problems.add('LOG_KEY_INVALID', 'the pinned log key is not an Ed25519 (type 0x01) key');
  } else {
    const verifyKey = await importEd25519(parsedLogKey.raw);
    if (verifyKey) log = { ...parsedLogKey, verifyKey };
    else problems.add('LOG_KEY_INVALID', 'the pinned log key is not an Ed25519 public key');
  }

  // The checkpoint: signed by the pinned key, its origin.
  let note: Note | undefined;
  let checkpoint: Checkpoint | undefined;
  const checkpointText =
    typeof input.checkpoint === 'string' ? input.checkpoint : fromUtf8(input.checkpoint);
  const parsedNote = checkpointText === undefined ? 'not valid UTF-8' : parseNote(checkpointText);
  if (typeof parsedNote === 'string') {
    problems.add('CHECKPOINT_MALFORMED', `the checkpoint is not a signed note: ${parsedNote}`);
  } else {
    note = parsedNote;
    if (formatNote(note) !== checkpointText) {
      problems.add(
        'CHECKPOINT_MALFORMED',
        'the checkpoint is not in the canonical signed-note form',
      );
    }
    const body = parseCheckpoint(note.text);
    if (typeof body === 'string')
      problems.add('CHECKPOINT_MALFORMED', `invalid checkpoint: ${body}`);
    else checkpoint = body;
    if (log) {
      const key = log;
      const bySigner = note.signatures.filter((s) => sameKey(s, key));
      if (bySigner.length === 0) {
        problems.add(
          'CHECKPOINT_UNSIGNED',
          `the checkpoint has no signature by the pinned log key ${key.name}: it is another log's, or the key pinned is not this log's`,
        );
      }
      for (const signature of bySigner) {
        if (!(await verifyNoteSignature(note.text, signature, key.verifyKey))) {
          problems.add(
            'CHECKPOINT_SIGNATURE_INVALID',
            `the signature by ${key.name} does not verify: the checkpoint was altered`,
          );
          break;
        }
      }
      if (checkpoint && checkpoint.origin !== key.name) {
        problems.add(
          'ORIGIN_MISMATCH',
          `the checkpoint's origin is ${JSON.stringify(checkpoint.origin)}, the log key's ${JSON.stringify(key.name)}`,
        );
      }
    }
  }
  if (checkpoint && input.exportSize !== undefined && input.exportSize !== checkpoint.size) {
    problems.add(
      'EXPORT_SIZE_MISMATCH',
      `the export was cut at ${input.exportSize} entries but the checkpoint is of size ${checkpoint.size}: fetch the checkpoint of size ${input.exportSize}`,
    );
  }

  // The entries.
  const { lines, unterminated } = splitLines(input.entries);
  const total = lines.length;
  if (total === 0) problems.add('ENTRIES_EMPTY', 'there are no entries, not even the genesis');
  if (unterminated) {
    problems.add(
      'ENTRIES_UNTERMINATED',
      'the entries do not end with a newline: the file was cut off',
      total - 1,
    );
  }
  if (checkpoint && checkpoint.size !== total) {
    problems.add(
      'SIZE_MISMATCH',
      checkpoint.size > total
        ? `the checkpoint covers ${checkpoint.size} entries, but only ${total} were given: entries are missing`
        : `the checkpoint covers ${checkpoint.size} entries, but ${total} were given`,
    );
  }

  const registry = new Registry();
  const ids = new Set<string>();
  const idempotencyKeys = new Set<string>();
  const leaves: Uint8Array[] = [];
  let genesisFailed = false;
  let goodEntries = 0;
  let goodSignatures = 0;
  const entryProblems: Problem[] = [];
  // Entry problems are gathered per chunk and sorted by position before they are listed.
  const entryProblem = (code: ProblemCode, message: string, seq: number) =>
    entryProblems.push({ code, message, seq });

  const admitGenesis = async (entry: Parsed): Promise<'ok' | 'not-log-key' | 'failed'> => {
    const { seq, envelope, event } = entry;
    const fail = (message: string) => {
      genesisFailed = true;
      entryProblem(
        'GENESIS_INVALID',
        `${message}; without a genesis, the other entries' keys cannot be checked`,
        seq,
      );
      return 'failed' as const;
    };
    if (seq !== 0 || event.kind !== 'key_registered' || event.payload.org !== envelope.org) {
      return fail(
        'the log has no genesis: its first entry must register the operator key, signed by that key',
      );
    }
    const key = await parseRegisteredKey(event.payload.org, event.payload.publicKey);
    if (typeof key === 'string') return fail(`the genesis key: ${key}`);
    if (
      event.payload.keyId !== envelope.keyId ||
      !(await verifyEnvelope(envelope, entry.line, key, entry.bytes))
    ) {
      return fail('the genesis entry is not signed by the key it registers');
    }
    const possession = await possessionProblem(event.payload, key);
    if (possession) return fail(possession);
    registry.register(event.payload, key, seq, envelope.keyId);
    if (log && !bytesEqual(key.raw, log.raw)) {
      entryProblem(
        'GENESIS_NOT_LOG_KEY',
        'the genesis entry registers another key than the pinned log key',
        seq,
      );
      return 'not-log-key';
    }
    return 'ok';
  };

  /** The key the entry must be signed with at its position, or undefined (problem reported). */
  const keyFor = (entry: Parsed): RegisteredKey | undefined => {
    const { seq, envelope, event } = entry;
    const key = registry.keys.get(envelope.keyId);
    if (!key || key.registeredAt >= seq) {
      entryProblem(
        'KEY_UNKNOWN',
        `key ${envelope.keyId} is not registered in this log before position ${seq}`,
        seq,
      );
      return undefined;
    }
    if (key.revokedAt !== undefined && seq > key.revokedAt) {
      entryProblem(
        'KEY_REVOKED',
        `key ${envelope.keyId} was revoked at position ${key.revokedAt}${key.reason ? ` (${key.reason})` : ''}`,
        seq,
      );
      return undefined;
    }
    if (key.validFrom !== undefined && Date.parse(event.reportedAt) < Date.parse(key.validFrom)) {
      entryProblem(
        'KEY_NOT_YET_VALID',
        `key ${envelope.keyId} is valid from ${key.validFrom}, but the event was reported at ${event.reportedAt}`,
        seq,
      );
      return undefined;
    }
    return key;
  };

  /** Applies a key event signed by a valid key, if the rules allow it; reports why not. */
  const applyKeyEvent = async (entry: Parsed): Promise<boolean> => {
    const { seq, envelope, event } = entry;
    const refuse = (message: string) => {
      entryProblem('KEY_EVENT_INVALID', message, seq);
      return false;
    };
    if (event.kind === 'key_registered') {
      const { org, keyId } = event.payload;
      if (envelope.org !== registry.operator && envelope.org !== org) {
        return refuse(
          `${envelope.org} may not register keys for ${org}; the operator (${registry.operator}) or ${org} itself must`,
        );
      }
      if (registry.keys.has(keyId)) return refuse(`key ${keyId} is already registered`);
      const key = await parseRegisteredKey(org, event.payload.publicKey);
      if (typeof key === 'string') return refuse(key);
      const possession = await possessionProblem(event.payload, key);
      if (possession) return refuse(possession);
      registry.register(event.payload, key, seq, envelope.keyId);
      return true;
    }
    if (event.kind === 'key_revoked') {
      const target = registry.keys.get(event.payload.keyId);
      if (!target) return refuse(`key ${event.payload.keyId} is not registered`);
      if (target.revokedAt !== undefined)
        return refuse(`key ${event.payload.keyId} is already revoked`);
      if (envelope.org !== registry.operator && envelope.org !== target.org) {
        return refuse(
          `${envelope.org} may not revoke a key of ${target.org}; the operator or ${target.org} must`,
        );
      }
      registry.revoke(event.payload.keyId, seq, envelope.keyId, event.payload.reason);
    }
    return true;
  };

  for (let from = 0; from < total; from += chunkSize) {
    const chunk = lines.slice(from, from + chunkSize);
    for (const line of chunk) line.bytes ??= utf8(line.text as string);
    leaves.push(...(await leafHashes(chunk.map((line) => line.bytes as Uint8Array))));

    // Shape, canonical form, duplicates.
    const parsed: Parsed[] = [];
    for (const { seq, text, bytes } of chunk) {
      if (text === undefined || bytes === undefined) {
        entryProblem('ENTRY_NOT_JSON', 'the line is not valid UTF-8', seq);
        continue;
      }
      let value: unknown;
      try {
        value = parseJson(text);
      } catch (error) {
        entryProblem('ENTRY_NOT_JSON', `not JSON: ${(error as Error).message}`, seq);
        continue;
      }
      if (canonicalize(value) !== text) {
        entryProblem('ENTRY_NOT_CANONICAL', 'the line is not in canonical (JCS) form', seq);
        continue;
      }
      const envelope = checkEnvelope(value);
      if (Array.isArray(envelope)) {
        entryProblem('ENTRY_MALFORMED', `invalid envelope: ${envelope.join('; ')}`, seq);
        continue;
      }
      if (ids.has(envelope.id)) {
        entryProblem('DUPLICATE_EVENT_ID', `event id ${envelope.id} appears twice`, seq);
      }
      ids.add(envelope.id);
      const scoped = `${envelope.org}\u0000${envelope.idempotencyKey}`;
      if (idempotencyKeys.has(scoped)) {
        entryProblem(
          'DUPLICATE_IDEMPOTENCY_KEY',
          `idempotency key ${envelope.idempotencyKey} of ${envelope.org} appears twice`,
          seq,
        );
      }
      idempotencyKeys.add(scoped);
      const event = checkEvent(envelope);
      if (Array.isArray(event)) {
        entryProblem('EVENT_INVALID', `invalid event: ${event.join('; ')}`, seq);
        continue;
      }
      parsed.push({ seq, line: text, bytes, envelope, event });
    }

    // Keys, in log order: key events change the registry, so they are verified on the way;
    // the signatures of the other entries are verified together afterwards.
    const pending: { entry: Parsed; key: RegisteredKey }[] = [];
    const good = new Set<number>();
    for (const entry of parsed) {
      if (genesisFailed) continue;
      if (registry.operator === undefined) {
        const genesis = await admitGenesis(entry);
        // A genesis by another key than the pinned one is still self-consistent: the entries
        // after it are checked against it, so that the report shows what else is wrong.
        if (genesis !== 'failed') goodSignatures++;
        if (genesis === 'ok') good.add(entry.seq);
        continue;
      }
      const key = keyFor(entry);
      if (!key) continue;
      if (entry.event.kind === 'other') {
        // The server's audit log is vouched for by the log operator alone (the ledger's rule).
        if (entry.event.type === 'audit_anchored' && entry.envelope.org !== registry.operator) {
          entryProblem(
            'EVENT_INVALID',
            `only the log operator (${registry.operator}) anchors the audit log, not ${entry.envelope.org}`,
            entry.seq,
          );
          continue;
        }
        pending.push({ entry, key });
        continue;
      }
      if (!(await verifyEnvelope(entry.envelope, entry.line, key, entry.bytes))) {
        entryProblem(
          'ENTRY_SIGNATURE_INVALID',
          `the signature of ${entry.envelope.id} does not verify with key ${entry.envelope.keyId}: the envelope was altered or signed with another key`,
          entry.seq,
        );
        continue;
      }
      goodSignatures++;
      if (await applyKeyEvent(entry)) good.add(entry.seq);
    }
    const results = await Promise.all(
      pending.map(({ entry, key }) => verifyEnvelope(entry.envelope, entry.line, key, entry.bytes)),
    );
    for (const [i, ok] of results.entries()) {
      const { entry } = pending[i] as { entry: Parsed };
      if (ok) {
        goodSignatures++;
        good.add(entry.seq);
      } else {
        entryProblem(
          'ENTRY_SIGNATURE_INVALID',
          `the signature of ${entry.envelope.id} does not verify with key ${entry.envelope.keyId}: the envelope was altered or signed with another key`,
          entry.seq,
        );
      }
    }
    // Duplicates are problems of their own entries, found before the key checks.
    for (const problem of entryProblems) if (problem.seq !== undefined) good.delete(problem.seq);
    goodEntries += good.size;
    entryProblems.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (const problem of entryProblems) problems.add(problem.code, problem.message, problem.seq);
    entryProblems.length = 0;
    // Text input: the bytes were encoded for this step only; the leaf hashes are what remains.
    if (typeof input.entries === 'string') for (const line of chunk) line.bytes = undefined;
    onProgress?.(Math.min(total, from + chunk.length), total);
    await pause();
  }

  // The tree.
  const root = await rootOf(leaves, pause);
  if (checkpoint && checkpoint.size <= total) {
    const covered =
      checkpoint.size === total ? root : await rootOf(leaves.slice(0, checkpoint.size), pause);
    if (!bytesEqual(covered, checkpoint.rootHash)) {
      problems.add(
        'ROOT_MISMATCH',
        `the root of the ${checkpoint.size === total ? '' : `first ${checkpoint.size} `}entries is not the checkpoint's: an entry was altered, removed, inserted or moved`,
      );
    }
  }

  // Cosignatures: each by a key its witness organisation had registered within the checkpoint.
  const cosigners = new Set<string>();
  let goodCosignatures = 0;
  const inputs = cosignatureInputs(input.cosignatures, problems);
  if (note && checkpoint) {
    const text = note.text;
    const size = checkpoint.size;
    const witnessKeys = async (signature: NoteSignature) => {
      const matching: RegisteredKey[] = [];
      for (const key of registry.keysOf(signature.name, size)) {
        if ((await registry.cosignatureKeyHash(key)) === signature.keyHash) matching.push(key);
      }
      return matching;
    };
    const check = async (signature: NoteSignature, where: string, claimed?: string) => {
      if (registry.keysOf(signature.name, size).length === 0) {
        problems.add(
          'COSIGNATURE_UNKNOWN_WITNESS',
          `${where}: ${signature.name} has no key registered in the log at size ${size}`,
        );
        return;
      }
      const keys = await witnessKeys(signature);
      let timestamp: number | undefined;
      for (const key of keys) {
        timestamp = await verifyCosignature(text, signature, key.key);
        if (timestamp !== undefined) break;
      }
      if (timestamp === undefined) {
        problems.add(
          'COSIGNATURE_INVALID',
          `${where}: the cosignature by ${signature.name} does not verify with its registered keys`,
        );
        return;
      }
      if (claimed !== undefined && claimed !== signature.name) {
        problems.add(
          'COSIGNATURE_INVALID',
          `${where}: the line is by ${signature.name}, not ${claimed}`,
        );
        return;
      }
      if (cosigners.has(signature.name)) {
        problems.add(
          'COSIGNATURE_INVALID',
          `${where}: ${signature.name} cosigned this checkpoint twice`,
        );
        return;
      }
      cosigners.add(signature.name);
      goodCosignatures++;
    };
    for (const [index, cosignature] of inputs.entries()) {
      if (cosignature.checkpointSize !== undefined && cosignature.checkpointSize !== size) continue;
      const where = `cosignature ${index + 1}`;
      const line = cosignature.line.endsWith('\n') ? cosignature.line : `${cosignature.line}\n`;
      const parsed = parseNote(`${text}\n${line}`);
      const signature = typeof parsed === 'string' ? undefined : parsed.signatures[0];
      if (typeof parsed === 'string' || parsed.signatures.length !== 1 || !signature) {
        problems.add('COSIGNATURE_INVALID', `${where} is not one signature line`);
        continue;
      }
      await check(signature, where, cosignature.witness);
    }
    // Witness signatures in the note itself (a cosigned note), by keys the log registered.
    for (const signature of note.signatures) {
      if (log && sameKey(signature, log)) continue;
      if ((await witnessKeys(signature)).length === 0) continue; // unknown keys are ignored
      await check(signature, `the checkpoint's signature line by ${signature.name}`);
    }
  }

  onProgress?.(total, total);
  return {
    ok: problems.list.length === 0 && problems.omitted === 0,
    ...(parsedLogKey && typeof parsedLogKey !== 'string' ? { origin: parsedLogKey.name } : {}),
    size: total,
    rootHash: toBase64(root),
    ...(checkpoint
      ? {
          checkpoint: {
            origin: checkpoint.origin,
            size: checkpoint.size,
            rootHash: toBase64(checkpoint.rootHash),
          },
        }
      : {}),
    checked: {
      entries: goodEntries,
      signatures: goodSignatures,
      keys: registry.keys.size,
      cosignatures: goodCosignatures,
    },
    cosigners: [...cosigners].sort(),
    keys: registry.listing(),
    problems: problems.list,
    problemsOmitted: problems.omitted,
  };
}
