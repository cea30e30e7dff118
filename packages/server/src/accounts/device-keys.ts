import type { AuditLog } from '../audit/audit-log.js';
import { type Ledger, operatorRevocationEnvelope } from '../ledger/index.js';
import type { SqlExecutor } from '../store/index.js';
import type { RequestOrigin } from './accounts-service.js';

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

  /** Records that `userId` registered the key (again: nothing changes). */
  async registered(keyId: string, userId: string, orgId: string): Promise<void> {
    await this.#db.query(
      `INSERT INTO device_keys (key_id, user_id, org_id, registered_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_id) DO NOTHING`,
      [keyId, userId, orgId, this.#clock().toISOString()],
    );
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
    await this.#ledger.refreshRegistry();
    for (const { key_id: keyId } of rows) {
      const now = this.#clock();
      const key = this.#ledger.registry.key(keyId);
      let seq: number | null = null;
      if (key && key.revokedAt === undefined) {
        const [receipt] = await this.#ledger.submit([
          operatorRevocationEnvelope(this.#ledger.identity, keyId, reason, now),
        ]);
        seq = receipt?.seq ?? null;
      }
      await this.#db.query('UPDATE device_keys SET revoked_at = $2 WHERE key_id = $1', [
        keyId,
        now.toISOString(),
      ]);
      await this.#audit.append({
        at: now.toISOString(),
        actor: origin.actor.kind === 'anonymous' ? undefined : origin.actor.user.id,
        actorOrg: origin.actor.kind === 'anonymous' ? undefined : origin.actor.user.orgId,
        action: 'device.revoke',
        target: keyId,
        outcome: 'success',
        ip: origin.ip,
        details: { user: userId, reason, seq },
      });
      revoked.push(keyId);
    }
    return revoked;
  }
}
