// The retool_sync schema: home of the sync function and of the ledger of applied migrations.
import { SYNC_SCHEMA, ident, literal } from "./identifiers";
import { Migration } from "./migration";

export const LEDGER_TABLE = `${SYNC_SCHEMA}.schema_migrations`;

export function syncSchemaMigration(): Migration {
  return {
    id: "001_sync_schema",
    description: `schema ${SYNC_SCHEMA} and its ledger of applied migrations`,
    transactional: true,
    statements: [
      `CREATE SCHEMA IF NOT EXISTS ${ident(SYNC_SCHEMA)}`,
      `REVOKE ALL ON SCHEMA ${ident(SYNC_SCHEMA)} FROM PUBLIC`,
      `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  description text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`,
      `COMMENT ON SCHEMA ${ident(SYNC_SCHEMA)} IS ${literal("retool-user-sync: the sync function and its migration ledger. User data lives in the users table, not here.")}`,
    ],
  };
}
