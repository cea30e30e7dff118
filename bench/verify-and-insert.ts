import type { KeyObject } from 'node:crypto';
import type { ledger } from '@truce/core';
import { type SignatureCheck, SignatureVerifier } from '../packages/server/src/ledger/verifier.js';
import type { AppendRequest, Store } from '../packages/server/src/store/index.js';
import { signatureChecks } from './verify-only.js';

/**
 * Verification and insertion alone: the signatures of a call verified on the service's
 * verification threads while the store writes the call's prepared entries, committed once they
 * verify (`Store.append`'s admission, as the service does) — and nothing else: no shape, schema
 * or key check, no canonical bytes or hashes computed in the call, no receipt. What any service
 * built from these two stages reaches on this machine, measured rather than computed.
 */
export class VerifyAndInsert {
  readonly #checks: SignatureCheck[];
  readonly #requests: AppendRequest[];
  readonly #verifier = new SignatureVerifier();

  /** `requests[i]` is the entry of `envelopes[i]` as the service would append it. */
  constructor(
    envelopes: readonly ledger.SignedEnvelope[],
    requests: readonly AppendRequest[],
    publicKey: KeyObject,
  ) {
    this.#checks = signatureChecks(envelopes, publicKey);
    this.#requests = [...requests];
  }

  /** Starts the verification threads, before any clock. */
  async warm(): Promise<void> {
    await this.#verifier.verifyAll(this.#checks.slice(0, 1));
  }

  /** Verifies and appends envelopes `from` … `from + count - 1` as one call. */
  append(store: Store, from: number, count = 1): Promise<unknown> {
    const verified = this.#verifier
      .verifyAll(this.#checks.slice(from, from + count))
      .then((valid) => {
        if (valid.includes(false)) throw new Error('verify and insert: a signature did not verify');
      });
    return store.append(this.#requests.slice(from, from + count), undefined, verified);
  }

  close(): Promise<void> {
    return this.#verifier.close();
  }
}
