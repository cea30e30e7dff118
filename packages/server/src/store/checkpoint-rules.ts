import { TruceError } from '@truce/core';
import type { CheckpointRecord } from './store.js';

/**
 * What every store checks before it keeps a checkpoint, so that the three agree: a checkpoint
 * covers entries that exist, sizes only grow, and a size once checkpointed is never re-signed
 * with other text (that would be two different trees of one size: a split view).
 */
export const checkpointRules = {
  decide(
    size: number,
    text: string,
    treeSize: number,
    sameSize: CheckpointRecord | undefined,
    latest: CheckpointRecord | undefined,
  ): 'insert' | CheckpointRecord {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TruceError('USAGE', `A checkpoint size is a non-negative integer, not ${size}.`);
    }
    if (size > treeSize) {
      throw new TruceError(
        'NOT_FOUND',
        `The ledger has ${treeSize} entries; a checkpoint cannot cover ${size}.`,
      );
    }
    if (sameSize !== undefined) {
      if (sameSize.text === text) return { ...sameSize };
      throw new TruceError(
        'CONFLICT',
        `A different checkpoint of size ${size} is already stored; the log never signs two heads for one size.`,
      );
    }
    if (latest !== undefined && latest.size > size) {
      throw new TruceError(
        'CONFLICT',
        `Checkpoint sizes only grow: the latest covers ${latest.size} entries, this one ${size}.`,
      );
    }
    return 'insert';
  },

  unknownCheckpoint(size: number): TruceError {
    return new TruceError(
      'NOT_FOUND',
      `No checkpoint of size ${size} is stored; cosign a checkpoint the log has published.`,
    );
  },
};
