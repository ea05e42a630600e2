// retool_sync.sync_users: one page of Retool users in one round trip, for backfill and reconcile.
// Users that are plainly new (valid, id and email unseen in the table and once in the page) are
// inserted in one set-based statement built from the same rules as sync_user_outcome; every other
// user goes through sync_user_outcome one by one. A user that fails is reported, not fatal, and
// the page's progress is saved in the same transaction as its rows, so an interrupted run resumes
// exactly where its last committed page ended. Only the admin may call it: the progress it writes
// must not be movable by any role Retool holds.
// retool_sync.users_snapshot gives reconcile the table's view without knowing its column names.
import type { StackSettings } from "../../config/schema";
import { ident, literal } from "./identifiers";
import { SYNC_LOCK_TIMEOUT, securityDefiner } from "./securityDefiner";

/** How long the set-based attempt waits for a lock before the page goes one by one. */
const SET_ATTEMPT_LOCK_TIMEOUT = "100ms";

import { BATCH_FUNCTION, CORE_FUNCTION, PROGRESS_TABLE, SNAPSHOT_FUNCTION } from "./syncApi";
import { OUTCOMES } from "./syncFunction";
import { emailKey, newRow, normalizedEmail, normalizedName, passesInputChecks, ruleColumns, type SyncValues, seenAt, withinRawBounds } from "./syncRules";
import { usersTableColumns } from "./usersTableColumns";

/** Sources a batch may carry: both read Retool's own user list. */
export const BATCH_SOURCES = ["backfill", "reconcile"] as const;
export type BatchSource = (typeof BATCH_SOURCES)[number];

/** A Retool user's `active`, when it is a JSON boolean; absent or null leaves the row's own. */
const activeOf = (user: string) => `CASE jsonb_typeof(${user}->'active') WHEN 'boolean' THEN (${user}->>'active')::boolean END`;

/**
 * Why a record cannot be read as a Retool user (NULL when it can): the scheduled reconcile hands
 * Retool's answer over unfiltered, so a field of the wrong type must fail its own user, never be
 * stored as JSON text ({"first":"x"}) or read as another value ("false" is not false).
 */
export const recordProblem = (user: string) => `CASE
      WHEN jsonb_typeof(${user}) IS DISTINCT FROM 'object' THEN 'the record is not a user object'
      WHEN jsonb_typeof(${user}->'id') IS DISTINCT FROM 'string' THEN 'id is not a string'
      WHEN jsonb_typeof(${user}->'email') IS DISTINCT FROM 'string' THEN 'email is not a string'
      WHEN coalesce(jsonb_typeof(${user}->'first_name'), 'null') NOT IN ('string', 'null') THEN 'first_name is not a string'
      WHEN coalesce(jsonb_typeof(${user}->'last_name'), 'null') NOT IN ('string', 'null') THEN 'last_name is not a string'
      WHEN coalesce(jsonb_typeof(${user}->'active'), 'null') NOT IN ('boolean', 'null') THEN 'active is not true or false'
    END`;

/** The names the page's normalised users carry in the set-based insert. */
const PAGE_VALUES: SyncValues = {
  id: "p.id",
  email: "p.email",
  key: "p.key",
  first: "p.first",
  last: "p.last",
  source: "p_source",
  active: "p.active",
  seen: seenAt("p_source"),
};

/**
 * Inserts the page's plainly new users in one statement: their ids go to v_created, the page
 * positions of everyone else to v_rest. A user is plainly new when it passes every input rule,
 * its id and canonical email appear once in the page, and neither is in the table: then
 * sync_user_outcome would insert it too, with these values.
 *
 * A created table's unique indexes on the Retool id and the canonical email already refuse every
 * other user, so there every valid user is inserted first, with no look-ups: a first backfill's
 * pages are nearly all new. One refusal (a user already there, the same address twice in the page)
 * undoes that attempt, and the page's plainly new users are then found by looking them up, as on
 * an adopted table; a reconcile's mixed pages take that way. An adopted table's email index is
 * unique over linked rows only (unlinked rows may repeat an address, and must be linked, not
 * duplicated), so there the look-ups come first, and that index arbitrates with concurrent first
 * sign-ins. Whatever still fails (a concurrent writer, a trigger) fails the statement, and the
 * caller sends the whole page the one-by-one way.
 */
