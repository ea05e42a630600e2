// retool_sync.sync_users: one page of Retool users in one round trip, for backfill and reconcile.
// Each user goes through sync_user_outcome, the same rules as every other path; a user that fails
// is reported, not fatal, and the page's progress is saved in the same transaction as its rows,
// so an interrupted run resumes exactly where its last committed page ended.
// retool_sync.users_snapshot gives reconcile the table's view without knowing its column names.
import { StackSettings } from "../../config/schema";
import { SYNC_SCHEMA, ident, literal } from "./identifiers";
import { Migration } from "./migration";
import { SYNC_CORE_FUNCTION_SIGNATURE } from "./syncFunction";
import { usersTableColumns } from "./usersTableColumns";

export const BATCH_FUNCTION = `${SYNC_SCHEMA}.sync_users`;
export const BATCH_FUNCTION_SIGNATURE = `${BATCH_FUNCTION}(jsonb, text, text, text, boolean)`;
export const SNAPSHOT_FUNCTION = `${SYNC_SCHEMA}.users_snapshot`;
export const PROGRESS_TABLE = `${SYNC_SCHEMA}.batch_progress`;
/** Sources a batch may carry: both read Retool's own user list. */
export const BATCH_SOURCES = ["backfill", "reconcile"] as const;
export type BatchSource = (typeof BATCH_SOURCES)[number];

export function batchSyncMigration(settings: StackSettings): Migration {
  const c = usersTableColumns(settings.usersTable);
  const core = SYNC_CORE_FUNCTION_SIGNATURE.replace(/\(.*$/, "");
  const batch = `CREATE OR REPLACE FUNCTION ${BATCH_FUNCTION}(
  p_users jsonb,
  p_source text,
  p_run_key text DEFAULT NULL,
  p_next_cursor text DEFAULT NULL,
  p_last_page boolean DEFAULT false
)
RETURNS TABLE (retool_user_id text, outcome text, error text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $batch$
#variable_conflict use_variable
DECLARE
  v_user jsonb;
  v_counts jsonb := '{}';
BEGIN
  IF p_source IS NULL OR p_source NOT IN (${BATCH_SOURCES.map(literal).join(", ")}) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('${BATCH_FUNCTION}: p_source %s is not a batch source', coalesce(quote_literal(p_source), 'NULL')),
      HINT = 'Use backfill or reconcile: batches carry Retool''s own user list.';
  END IF;
  IF jsonb_typeof(p_users) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = '${BATCH_FUNCTION}: p_users must be a JSON array of Retool users',
      HINT = 'Pass the data array of GET /api/v2/users as it is.';
  END IF;
  FOR v_user IN SELECT value FROM jsonb_array_elements(p_users) LOOP
    retool_user_id := v_user->>'id';
    error := NULL;
    BEGIN
      SELECT s.o_outcome INTO outcome
      FROM ${core}(v_user->>'id', v_user->>'email', v_user->>'first_name', v_user->>'last_name', p_source,
                   CASE jsonb_typeof(v_user->'active') WHEN 'boolean' THEN (v_user->>'active')::boolean END) AS s;
    EXCEPTION WHEN OTHERS THEN
      outcome := 'failed';
      error := SQLERRM || ' (' || SQLSTATE || ')';
    END;
    v_counts := jsonb_set(v_counts, ARRAY[outcome], to_jsonb(coalesce((v_counts->>outcome)::int, 0) + 1));
    RETURN NEXT;
  END LOOP;
  IF p_run_key IS NOT NULL THEN
    INSERT INTO ${PROGRESS_TABLE} AS b (run_key, next_cursor, pages, counts, finished, updated_at)
    VALUES (p_run_key, p_next_cursor, 1, v_counts, p_last_page, now())
    ON CONFLICT (run_key) DO UPDATE SET
      next_cursor = EXCLUDED.next_cursor,
      pages = b.pages + 1,
      counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((b.counts->>k)::int, 0) + coalesce((EXCLUDED.counts->>k)::int, 0)), '{}')
                FROM (SELECT jsonb_object_keys(b.counts) UNION SELECT jsonb_object_keys(EXCLUDED.counts)) AS keys(k)),
      finished = EXCLUDED.finished,
      updated_at = now();
  END IF;
END
$batch$`;
  const snapshot = `CREATE OR REPLACE FUNCTION ${SNAPSHOT_FUNCTION}()
RETURNS TABLE (retool_user_id text, email text, first_name text, last_name text, active boolean)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $snap$
  SELECT ${ident(c.retoolUserId)}::text, ${ident(c.email)}::text, ${ident(c.firstName)}::text, ${ident(c.lastName)}::text, ${ident(c.active)}
  FROM ${c.qualifiedName}
  WHERE ${ident(c.retoolUserId)} IS NOT NULL
$snap$`;
  const role = ident(settings.retoolRole.name);
  // The scheduled reconcile runs inside Retool as the Retool role; without it, only admins batch.
  const scheduled = settings.retool.reconcileSchedule !== undefined;
  const grants = scheduled
    ? [`GRANT EXECUTE ON FUNCTION ${BATCH_FUNCTION_SIGNATURE} TO ${role}`, `GRANT EXECUTE ON FUNCTION ${SNAPSHOT_FUNCTION}() TO ${role}`]
    : [`REVOKE EXECUTE ON FUNCTION ${BATCH_FUNCTION_SIGNATURE} FROM ${role}`, `REVOKE EXECUTE ON FUNCTION ${SNAPSHOT_FUNCTION}() FROM ${role}`];
  return {
    id: "006_batch_sync",
    description: `${BATCH_FUNCTION} and ${SNAPSHOT_FUNCTION}, for backfill and reconcile`,
    transactional: true,
    statements: [
      `CREATE TABLE IF NOT EXISTS ${PROGRESS_TABLE} (
  run_key text PRIMARY KEY,
  next_cursor text,
  pages integer NOT NULL DEFAULT 0,
  counts jsonb NOT NULL DEFAULT '{}',
  finished boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
      batch,
      snapshot,
      `REVOKE ALL ON FUNCTION ${BATCH_FUNCTION_SIGNATURE} FROM PUBLIC`,
      `REVOKE ALL ON FUNCTION ${SNAPSHOT_FUNCTION}() FROM PUBLIC`,
      ...grants,
    ],
  };
}
