// retool_sync.sync_user: the one write path. Every way a user reaches the table (Continue page,
// Retool Events, backfill, reconcile) ends here, so the rules live in one place, in one
// transaction, where concurrency and forged input can be handled atomically.
import { StackSettings } from "../../config/schema";
import { SYNC_SCHEMA, ident, literal } from "./identifiers";
import { Migration } from "./migration";
import {
  EMAIL_MAX_LENGTH,
  RETOOL_NAME_MAX_LENGTH,
  RETOOL_USER_ID_MAX_LENGTH,
  RETOOL_USER_ID_PATTERN,
  SOURCES,
  TRUSTED_SOURCES,
} from "./retoolUserId";
import { usersTableColumns } from "./usersTableColumns";

export const SYNC_FUNCTION = `${SYNC_SCHEMA}.sync_user`;
export const SYNC_FUNCTION_SIGNATURE = `${SYNC_FUNCTION}(text, text, text, text, text, boolean)`;
const CORE_FUNCTION = `${SYNC_SCHEMA}.sync_user_outcome`;
export const SYNC_CORE_FUNCTION_SIGNATURE = `${CORE_FUNCTION}(text, text, text, text, text, boolean)`;

/** How a call ended, as sync_user_outcome reports it (backfill counts these). */
export const OUTCOMES = ["created", "linked", "updated", "deactivated", "unchanged"] as const;
export type SyncOutcome = (typeof OUTCOMES)[number];

/** Letters, digits, dots and the like around one @, and a dot in the domain; no spaces or control characters. */
const EMAIL_PATTERN = "^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:].]+(\\.[^@[:space:][:cntrl:].]+)+$";

const list = (items: readonly string[]) => items.map(literal).join(", ");

/** A RAISE that names the function and the argument, shows the (cut) value, and says what to do. */
function raise(errcode: string, message: string, hint: string, ...args: string[]): string {
  const formatArgs = args.length ? `, ${args.join(", ")}` : "";
  return `RAISE EXCEPTION USING ERRCODE = '${errcode}',
      MESSAGE = format(${literal(`${SYNC_FUNCTION}: ${message}`)}${formatArgs}),
      HINT = ${literal(hint)};`;
}

const shown = (expr: string) => `coalesce(quote_literal(left(${expr}, 80)), 'NULL')`;

export function syncFunctionMigration(settings: StackSettings): Migration {
  const c = usersTableColumns(settings.usersTable);
  const T = c.qualifiedName;
  const col = {
    pk: ident(c.primaryKey),
    id: ident(c.retoolUserId),
    email: ident(c.email),
    first: ident(c.firstName),
    last: ident(c.lastName),
    active: ident(c.active),
    createdAt: ident(c.createdAt),
    updatedAt: ident(c.updatedAt),
    lastSeen: ident(c.lastSeenAt),
  };
  const adopted = settings.usersTable.mode === "adopt";
  const linkByEmail = settings.linkByEmail;
  const linkFromPage = settings.linkByEmailFromContinuePage;

  const validation = `
  IF p_source IS NULL OR p_source NOT IN (${list(SOURCES)}) THEN
    ${raise("22023", "p_source %s is not a known source", `Use one of: ${SOURCES.join(", ")}. The calling workflow sets it; end users never do.`, shown("p_source"))}
  END IF;
  IF p_retool_user_id IS NULL OR p_retool_user_id = '' THEN
    ${raise("22023", "p_retool_user_id is required", "Pass the Retool User ID (current_user.sid in apps, id in the REST API).")}
  END IF;
  IF length(p_retool_user_id) > ${RETOOL_USER_ID_MAX_LENGTH} OR p_retool_user_id !~ ${literal(RETOOL_USER_ID_PATTERN)} THEN
    ${raise("22023", "p_retool_user_id %s is not a Retool User ID", `Expected user_ followed by lowercase letters and digits, at most ${RETOOL_USER_ID_MAX_LENGTH} characters: current_user.sid, not current_user.id.`, shown("p_retool_user_id"))}
  END IF;
  IF v_email IS NULL OR v_email = '' THEN
    ${raise("22023", "p_email is required", "Pass the user's email address (current_user.email).")}
  END IF;
  IF length(v_email) > ${EMAIL_MAX_LENGTH} THEN
    ${raise("22023", "p_email is %s characters long", `An email address has at most ${EMAIL_MAX_LENGTH} characters.`, "length(v_email)")}
  END IF;
  IF v_email !~ ${literal(EMAIL_PATTERN)} THEN
    ${raise("22023", "p_email %s is not an email address", "Expected one @, a dot in the domain, and no spaces or control characters.", shown("v_email"))}
  END IF;
  IF char_length(v_first) > ${RETOOL_NAME_MAX_LENGTH} OR v_first ~ '[[:cntrl:]]' THEN
    ${raise("22023", "p_first_name %s is longer than %s characters or has control characters", `Retool first names have at most ${RETOOL_NAME_MAX_LENGTH} characters.`, shown("v_first"), String(RETOOL_NAME_MAX_LENGTH))}
  END IF;
  IF char_length(v_last) > ${RETOOL_NAME_MAX_LENGTH} OR v_last ~ '[[:cntrl:]]' THEN
    ${raise("22023", "p_last_name %s is longer than %s characters or has control characters", `Retool last names have at most ${RETOOL_NAME_MAX_LENGTH} characters.`, shown("v_last"), String(RETOOL_NAME_MAX_LENGTH))}
  END IF;
  IF NOT v_trusted AND p_active IS NOT NULL THEN
    ${raise("22023", "p_active can only be set by a trusted source, not by %s", `Only ${TRUSTED_SOURCES.join(", ")} may change whether a user is active.`, "p_source")}
  END IF;`;

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
  const insertRow = `
    INSERT INTO ${T} (${col.id}, ${col.email}, ${col.first}, ${col.last}, ${col.active}, ${col.createdAt}, ${col.updatedAt}, ${col.lastSeen})
    VALUES (p_retool_user_id, v_email, v_first, v_last, coalesce(p_active, true), now(), now(), v_seen)
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN
      o_outcome := 'created';
      o_row := v_row;
      RETURN;
    END IF;`;
  const insert = adopted
    ? `
    PERFORM pg_advisory_xact_lock(hashtextextended('retool_sync.email:' || lower(v_email), 0));
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
  v_email text := btrim(p_email);
  v_first text := nullif(btrim(p_first_name), '');
  v_last text := nullif(btrim(p_last_name), '');
  v_trusted boolean := p_source IN (${list(TRUSTED_SOURCES)});
  v_link boolean := ${linkByEmail ? "true" : "false"} AND (p_source IN (${list(TRUSTED_SOURCES)}) OR ${linkFromPage ? "true" : "false"});
  -- Only a login (the Continue page, a Retool event) counts as being seen; backfill does not.
  v_seen timestamptz := CASE WHEN p_source IN ('continue_page', 'event') THEN now() END;
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
