import { TruceError } from '@truce/core';
import type { SqlExecutor } from './sql-driver.js';

/**
 * Least privilege on PostgreSQL (ASVS 13): the server's role owns nothing. One role owns the
 * schema and applies the migrations (`truce db migrate`); the server connects as another, which
 * `truce db grant --role NAME` gives only what it needs, read from the catalog so that tables of
 * later migrations are covered by running it again:
 *
 * - the insert-only tables (those with a `…_insert_only` trigger: the ledger's events, nodes,
 *   checkpoints and cosignatures, the audit log, agreement versions, person data): SELECT and
 *   INSERT only, so the server's role cannot even try to change or remove a line;
 * - `schema_migrations`: SELECT (the server checks the version, never applies one);
 * - every other table (sessions, users, alerts…): SELECT, INSERT, UPDATE, DELETE;
 * - the sequences: USAGE and SELECT.
 *
 * Not being the owner, the role cannot ALTER a table (so cannot disable its triggers), TRUNCATE
 * it, or DROP it: whoever takes over the server process still cannot rewrite the record.
 */

export interface Grant {
  table: string;
  privileges: string;
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

function checked(name: string, what: string): string {
  if (!identifier.test(name)) {
    throw new TruceError(
      'USAGE',
      `${what} "${name}" is not allowed here; use lower-case letters, digits and _`,
    );
  }
  return name;
}

/** The privileges each table of `schema` gets, from the catalog (no statement run). */
export async function leastPrivileges(db: SqlExecutor, schema: string): Promise<Grant[]> {
  const rows = await db.query<{ name: string; kind: string; insert_only: boolean }>(
    `SELECT c.relname AS name, c.relkind::text AS kind,
            EXISTS (SELECT 1 FROM pg_trigger t
                     WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                       AND t.tgname LIKE '%\\_insert\\_only') AS insert_only
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'S')
      ORDER BY c.relkind, c.relname`,
    [schema],
  );
  return rows.map((row) => ({
    table: row.name,
    privileges:
      row.kind === 'S'
        ? 'USAGE, SELECT'
        : row.name === 'schema_migrations'
          ? 'SELECT'
          : row.insert_only
            ? 'SELECT, INSERT'
            : 'SELECT, INSERT, UPDATE, DELETE',
  }));
}

/**
 * Gives `role` what the server needs on `schema` and nothing more (revoking anything else it
 * held there first), in one transaction. Run as the schema's owner, after the migrations.
 */
export async function grantLeastPrivilege(
  db: { transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> },
  schema: string,
  role: string,
): Promise<Grant[]> {
  checked(schema, 'Schema name');
  checked(role, 'Role name');
  return db.transaction(async (tx) => {
    const grants = await leastPrivileges(tx, schema);
    if (!grants.some((grant) => grant.table === 'schema_migrations')) {
      throw new TruceError(
        'USAGE',
        `the schema ${schema} holds no truce tables; run \`truce db migrate\` as its owner first`,
      );
    }
    await tx.exec(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    for (const { table, privileges } of grants) {
      const kind = privileges.startsWith('USAGE') ? 'SEQUENCE' : 'TABLE';
      await tx.exec(`REVOKE ALL ON ${kind} ${schema}.${table} FROM ${role}`);
      await tx.exec(`GRANT ${privileges} ON ${kind} ${schema}.${table} TO ${role}`);
    }
    return grants;
  });
}
