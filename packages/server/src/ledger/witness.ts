import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ledger, TruceError } from '@truce/core';

/**
 * A witness (c2sp.org/tlog-witness, simplified to files): it remembers the last checkpoint it
 * cosigned, and cosigns a new one only if the log's signature verifies and a consistency proof
 * from the remembered one does, so that a log showing different histories to different parties
 * is caught by whichever witness saw both.
 */

export interface WitnessState {
  origin: string;
  logKey: string;
  size: number;
  /** Base64 of the root hash. */
  rootHash: string;
}

export interface WitnessInput {
  /** The signed checkpoint note. */
  note: string;
  /** A consistency proof from the state's size to the checkpoint's (none when there is no state). */
  proof?: readonly Uint8Array[];
  logKey: string;
  state: WitnessState | undefined;
  witness: ledger.NoteSigner;
  /** Seconds since the Unix epoch. */
  timestamp: number;
}

export interface WitnessResult {
  line: string;
  state: WitnessState;
  checkpoint: ledger.Checkpoint;
}

/** Checks the checkpoint against what the witness saw before and cosigns it; throws otherwise. */
export function witnessCheckpoint(input: WitnessInput): WitnessResult {
  const log = ledger.parseVerifierKey(input.logKey);
  if (input.state && input.state.logKey !== input.logKey) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      `the state file follows the log key ${input.state.logKey}, not ${input.logKey}`,
    );
  }
  const { checkpoint, text } = ledger.verifyCheckpoint(input.note, { log });
  const state = input.state;
  if (state) {
    const oldRoot = ledger.fromBase64(state.rootHash) ?? new Uint8Array();
    if (checkpoint.size < state.size) {
      throw new TruceError(
        'LEDGER_PROOF_INVALID',
        `refusing to cosign: the checkpoint has ${checkpoint.size} entries, fewer than the ${state.size} already cosigned (a rollback or a fork)`,
      );
    }
    const consistent =
      checkpoint.size === state.size
        ? ledger.bytesEqual(oldRoot, checkpoint.rootHash)
        : ledger.verifyConsistency(
            state.size,
            checkpoint.size,
            input.proof ?? [],
            oldRoot,
            checkpoint.rootHash,
          );
    if (!consistent) {
      throw new TruceError(
        'LEDGER_PROOF_INVALID',
        `refusing to cosign: the checkpoint of size ${checkpoint.size} is not consistent with the one of size ${state.size} cosigned before (the log forked or rewrote history)`,
      );
    }
  }
  const signature = ledger.cosignCheckpoint(text, input.witness, input.timestamp);
  return {
    line: ledger.formatSignatureLine(signature),
    checkpoint,
    state: {
      origin: checkpoint.origin,
      logKey: input.logKey,
      size: checkpoint.size,
      rootHash: ledger.toBase64(checkpoint.rootHash),
    },
  };
}

export function readWitnessState(path: string): WitnessState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as WitnessState;
  } catch (error) {
    throw new TruceError(
      'USAGE',
      `the witness state ${path} is not JSON: ${(error as Error).message}`,
    );
  }
}

export function writeWitnessState(path: string, state: WitnessState): void {
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}
