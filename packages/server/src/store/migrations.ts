import { createHash } from 'node:crypto';
import { TruceError } from '@truce/core';
import type { SqlDriver } from './sql-driver.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, shared by PGlite and PostgreSQL. Append new versions; never edit one that has
 * shipped (the runner refuses a database whose applied migration differs from this text).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
CREATE TABLE events (
  seq             bigint      PRIMARY KEY CHECK (seq >= 0),
  event_id        text        NOT NULL UNIQUE,
  org             text        NOT NULL,
  idempotency_key text        NOT NULL,
  content_hash    text        NOT NULL,
  entry           bytea       NOT NULL,
  leaf_hash       bytea       NOT NULL CHECK (length(leaf_hash) = 32),
  appended_at     timestamptz NOT NULL,
  UNIQUE (org, idempotency_key)
);

-- Complete subtrees of 2^level leaves (level >= 1; level 0 is events.leaf_hash), written in the
-- same transaction as the entries that complete them, so proofs read O(log n) rows.
CREATE TABLE tree_nodes (
  level smallint NOT NULL CHECK (level >= 1),
  index bigint   NOT NULL CHECK (index >= 0),
  hash  bytea    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, index)
);

CREATE TABLE checkpoints (
  size     bigint      PRIMARY KEY CHECK (size >= 0),
  note     text        NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE cosignatures (
  checkpoint_size bigint      NOT NULL REFERENCES checkpoints (size),
  witness         text        NOT NULL,
  line            text        NOT NULL,
  saved_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (checkpoint_size, witness)
);

-- The record is insert-only, enforced here rather than trusted to the application. It does not
-- stop a database superuser (who can drop the trigger); the Merkle tree and the checkpoints
-- the parties hold are what make such a rewrite detectable.
CREATE FUNCTION truce_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truce: % on % refused: the ledger is insert-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation',
          HINT = 'Record a correction as a new event that references the old one.';
END
$$;

CREATE TRIGGER events_insert_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER tree_nodes_insert_only BEFORE UPDATE OR DELETE ON tree_nodes
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER tree_nodes_no_truncate BEFORE TRUNCATE ON tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER checkpoints_insert_only BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER cosignatures_insert_only BEFORE UPDATE OR DELETE ON cosignatures
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER cosignatures_no_truncate BEFORE TRUNCATE ON cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
`,
  },
];

const checksum = (migration: Migration): string =>
  createHash('sha256').update(migration.sql).digest('hex');

/**
 * Brings the schema up to date in one transaction, under an advisory lock so that several
 * processes starting at once on one PostgreSQL apply each migration exactly once.
 */
export async function migrate(
  db: SqlDriver,
  lockKey: string,
  known: readonly Migration[] = migrations,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey]);
    await tx.exec(`
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`);
    const applied = await tx.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const newest = known.at(-1)?.version ?? 0;
    for (const row of applied) {
      const migration = known.find((candidate) => candidate.version === row.version);
      if (migration === undefined) {
        throw new TruceError(
          'INTERNAL',
          `The database has schema version ${row.version} (${row.name}), newer than this truce knows (${newest}). Upgrade truce before opening it.`,
        );
      }
      if (migration.name !== row.name || checksum(migration) !== row.checksum) {
        throw new TruceError(
          'INTERNAL',
          `Migration ${row.version} (${row.name}) applied to this database differs from the one in this truce; a shipped migration was edited. Restore it and add a new migration instead.`,
        );
      }
    }
    const done = new Set(applied.map((row) => row.version));
    for (const migration of known) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, checksum(migration)],
      );
    }
  });
}
