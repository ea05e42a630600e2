// The retool_sync schema: home of the sync functions, the ledger of applied migrations, and the
// canonical form of an email address that the users table's email index is built on.
import { CANONICAL_EMAIL_FUNCTION, CANONICAL_EMAIL_SQL } from "../../domain/emailRules";
import { ident, literal, SYNC_SCHEMA } from "./identifiers";
import type { Migration } from "./migration";

export const LEDGER_TABLE = `${SYNC_SCHEMA}.schema_migrations`;

// Unicode normalisation (normalize(), Postgres 13+) works only in a UTF8 database.
const REQUIRE_UTF8 = `DO $utf8$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION USING ERRCODE = '22021',
      MESSAGE = format('retool-user-sync needs a UTF8 database; %s is %s', current_database(), current_setting('server_encoding')),
      HINT = 'Email addresses are compared in Unicode normal form, which Postgres computes only in UTF8 databases. Use a database created with ENCODING ''UTF8''.';
  END IF;
END
$utf8$`;

export function syncSchemaMigration(): Migration {
  return {
    id: "001_sync_schema",
    description: `schema ${SYNC_SCHEMA}, its ledger of applied migrations, and ${CANONICAL_EMAIL_FUNCTION}`,
    transactional: true,
    statements: [
      REQUIRE_UTF8,
      `CREATE SCHEMA IF NOT EXISTS ${ident(SYNC_SCHEMA)}`,
      `REVOKE ALL ON SCHEMA ${ident(SYNC_SCHEMA)} FROM PUBLIC`,
      `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  description text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`,
      // An index is built on it: its result for a given address must never change, so a new form
      // would be a new function, never a replacement of this one.
      `CREATE OR REPLACE FUNCTION ${CANONICAL_EMAIL_FUNCTION}(text) RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $canonical$ SELECT ${CANONICAL_EMAIL_SQL} $canonical$`,
      `COMMENT ON FUNCTION ${CANONICAL_EMAIL_FUNCTION}(text) IS ${literal("The form email addresses are compared by: NFKC, surrounding spaces removed, A-Z folded to a-z. See docs/database.md, Emails.")}`,
      `COMMENT ON SCHEMA ${ident(SYNC_SCHEMA)} IS ${literal("retool-user-sync: the sync functions and the migration ledger. User data lives in the users table, not here.")}`,
    ],
  };
}
