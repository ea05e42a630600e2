// retool_sync.sync_user_outcome: the one write path. Every way a user reaches the table runs these
// steps, so the rules live in one place, in one transaction, where concurrency and forged input can
// be handled atomically. Each step of a call is one function below, in the order the call takes
// them: a sign-in of a row in step, a known user, linking an unlinked row by email, inserting, and
// settling a conflict. The Retool roles' entry points are the same steps with the source fixed.
import type { StackSettings } from "../../config/schema";
import { ident, literal, SYNC_SCHEMA } from "./identifiers";
import { securityDefiner } from "./securityDefiner";
import { CORE_FUNCTION, CORE_SIGNATURE, type EntryPoint, SYNC_FUNCTION, SYNC_SIGNATURE, SYNCED_USER_FIELDS, SYNCED_USER_TYPE } from "./syncApi";
import {
  anyFails,
  emailKey,
  inputChecks,
  newRow,
  normalizedEmail,
  normalizedName,
  raise,
  rawChecks,
  ruleColumns,
  type SyncValues,
  seenAt,
  shown,
  trustedSource,
} from "./syncRules";
import { type UsersTableColumns, usersTableColumns } from "./usersTableColumns";

/** How a call ended, as sync_user_outcome reports it (backfill counts these). */
export const OUTCOMES = ["created", "linked", "updated", "deactivated", "unchanged"] as const;

/** The names sync_user_outcome holds one user's normalised values under. */
const CALL_VALUES: SyncValues = {
  id: "p_retool_user_id",
  email: "v_email",
  key: "v_key",
  first: "v_first",
  last: "v_last",
  source: "p_source",
  active: "p_active",
  seen: "v_seen",
};

type Columns = ReturnType<typeof ruleColumns>;

/** One user's arguments, as every function of the steps takes them. */
const USER_PARAMS = ["p_retool_user_id text", "p_email text", "p_first_name text", "p_last_name text"];
/** The core's (and sync_user's): the user, and the source and active flag the entry points fix. */
const CORE_PARAMS = [...USER_PARAMS, "p_source text", "p_active boolean DEFAULT NULL"];

/** A row of the users table as the fields of synced_user, in order (what INTO a synced_user takes). */
function syncedUserFields(c: UsersTableColumns, row: string): string {
  const byField: Record<(typeof SYNCED_USER_FIELDS)[number][0], string> = {
    retool_user_id: c.retoolUserId,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    active: c.active,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    last_seen_at: c.lastSeenAt,
    row_key: c.primaryKey,
  };
  return SYNCED_USER_FIELDS.map(([f, type]) => `${row}.${ident(byField[f])}::${type}`).join(", ");
}

/** A row of the users table as the synced_user every entry point returns: sync columns only. */
export function syncedUserOf(c: UsersTableColumns, row: string): string {
  return `ROW(${syncedUserFields(c, row)})::${SYNCED_USER_TYPE}`;
}

/**
 * What the steps are rendered into. The core takes the source as an argument and returns the
 * outcome beside the user; each Retool role's entry point is the same steps with its source fixed,
 * returning the user (one function call per sign-in, not a wrapper around the core).
 */
interface Steps {
  c: UsersTableColumns;
  col: Columns;
  /** The users table, qualified. */
  T: string;
  /** How a step that settled the call returns: the core's OUT parameters, or an entry point's user. */
  ending: "RETURN;" | "RETURN o_user;";
}

const done = (s: Steps, outcome: string) => `
        o_outcome := ${outcome};
        o_user := ${syncedUserOf(s.c, "v_row")};
        ${s.ending}`;

/**
 * The name and active values a call leaves on a known row (`r` prefixes its columns). Retool's own
 * data wins on a trusted call; a browser's claim may only fill what is missing.
 */
function profileAfter(col: Columns, trusted: boolean, r = ""): [first: string, last: string, active: string] {
  return trusted
    ? [`coalesce(v_first, ${r}${col.first})`, `coalesce(v_last, ${r}${col.last})`, `coalesce(p_active, ${r}${col.active}, true)`]
    : [`coalesce(${r}${col.first}, v_first)`, `coalesce(${r}${col.last}, v_last)`, `coalesce(${r}${col.active}, true)`];
}

