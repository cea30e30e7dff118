import { createHash, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@truce/core';
import { exportLedger } from '../packages/server/src/ledger/export-ledger.js';
import { Ledger } from '../packages/server/src/ledger/ledger-service.js';
import { verifyPromise } from '../packages/server/src/ledger/statements.js';
import {
  newKey,
  registration,
  sampleEvent,
  signedEvent,
  testIdentity,
} from '../packages/server/src/ledger/testing.js';
import { verifyExport } from '../packages/server/src/ledger/verify-export.js';
import { openMemoryStore } from '../packages/server/src/store/index.js';
import { verifyLedger } from '../packages/web/src/verify/index.js';

/**
 * Forgery: an export of a ledger of `events` events, mutated one way at a time, each mutated
 * copy given to `truce verify` (its verifier, in-process) and to the browser verifier
 * (packages/web/src/verify, WebCrypto, run here in Node). A forger who changes a file would also
 * fix the manifest's sizes and hashes (it is not signed): every mutated copy gets a recomputed
 * manifest, so what rejects it is the signatures, the tree and the rules, never the manifest's
 * checksums — except for the manifest class itself. Proof nodes (inclusion, consistency and
 * receipt batch paths) go to the core's proof verifiers and the receipt verifier that `truce
 * verify` and `truce witness` use. Consistency proofs for every 0 < m ≤ n ≤ `consistencyUpTo`.
 */

export interface ClassResult {
  name: string;
  verifier: 'truce verify' | 'browser verifier' | 'proof verifiers';
  tried: number;
  rejected: number;
  /** Why the accepted ones were accepted (examples). */
  accepted: string[];
  /** The first words of each rejection reason, counted: what caught them. */
  caughtBy: Map<string, number>;
}

export interface ForgeryResult {
  events: number;
  entries: number;
  checkpoints: number;
  classes: ClassResult[];
  consistencyPairs: number;
  consistencyFailures: number;
  consistencyMutationsTried: number;
  consistencyMutationsRejected: number;
  /** A valid truncation back to an earlier checkpoint: accepted by design, counted apart. */
  rollbackAccepted: boolean;
  seconds: number;
}

export interface ForgeryOptions {
  events: number;
  /** Mutations per class and verifier. */
  trials: number;
  consistencyUpTo: number;
  /**
   * Only the mutation classes whose names start with one of these (all when undefined): to run
   * the rest of an interrupted campaign. "proof node" is one of them.
   */
  classes?: readonly string[];
  seed?: number;
  log?: (line: string) => void;
}

/** A small deterministic generator (mulberry32): the same seed tries the same mutations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Files = Map<string, Buffer>;

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_';
const hexChars = '0123456789abcdef';
const digits = '0123456789';
const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export async function forgeryCampaign(options: ForgeryOptions): Promise<ForgeryResult> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const rand = random(options.seed ?? 20250119);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const scratch = mkdtempSync(join(tmpdir(), 'truce-reliability-forgery-'));
  try {
    const built = await buildLedger(options.events, join(scratch, 'base'));
    const { identity, files } = built;
    log(`  forgery: a ledger of ${built.entries.toLocaleString('en')} entries exported`);
    const logKey = identity.verifierKey;
    const lines = splitLines(files.get('entries.jsonl')!);
    const checkpointNames = [...files.keys()].filter((p) => p.startsWith('checkpoints/'));
    const latestSize = Math.max(...checkpointNames.map((p) => Number(p.slice(12))));
    const latestName = `checkpoints/${latestSize}`;

    /** One byte changed to another: mostly one of the same kind, so that parsers pass it on. */
    const mutateByte = (bytes: Buffer, start: number, end: number): Buffer => {
      const copy = Buffer.from(bytes);
      const at = start + Math.floor(rand() * (end - start));
      const old = copy[at]!;
      let next = old;
      while (next === old) {
        const char = String.fromCharCode(old);
        const family = hexChars.includes(char)
          ? hexChars
          : digits.includes(char)
            ? digits
            : base64Chars.includes(char)
              ? rand() < 0.5
                ? base64Chars
                : letters
              : undefined;
        next =
          family && rand() < 0.8
            ? family.charCodeAt(Math.floor(rand() * family.length))
            : Math.floor(rand() * 256);
      }
      copy[at] = next;
      return copy;
    };
    /** A byte inside the value of `"member":` in a line (the value's bytes, quotes excluded). */
    const valueRange = (line: Buffer, member: string): [number, number] | undefined => {
      const key = Buffer.from(`"${member}":`);
      const at = line.indexOf(key);
      if (at < 0) return undefined;
      let start = at + key.length;
      if (line[start] === 0x22) {
        start += 1;
        return [start, line.indexOf(0x22, start)];
      }
      // An object: up to its matching brace.
      let depth = 0;
      for (let i = start; i < line.length; i++) {
        if (line[i] === 0x7b) depth += 1;
        if (line[i] === 0x7d && --depth === 0) return [start, i + 1];
      }
      return undefined;
    };
    const withLine = (seq: number, line: Buffer): Files => {
      const next = new Map(files);
      next.set('entries.jsonl', joinLines(lines.map((l, i) => (i === seq ? line : l))));
      return next;
    };
    const keyLines = lines
      .map((line, seq) => ({ line, seq }))
      .filter(({ line }) => line.includes('"type":"key_registered"'));

    // Each class makes one mutated export, or undefined when it has nothing to mutate.
    const classes: { name: string; browser: boolean; make: () => Files }[] = [
      {
        name: 'event field (one byte of an event)',
        browser: true,
        make: () => {
          const seq = Math.floor(rand() * lines.length);
          const [start, end] = valueRange(lines[seq]!, 'event')!;
          return withLine(seq, mutateByte(lines[seq]!, start, end));
        },
      },
      {
        name: 'envelope field (id, org, keyId, idempotencyKey, v)',
        browser: true,
        make: () => {
          const seq = Math.floor(rand() * lines.length);
          const member = pick(['id', 'org', 'keyId', 'idempotencyKey', 'v']);
          const line = lines[seq]!;
          // JCS sorts members: the envelope's own come after its event object.
          const eventEnd = valueRange(line, 'event')![1];
          const key = Buffer.from(`"${member}":`);
          const at = line.indexOf(key, eventEnd);
          const start = at + key.length + (line[at + key.length] === 0x22 ? 1 : 0);
          let end = start;
          while (
            end < line.length &&
            line[end] !== 0x22 &&
            line[end] !== 0x2c &&
            line[end] !== 0x7d
          ) {
            end++;
          }
          return withLine(seq, mutateByte(line, start, end));
        },
      },
      {
        name: 'signature (one byte of sig)',
        browser: true,
        make: () => {
          const seq = Math.floor(rand() * lines.length);
          const [start, end] = valueRange(lines[seq]!, 'sig')!;
          return withLine(seq, mutateByte(lines[seq]!, start, end));
        },
      },
      {
        name: 'key (a registered public key, its proof of possession, log.pub, keys.json)',
        browser: true,
        make: () => {
          const where = pick(['publicKey', 'proof', 'log.pub', 'keys.json']);
          if (where === 'log.pub' || where === 'keys.json') {
            const next = new Map(files);
            const bytes = files.get(where)!;
            next.set(where, mutateByte(bytes, 0, bytes.length - 1));
            return next;
          }
          const { line, seq } = pick(keyLines);
          const [start, end] = valueRange(line, where)!;
          return withLine(seq, mutateByte(line, start, end));
        },
      },
      {
        name: 'checkpoint (one byte of a signed checkpoint)',
        browser: true,
        make: () => {
          // Half the tries on the latest, which the browser verifier checks.
          const name = rand() < 0.5 ? latestName : pick(checkpointNames);
          const next = new Map(files);
          const bytes = files.get(name)!;
          next.set(name, mutateByte(bytes, 0, bytes.length));
          return next;
        },
      },
      {
        name: 'cosignature (one byte of cosignatures.jsonl)',
        browser: true,
        make: () => {
          const next = new Map(files);
          const bytes = files.get('cosignatures.jsonl')!;
          const cosLines = splitLines(bytes);
          // Half the tries on the latest checkpoint's lines, the browser verifier's input.
          const latest = cosLines
            .map((line, i) => ({ line, i }))
            .filter(({ line }) => line.includes(`"checkpointSize":${latestSize},`));
          const index =
            rand() < 0.5 && latest.length > 0
              ? pick(latest).i
              : Math.floor(rand() * cosLines.length);
          const line = cosLines[index]!;
          // Mostly the signature line itself, where a forger would work.
          const [start, end] =
            rand() < 0.7 ? (valueRange(line, 'line') ?? [0, line.length]) : [0, line.length];
          next.set(
            'cosignatures.jsonl',
            joinLines(cosLines.map((l, i) => (i === index ? mutateByte(line, start, end) : l))),
          );
          return next;
        },
      },
      {
        name: 'export file order (checkpoint files renamed, cosignature or key list reordered)',
        browser: false,
        make: () => {
          const next = new Map(files);
          const what = pick(['checkpoints', 'cosignatures', 'keys']);
          if (what === 'checkpoints') {
            const a = pick(checkpointNames);
            let b = pick(checkpointNames);
            while (b === a) b = pick(checkpointNames);
            next.set(a, files.get(b)!);
            next.set(b, files.get(a)!);
          } else if (what === 'cosignatures') {
            const cos = splitLines(files.get('cosignatures.jsonl')!);
            next.set('cosignatures.jsonl', joinLines(swapTwo(cos, rand)));
          } else {
            const keys = JSON.parse(files.get('keys.json')!.toString('utf8')) as unknown[];
            next.set(
              'keys.json',
              Buffer.from(`${ledger.canonicalize(swapTwo(keys, rand) as ledger.JsonValue)}\n`),
            );
          }
          return next;
        },
      },
      {
        name: 'truncation (entries.jsonl cut at a random byte or line)',
        browser: true,
        make: () => {
          const entries = files.get('entries.jsonl')!;
          const next = new Map(files);
          if (rand() < 0.5) {
            next.set('entries.jsonl', entries.subarray(0, Math.floor(rand() * entries.length)));
          } else {
            const keep = Math.floor(rand() * lines.length);
            next.set('entries.jsonl', joinLines(lines.slice(0, keep)));
          }
          return next;
        },
      },
      {
        name: 'duplication (an entry line repeated)',
        browser: true,
        make: () => {
          const seq = Math.floor(rand() * lines.length);
          const at = Math.floor(rand() * (lines.length + 1));
          const copy = [...lines];
          copy.splice(at, 0, lines[seq]!);
          const next = new Map(files);
          next.set('entries.jsonl', joinLines(copy));
          return next;
        },
      },
      {
        name: 'reordering (two entry lines swapped)',
        browser: true,
        make: () => {
          const next = new Map(files);
          next.set('entries.jsonl', joinLines(swapTwo(lines, rand)));
          return next;
        },
      },
      {
        name: 'manifest (one byte of manifest.json, not recomputed)',
        browser: false,
        make: () => {
          const next = new Map(files);
          const bytes = files.get('manifest.json')!;
          next.set('manifest.json', mutateByte(bytes, 0, bytes.length - 1));
          return next;
        },
      },
    ];

    const results: ClassResult[] = [];
    const dir = join(scratch, 'mutated');
    const chosen = (name: string) =>
      options.classes === undefined || options.classes.some((prefix) => name.startsWith(prefix));
    for (const mutation of classes.filter((c) => chosen(c.name))) {
      const cli: ClassResult = {
        name: mutation.name,
        verifier: 'truce verify',
        tried: 0,
        rejected: 0,
        accepted: [],
        caughtBy: new Map(),
      };
      const browser: ClassResult = { ...cli, verifier: 'browser verifier', caughtBy: new Map() };
      browser.accepted = [];
      for (let trial = 0; trial < options.trials; trial++) {
        const mutated = mutation.make();
        const manifestClass = mutation.name.startsWith('manifest');
        const written = manifestClass ? mutated : withManifest(mutated);
        if (sameFiles(written, files)) continue;
        writeFiles(dir, written);
        const verdict = verifyQuietly(dir, logKey);
        cli.tried += 1;
        if (verdict.ok) cli.accepted.push(describeDifference(files, written));
        else {
          cli.rejected += 1;
          count(cli.caughtBy, reasonHead(verdict.reason));
        }
        if (mutation.browser) {
          const report = await verifyLedger({
            logKey,
            checkpoint: written.get(latestName)!,
            entries: new Uint8Array(written.get('entries.jsonl')!),
            cosignatures: cosignaturesOf(
              written.get('cosignatures.jsonl')!,
              Number(latestName.slice(12)),
            ),
            chunkSize: 100_000,
          });
          // The browser verifier checks the latest checkpoint alone: a mutation of an earlier
          // checkpoint or of its cosignatures is not its input and is not counted for it.
          const ownInput =
            !sameBytes(written.get(latestName)!, files.get(latestName)!) ||
            !sameBytes(written.get('entries.jsonl')!, files.get('entries.jsonl')!) ||
            latestCosignatureLines(written.get('cosignatures.jsonl')!, latestSize).join('\n') !==
              latestCosignatureLines(files.get('cosignatures.jsonl')!, latestSize).join('\n');
          if (ownInput) {
            browser.tried += 1;
            const rejected = !report.ok || report.cosigners.length < built.latestCosigners;
            if (rejected) {
              browser.rejected += 1;
              count(
                browser.caughtBy,
                report.problems[0]?.code ??
                  `cosigners ${report.cosigners.length} < ${built.latestCosigners}`,
              );
            } else browser.accepted.push(describeDifference(files, written));
          }
        }
      }
      results.push(cli);
      if (mutation.browser) results.push(browser);
      log(
        `  forgery: ${mutation.name}: truce verify ${cli.rejected}/${cli.tried}${mutation.browser ? `, browser ${browser.rejected}/${browser.tried}` : ''}`,
      );
    }

    // Proof nodes: inclusion proofs, receipt batch paths, consistency proofs, one byte each.
    const proofs: ClassResult = {
      name: 'proof node (inclusion, consistency and receipt batch paths)',
      verifier: 'proof verifiers',
      tried: 0,
      rejected: 0,
      accepted: [],
      caughtBy: new Map(),
    };
    const tree = ledger.MemoryMerkleTree.of(lines);
    const size = tree.size;
    const logPublic = identity.publicKey;
    for (let trial = 0; chosen(proofs.name) && trial < options.trials; trial++) {
      const kind = pick(['inclusion', 'consistency', 'receipt'] as const);
      if (kind === 'inclusion') {
        const n = 1 + Math.floor(rand() * size);
        const seq = Math.floor(rand() * n);
        const proof = tree.inclusionProof(seq, n);
        if (proof.length === 0) continue;
        const bad = flipProofByte(proof, rand);
        proofs.tried += 1;
        if (!ledger.verifyInclusion(tree.leafHash(seq), seq, n, bad, tree.root(n))) {
          proofs.rejected += 1;
          count(proofs.caughtBy, 'inclusion');
        } else proofs.accepted.push(`inclusion ${seq} in ${n}`);
      } else if (kind === 'consistency') {
        const n = 2 + Math.floor(rand() * (size - 1));
        const m = 1 + Math.floor(rand() * (n - 1));
        const proof = tree.consistencyProof(m, n);
        const bad = flipProofByte(proof, rand);
        proofs.tried += 1;
        if (!ledger.verifyConsistency(m, n, bad, tree.root(m), tree.root(n))) {
          proofs.rejected += 1;
          count(proofs.caughtBy, 'consistency');
        } else proofs.accepted.push(`consistency ${m} → ${n}`);
      } else {
        const receipt = pick(built.receipts) as { batch: { path: string[] } };
        if (receipt.batch.path.length === 0) continue;
        const path = [...receipt.batch.path];
        const index = Math.floor(rand() * path.length);
        const hex = Buffer.from(path[index]!, 'hex');
        const bad = mutateByte(Buffer.from(hex.toString('hex')), 0, 64).toString();
        path[index] = bad;
        proofs.tried += 1;
        if (!verifyPromise({ ...receipt, batch: { ...receipt.batch, path } }, logPublic)) {
          proofs.rejected += 1;
          count(proofs.caughtBy, 'receipt');
        } else proofs.accepted.push(`receipt path ${index}: ${bad}`);
      }
    }
    results.push(proofs);
    log(`  forgery: proof nodes ${proofs.rejected}/${proofs.tried}`);

    // Consistency proofs for every (m, n) up to the bound, from the store's proof reads (the
    // same code the PGlite and PostgreSQL stores use), each verified, and one mutated.
    const small = openMemoryStore();
    const prefix = lines.slice(0, options.consistencyUpTo);
    const smallTree = ledger.MemoryMerkleTree.of(prefix);
    await small.append(
      prefix.map((entry, i) => ({
        entry,
        eventId: `c-${i}`,
        org: 'qatar',
        idempotencyKey: `c-${i}`,
        contentHash: createHash('sha256').update(entry).digest('hex'),
      })),
    );
    const roots: Uint8Array[] = [new Uint8Array(0)];
    for (let n = 1; n <= prefix.length; n++) roots[n] = smallTree.root(n);
    let pairs = 0;
    let failures = 0;
    let mutationsTried = 0;
    let mutationsRejected = 0;
    for (let n = 1; n <= prefix.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await small.consistencyProof(m, n);
        pairs += 1;
        if (!ledger.verifyConsistency(m, n, proof, roots[m]!, roots[n]!)) failures += 1;
        if (proof.length > 0) {
          mutationsTried += 1;
          if (!ledger.verifyConsistency(m, n, flipProofByte(proof, rand), roots[m]!, roots[n]!)) {
            mutationsRejected += 1;
          }
        }
      }
    }
    await small.close();
    log(`  forgery: ${pairs.toLocaleString('en')} consistency proofs, ${failures} failed`);

    // Rolling the export back to an earlier checkpoint (entries cut there, later checkpoints and
    // their cosignatures removed) is a valid export of an earlier state: what catches it is a
    // witness's state or a pinned larger checkpoint, not the export.
    const earlier = checkpointNames
      .map((p) => Number(p.slice(12)))
      .sort((a, b) => a - b)
      .at(-2)!;
    const rolled = new Map(
      [...files].filter(([p]) => !p.startsWith('checkpoints/') || Number(p.slice(12)) <= earlier),
    );
    rolled.set('entries.jsonl', joinLines(lines.slice(0, earlier)));
    rolled.set(
      'cosignatures.jsonl',
      joinLines(
        splitLines(files.get('cosignatures.jsonl')!).filter(
          (l) => (JSON.parse(l.toString()) as { checkpointSize: number }).checkpointSize <= earlier,
        ),
      ),
    );
    const rolledManifest = JSON.parse(files.get('manifest.json')!.toString()) as Record<
      string,
      unknown
    >;
    rolledManifest.size = earlier;
    rolledManifest.rootHash = Buffer.from(tree.root(earlier)).toString('base64');
    rolled.set(
      'manifest.json',
      Buffer.from(`${ledger.canonicalize(rolledManifest as ledger.JsonValue)}\n`),
    );
    writeFiles(dir, withManifest(rolled));
    const rollback = verifyQuietly(dir, logKey);

    return {
      events: options.events,
      entries: size,
      checkpoints: checkpointNames.length,
      classes: results,
      consistencyPairs: pairs,
      consistencyFailures: failures,
      consistencyMutationsTried: mutationsTried,
      consistencyMutationsRejected: mutationsRejected,
      rollbackAccepted: rollback.ok,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Keys for four organisations, `events` events among them, a checkpoint every 1,000 entries,
 * the latest cosigned by two witnesses and an earlier one by a third. */
async function buildLedger(events: number, out: string) {
  const identity = testIdentity();
  const store = openMemoryStore();
  const service = await Ledger.open(store, identity);
  const orgs = ['qatar', 'egypt', 'icrc', 'un-ocha'];
  const keys = new Map<string, KeyObject>(orgs.map((org) => [org, newKey()]));
  await service.submit(orgs.map((org) => registration(identity, org, keys.get(org)!)));
  const receipts: unknown[] = [];
  const batch = 100;
  const cosign = async (org: string) => {
    const checkpoint = await service.checkpoint();
    const witness = ledger.noteSigner(org, keys.get(org)!, ledger.signatureTypes.cosignatureV1);
    await service.cosign(
      ledger.formatSignatureLine(
        ledger.cosignCheckpoint(checkpoint?.text ?? '', witness, 1_737_300_000),
      ),
    );
  };
  for (let done = 0; done < events; done += batch) {
    const envelopes = Array.from({ length: Math.min(batch, events - done) }, (_, i) => {
      const n = done + i;
      const org = orgs[n % orgs.length]!;
      return signedEvent(sampleEvent(`f-${n}`, org, 1 + (n % 90)), keys.get(org)!);
    });
    // Two calls in one turn: receipts batched by two, with paths to mutate.
    const [a, b] = await Promise.all([
      service.submit(envelopes.slice(0, batch / 2)),
      service.submit(envelopes.slice(batch / 2)),
    ]);
    if (receipts.length < 200) receipts.push(...[...a!, ...b!].map((r) => r.promise));
    if ((done + batch) % 1000 === 0) {
      if ((done + batch) % 3000 === 0) await cosign('icrc');
      else await service.checkpoint();
    }
  }
  await cosign('qatar');
  await cosign('egypt');
  await exportLedger(store, identity, out);
  await service.close();
  await store.close();
  const files: Files = new Map();
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(out, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files.set(path, readFileSync(join(out, path)));
    }
  };
  walk('');
  const verified = verifyExport(out, { logKey: identity.verifierKey });
  if (!verified.ok) throw new Error(`the unmutated export does not verify: ${verified.reason}`);
  const report = await verifyLedger({
    logKey: identity.verifierKey,
    checkpoint: files.get(`checkpoints/${verified.size}`)!,
    entries: new Uint8Array(files.get('entries.jsonl')!),
    cosignatures: cosignaturesOf(files.get('cosignatures.jsonl')!, verified.size),
    chunkSize: 100_000,
  });
  if (!report.ok) {
    throw new Error(
      `the browser verifier refuses the unmutated export: ${report.problems[0]?.message}`,
    );
  }
  return {
    identity,
    files,
    entries: verified.size,
    latestCosigners: report.cosigners.length,
    receipts: receipts.filter((r) => (r as { batch?: unknown }).batch !== undefined),
  };
}

