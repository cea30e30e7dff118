import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ledger, personFields, TruceError } from '@truce/core';
import type { RequestOrigin } from '../accounts/accounts-service.js';
import { type Actor, actorFields } from '../accounts/model.js';
import { isoOf } from '../accounts/rows.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SqlDriver, SqlExecutor } from '../store/index.js';
import { type KeyEncryptionKey, open, seal, wrapAssociated } from './data-keys.js';
import { decryptableFields, type PersonField } from './field-access.js';

/**
 * Personal data of the persons in an exchange (names, dates of birth, photos, identity numbers),
 * kept off the ledger: each field value is sealed with AES-256-GCM under a data key, the data key
 * wrapped by the key-encryption key (data-keys.ts). Rows are insert-only: a new value, a
 * re-encryption under a new data key, or a re-wrap under a new KEK is a new row. The ledger
 * carries only a salted commitment per field (person_record_committed), so a value can be
 * proven later by disclosing it with its salt, without disclosing it now.
 */

export type FieldValues = Partial<Record<PersonField, string>>;

export interface RecordedFields {
  person: string;
  version: number;
  commitments: Partial<Record<PersonField, string>>;
}

interface FieldRow {
  person_id: string;
  field: PersonField;
  version: number;
  key_id: string;
  sealed: Uint8Array;
  commitment: string;
  org: string;
  recorded_at: unknown;
}

/** SHA-256 of the JCS bytes of {field, person, salt, value}: what the ledger carries. */
export function fieldCommitment(
  person: string,
  field: string,
  value: string,
  salt: string,
): string {
  return createHash('sha256')
    .update(ledger.canonicalBytes({ field, person, salt, value }))
    .digest('hex');
}

const fieldAssociated = (person: string, field: string, version: number, keyId: string) =>
  `truce/person-field/v1|${person}|${field}|${version}|${keyId}`;

const latestFields = `
  SELECT DISTINCT ON (field) person_id, field, version, key_id, sealed, commitment, org, recorded_at
    FROM person_fields WHERE person_id = $1 ORDER BY field, version DESC`;

export class PersonsService {
  readonly #db: SqlDriver;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;
  #kekSource: KeyEncryptionKey | (() => KeyEncryptionKey);
  #loaded: KeyEncryptionKey | undefined;
  readonly #keys = new Map<string, Buffer>();

  /** `kek` may be a loader: the key file is then made on first use, not at server start. */
  constructor(
    db: SqlDriver,
    audit: AuditLog,
    kek: KeyEncryptionKey | (() => KeyEncryptionKey),
    clock: () => Date,
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#kekSource = kek;
    this.#clock = clock;
  }