/**
 * A sign-in whose row is already in step: the row of this Retool id holds exactly this address, and
 * the call would change nothing but when the user was last seen. That is nearly every sign-in after
 * the first, so it is one UPDATE, before the canonical form of the address is even computed. Any
 * other call (a new user, a changed address or name, a row changed meanwhile: the UPDATE re-checks
 * its WHERE on the newest row version) finds nothing here and takes the full rules below, which
 * would have reached the same row with the same values.
 */
function inStepSignIn(s: Steps): string {
  const { c, col, T } = s;
  const update = (trusted: boolean) => `
      UPDATE ${T} AS u SET ${col.lastSeen} = v_seen
      WHERE ${col.id} = p_retool_user_id AND ${col.email} = v_email
        AND (${col.first}, ${col.last}, ${col.active}) IS NOT DISTINCT FROM (${profileAfter(col, trusted).join(", ")})
      RETURNING ${syncedUserFields(c, "u")} INTO o_user;`;
  return `
  IF v_seen IS NOT NULL THEN
    IF v_trusted THEN${update(true)}
    ELSE${update(false)}
    END IF;
    IF FOUND THEN
      o_outcome := 'unchanged';
      ${s.ending}
    END IF;
  END IF;`;
}

/**
 * A user whose Retool id is already in the table. Retool's own data wins: email, names and
 * whether the user is active follow it, unless the new email belongs to another row.
 */
function knownUserTrusted(s: Steps): string {
  const { col, T } = s;
  const current = `(v_row.${col.email}, v_row.${col.first}, v_row.${col.last}, v_row.${col.active})`;
  const wanted = `(v_email, ${profileAfter(col, true, "v_row.").join(", ")})`;
  return `
      SELECT * INTO v_row FROM ${T} WHERE ${col.id} = p_retool_user_id FOR UPDATE;
      IF FOUND THEN
        v_row_key := ${emailKey(`v_row.${col.email}`)}; -- NFKC once, not once per comparison
        IF v_row_key IS DISTINCT FROM v_key THEN
          SELECT * INTO v_holder FROM ${T} WHERE ${emailKey(col.email)} = v_key AND ${col.pk} <> v_row.${col.pk} LIMIT 1;
          IF FOUND THEN
            ${raise("23505", "cannot change the email of %s to %s: row %s (Retool id %s) holds that address", "Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.", "p_retool_user_id", shown("v_email"), `v_holder.${col.pk}`, `coalesce(v_holder.${col.id}, 'none')`)}
          END IF;
        END IF;
        o_outcome := CASE
          WHEN v_row.${col.active} IS DISTINCT FROM false AND p_active = false THEN 'deactivated'
          WHEN ${current} IS DISTINCT FROM ${wanted} THEN 'updated'
          ELSE 'unchanged' END;
        IF v_row_key IS DISTINCT FROM v_key THEN
          -- A new address: the unique index on it (over linked rows, in adopt mode) arbitrates
          -- with a concurrent first sign-in of that address, and the loser is told plainly.
          BEGIN${profileUpdate(col, T)}
          EXCEPTION WHEN unique_violation THEN
            ${raise("23505", "cannot change the email of %s to %s: another row took that address meanwhile", "Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.", "p_retool_user_id", shown("v_email"))}
          END;
        ELSIF o_outcome <> 'unchanged' OR v_seen IS NOT NULL THEN${profileUpdate(col, T)}
        END IF;${done(s, "o_outcome")}
      END IF;`;
}

/** Retool's data onto the known row v_row (o_outcome already decided). */
function profileUpdate(col: Columns, T: string): string {
  return `
          UPDATE ${T} SET
            ${col.email} = v_email,
            (${col.first}, ${col.last}, ${col.active}) = ROW(${profileAfter(col, true).join(", ")}),
            ${col.updatedAt} = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE ${col.updatedAt} END,
            ${col.lastSeen} = coalesce(v_seen, ${col.lastSeen})
          WHERE ${col.pk} = v_row.${col.pk}
          RETURNING * INTO v_row;`;
}

