import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Agreement, ledger as core } from '@truce/core';
import type { TruceApp } from '../http/context.js';
import { readWitnessState, witnessCheckpoint, writeWitnessState } from '../ledger/witness.js';
import type { CheckpointRecord } from '../store/index.js';

/**
 * The demo's witnesses: the agreement's parties and guarantors cosign each new checkpoint, as
 * each would with `truce witness` on a machine of its own, so that the ledger page shows who
 * co-signed what. They do what `truce witness` does: each remembers the last checkpoint it
 * cosigned (`<dataDir>/demo-witnesses/<org>.json`) and cosigns a newer one only if the log's
 * signature and a consistency proof from the remembered one verify. In the demo they run in the
 * server's process with keys the server holds, which proves nothing to anyone: real witnesses
 * keep their keys and their state away from the log operator.
 */
export class DemoWitnesses {
  readonly #app: TruceApp;
  readonly #dir: string;
  readonly orgs: readonly string[];

  constructor(app: TruceApp, dataDir: string, agreement: Agreement) {
    this.#app = app;
    this.#dir = join(dataDir, 'demo-witnesses');
    this.orgs = agreement.parties
      .filter((party) => party.roles.some((role) => role === 'party' || role === 'guarantor'))
      .map((party) => party.id);
  }

  /**
   * Cosigns the latest checkpoint as every witness that has not yet. Answers who refused and
   * why (a checkpoint inconsistent with one it cosigned before: the log forked or was
   * rewritten, or the data folder's witness states belong to another database). `keysAt`
   * dates the registration of a witness key the log does not hold yet (the demo's simulated
   * time); cosignatures carry the real time.
   */
  async cosignLatest(keysAt: Date): Promise<{ org: string; reason: string }[]> {
    const refused: { org: string; reason: string }[] = [];
    const latest = await this.#app.truce.store.latestCheckpoint();
    if (!latest) return refused;
    mkdirSync(this.#dir, { recursive: true });
    for (const org of this.orgs) {
      try {
        await this.#cosign(org, latest, keysAt);
      } catch (error) {
        refused.push({ org, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return refused;
  }

  async #cosign(org: string, latest: CheckpointRecord, keysAt: Date): Promise<void> {
    const ledgerService = this.#app.truce.ledger;
    const path = join(this.#dir, `${org}.json`);
    const state = readWitnessState(path);
    if (state && state.size >= latest.size) return;
    const { key, keyId } = await this.#app.truce.orgKeys.keyFor(org, keysAt);
    // A key registered just now cosigns from the first checkpoint that holds its registration.
    const registeredAt = ledgerService.registry.key(keyId)?.registeredAt;
    if (registeredAt === undefined || registeredAt >= latest.size) return;
    const proof = state
      ? await this.#app.truce.store.consistencyProof(state.size, latest.size)
      : undefined;
    const result = witnessCheckpoint({
      note: latest.text,
      ...(proof ? { proof } : {}),
      logKey: ledgerService.identity.verifierKey,
      state,
      witness: core.noteSigner(org, key, core.signatureTypes.cosignatureV1),
      timestamp: Math.floor(Date.now() / 1000),
    });
    await ledgerService.cosign(result.line, latest.size);
    writeWitnessState(path, result.state);
  }
}
