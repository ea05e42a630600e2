// retool_sync.sync_user: the one write path. Every way a user reaches the table (Continue page,
// Retool Events, backfill, reconcile) ends here, so the rules live in one place, in one
// transaction, where concurrency and forged input can be handled atomically.
import { StackSettings } from "../../config/schema";
import { SYNC_SCHEMA, literal } from "./identifiers";
import { Migration } from "./migration";
import { SOURCES } from "./retoolUserId";
import {
  SYNC_FUNCTION,
  SyncValues,
  emailLock,
  inputChecks,
  newRow,
  normalizedEmail,
  normalizedName,
  raise,
  ruleColumns,
  seenAt,
  shown,
  trustedSource,
} from "./syncRules";
import { usersTableColumns } from "./usersTableColumns";

export { SYNC_FUNCTION };
export const SYNC_FUNCTION_SIGNATURE = `${SYNC_FUNCTION}(text, text, text, text, text, boolean)`;
const CORE_FUNCTION = `${SYNC_SCHEMA}.sync_user_outcome`;
export const SYNC_CORE_FUNCTION_SIGNATURE = `${CORE_FUNCTION}(text, text, text, text, text, boolean)`;

/** How a call ended, as sync_user_outcome reports it (backfill counts these). */
export const OUTCOMES = ["created", "linked", "updated", "deactivated", "unchanged"] as const;
export type SyncOutcome = (typeof OUTCOMES)[number];

/** The names sync_user_outcome holds one user's normalised values under. */
const CALL_VALUES: SyncValues = { id: "p_retool_user_id", email: "v_email", first: "v_first", last: "v_last", source: "p_source", active: "p_active", seen: "v_seen" };

