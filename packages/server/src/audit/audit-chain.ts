import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain (migration 10 computes it in the database; this checks it): each
 * line has a chain number and `hash = SHA-256(previous hash ‖ line bytes)`, the first line's
 * previous hash being 32 zero bytes. A line's bytes are its fields, each as a 4-byte big-endian
 * length and its UTF-8 bytes (a missing field: length 0xffffffff, no bytes), in this order:
 * chain number, time in Unix milliseconds, actor, actor organisation, action, target, outcome,
 * address, details (the JSON text as stored, which is `JSON.stringify` of the details).
 *
 * The chain shows that no line was edited, removed or reordered after it was written; anyone
 * holding an earlier head (the export's last hash) can tell that the log they see extends it.
 */
export interface ChainedLine {
  chainSeq: number;
  /** Lower-case hex SHA-256. */
  hash: string;
  at: string;
  actor: string | null | undefined;
  actorOrg: string | null | undefined;
  action: string;
  target: string | null | undefined;
  outcome: string;
  ip: string | null | undefined;
  details: unknown;
}

export const auditChainGenesis = '0'.repeat(64);

const missing = Buffer.from([0xff, 0xff, 0xff, 0xff]);

function field(value: string | null | undefined): Buffer[] {
  if (value === null || value === undefined) return [missing];
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, bytes];
}

/** The bytes a line contributes to the chain. */
export function auditLineBytes(line: Omit<ChainedLine, 'hash'>): Buffer {
  const milliseconds = Date.parse(line.at);
  return Buffer.concat([
    ...field(String(line.chainSeq)),
    ...field(Number.isFinite(milliseconds) ? String(milliseconds) : line.at),
    ...field(line.actor),
    ...field(line.actorOrg),
    ...field(line.action),
    ...field(line.target),
    ...field(line.outcome),
    ...field(line.ip),
    ...field(typeof line.details === 'string' ? line.details : JSON.stringify(line.details)),
  ]);
}

export function nextAuditHash(previous: string, line: Omit<ChainedLine, 'hash'>): string {
  return createHash('sha256')
    .update(Buffer.from(previous, 'hex'))
    .update(auditLineBytes(line))
    .digest('hex');
}

export interface AuditChainReport {
  ok: boolean;
  /** Lines checked. */
  lines: number;
  /** The chain number and hash of the last line (the head another copy can be compared with). */
  head: { chainSeq: number; hash: string } | null;
  /** The first line that does not verify, and why. */
  problem?: { chainSeq: number; reason: string };
}

/**
 * Checks a whole chain, or a run of it that starts after a known line (`from`: its chain
 * number and hash). Lines may come in any order; they are checked in chain order.
 */
export function verifyAuditChain(
  lines: Iterable<ChainedLine>,
  from: { chainSeq: number; hash: string } = { chainSeq: 0, hash: auditChainGenesis },
): AuditChainReport {
  const sorted = [...lines].sort((a, b) => a.chainSeq - b.chainSeq);
  let previous = from;
  for (const line of sorted) {
    const expected = previous.chainSeq + 1;
    if (line.chainSeq !== expected) {
      const reason =
        line.chainSeq === previous.chainSeq
          ? `line ${line.chainSeq} appears twice`
          : `line ${expected} is missing (the next is ${line.chainSeq})`;
      return report(false, sorted, previous, { chainSeq: expected, reason });
    }
    const hash = nextAuditHash(previous.hash, line);
    if (hash !== line.hash) {
      return report(false, sorted, previous, {
        chainSeq: line.chainSeq,
        reason: `line ${line.chainSeq} does not match its hash: it was changed, or a line before it was`,
      });
    }
    previous = { chainSeq: line.chainSeq, hash };
  }
  return report(true, sorted, previous);
}

function report(
  ok: boolean,
  sorted: readonly ChainedLine[],
  head: { chainSeq: number; hash: string },
  problem?: { chainSeq: number; reason: string },
): AuditChainReport {
  return {
    ok,
    lines: sorted.length,
    head: head.chainSeq === 0 ? null : head,
    ...(problem ? { problem } : {}),
  };
}
