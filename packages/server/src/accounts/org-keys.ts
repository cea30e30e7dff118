import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ledger as core, TruceError } from '@truce/core';
import {
  generateOrgKey,
  keyRegistrationEnvelope,
  type Ledger,
  operatorRevocationEnvelope,
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

  /** The key ids of the organisation keys this server holds (the log key aside). */
  heldKeyIds(): Map<string, string> {
    const held = new Map<string, string>();
    if (!existsSync(this.#dir)) return held;
    for (const name of readdirSync(this.#dir)) {
      if (!name.endsWith('.key')) continue;
      const org = name.slice(0, -'.key'.length);
      held.set(core.keyIdFor(org, readPrivateKey(join(this.#dir, name))), org);
    }
    return held;
  }

  /**
   * Replaces the organisation's server-held key (a rotation on schedule, or a key that may have
   * leaked): a new key is made, registered by the operator, put in the old one's place, and the
   * old one revoked by the operator with `reason`; its private key is deleted (the ledger keeps
   * its public key, so what it signed still verifies up to the revocation). Interrupted, it
   * resumes where it stopped when run again: the new key waits in `org-keys/next/` until it is
   * in place.
   */
  async rotate(
    org: string,
    now: Date,
    reason = 'rotated',
  ): Promise<{ revoked: string | undefined; registered: string }> {
    const identity = this.#ledger.identity;
    if (org === identity.operator) {
      throw new TruceError(
        'USAGE',
        `${org} signs with the log key, which is not rotated this way (docs/SECURITY.md: key rotation)`,
      );
    }
    const path = join(this.#dir, `${org}.key`);
    const stagingDir = join(this.#dir, 'next');
    const staged = join(stagingDir, `${org}.key`);
    if (!existsSync(staged)) generateOrgKey(org, stagingDir);
    const next = readPrivateKey(staged);
    const nextId = core.keyIdFor(org, next);
    await this.#ledger.refreshRegistry();
    if (!this.#ledger.registry.key(nextId)) {
      await this.#ledger.submit([
        keyRegistrationEnvelope({
          org,
          publicKey: next,
          newPrivateKey: next,
          registrar: { org: identity.operator, privateKey: identity.privateKey },
          at: now,
        }),
      ]);
    }
    const old = existsSync(path) ? readPrivateKey(path) : undefined;
    const oldId = old ? core.keyIdFor(org, old) : undefined;
    // The new key takes the old one's place in one rename; the files beside it go too.
    renameSync(staged, path);
    for (const extra of [`${org}.pub`, `${org}.registration.json`]) {
      if (existsSync(join(stagingDir, extra)))
        renameSync(join(stagingDir, extra), join(this.#dir, extra));
    }
    rmSync(stagingDir, { recursive: true, force: true });
    this.#cache.set(org, next);
    if (oldId !== undefined && oldId !== nextId) {
      const registered = this.#ledger.registry.key(oldId);
      if (registered && registered.revokedAt === undefined) {
        await this.#ledger.submit([operatorRevocationEnvelope(identity, oldId, reason, now)]);
      }
    }
    return { revoked: oldId !== nextId ? oldId : undefined, registered: nextId };
  }
}
