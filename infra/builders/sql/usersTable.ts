// The users table: created new, or the Retool columns added in place to a table the team already
// has. Only additive statements: nothing here drops, rewrites or deletes.
import type { UsersTableSettings } from "../../config/schema";
import { canonicalEmailSql } from "../../domain/emailRules";
import { RETOOL_USER_ID_PATTERN } from "../../domain/retoolUserId";
import { ident, literal } from "./identifiers";
import type { Migration } from "./migration";
import { indexName, type UsersTableColumns, usersTableColumns } from "./usersTableColumns";

/**
 * How long an ALTER on an adopted (live) table may wait for its lock before backing off. Writers
 * queue behind a waiting ALTER, so this is the longest they stall for it: 100 ms gave stalls of
 * 32 to 68 ms under bench:sync's busy table; 30 ms keeps them under 50, at the cost of more retries
 * (the runner backs off and tries again, up to 50 times).
 */
export const ADOPT_LOCK_TIMEOUT_MS = 30;

/**
 * Earlier releases compared addresses by lower(), which folds by the database's locale, so a
 * table may hold two addresses that are one in canonical form. The unique index cannot be built
 * over them, and nothing here merges or drops a row: the migration stops and names them.
 */
function canonicalClashes(c: UsersTableColumns, index: string, linkedOnly = false): string {
  return `DO $clashes$
DECLARE
  v_clashes text;
BEGIN
  IF to_regclass(${literal(`${ident(c.schema)}.${ident(index)}`)}) IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT string_agg(format('%s (rows %s)', q.address, q.rows), '; ') INTO v_clashes
  FROM (SELECT ${canonicalEmailSql(ident(c.email))} AS address, string_agg(${ident(c.primaryKey)}::text, ', ' ORDER BY ${ident(c.primaryKey)}) AS rows
        FROM ${c.qualifiedName}${linkedOnly ? ` WHERE ${ident(c.retoolUserId)} IS NOT NULL` : ""} GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20) AS q;
  IF v_clashes IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format(${literal(`${c.schema}.${c.table} holds ${linkedOnly ? "linked rows (with a Retool id) whose addresses are" : "addresses that are"} the same address in canonical form: %s`)}, v_clashes),
      HINT = 'Merge each pair of rows, or correct one of the addresses, then run pulumi up again. Nothing was changed (docs/database.md, Emails).';
  END IF;
END
$clashes$`;
}

function createTable(c: UsersTableColumns): Migration {
  const q = ident;
  const emailKey = indexName(c.table, "email_canonical_key");
  return {
    id: "002_users_table",
    description: `create ${c.schema}.${c.table}, one row per Retool user`,
    transactional: true,
    statements: [
      `CREATE SCHEMA IF NOT EXISTS ${q(c.schema)}`,
      `CREATE TABLE IF NOT EXISTS ${c.qualifiedName} (
  ${q(c.primaryKey)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ${q(c.retoolUserId)} text CONSTRAINT ${q(indexName(c.table, "retool_user_id_key"))} UNIQUE
    CONSTRAINT ${q(indexName(c.table, "retool_user_id_format"))} CHECK (${q(c.retoolUserId)} ~ ${literal(RETOOL_USER_ID_PATTERN)}),
  ${q(c.email)} text NOT NULL CONSTRAINT ${q(indexName(c.table, "email_not_blank"))} CHECK (btrim(${q(c.email)}) <> ''),
  ${q(c.firstName)} text,
  ${q(c.lastName)} text,
  ${q(c.active)} boolean NOT NULL DEFAULT true,
  ${q(c.createdAt)} timestamptz NOT NULL DEFAULT now(),
  ${q(c.updatedAt)} timestamptz NOT NULL DEFAULT now(),
  ${q(c.lastSeenAt)} timestamptz
)`,
      canonicalClashes(c, emailKey),
      `CREATE UNIQUE INDEX IF NOT EXISTS ${q(emailKey)} ON ${c.qualifiedName} (${canonicalEmailSql(q(c.email))})`,
      // The lower() index of earlier releases: the canonical one replaces it. Not CONCURRENTLY:
      // that cannot run in this step's transaction, and this step holds the table's lock anyway
      // for the index it builds; where that index exists (an upgrade), so does this one.
      `-- Safe without CONCURRENTLY: only tables an earlier release created have this index, and this step's transaction holds the table for the index it builds anyway.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX IF EXISTS ${q(c.schema)}.${q(indexName(c.table, "email_lower_key"))}`,
      `COMMENT ON TABLE ${c.qualifiedName} IS ${literal(
        "Retool users, one row each, keyed by retool_user_id. Written through the retool_sync functions; managed by retool-user-sync.",
      )}`,
    ],
  };
}