/**
 * What an untrusted caller (the page role: any signed-in user, on free and team any SQL at all)
 * is told when its claim meets another user's row: the same words and SQLSTATE whichever row it
 * met and whose, so no call can tell another user's id, key or address apart from the others.
 * The specifics go to the server log, where only admins look; the core sets client_min_messages
 * so that a caller cannot ask for LOG messages to be sent to it.
 */
export const REFUSED_CLAIM_MESSAGE = "this Retool user id or email address already belongs to another row, so this sign-in cannot be synced";
export const REFUSED_CLAIM_HINT =
  "Ask a Retool admin: they can see the details in the database server's log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.";

function refuseClaim(detail: string, ...args: string[]): string {
  // RAISE's placeholder is %, not format()'s %s.
  const text = `retool_sync refused a %s call for %s: ${detail}`.replace(/%s/g, "%");
  return `RAISE LOG ${literal(text)}, p_source, p_retool_user_id${args.length ? `, ${args.join(", ")}` : ""};
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = ${literal(`${CORE_FUNCTION}: ${REFUSED_CLAIM_MESSAGE}`)}, HINT = ${literal(REFUSED_CLAIM_HINT)};`;
}

/**
 * A user whose Retool id is already in the table, seen by a browser's claim: it may only fill a
 * missing name, and only on the row that has both the id and the email it claims. A claim that
 * pairs an id with another address changes nothing and learns nothing.
 */
function knownUserUntrusted(s: Steps): string {
  const { col, T } = s;
  const filled = profileAfter(col, false).join(", ");
  return `
      UPDATE ${T} SET
        (${col.first}, ${col.last}, ${col.active}) = ROW(${filled}),
        ${col.updatedAt} = CASE WHEN (${col.first}, ${col.last}, ${col.active}) IS DISTINCT FROM (${filled}) THEN now() ELSE ${col.updatedAt} END,
        ${col.lastSeen} = v_seen
      WHERE ${col.id} = p_retool_user_id AND ${emailKey(col.email)} = v_key
      RETURNING * INTO v_row;
      IF FOUND THEN${done(s, "'unchanged'")}
      END IF;
      SELECT * INTO v_holder FROM ${T} WHERE ${col.id} = p_retool_user_id;
      IF FOUND THEN
        IF ${emailKey(`v_holder.${col.email}`)} = v_key THEN
          CONTINUE; -- an identical call committed this row after the UPDATE looked: go round and take it
        END IF;
        ${refuseClaim("the row of that id has another email (row %s)", `v_holder.${col.pk}`)}
      END IF;`;
}

function knownUser(s: Steps): string {
  return `
    IF v_trusted THEN${knownUserTrusted(s)}
    ELSE${knownUserUntrusted(s)}
    END IF;`;
}

/**
 * A row that has the address but no Retool id yet gets this user's id. Adopted tables may hold
 * an address twice; then no row is guessed. Nor is an unlinked copy of an address that a linked
 * row already holds (a team's app may add one): that address is another user's, settled below.
 */