function insertNewUsers(settings: StackSettings): string {
  const c = usersTableColumns(settings.usersTable);
  const T = c.qualifiedName;
  const col = ruleColumns(c);
  const row = newRow(c, PAGE_VALUES);
  // A user whose raw values are over the size bounds is not normalised here (its values stay NULL,
  // which no rule passes): it goes one by one, where the core refuses it before any work.
  const raw = { id: "e.u->>'id'", email: "e.u->>'email'", first: "e.u->>'first_name'", last: "e.u->>'last_name'" };
  const bounded = (expr: string) => `CASE WHEN e.bounded THEN ${expr} END`;
  // The canonical form (NFKC: the costliest rule, about 5 µs an address) only where a look-up
  // needs it: the first try on a created table leaves it to the unique index, which computes it anyway.
  // Each layer ends in OFFSET 0, so Postgres computes its values once a user: flattened, every use
  // would compute them again (bounded, ten JSON look-ups, once for each of the three fields it
  // guards; fencing it took a page of 1,000 users' values from 11.2 to 7.4 ms).
  const page = (withKey: boolean) => `SELECT p.*${withKey ? `, ${emailKey("p.email")} AS key` : ""}
      FROM (SELECT e.ord, e.u->>'id' AS id, ${bounded(normalizedEmail("e.u->>'email'"))} AS email,
                   ${bounded(normalizedName("e.u->>'first_name'"))} AS first, ${bounded(normalizedName("e.u->>'last_name'"))} AS last, ${activeOf("e.u")} AS active
            FROM (SELECT e.*, ${recordProblem("e.u")} IS NULL AND ${withinRawBounds(raw)} AS bounded
                  FROM jsonb_array_elements(p_users) WITH ORDINALITY AS e(u, ord)
                  OFFSET 0) AS e
            OFFSET 0) AS p
      OFFSET 0`;
  const valid = passesInputChecks(PAGE_VALUES, settings.emailCharacters);
  // Inserted in the order of the Retool id, whatever the page's order: two batches whose pages
  // share new users then take those users' index entries in the same order, so neither ever waits
  // on the other while holding what the other waits for. In page order, two overlapping pages in
  // opposite orders could both give up, and their one-by-one passes then deadlock user after user.
  const insertFresh = (p: string) => `
    WITH p AS (${p}
    ), inserted AS (
      INSERT INTO ${T} ${row.columns}
      SELECT ${row.values}
      FROM p WHERE p.fresh
      ORDER BY p.id
    )
    SELECT coalesce(array_agg(p.id) FILTER (WHERE p.fresh), '{}'), coalesce(array_agg(p.ord ORDER BY p.ord) FILTER (WHERE NOT p.fresh), '{}')
    INTO v_created, v_rest FROM p;`;
  // LATERAL ... LIMIT 1 rather than EXISTS in the select list, which may be planned as a hash of
  // the whole table.
  const candidates = `
      SELECT p.*, (p.ids = 1 AND p.emails = 1 AND by_id.hit IS NULL AND by_email.hit IS NULL AND ${valid}) AS fresh
      FROM (SELECT p.*, count(*) OVER (PARTITION BY p.id) AS ids, count(*) OVER (PARTITION BY p.key) AS emails
            FROM (${page(true)}) AS p) AS p
      LEFT JOIN LATERAL (SELECT true AS hit FROM ${T} t WHERE t.${col.id} = p.id LIMIT 1) AS by_id ON true
      LEFT JOIN LATERAL (SELECT true AS hit FROM ${T} t WHERE ${emailKey(`t.${col.email}`)} = p.key LIMIT 1) AS by_email ON true`;
  if (settings.usersTable.mode === "create") {
    const nested = (sql: string) => sql.replace(/\n/g, "\n  ");
    return `
    BEGIN${nested(
      insertFresh(`
      SELECT p.*, ${valid} AS fresh
      FROM (${page(false)}) AS p`),
    )}
    EXCEPTION WHEN unique_violation THEN${nested(insertFresh(candidates))}
    END;`;
  }
  return insertFresh(candidates);
}

