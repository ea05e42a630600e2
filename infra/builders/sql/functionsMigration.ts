// Migration 004: every function of schema retool_sync. The core and the batch path are the admin's;
// the entry points are what the Retool roles may call (005 grants each to its one role). No
// function is executable by PUBLIC.
import type { StackSettings } from "../../config/schema";
import { batchStatements } from "./batchSync";
import { literal } from "./identifiers";
import type { Migration } from "./migration";
import { securityDefiner } from "./securityDefiner";
import { BATCH_FUNCTION, BATCH_SIGNATURE, CORE_SIGNATURE, ENTRY_POINTS, SNAPSHOT_SIGNATURE, SYNC_SIGNATURE, SYNCED_USER_TYPE } from "./syncApi";
import { coreStatements, coreWrapper, USER_PARAMS } from "./syncFunction";
import { usersTableColumns } from "./usersTableColumns";

function entryPointStatements(): string[] {
  const { page, retoolUser, reconcile } = ENTRY_POINTS;
  return [
    coreWrapper(page.name, USER_PARAMS, literal(page.source), "NULL"),
    coreWrapper(retoolUser.name, [...USER_PARAMS, "p_active boolean DEFAULT NULL"], literal(retoolUser.source), "p_active"),
    `CREATE OR REPLACE FUNCTION ${reconcile.name}(p_users jsonb)
RETURNS TABLE (retool_user_id text, outcome text, error text)
${securityDefiner("sql", "VOLATILE")}
AS $reconcile$
  SELECT * FROM ${BATCH_FUNCTION}(p_users, ${literal(reconcile.source)})
$reconcile$`,
  ];
}

const COMMENTS: [string, string][] = [
  [CORE_SIGNATURE, "The one write path: creates, links or updates one Retool user's row under the rules of p_source. The admin's only."],
  [SYNC_SIGNATURE, "sync_user_outcome without the outcome, for the admin's own use."],
  [BATCH_SIGNATURE, "A page of Retool users (backfill, reconcile) with the backfill's saved progress. The admin's only."],
  [
    ENTRY_POINTS.page.signature,
    "The Continue page's call, on behalf of a signed-in user: a claim, so it may only create its own row or fill a missing name. For the page role.",
  ],
  [
    ENTRY_POINTS.retoolUser.signature,
    "What Retool itself says about one user (Retool Events, an API-checked Continue page): email, names and active follow it. For the trusted role.",
  ],
  [ENTRY_POINTS.reconcile.signature, "Retool's whole user list, from the scheduled reconcile workflow. For the trusted role."],
];

export function functionsMigration(settings: StackSettings): Migration {
  const c = usersTableColumns(settings.usersTable);
  const signatures = [CORE_SIGNATURE, SYNC_SIGNATURE, BATCH_SIGNATURE, SNAPSHOT_SIGNATURE, ...Object.values(ENTRY_POINTS).map((e) => e.signature)];
  return {
    id: "004_sync_function",
    description: `the sync functions of ${c.schema}.${c.table}: the write path, the batch path and the Retool roles' entry points`,
    transactional: true,
    statements: [
      ...coreStatements(settings),
      ...batchStatements(settings),
      ...entryPointStatements(),
      ...signatures.map((s) => `REVOKE ALL ON FUNCTION ${s} FROM PUBLIC`),
      `COMMENT ON TYPE ${SYNCED_USER_TYPE} IS ${literal("What every entry point returns: the sync columns of one row, never other columns of the users table.")}`,
      ...COMMENTS.map(([s, text]) => `COMMENT ON FUNCTION ${s} IS ${literal(text)}`),
    ],
  };
}