function linkByEmail(s: Steps, adopted: boolean): string {
  const { c, col, T } = s;
  // One UPDATE for both kinds of call: the names follow profileAfter's rule for the call's trust.
  const [trusted, claimed] = [profileAfter(col, true), profileAfter(col, false)];
  const ambiguity = adopted
    ? `
      SELECT count(*) INTO v_matches FROM ${T} WHERE ${emailKey(col.email)} = v_key AND ${col.id} IS NULL;
      IF v_matches > 1 THEN
        IF NOT v_trusted THEN
          ${refuseClaim("%s unlinked rows have that email", "v_matches")}
        END IF;
        ${raise("21000", "%s rows in %s have the email %s and no Retool id; refusing to guess which one is %s", "Merge or delete the duplicate rows, or set retool_user_id on the right one by hand, then retry.", "v_matches", literal(`${c.schema}.${c.table}`), shown("v_email"), "p_retool_user_id")}
      END IF;`
    : "";
  return `
    IF v_link${adopted ? ` AND NOT EXISTS (SELECT 1 FROM ${T} WHERE ${emailKey(col.email)} = v_key AND ${col.id} IS NOT NULL)` : ""} THEN${ambiguity}
      SELECT * INTO v_row FROM ${T} WHERE ${emailKey(col.email)} = v_key AND ${col.id} IS NULL LIMIT 1 FOR UPDATE;
      IF FOUND THEN
        BEGIN
        UPDATE ${T} SET ${col.id} = p_retool_user_id,
          ${col.email} = CASE WHEN v_trusted THEN v_email ELSE ${col.email} END,
          ${col.first} = CASE WHEN v_trusted THEN ${trusted[0]} ELSE ${claimed[0]} END,
          ${col.last} = CASE WHEN v_trusted THEN ${trusted[1]} ELSE ${claimed[1]} END,
          ${col.active} = coalesce(p_active, ${col.active}, true),
          ${col.createdAt} = coalesce(${col.createdAt}, now()),
          ${col.updatedAt} = now(),
          ${col.lastSeen} = coalesce(v_seen, ${col.lastSeen})
        WHERE ${col.pk} = v_row.${col.pk} AND ${col.id} IS NULL
        RETURNING * INTO v_row;
        EXCEPTION WHEN unique_violation THEN
          CONTINUE; -- another row was linked to this address meanwhile: go round, and the conflict is settled below
        END;
        IF FOUND THEN${done(s, "'linked'")}
        END IF;
      END IF;
    END IF;`;
}

/**
 * A new user's row. ON CONFLICT without a target covers every unique index (the Retool id, and the
 * canonical email: over every row of a created table, over linked rows of an adopted one), so a
 * concurrent first call ends in "nothing inserted", never in an error, and two linked rows can
 * never share an address. Serialising on those indexes, not on advisory locks, keeps it out of
 * reach of a Retool role: anyone may take any advisory lock, but only an insert can hold an index
 * entry, and only for its own claim. An adopted table's unlinked row with the address is linked
 * (above), not duplicated.
 */
function insertNew(s: Steps, adopted: boolean): string {
  const { c, col, T } = s;
  const fresh = newRow(c, CALL_VALUES);
  const insert = `
    INSERT INTO ${T} ${fresh.columns}
    VALUES (${fresh.values})
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN${done(s, "'created'")}
    END IF;`;
  if (!adopted) return insert;
  return `
    IF NOT EXISTS (SELECT 1 FROM ${T} WHERE ${emailKey(col.email)} = v_key) THEN${insert}
    END IF;`;
}

/** Nothing was inserted: a concurrent call won (go round again), or the address is another's. */
function settleConflict(s: Steps, linkRefusedHint: string): string {
  const { c, col, T } = s;
  return `
    PERFORM 1 FROM ${T} WHERE ${col.id} = p_retool_user_id;
    IF FOUND THEN
      CONTINUE; -- a concurrent first call for the same user won; go round and update that row
    END IF;
    SELECT * INTO v_holder FROM ${T} WHERE ${emailKey(col.email)} = v_key ORDER BY ${col.id} NULLS LAST LIMIT 1;
    IF FOUND THEN
      IF v_holder.${col.id} IS NULL AND v_link THEN
        CONTINUE; -- the row appeared after we looked; go round and link it
      END IF;
      IF NOT v_trusted THEN
        ${refuseClaim("the email belongs to row %s (Retool id %s)", `v_holder.${col.pk}`, `coalesce(v_holder.${col.id}, 'none')`)}
      END IF;
      IF v_holder.${col.id} IS NULL THEN
        ${raise("23505", "row %s has the email %s but no Retool id, and a %s call may not link it to %s", linkRefusedHint, `v_holder.${col.pk}`, shown("v_email"), "p_source", "p_retool_user_id")}
      END IF;
      ${raise("23505", "the email %s already belongs to Retool user %s (row %s), not to %s", "Retool emails are unique, so that row is out of date or this call is forged: run `npm run reconcile` to see which, then retry.", shown("v_email"), `v_holder.${col.id}`, `v_holder.${col.pk}`, "p_retool_user_id")}
    END IF;
    ${raise("23505", "inserting %s conflicted with a unique constraint of %s other than the Retool id and email", "Check the table's other unique indexes; sync_user only fills the Retool columns.", "p_retool_user_id", literal(`${c.schema}.${c.table}`))}`;
}