function adoptColumns(c: UsersTableColumns): Migration {
  const table = `${c.schema}.${c.table}`;
  const mustHave = (column: string, key: string) => `
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                 WHERE attrelid = ${literal(c.qualifiedName)}::regclass AND attname = ${literal(column)} AND NOT attisdropped) THEN
    RAISE EXCEPTION USING ERRCODE = '42703',
      MESSAGE = ${literal(`usersTable.mode is adopt, but ${table} has no column ${column}`)},
      HINT = ${literal(`Set usersTable.${key} to the existing column's name in the stack file.`)};
  END IF;`;
  const added = [c.retoolUserId, c.firstName, c.lastName]
    .map((col) => `ADD COLUMN IF NOT EXISTS ${ident(col)} text`)
    .concat(`ADD COLUMN IF NOT EXISTS ${ident(c.active)} boolean`)
    .concat([c.createdAt, c.updatedAt, c.lastSeenAt].map((col) => `ADD COLUMN IF NOT EXISTS ${ident(col)} timestamptz`));
  return {
    id: "002_users_table",
    description: `add the Retool columns to the existing table ${table} (no rewrite, no defaults, existing rows untouched)`,
    transactional: true,
    lockTimeoutMs: ADOPT_LOCK_TIMEOUT_MS,
    statements: [
      `DO $adopt$
BEGIN
  IF to_regclass(${literal(c.qualifiedName)}) IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42P01',
      MESSAGE = ${literal(`usersTable.mode is adopt, but table ${table} does not exist`)},
      HINT = 'Fix usersTable.schema and usersTable.name in the stack file, or use usersTable.mode: create.';
  END IF;${mustHave(c.primaryKey, "primaryKey")}${mustHave(c.email, "emailColumn")}
END
$adopt$`,
      // One ALTER, one brief lock: nullable columns without defaults change only the catalog.
      `ALTER TABLE ${c.qualifiedName}\n  ${added.join(",\n  ")}`,
    ],
  };
}

function adoptIndexes(c: UsersTableColumns): Migration {
  const idKey = indexName(c.table, "retool_user_id_key");
  const emailIdx = indexName(c.table, "email_canonical_idx");
  const linkedKey = indexName(c.table, "email_linked_key");
  return {
    id: "003_users_table_indexes",
    description: `index ${c.schema}.${c.table} by Retool id (unique), by canonical email, and by canonical email of linked rows (unique), built concurrently so writers are not blocked`,
    transactional: false,
    concurrentIndexes: [
      { schema: c.schema, name: idKey },
      { schema: c.schema, name: emailIdx },
      { schema: c.schema, name: linkedKey },
    ],
    statements: [
      `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(idKey)} ON ${c.qualifiedName} (${ident(c.retoolUserId)})`,
      // Not unique: an adopted table may already hold the same address twice; sync_user refuses
      // to guess between such rows rather than this index refusing to build.
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${ident(emailIdx)} ON ${c.qualifiedName} (${canonicalEmailSql(ident(c.email))})`,
      // Unique over linked rows: whatever races (an email change against a first sign-in, a batch
      // against the Continue page), no address ever gets two rows with a Retool id. Rows a
      // release before it linked to one address twice are named, never merged.
      canonicalClashes(c, linkedKey, true),
      `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(linkedKey)} ON ${c.qualifiedName} (${canonicalEmailSql(ident(c.email))}) WHERE ${ident(c.retoolUserId)} IS NOT NULL`,
      // The lower() index of earlier releases: the canonical one replaces it.
      `DROP INDEX CONCURRENTLY IF EXISTS ${ident(c.schema)}.${ident(indexName(c.table, "email_lower_idx"))}`,
    ],
  };
}

export function usersTableMigrations(table: UsersTableSettings): Migration[] {
  const columns = usersTableColumns(table);
  return table.mode === "create" ? [createTable(columns)] : [adoptColumns(columns), adoptIndexes(columns)];
}
