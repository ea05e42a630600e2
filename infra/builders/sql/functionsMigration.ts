// Migration 004: every function of schema retool_sync. The core and the batch path are the admin's;
// the entry points are what the Retool roles may call (005 grants each to its one role). No
// function is executable by PUBLIC.
import type { StackSettings } from "../../config/schema";
import { batchStatements } from "./batchSync";
import { literal } from "./identifiers";
import type { Migration } from "./migration";
import { securityDefiner } from "./securityDefiner";
import { BATCH_FUNCTION, BATCH_SIGNATURE, CORE_SIGNATURE, ENTRY_POINTS, SNAPSHOT_SIGNATURE, SYNC_SIGNATURE, SYNCED_USER_TYPE } from "./syncApi";
import { coreStatements, entryPointFunction } from "./syncFunction";
import { usersTableColumns } from "./usersTableColumns";

function entryPointStatements(settings: StackSettings): string[] {
  const { page, retoolUser, reconcile } = ENTRY_POINTS;
  return [
    entryPointFunction(settings, page, { takesActive: false }),
    entryPointFunction(settings, retoolUser, { takesActive: true }),
    // json, not jsonb: Retool's list arrives as JSON text, and jsonb refuses a whole list for one
    // record holding a NUL or a lone surrogate. Each such record fails alone; the rest sync.
    `DROP FUNCTION IF EXISTS ${reconcile.name}(jsonb)`,
    `CREATE OR REPLACE FUNCTION ${reconcile.name}(p_users json)
RETURNS TABLE (retool_user_id text, outcome text, error text)
${securityDefiner("plpgsql", "VOLATILE")}
AS $reconcile$
DECLARE
  v_users jsonb;
  v_one jsonb;
  v_elem json;
  v_ord bigint;
BEGIN
  IF json_typeof(p_users) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = '${reconcile.name}: p_users must be a JSON array of Retool users',
      HINT = 'Pass the data array of GET /api/v2/users as it is.';
  END IF;
  BEGIN
    v_users := p_users::jsonb;
  EXCEPTION WHEN OTHERS THEN
    -- One record or more Postgres cannot store: keep the others, report those.
    v_users := '[]';
    FOR v_elem, v_ord IN SELECT e, n FROM json_array_elements(p_users) WITH ORDINALITY AS t(e, n) LOOP
      BEGIN
        v_one := v_elem::jsonb;
        v_users := v_users || jsonb_build_array(v_one);
      EXCEPTION WHEN OTHERS THEN
        -- ->> would de-escape the whole record, the bad text too: read a plain id from the raw JSON.
        retool_user_id := coalesce(substring(v_elem::text FROM '"id"s*:s*"([A-Za-z0-9_]{1,64})"'), '#' || v_ord);
        outcome := 'failed';
        error := '${reconcile.name}: record ' || v_ord || ' holds text Postgres cannot store (' || SQLERRM || ') (22P05)';
        RETURN NEXT;
      END;
    END LOOP;
  END;
  RETURN QUERY SELECT * FROM ${BATCH_FUNCTION}(v_users, ${literal(reconcile.source)});
END
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
      ...entryPointStatements(settings),
      ...signatures.map((s) => `REVOKE ALL ON FUNCTION ${s} FROM PUBLIC`),
      `COMMENT ON TYPE ${SYNCED_USER_TYPE} IS ${literal("What every entry point returns: the sync columns of one row, never other columns of the users table.")}`,
      ...COMMENTS.map(([s, text]) => `COMMENT ON FUNCTION ${s} IS ${literal(text)}`),
    ],
  };
}