/**
 * Checks in one IF: a call that passes them all (nearly every call) pays for one expression, not
 * one PL/pgSQL statement per rule; a call that fails one is told which, in the rules' own order.
 */
function guarded(checks: { fails: string; raise: string }[]): string {
  const each = checks.map(
    (check) => `
    IF ${check.fails} THEN
      ${check.raise}
    END IF;`,
  );
  return `
  IF ${anyFails(checks)} THEN${each.join("")}
  END IF;`;
}

/** What one function of the steps is: its name, its parameters and how it returns. */
interface SyncFunctionShape {
  name: string;
  params: string[];
  /** RETURNS for an entry point; the core returns its OUT parameters. */
  returns?: string;
  /** Arguments an entry point fixes rather than takes (at least p_source), as DECLARE lines. */
  fixed: string[];
  ending: Steps["ending"];
}

/** Validation, then the steps in order, retried when a concurrent call races it. */
function syncFunction(settings: StackSettings, shape: SyncFunctionShape): string {
  const c = usersTableColumns(settings.usersTable);
  const s: Steps = { c, col: ruleColumns(c), T: c.qualifiedName, ending: shape.ending };
  const adopted = settings.usersTable.mode === "adopt";
  const linkRefusedHint = !settings.linkByEmail
    ? "linkByEmail is off for this stack: set retool_user_id on that row by hand, or turn linkByEmail on."
    : "The Continue page's data comes from the browser, so it may not claim an existing row by email. Link it with a trusted source (`npm run backfill`), or set retool_user_id on that row by hand.";
  const bounds = guarded(rawChecks({ id: "p_retool_user_id", email: "p_email", first: "p_first_name", last: "p_last_name" }));
  const validation = guarded(inputChecks(CALL_VALUES, settings.emailCharacters));
  return `CREATE OR REPLACE FUNCTION ${shape.name}(
  ${shape.params.join(",\n  ")}
)${shape.returns ? `\nRETURNS ${shape.returns}` : ""}
${securityDefiner("plpgsql", "VOLATILE", { syncPath: true })}
AS $sync$
#variable_conflict use_column
DECLARE${shape.fixed.map((line) => `\n  ${line};`).join("")}
  v_email text;
  v_key text;
  v_first text;
  v_last text;
  v_trusted boolean := ${trustedSource("p_source")};
  v_link boolean := ${settings.linkByEmail} AND (${trustedSource("p_source")} OR ${settings.linkByEmailFromContinuePage});
  v_seen timestamptz := ${seenAt("p_source")};
  v_row ${s.T};
  v_row_key text;
  v_holder ${s.T};
  v_matches bigint;
BEGIN${bounds}
  v_email := ${normalizedEmail("p_email")};
  v_first := ${normalizedName("p_first_name")};
  v_last := ${normalizedName("p_last_name")};${validation}${inStepSignIn(s)}
  v_key := ${emailKey("v_email")};
  FOR v_attempt IN 1..3 LOOP${knownUser(s)}${linkByEmail(s, adopted)}${insertNew(s, adopted)}${settleConflict(s, linkRefusedHint)}
  END LOOP;
  ${raise("40001", "could not settle %s after 3 attempts under concurrent changes", "Retry the call.", "p_retool_user_id")}
END
$sync$`;
}

/** sync_user_outcome: the steps with the source as an argument, returning the outcome too. The admin's. */
function coreFunction(settings: StackSettings): string {
  return syncFunction(settings, {
    name: CORE_FUNCTION,
    params: [...CORE_PARAMS, "OUT o_outcome text", `OUT o_user ${SYNCED_USER_TYPE}`],
    fixed: [],
    ending: "RETURN;",
  });
}

/**
 * A Retool role's entry point: the steps themselves, with the source fixed (and p_active fixed to
 * NULL where the role may not set it). Not a wrapper around the core: a sign-in is one function
 * call, and the SQL wrapper's own call cost a quarter of the trusted path's server time.
 */
