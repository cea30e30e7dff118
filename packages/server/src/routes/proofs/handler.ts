import { TruceError } from '@truce/core';
import type { AppContext, TruceApp } from '../../http/context.js';
import { consistencySchema, inclusionSchema } from './schema.js';

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function proofRoutes(app: TruceApp, ctx: AppContext): void {
  /** Proofs are against checkpointed sizes by default: those are the ones clients can check. */
  async function checkpointedSize(requested: number | undefined): Promise<number> {
    const latest = (await ctx.store.latestCheckpoint())?.size ?? 0;
    const size = requested ?? latest;
    if (size > (await ctx.store.size())) {
      throw new TruceError('LEDGER_RANGE_INVALID', `the log has fewer than ${size} entries`);
    }
    return size;
  }

  app.get(
    '/api/v1/proofs/consistency',
    { config: { action: 'checkpoints.read' }, schema: consistencySchema },
    async (request) => {
      const to = await checkpointedSize(request.query.to);
      const from = request.query.from;
      if (from > to) {
        throw new TruceError('LEDGER_RANGE_INVALID', `from (${from}) is larger than to (${to})`);
      }
      const proof = await ctx.store.consistencyProof(from, to);
      return {
        from,
        to,
        fromRoot: base64(await ctx.store.root(from)),
        toRoot: base64(await ctx.store.root(to)),
        hashes: proof.map(base64),
      };
    },
  );

  app.get(
    '/api/v1/proofs/inclusion',
    { config: { action: 'checkpoints.read' }, schema: inclusionSchema },
    async (request) => {
      const size = await checkpointedSize(request.query.size);
      const { seq } = request.query;
      if (seq >= size) {
        throw new TruceError(
          'LEDGER_RANGE_INVALID',
          `entry ${seq} is not in the tree of ${size} entries; wait for the next checkpoint`,
        );
      }
      const entry = await ctx.store.entry(seq);
      return {
        seq,
        size,
        leafHash: entry?.leafHash ?? null,
        root: base64(await ctx.store.root(size)),
        hashes: (await ctx.store.inclusionProof(seq, size)).map(base64),
      };
    },
  );
}
