import { TruceError } from '@truce/core';
import type { AuditLog } from '../audit/audit-log.js';
import { type Ledger, operatorRevocationEnvelope } from '../ledger/index.js';
import type { SqlExecutor } from '../store/index.js';
import type { RequestOrigin } from './accounts-service.js';
import { actorFields } from './model.js';
import { isoOf, optionalIsoOf } from './rows.js';

/** Device keys a user may have in use at once (not revoked). */
export const maxActiveDevices = 10;

/** A device key as its user (or a mediator) sees it. */
export interface DeviceKeyRecord {
  keyId: string;
  userId: string;
  orgId: string;
  registeredAt: string;
  revokedAt: string | undefined;
}

/**
 * The keys users' devices sign their reports with (POST /api/v1/devices registers one for the
 * user's organisation, signed into the ledger by the log operator), by user: when a user is
 * disabled, the keys their devices hold are revoked in the ledger by the operator, so a device
 * of someone who left cannot go on signing for the organisation.
 */
export class DeviceKeys {
  readonly #db: SqlExecutor;
  readonly #ledger: Ledger;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;

  constructor(db: SqlExecutor, ledger: Ledger, audit: AuditLog, clock: () => Date) {
    this.#db = db;
    this.#ledger = ledger;
    this.#audit = audit;
    this.#clock = clock;
  }

  /**
   * Refuses a new key when the user already has `maxActiveDevices` keys not revoked: a stolen
   * session must not be able to mint signing keys without end, and a user with that many
   * browsers revokes the ones they no longer use first (the account page lists them).
   */
  async checkRoomFor(userId: string, keyId: string): Promise<void> {
    const [row] = await this.#db.query<{ n: unknown; known: boolean }>(
      `SELECT count(*) FILTER (WHERE revoked_at IS NULL) AS n,
              bool_or(key_id = $2) AS known
         FROM device_keys WHERE user_id = $1`,
      [userId, keyId],
    );
    if (row?.known) return;
    if (Number(row?.n ?? 0) >= maxActiveDevices) {
      throw new TruceError(
        'CONFLICT',
        `you already have ${maxActiveDevices} device keys in use; revoke the ones you no longer use (account page, or POST /api/v1/devices/{keyId}/revoke), then try again`,
      );
    }
  }

  /** Records that `userId` registered the key (again: nothing changes). */
  async registered(keyId: string, userId: string, orgId: string): Promise<void> {
    await this.#db.query(
      `INSERT INTO device_keys (key_id, user_id, org_id, registered_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_id) DO NOTHING`,
      [keyId, userId, orgId, this.#clock().toISOString()],
    );
  }

  /** The device keys of a user (or of everyone, for a mediator), newest first. */
  async list(userId: string | undefined): Promise<DeviceKeyRecord[]> {
    const rows = await this.#db.query<{
      key_id: string;
      user_id: string;
      org_id: string;
      registered_at: unknown;
      revoked_at: unknown;
    }>(
      `SELECT key_id, user_id, org_id, registered_at, revoked_at FROM device_keys
        WHERE $1::text IS NULL OR user_id = $1 ORDER BY registered_at DESC, key_id LIMIT 1000`,
      [userId ?? null],
    );
    return rows.map((row) => ({
      keyId: row.key_id,
      userId: row.user_id,
      orgId: row.org_id,
      registeredAt: isoOf(row.registered_at),
      revokedAt: optionalIsoOf(row.revoked_at),
    }));
  }

  /**
   * Revokes one device key (a lost or stolen device): its own user may, and a mediator; anyone
   * else is told it does not exist. Revoking a revoked key changes nothing.
   */
  async revoke(origin: RequestOrigin, keyId: string, reason: string): Promise<DeviceKeyRecord> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const [row] = await this.#db.query<{ user_id: string }>(
      'SELECT user_id FROM device_keys WHERE key_id = $1',
      [keyId],
    );
    if (!row || (row.user_id !== actor.user.id && actor.user.role !== 'mediator')) {
      throw new TruceError('NOT_FOUND', `no device key ${keyId} of yours`);
    }
    await this.#revokeOne(origin, keyId, row.user_id, reason);
    const [record] = (await this.list(row.user_id)).filter((key) => key.keyId === keyId);
    return record!;
  }

  /**
   * Revokes in the ledger every key the user's devices registered that is not revoked yet, with
   * `reason`; each revocation is audited. Resolves with the keys revoked. Safe to run again
   * (a revocation's id follows from its key).
   */
  async revokeAllOf(origin: RequestOrigin, userId: string, reason: string): Promise<string[]> {
    const rows = await this.#db.query<{ key_id: string }>(
      'SELECT key_id FROM device_keys WHERE user_id = $1 AND revoked_at IS NULL ORDER BY key_id',
      [userId],
    );
    const revoked: string[] = [];
    for (const { key_id: keyId } of rows) {
      await this.#revokeOne(origin, keyId, userId, reason);
      revoked.push(keyId);
    }
    return revoked;
  }

  /** The operator's revocation in the ledger (unless there already), recorded and audited. */
  async #revokeOne(
    origin: RequestOrigin,
    keyId: string,
    userId: string,
    reason: string,
  ): Promise<void> {
    const now = this.#clock();
    if (!this.#ledger.registry.key(keyId)) await this.#ledger.refreshRegistry();
    const key = this.#ledger.registry.key(keyId);
    let seq: number | null = null;
    if (key && key.revokedAt === undefined) {
      const [receipt] = await this.#ledger.submit([
        operatorRevocationEnvelope(this.#ledger.identity, keyId, reason, now),
      ]);
      seq = receipt?.seq ?? null;
    }
    await this.#db.query(
      'UPDATE device_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL',
      [keyId, now.toISOString()],
    );
    await this.#audit.append({
      at: now.toISOString(),
      ...actorFields(origin.actor),
      action: 'device.revoke',
      target: keyId,
      outcome: 'success',
      ip: origin.ip,
      details: { user: userId, reason, seq },
    });
  }
}