export function entryPointFunction(settings: StackSettings, entry: EntryPoint, { takesActive }: { takesActive: boolean }): string {
  return syncFunction(settings, {
    name: entry.name,
    params: [...USER_PARAMS, ...(takesActive ? ["p_active boolean DEFAULT NULL"] : [])],
    returns: SYNCED_USER_TYPE,
    fixed: [
      `p_source CONSTANT text := ${literal(entry.source)}`,
      ...(takesActive ? [] : ["p_active CONSTANT boolean := NULL"]),
      "o_outcome text",
      `o_user ${SYNCED_USER_TYPE}`,
    ],
    ending: "RETURN o_user;",
  });
}

/** sync_user: the core without its outcome, for the admin's own use (psql, tests). */
function syncUserFunction(): string {
  return `CREATE OR REPLACE FUNCTION ${SYNC_FUNCTION}(
  ${CORE_PARAMS.join(",\n  ")}
)
RETURNS ${SYNCED_USER_TYPE}
${securityDefiner("sql", "VOLATILE")}
AS $wrap$
  SELECT (s.o_user).* FROM ${CORE_FUNCTION}(p_retool_user_id, p_email, p_first_name, p_last_name, p_source, p_active) AS s
$wrap$`;
}

/**
 * The type every entry point returns. A release that changes its fields replaces it: our own
 * functions that use it are dropped by name (they are recreated right after, in the same
 * transaction, and migration 005 grants them again), then the type is dropped without CASCADE, so
 * an object of the team's own that uses it stops the migration instead of vanishing.
 */
export function syncedUserType(): string {
  const fields = SYNCED_USER_FIELDS.map(([f]) => f).join(",");
  return `DO $type$
DECLARE
  v_type regtype := to_regtype(${literal(SYNCED_USER_TYPE)});
  v_fn regprocedure;
  v_detail text;
BEGIN
  IF v_type IS NOT NULL AND (
    SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = (SELECT typrelid FROM pg_catalog.pg_type WHERE oid = v_type) AND a.attnum > 0 AND NOT a.attisdropped
  ) IS DISTINCT FROM ${literal(fields)} THEN
    FOR v_fn IN
      SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
      WHERE p.pronamespace = ${literal(SYNC_SCHEMA)}::regnamespace
        AND (p.prorettype = v_type OR v_type = ANY (p.proallargtypes))
    LOOP
      EXECUTE format('DROP FUNCTION %s', v_fn);
    END LOOP;
    BEGIN
      EXECUTE ${literal(`DROP TYPE ${SYNCED_USER_TYPE}`)};
    EXCEPTION WHEN dependent_objects_still_exist THEN
      GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
      RAISE EXCEPTION 'this release changes the fields of ${SYNCED_USER_TYPE} (now: ${fields}), and objects of your own use the type: %', v_detail
        USING HINT = 'Change or drop those objects of yours, then run pulumi up again. Nothing was changed.';
    END;
  END IF;
  IF to_regtype(${literal(SYNCED_USER_TYPE)}) IS NULL THEN
    CREATE TYPE ${SYNCED_USER_TYPE} AS (${SYNCED_USER_FIELDS.map(([f, t]) => `${f} ${t}`).join(", ")});
  END IF;
END
$type$`;
}

/**
 * Releases before the dedicated synced_user type returned the users table's row type (an adopted
 * table's private columns included); CREATE OR REPLACE cannot change a result type, and dropping
 * a function loses no data, so those are dropped first.
 */
export function dropOutdated(signatures: string[]): string {
  return `DO $drop$
DECLARE
  v_fn regprocedure;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[${signatures.map((s) => `to_regprocedure(${literal(s)})`).join(", ")}] LOOP
    IF v_fn IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_proc p
      WHERE p.oid = v_fn
        AND (p.prorettype = ${literal(SYNCED_USER_TYPE)}::regtype OR ${literal(SYNCED_USER_TYPE)}::regtype = ANY (p.proallargtypes))
    ) THEN
      EXECUTE format('DROP FUNCTION %s', v_fn);
    END IF;
  END LOOP;
END
$drop$`;
}

/** The core and the admin's plain sync_user, in the statements migration 004 runs. */
export function coreStatements(settings: StackSettings): string[] {
  return [syncedUserType(), dropOutdated([CORE_SIGNATURE, SYNC_SIGNATURE]), coreFunction(settings), syncUserFunction()];
}