/** The batch's own arguments (source, page count, the users list), checked before any user is read. */
const ARGUMENT_CHECKS = `IF p_source IS NULL OR p_source NOT IN (${BATCH_SOURCES.map(literal).join(", ")}) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('${BATCH_FUNCTION}: p_source %s is not a batch source', coalesce(quote_literal(p_source), 'NULL')),
      HINT = 'Use backfill or reconcile: batches carry Retool''s own user list.';
  END IF;
  IF p_pages IS NULL OR p_pages < 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('${BATCH_FUNCTION}: p_pages %s is not a number of Retool pages', coalesce(p_pages::text, 'NULL')),
      HINT = 'Pass how many Retool pages p_users holds: 1 or more.';
  END IF;
  IF jsonb_typeof(p_users) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = '${BATCH_FUNCTION}: p_users must be a JSON array of Retool users',
      HINT = 'Pass the data array of GET /api/v2/users as it is.';
  END IF;`;

/**
 * The progress, saved in the statement's own transaction (a statement carries one Retool page or
 * several, p_pages of them, and p_next_cursor is the cursor after its last). Its rows and its resume point
 * commit together, so a commit lost in a server crash loses both and the rerun syncs the page
 * again: waiting for the WAL flush buys nothing. The last page waits, and with it everything
 * before it, so a finished run is durable.
 */
const SAVE_PROGRESS = `IF p_run_key IS NOT NULL THEN
    IF NOT p_last_page THEN
      PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
    END IF;
    INSERT INTO ${PROGRESS_TABLE} AS b (run_key, next_cursor, pages, counts, finished, updated_at)
    VALUES (p_run_key, p_next_cursor, p_pages, v_counts, p_last_page, now())
    ON CONFLICT (run_key) DO UPDATE SET
      next_cursor = EXCLUDED.next_cursor,
      pages = b.pages + p_pages,
      counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((b.counts->>k)::int, 0) + coalesce((EXCLUDED.counts->>k)::int, 0)), '{}')
                FROM (SELECT jsonb_object_keys(b.counts) UNION SELECT jsonb_object_keys(EXCLUDED.counts)) AS keys(k)),
      finished = EXCLUDED.finished,
      updated_at = now();
  END IF;`;