/** `truce verify`'s verdict; an export it cannot read at all (its exit 2) is a rejection too. */
function verifyQuietly(dir: string, logKey: string): ReturnType<typeof verifyExport> {
  try {
    return verifyExport(dir, { logKey });
  } catch (error) {
    return { ok: false, position: 'export', reason: `unreadable: ${(error as Error).message}` };
  }
}

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return lines;
}

function joinLines(lines: readonly Buffer[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
}

function swapTwo<T>(items: readonly T[], rand: () => number): T[] {
  const copy = [...items];
  const a = Math.floor(rand() * copy.length);
  let b = Math.floor(rand() * copy.length);
  while (copy.length > 1 && b === a) b = Math.floor(rand() * copy.length);
  [copy[a], copy[b]] = [copy[b]!, copy[a]!];
  return copy;
}

function flipProofByte(proof: readonly Uint8Array[], rand: () => number): Uint8Array[] {
  const copy = proof.map((node) => Uint8Array.from(node));
  const node = copy[Math.floor(rand() * copy.length)]!;
  const at = Math.floor(rand() * node.length);
  node[at] = node[at]! ^ (1 + Math.floor(rand() * 255));
  return copy;
}

/** cosignatures.jsonl as the browser verifier takes it (it keeps the lines of its checkpoint). */
function cosignaturesOf(bytes: Buffer, _size: number): string {
  return bytes.toString('utf8');
}

/**
 * The lines of cosignatures.jsonl that are the browser verifier's input: those of the latest
 * checkpoint (it ignores the others). A line no longer JSON, or now naming the latest
 * checkpoint, is input too.
 */
function latestCosignatureLines(bytes: Buffer, size: number): string[] {
  return splitLines(bytes)
    .map((line) => line.toString('latin1'))
    .filter((line) => {
      try {
        return (JSON.parse(line) as { checkpointSize?: unknown }).checkpointSize === size;
      } catch {
        return true;
      }
    });
}

/** The forger's manifest: every file's size and SHA-256 recomputed. */
function withManifest(files: Files): Files {
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as {
    files: { path: string; bytes: number; sha256: string }[];
  };
  const listed = new Set(manifest.files.map((f) => f.path));
  manifest.files = [...files.keys()]
    .filter(
      (path) => path !== 'manifest.json' && (listed.has(path) || path.startsWith('checkpoints/')),
    )
    .sort()
    .map((path) => ({
      path,
      bytes: files.get(path)!.length,
      sha256: createHash('sha256').update(files.get(path)!).digest('hex'),
    }));
  const next = new Map(files);
  next.set(
    'manifest.json',
    Buffer.from(`${ledger.canonicalize(manifest as unknown as ledger.JsonValue)}\n`),
  );
  return next;
}

function writeFiles(dir: string, files: Files): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  for (const [path, bytes] of files) writeFileSync(join(dir, path), bytes);
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.equals(b);
}

function sameFiles(a: Files, b: Files): boolean {
  if (a.size !== b.size) return false;
  for (const [path, bytes] of a) if (!b.get(path)?.equals(bytes)) return false;
  return true;
}

function describeDifference(base: Files, mutated: Files): string {
  for (const [path, bytes] of mutated) {
    const original = base.get(path);
    if (original?.equals(bytes)) continue;
    if (!original) return `${path} added`;
    let at = 0;
    while (at < bytes.length && bytes[at] === original[at]) at++;
    return `${path} byte ${at}: ${JSON.stringify(original.subarray(Math.max(0, at - 20), at + 20).toString('latin1'))} → ${JSON.stringify(bytes.subarray(Math.max(0, at - 20), at + 20).toString('latin1'))}`;
  }
  return 'no difference';
}

function reasonHead(reason: string): string {
  return reason
    .replace(/[0-9]+/g, 'N')
    .split(/[:;(]/)[0]!
    .slice(0, 60);
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