export function syncFunctionMigration(settings: StackSettings): Migration {
  const c = usersTableColumns(settings.usersTable);
  const T = c.qualifiedName;
  const col = ruleColumns(c);
  const adopted = settings.usersTable.mode === "adopt";
  const linkByEmail = settings.linkByEmail;
  const linkFromPage = settings.linkByEmailFromContinuePage;

  const validation = inputChecks(CALL_VALUES)
    .map((check) => `
  IF ${check.fails} THEN
    ${check.raise}
  END IF;`)
    .join("");

  // Trusted sources carry Retool's own data: new values win. The Continue page carries what a
  // browser claims: it may fill a name that is missing, never change one, never change email.
  const trustedSet = `
        ${col.email} = v_email,
        ${col.first} = coalesce(v_first, ${col.first}),
        ${col.last} = coalesce(v_last, ${col.last}),
        ${col.active} = coalesce(p_active, ${col.active}, true)`;
  const untrustedSet = `
        ${col.first} = coalesce(${col.first}, v_first),
        ${col.last} = coalesce(${col.last}, v_last),
        ${col.active} = coalesce(${col.active}, true)`;
  const changed = (set: "trusted" | "untrusted") =>
    set === "trusted"
      ? `(${col.email}, ${col.first}, ${col.last}, ${col.active}) IS DISTINCT FROM (v_email, coalesce(v_first, ${col.first}), coalesce(v_last, ${col.last}), coalesce(p_active, ${col.active}, true))`
      : `(${col.first}, ${col.last}, ${col.active}) IS DISTINCT FROM (coalesce(${col.first}, v_first), coalesce(${col.last}, v_last), coalesce(${col.active}, true))`;

  const knownUser = `
    IF v_trusted THEN
      SELECT * INTO v_row FROM ${T} WHERE ${col.id} = p_retool_user_id FOR UPDATE;
      IF FOUND THEN
        IF lower(v_row.${col.email}) IS DISTINCT FROM lower(v_email) THEN
          SELECT * INTO v_holder FROM ${T} WHERE lower(${col.email}) = lower(v_email) AND ${col.pk} <> v_row.${col.pk} LIMIT 1;
          IF FOUND THEN
            ${raise("23505", "cannot change the email of %s to %s: row %s (Retool id %s) holds that address", "Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.", "p_retool_user_id", shown("v_email"), `v_holder.${col.pk}`, `coalesce(v_holder.${col.id}, 'none')`)}
          END IF;
        END IF;
        o_outcome := CASE
          WHEN v_row.${col.active} IS DISTINCT FROM false AND p_active = false THEN 'deactivated'
          WHEN (v_row.${col.email}, v_row.${col.first}, v_row.${col.last}, v_row.${col.active})
               IS DISTINCT FROM (v_email, coalesce(v_first, v_row.${col.first}), coalesce(v_last, v_row.${col.last}), coalesce(p_active, v_row.${col.active}, true))
            THEN 'updated'
          ELSE 'unchanged' END;
        IF o_outcome <> 'unchanged' OR v_seen IS NOT NULL THEN
          UPDATE ${T} SET${trustedSet},
            ${col.updatedAt} = CASE WHEN ${changed("trusted")} THEN now() ELSE ${col.updatedAt} END,
            ${col.lastSeen} = coalesce(v_seen, ${col.lastSeen})
          WHERE ${col.pk} = v_row.${col.pk}
          RETURNING * INTO v_row;
        END IF;
        o_row := v_row;
        RETURN;
      END IF;
    ELSE
      UPDATE ${T} SET${untrustedSet},
        ${col.updatedAt} = CASE WHEN ${changed("untrusted")} THEN now() ELSE ${col.updatedAt} END,
        ${col.lastSeen} = v_seen
      WHERE ${col.id} = p_retool_user_id
      RETURNING * INTO v_row;
      IF FOUND THEN
        o_outcome := 'unchanged';
        o_row := v_row;
        RETURN;
      END IF;
    END IF;`;

  const ambiguity = adopted
    ? `
      SELECT count(*) INTO v_matches FROM ${T} WHERE lower(${col.email}) = lower(v_email) AND ${col.id} IS NULL;
      IF v_matches > 1 THEN
        ${raise("21000", "%s rows in %s have the email %s and no Retool id; refusing to guess which one is %s", "Merge or delete the duplicate rows, or set retool_user_id on the right one by hand, then retry.", "v_matches", literal(`${c.schema}.${c.table}`), shown("v_email"), "p_retool_user_id")}
      END IF;`
    : "";

  const link = `
    IF v_link THEN${ambiguity}
      SELECT * INTO v_row FROM ${T} WHERE lower(${col.email}) = lower(v_email) AND ${col.id} IS NULL LIMIT 1 FOR UPDATE;
      IF FOUND THEN
        UPDATE ${T} SET ${col.id} = p_retool_user_id,
          ${col.email} = CASE WHEN v_trusted THEN v_email ELSE ${col.email} END,
          ${col.first} = CASE WHEN v_trusted THEN coalesce(v_first, ${col.first}) ELSE coalesce(${col.first}, v_first) END,
          ${col.last} = CASE WHEN v_trusted THEN coalesce(v_last, ${col.last}) ELSE coalesce(${col.last}, v_last) END,
          ${col.active} = coalesce(p_active, ${col.active}, true),
          ${col.createdAt} = coalesce(${col.createdAt}, now()),
          ${col.updatedAt} = now(),
          ${col.lastSeen} = coalesce(v_seen, ${col.lastSeen})
        WHERE ${col.pk} = v_row.${col.pk} AND ${col.id} IS NULL
        RETURNING * INTO v_row;
        IF FOUND THEN
          o_outcome := 'linked';
          o_row := v_row;
          RETURN;
        END IF;
      END IF;
    END IF;`;

  // Adopted tables have no unique index on email, so first inserts for one address are
  // serialised by an advisory lock instead; created tables rely on their unique index.
  // ON CONFLICT without a target covers every unique index (Retool id and email alike), so a
  // concurrent first call ends in "nothing inserted", never in a unique-violation error.
  const fresh = newRow(c, CALL_VALUES);
  const insertRow = `
    INSERT INTO ${T} ${fresh.columns}
    VALUES (${fresh.values})
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN
      o_outcome := 'created';
      o_row := v_row;
      RETURN;
    END IF;`;
  const insert = adopted
    ? `
    PERFORM ${emailLock("v_email")};
    IF NOT EXISTS (SELECT 1 FROM ${T} WHERE lower(${col.email}) = lower(v_email)) THEN${insertRow}
    END IF;`
    : insertRow;

  const linkRefusedHint = !linkByEmail
    ? "linkByEmail is off for this stack: set retool_user_id on that row by hand, or turn linkByEmail on."
    : "The Continue page's data comes from the browser, so it may not claim an existing row by email. Link it with a trusted source (`npm run backfill`), or set retool_user_id on that row by hand.";

  const conflict = `
    -- Nothing inserted: a unique index already holds this id or this email.
    PERFORM 1 FROM ${T} WHERE ${col.id} = p_retool_user_id;
    IF FOUND THEN
      CONTINUE; -- a concurrent first call for the same user won; go round and update that row
    END IF;
    SELECT * INTO v_holder FROM ${T} WHERE lower(${col.email}) = lower(v_email) LIMIT 1;
    IF FOUND THEN
      IF v_holder.${col.id} IS NULL THEN
        IF v_link THEN
          CONTINUE; -- the row appeared after we looked; go round and link it
        END IF;
        ${raise("23505", "row %s has the email %s but no Retool id, and a %s call may not link it to %s", linkRefusedHint, `v_holder.${col.pk}`, shown("v_email"), "p_source", "p_retool_user_id")}
      END IF;
      ${raise("23505", "the email %s already belongs to Retool user %s (row %s), not to %s", "Retool emails are unique, so that row is out of date or this call is forged: run `npm run reconcile` to see which, then retry.", shown("v_email"), `v_holder.${col.id}`, `v_holder.${col.pk}`, "p_retool_user_id")}
    END IF;
    ${raise("23505", "inserting %s conflicted with a unique constraint of %s other than the Retool id and email", "Check the table's other unique indexes; sync_user only fills the Retool columns.", "p_retool_user_id", literal(`${c.schema}.${c.table}`))}`;

  const core = `CREATE OR REPLACE FUNCTION ${CORE_FUNCTION}(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text,
  p_source text,
  p_active boolean DEFAULT NULL,
  OUT o_outcome text,
  OUT o_row ${T}
)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $sync$
#variable_conflict use_column
DECLARE
  v_email text := ${normalizedEmail("p_email")};
  v_first text := ${normalizedName("p_first_name")};
  v_last text := ${normalizedName("p_last_name")};
  v_trusted boolean := ${trustedSource("p_source")};
  v_link boolean := ${linkByEmail ? "true" : "false"} AND (${trustedSource("p_source")} OR ${linkFromPage ? "true" : "false"});
  v_seen timestamptz := ${seenAt("p_source")};
  v_row ${T};
  v_holder ${T};
  v_matches bigint;
BEGIN${validation}
  FOR v_attempt IN 1..3 LOOP${knownUser}${link}${insert}${conflict}
  END LOOP;
  ${raise("40001", "could not settle %s after 3 attempts under concurrent changes", "Retry the call.", "p_retool_user_id")}
END
$sync$`;

  const wrapper = `CREATE OR REPLACE FUNCTION ${SYNC_FUNCTION}(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text,
  p_source text,
  p_active boolean DEFAULT NULL
)
RETURNS ${T}
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $wrap$
  SELECT (s.o_row).* FROM ${CORE_FUNCTION}(p_retool_user_id, p_email, p_first_name, p_last_name, p_source, p_active) AS s
$wrap$`;

  // A changed users table changes the functions' return type, which CREATE OR REPLACE refuses;
  // dropping a function loses no data, so an outdated one is dropped first.
  const dropOutdated = `DO $drop$
DECLARE
  v_fn regprocedure;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[to_regprocedure(${literal(SYNC_FUNCTION_SIGNATURE)}), to_regprocedure(${literal(SYNC_CORE_FUNCTION_SIGNATURE)})] LOOP
    IF v_fn IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_proc p
      WHERE p.oid = v_fn
        AND (p.prorettype = ${literal(T)}::regtype OR ${literal(T)}::regtype = ANY (p.proallargtypes))
    ) THEN
      EXECUTE format('DROP FUNCTION %s', v_fn);
    END IF;
  END LOOP;
END
$drop$`;

  return {
    id: "004_sync_function",
    description: `${SYNC_FUNCTION}, the single write path into ${c.schema}.${c.table}`,
    transactional: true,
    statements: [
      dropOutdated,
      core,
      wrapper,
      `REVOKE ALL ON FUNCTION ${SYNC_CORE_FUNCTION_SIGNATURE} FROM PUBLIC`,
      `REVOKE ALL ON FUNCTION ${SYNC_FUNCTION_SIGNATURE} FROM PUBLIC`,
      `COMMENT ON FUNCTION ${SYNC_FUNCTION_SIGNATURE} IS ${literal(
        "Creates or updates the row of one Retool user and returns it. p_source is set by the calling workflow: continue_page (untrusted), event, backfill, reconcile. See README: the sync function's contract.",
      )}`,
    ],
  };
}

/** The values of one sync_user call, as expressions of the caller (e.g. Retool `{{ }}` templates). */
export interface SyncUserCallArgs {
  retoolUserId: string;
  email: string;
  firstName: string;
  lastName: string;
  active?: string;
}

/**
 * The statement a Retool SQL block runs. The arguments are Retool `{{ }}` expressions, which
 * Retool sends as prepared-statement parameters, never as SQL text; only the source is a literal,
 * fixed here and not editable by the people whose data it carries.
 */
export function syncUserCall(source: (typeof SOURCES)[number], args: SyncUserCallArgs): string {
  const values = [args.retoolUserId, args.email, args.firstName, args.lastName, literal(source)];
  if (args.active !== undefined) values.push(args.active);
  return `SELECT * FROM ${SYNC_FUNCTION}(${values.join(", ")})`;
}
