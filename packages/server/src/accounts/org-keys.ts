import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ledger as core } from '@truce/core';
import {
  generateOrgKey,
  keyRegistrationEnvelope,
  type Ledger,
  readPrivateKey,
} from '../ledger/index.js';

/**
 * Signing keys the server holds for organisations that report through the web form rather than
 * signing themselves: `<dataDir>/org-keys/<org>.key` (PKCS#8, mode 0600), never in the
 * database. The operator registers each in the log, so envelopes signed with it verify like any
 * other; the envelope then proves "submitted through the server by a user of that organisation",
 * and the audit log says which user. The operator's own organisation signs with the log key.
 */
export class OrgKeys {
  readonly #dir: string;
  readonly #ledger: Ledger;
  readonly #cache = new Map<string, KeyObject>();

  constructor(dataDir: string, ledger: Ledger) {
    this.#dir = join(dataDir, 'org-keys');
    this.#ledger = ledger;
  }

  /** The organisation's server-held key, made and registered in the log on first use. */
  async keyFor(org: string, now: Date): Promise<{ key: KeyObject; keyId: string }> {
    const identity = this.#ledger.identity;
    if (org === identity.operator) return { key: identity.privateKey, keyId: identity.keyId };
    let key = this.#cache.get(org);
    if (!key) {
      const path = join(this.#dir, `${org}.key`);
      if (!existsSync(path)) generateOrgKey(org, this.#dir);
      key = readPrivateKey(path);
      this.#cache.set(org, key);
    }
    const keyId = core.keyIdFor(org, key);
    // Another process on the same database (sharing this folder) may have registered it: its
    // key events reach this process's registry only when read.
    if (!this.#ledger.registry.key(keyId)) await this.#ledger.refreshRegistry();
    if (!this.#ledger.registry.key(keyId)) {
      try {
        await this.#ledger.submit([
          keyRegistrationEnvelope({
            org,
            publicKey: key,
            newPrivateKey: key,
            registrar: { org: identity.operator, privateKey: identity.privateKey },
            at: now,
          }),
        ]);
      } catch (error) {
        // Two processes registering at once: one wins, and the key is registered either way.
        await this.#ledger.refreshRegistry();
        if (!this.#ledger.registry.key(keyId)) throw error;
      }
    }
    return { key, keyId };
  }
}