  get #kek(): KeyEncryptionKey {
    this.#loaded ??= typeof this.#kekSource === 'function' ? this.#kekSource() : this.#kekSource;
    return this.#loaded;
  }

  set #kek(next: KeyEncryptionKey) {
    this.#loaded = next;
    this.#kekSource = next;
  }

  /** The id of the key-encryption key in use (to check a rotation). */
  get kekId(): string {
    return this.#kek.id;
  }

  /** The data key new values are sealed with: the newest one wrapped by the KEK in force. */
  async #currentKey(tx: SqlExecutor): Promise<{ id: string; key: Buffer }> {
    const [row] = await tx.query<{ key_id: string; wrapped: Uint8Array }>(
      `SELECT key_id, wrapped FROM person_data_keys WHERE kek_id = $1 ORDER BY created_at DESC, key_id LIMIT 1`,
      [this.#kek.id],
    );
    if (row) return { id: row.key_id, key: this.#unwrap(row.key_id, row.wrapped) };
    // Keys under another KEK that was not erased: the wrong key is in use (or a rotation is
    // half done). Keys under erased KEKs only: the data before the erasure is gone, and new
    // data goes under a new key.
    const [other] = await tx.query<{ n: unknown }>(
      `SELECT count(*) AS n FROM person_data_keys k
        WHERE NOT EXISTS (SELECT 1 FROM person_data_erasures e WHERE e.kek_id = k.kek_id)`,
    );
    if (Number(other?.n ?? 0) > 0) {
      throw new TruceError(
        'FORBIDDEN',
        `no person-data key is wrapped by the key in use (${this.#kek.id}); set TRUCE_DATA_KEY or the key file back to the key the data was stored with, or finish the rotation with "truce persons rotate-key"`,
      );
    }
    return this.#newKey(tx);
  }

  async #newKey(tx: SqlExecutor): Promise<{ id: string; key: Buffer }> {
    const id = `dk-${randomUUID()}`;
    const key = randomBytes(32);
    await tx.query(
      'INSERT INTO person_data_keys (key_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4)',
      [id, this.#kek.id, seal(this.#kek.key, key, wrapAssociated(id)), this.#clock().toISOString()],
    );
    this.#keys.set(id, key);
    return { id, key };
  }

  #unwrap(id: string, wrapped: Uint8Array): Buffer {
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const key = open(this.#kek.key, Buffer.from(wrapped), wrapAssociated(id));
    this.#keys.set(id, key);
    return key;
  }

  async #keyById(tx: SqlExecutor, id: string): Promise<Buffer> {
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const [row] = await tx.query<{ wrapped: Uint8Array }>(
      'SELECT wrapped FROM person_data_keys WHERE key_id = $1 AND kek_id = $2',
      [id, this.#kek.id],
    );
    if (!row) {
      const [erased] = await tx.query<{ erased_at: unknown }>(
        `SELECT e.erased_at FROM person_data_keys k
           JOIN person_data_erasures e ON e.kek_id = k.kek_id
          WHERE k.key_id = $1 ORDER BY e.erased_at LIMIT 1`,
        [id],
      );
      if (erased) {
        throw new TruceError(
          'PERSON_DATA_ERASED',
          `this value was erased on ${isoOf(erased.erased_at)} (its key was destroyed with truce persons erase) and cannot be read`,
        );
      }
      throw new TruceError(
        'FORBIDDEN',
        `the data key ${id} is not wrapped by the key in use (${this.#kek.id}); finish the key rotation first`,
      );
    }
    return this.#unwrap(id, row.wrapped);
  }

  /**
   * Records the erasure of every key-encryption key that wraps person data (the end of the
   * mandate, or a decision of the cell): from then on nothing sealed before can be read, here or
   * from a backup of the database, once the keys themselves are destroyed (the caller does:
   * `truce persons erase`). The pseudonymous ids and the commitments in the ledger stay, so the
   * ledger still verifies; new data goes under a new key. Audited as `persons.erase`.
   */
  async erase(
    origin: RequestOrigin,
    reason: string,
  ): Promise<{ keys: number; dataKeys: number; fields: number }> {
    const at = this.#clock().toISOString();
    const counts = await this.#db.transaction(async (tx) => {
      const keks = await tx.query<{ kek_id: string }>(
        `SELECT DISTINCT kek_id FROM person_data_keys k
          WHERE NOT EXISTS (SELECT 1 FROM person_data_erasures e WHERE e.kek_id = k.kek_id)`,
      );
      for (const { kek_id: kekId } of keks) {
        await tx.query(
          'INSERT INTO person_data_erasures (kek_id, erased_at, reason) VALUES ($1, $2, $3)',
          [kekId, at, reason],
        );
      }
      const [dataKeys] = await tx.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM person_data_keys WHERE kek_id = ANY($1::text[])`,
        [keks.map((row) => row.kek_id)],
      );
      const [fields] = await tx.query<{ n: unknown }>(
        `SELECT count(*) AS n FROM person_fields f JOIN person_data_keys k ON k.key_id = f.key_id
          WHERE k.kek_id = ANY($1::text[])`,
        [keks.map((row) => row.kek_id)],
      );
      return {
        keys: keks.length,
        dataKeys: Number(dataKeys?.n ?? 0),
        fields: Number(fields?.n ?? 0),
      };
    });
    this.#keys.clear();
    await this.#audit.append({
      at,
      ...actorFields(origin.actor),
      action: 'persons.erase',
      target: undefined,
      outcome: 'success',
      ip: origin.ip,
      details: { reason, ...counts },
    });
    return counts;
  }

  /** Seals new values (a new version of each field given) and returns their commitments. */
  async record(
    origin: RequestOrigin,
    person: string,
    values: FieldValues,
  ): Promise<RecordedFields> {
    const actor = requireUser(origin.actor);
    const entries = Object.entries(values).filter(([, v]) => v !== undefined) as [
      PersonField,
      string,
    ][];
    if (entries.length === 0) throw new TruceError('VALIDATION_FAILED', 'no field to record');
    const at = this.#clock().toISOString();
    return this.#db.transaction(async (tx) => {
      const key = await this.#currentKey(tx);
      const commitments: Partial<Record<PersonField, string>> = {};
      let version = 1;
      const [latest] = await tx.query<{ v: unknown }>(
        'SELECT max(version) AS v FROM person_fields WHERE person_id = $1',
        [person],
      );
      version = Number(latest?.v ?? 0) + 1;
      for (const [field, value] of entries) {
        const salt = randomBytes(32).toString('base64url');
        const commitment = fieldCommitment(person, field, value, salt);
        const plaintext = Buffer.from(JSON.stringify({ value, salt }), 'utf8');
        await tx.query(
          `INSERT INTO person_fields (person_id, field, version, key_id, sealed, commitment, recorded_by, org, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            person,
            field,
            version,
            key.id,
            seal(key.key, plaintext, fieldAssociated(person, field, version, key.id)),
            commitment,
            actor.id,
            actor.orgId,
            at,
          ],
        );
        commitments[field] = commitment;
      }
      await this.#audit.append(
        {
          at,
          actor: actor.id,
          actorOrg: actor.orgId,
          action: 'persons.write',
          target: person,
          outcome: 'success',
          ip: origin.ip,
          details: { fields: entries.map(([f]) => f), version },
        },
        tx,
      );
      return { person, version, commitments };
    });
  }

  /** Which fields are on record for a person, with commitments: never a value. */
  async fieldsOnRecord(person: string) {
    const rows = await this.#db.query<FieldRow>(latestFields, [person]);
    return rows.map((row) => ({
      field: row.field,
      version: row.version,
      commitment: row.commitment,
      org: row.org,
    }));
  }

  /**
   * Decrypts the fields asked for, if the actor's role and organisation allow each one
   * (field-access.ts). A reason is required; the attempt is audited whether allowed or not,
   * with who, when, why and which fields — never the values.
   */
  async decrypt(
    origin: RequestOrigin,
    person: string,
    fields: readonly PersonField[],
    reason: string,
  ): Promise<{
    person: string;
    values: FieldValues;
    salts: FieldValues;
    versions: Partial<Record<PersonField, number>>;
  }> {
    const actor = requireUser(origin.actor);
    if (reason.trim().length < 10) {
      throw new TruceError(
        'VALIDATION_FAILED',
        'say why you need to see this person’s data (at least 10 characters); the reason is kept in the audit log',
        [{ path: 'reason', message: 'at least 10 characters' }],
      );
    }
    const rows = await this.#db.query<FieldRow>(latestFields, [person]);
    const audit = (outcome: 'success' | 'denied', details: Record<string, unknown>) =>
      this.#audit.append({
        at: this.#clock().toISOString(),
        actor: actor.id,
        actorOrg: actor.orgId,
        action: 'persons.decrypt',
        target: person,
        outcome,
        ip: origin.ip,
        details: { fields, reason, ...details },
      });
    if (rows.length === 0) {
      await audit('denied', { refused: 'no record' });
      throw new TruceError('NOT_FOUND', `no personal data is on record for ${person}`);
    }
    const denied = fields.filter((field) => {
      const row = rows.find((r) => r.field === field);
      return !row || !decryptableFields(origin.actor, row.org).includes(field);
    });
    if (denied.length > 0) {
      await audit('denied', { refused: denied });
      throw new TruceError(
        'FORBIDDEN',
        `the role ${actor.role} of ${actor.orgId} may not read ${denied.join(', ')} of ${person} (or it is not on record); ask a mediator if you need it`,
      );
    }
    const values: FieldValues = {};
    const salts: FieldValues = {};
    const versions: Partial<Record<PersonField, number>> = {};
    for (const field of fields) {
      const row = rows.find((r) => r.field === field)!;
      const key = await this.#keyById(this.#db, row.key_id);
      const plain = JSON.parse(
        open(
          key,
          Buffer.from(row.sealed),
          fieldAssociated(person, field, row.version, row.key_id),
        ).toString('utf8'),
      ) as { value: string; salt: string };
      values[field] = plain.value;
      salts[field] = plain.salt;
      versions[field] = row.version;
    }
    // Audited before the values leave: a decryption that cannot be recorded does not happen.
    await audit('success', {});
    return { person, values, salts, versions };
  }

  /**
   * Rotation, step one: wrap every data key under a new KEK too (new rows; the old wrappings stay
   * until the operator has installed the new key and removed the old one).
   */
  async rewrap(next: KeyEncryptionKey): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ key_id: string; wrapped: Uint8Array }>(
        'SELECT key_id, wrapped FROM person_data_keys WHERE kek_id = $1',
        [this.#kek.id],
      );
      const done = new Set(
        (
          await tx.query<{ key_id: string }>(
            'SELECT key_id FROM person_data_keys WHERE kek_id = $1',
            [next.id],
          )
        ).map((r) => r.key_id),
      );
      let count = 0;
      for (const row of rows) {
        if (done.has(row.key_id)) continue;
        const key = this.#unwrap(row.key_id, row.wrapped);
        await tx.query(
          'INSERT INTO person_data_keys (key_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4)',
          [
            row.key_id,
            next.id,
            seal(next.key, key, wrapAssociated(row.key_id)),
            this.#clock().toISOString(),
          ],
        );
        count++;
      }
      await this.#audit.append(
        {
          at: this.#clock().toISOString(),
          actor: undefined,
          actorOrg: undefined,
          action: 'persons.rotate-key',
          target: `${this.#kek.id}->${next.id}`,
          outcome: 'success',
          ip: undefined,
          details: { dataKeys: count },
        },
        tx,
      );
      this.#kek = next;
      return count;
    });
  }

  /**
   * Re-encryption: a new data key, and every field's latest value sealed again under it as a new
   * version (same value, same salt, so the ledger's commitment still proves it).
   */
  async reencrypt(): Promise<{ dataKey: string; fields: number }> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<FieldRow>(
        `SELECT DISTINCT ON (person_id, field) person_id, field, version, key_id, sealed, commitment, org, recorded_at
           FROM person_fields ORDER BY person_id, field, version DESC`,
      );
      const key = await this.#newKey(tx);
      const at = this.#clock().toISOString();
      const next = new Map<string, number>();
      for (const row of rows) {
        const old = await this.#keyById(tx, row.key_id);
        const plain = open(
          old,
          Buffer.from(row.sealed),
          fieldAssociated(row.person_id, row.field, row.version, row.key_id),
        );
        const [top] = await tx.query<{ v: unknown }>(
          'SELECT max(version) AS v FROM person_fields WHERE person_id = $1',
          [row.person_id],
        );
        const version = next.get(row.person_id) ?? Number(top?.v ?? 0) + 1;
        next.set(row.person_id, version);
        await tx.query(
          `INSERT INTO person_fields (person_id, field, version, key_id, sealed, commitment, recorded_by, org, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            row.person_id,
            row.field,
            version,
            key.id,
            seal(key.key, plain, fieldAssociated(row.person_id, row.field, version, key.id)),
            row.commitment,
            'truce-reencrypt',
            row.org,
            at,
          ],
        );
      }
      await this.#audit.append(
        {
          at,
          actor: undefined,
          actorOrg: undefined,
          action: 'persons.reencrypt',
          target: key.id,
          outcome: 'success',
          ip: undefined,
          details: { fields: rows.length },
        },
        tx,
      );
      return { dataKey: key.id, fields: rows.length };
    });
  }
}

function requireUser(actor: Actor) {
  if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
  return actor.user;
}

export { personFields };