function batchFunction(settings: StackSettings): string {
  const c = usersTableColumns(settings.usersTable);
  return `CREATE OR REPLACE FUNCTION ${BATCH_FUNCTION}(
  p_users jsonb,
  p_source text,
  p_run_key text DEFAULT NULL,
  p_next_cursor text DEFAULT NULL,
  p_last_page boolean DEFAULT false,
  p_pages integer DEFAULT 1
)
RETURNS TABLE (retool_user_id text, outcome text, error text)
${securityDefiner("plpgsql", "VOLATILE", { syncPath: true })}
AS $batch$
#variable_conflict use_variable
DECLARE
  v_user jsonb;
  v_counts jsonb := '{}';
  v_created text[] := '{}';
  v_rest bigint[]; -- page positions that go one by one; NULL: all of them
BEGIN
  ${ARGUMENT_CHECKS}
  -- The set-based attempt is a guess: when a row it meets is held by another session, it gives
  -- up fast, and the users go one by one, where a held row is skipped and reported.
  PERFORM pg_catalog.set_config('lock_timeout', ${literal(SET_ATTEMPT_LOCK_TIMEOUT)}, true);
  BEGIN${insertNewUsers(settings)}
  EXCEPTION WHEN OTHERS THEN
    -- The table refused the set (a user already there, a trigger, another constraint of an
    -- adopted table): nothing of it stays, and every user goes one by one, reporting its own error.
    v_created := '{}';
    v_rest := NULL;
  END;
  PERFORM pg_catalog.set_config('lock_timeout', ${literal(SYNC_LOCK_TIMEOUT)}, true);
  IF cardinality(v_created) > 0 THEN
    v_counts := jsonb_build_object('created', cardinality(v_created));
    RETURN QUERY SELECT unnest(v_created), 'created'::text, NULL::text;
  END IF;
  FOR v_user IN
    SELECT e.value FROM jsonb_array_elements(p_users) AS e WHERE v_rest IS NULL
    UNION ALL
    SELECT p_users->(r.ord::int - 1) FROM unnest(v_rest) AS r(ord)
  LOOP
    retool_user_id := v_user->>'id';
    error := ${recordProblem("v_user")};
    IF error IS NOT NULL THEN
      outcome := 'failed';
      error := ${literal(`${BATCH_FUNCTION}: `)} || error || ' (22023)';
    END IF;
    IF error IS NULL THEN
      -- Columns qualified: retool_user_id is also this function's output variable, which wins here.
      PERFORM 1 FROM ${c.qualifiedName} AS t WHERE t.${ident(c.retoolUserId)} = v_user->>'id' FOR UPDATE SKIP LOCKED;
      IF NOT FOUND AND EXISTS (SELECT 1 FROM ${c.qualifiedName} AS t WHERE t.${ident(c.retoolUserId)} = v_user->>'id') THEN
        -- Another session holds this user's row (a sign-in in flight, or a Retool role keeping a
        -- transaction open): skip it rather than wait; a rerun syncs it.
        outcome := 'failed';
        error := ${literal(`${BATCH_FUNCTION}: the row of this user is held by another session; skipped rather than waited for, run again to sync it (55P03)`)};
      END IF;
    END IF;
    IF error IS NULL THEN
      BEGIN
        SELECT s.o_outcome INTO outcome
        FROM ${CORE_FUNCTION}(v_user->>'id', v_user->>'email', v_user->>'first_name', v_user->>'last_name', p_source, ${activeOf("v_user")}) AS s;
      EXCEPTION WHEN OTHERS THEN
        outcome := 'failed';
        error := SQLERRM || ' (' || SQLSTATE || ')';
      END;
    END IF;
    v_counts := jsonb_set(v_counts, ARRAY[outcome], to_jsonb(coalesce((v_counts->>outcome)::int, 0) + 1));
    RETURN NEXT;
  END LOOP;
  ${SAVE_PROGRESS}
END
$batch$`;
}

function snapshotFunction(settings: StackSettings): string {
  const c = usersTableColumns(settings.usersTable);
  return `CREATE OR REPLACE FUNCTION ${SNAPSHOT_FUNCTION}()
RETURNS TABLE (retool_user_id text, email text, first_name text, last_name text, active boolean)
${securityDefiner("sql", "STABLE")}
AS $snap$
  SELECT ${ident(c.retoolUserId)}::text, ${ident(c.email)}::text, ${ident(c.firstName)}::text, ${ident(c.lastName)}::text, ${ident(c.active)}
  FROM ${c.qualifiedName}
  WHERE ${ident(c.retoolUserId)} IS NOT NULL
$snap$`;
}

/** The outcomes a batch reports: sync_user_outcome's, and failed. */
export const BATCH_OUTCOMES = [...OUTCOMES, "failed"] as const;

export function batchStatements(settings: StackSettings): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${PROGRESS_TABLE} (
  run_key text PRIMARY KEY,
  next_cursor text,
  pages bigint NOT NULL DEFAULT 0,
  counts jsonb NOT NULL DEFAULT '{}',
  finished boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
    // Earlier releases took one page a statement, without p_pages: the old signature would stay
    // beside the new one as an overload, and a call with five arguments would be ambiguous.
    `DROP FUNCTION IF EXISTS ${BATCH_FUNCTION}(jsonb, text, text, text, boolean)`,
    batchFunction(settings),
    snapshotFunction(settings),
  ];
}
