// The rules of the one write path, as SQL fragments over named values. sync_user applies them to
// one user; sync_users applies the same fragments to a whole page at once for users that are
// plainly new. Both render from here, so a rule changed here changes in both.
import { SYNC_SCHEMA, ident, literal } from "./identifiers";
import {
  EMAIL_MAX_LENGTH,
  RETOOL_NAME_MAX_LENGTH,
  RETOOL_USER_ID_MAX_LENGTH,
  RETOOL_USER_ID_PATTERN,
  SOURCES,
  TRUSTED_SOURCES,
} from "./retoolUserId";
import { UsersTableColumns } from "./usersTableColumns";

export const SYNC_FUNCTION = `${SYNC_SCHEMA}.sync_user`;

/** Letters, digits, dots and the like around one @, and a dot in the domain; no spaces or control characters. */
const EMAIL_PATTERN = "^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:].]+(\\.[^@[:space:][:cntrl:].]+)+$";

export const list = (items: readonly string[]) => items.map(literal).join(", ");

/** A RAISE that names the function and the argument, shows the (cut) value, and says what to do. */
export function raise(errcode: string, message: string, hint: string, ...args: string[]): string {
  const formatArgs = args.length ? `, ${args.join(", ")}` : "";
  return `RAISE EXCEPTION USING ERRCODE = '${errcode}',
      MESSAGE = format(${literal(`${SYNC_FUNCTION}: ${message}`)}${formatArgs}),
      HINT = ${literal(hint)};`;
}

export const shown = (expr: string) => `coalesce(quote_literal(left(${expr}, 80)), 'NULL')`;

/** The users table's columns, quoted, under the names the rules use. */
export function ruleColumns(c: UsersTableColumns) {
  return {
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
}

/** Whitespace around an address is never part of it. */
export const normalizedEmail = (raw: string) => `btrim(${raw})`;
/** A blank name is no name: it never overwrites one. */
export const normalizedName = (raw: string) => `nullif(btrim(${raw}), '')`;
/** Data that comes from Retool itself, not from a user's browser. */
export const trustedSource = (source: string) => `${source} IN (${list(TRUSTED_SOURCES)})`;
/** Only a login (the Continue page, a Retool event) counts as being seen; backfill does not. */
export const seenAt = (source: string) => `CASE WHEN ${source} IN ('continue_page', 'event') THEN now() END`;
/**
 * Adopted tables have no unique index on email, so first inserts are serialised by an advisory
 * lock on the address's bucket. Buckets, not a lock per address: one call with thousands of new
 * users (the scheduled reconcile's whole list) would otherwise hold thousands of locks until it
 * commits, and can fill the lock table every session shares (max_locks_per_transaction times
 * max_connections, 6,400 by default), failing other sessions' queries. Two addresses in one
 * bucket only wait for each other's commit.
 */
export const EMAIL_LOCK_BUCKETS = 256;
/** The bucket of an address, 0 to EMAIL_LOCK_BUCKETS - 1. */
export const emailBucket = (email: string) => `(hashtext(lower(${email})) & ${EMAIL_LOCK_BUCKETS - 1})`;
/** Two-key advisory locks are a key space of their own: no clash with the migration runner's lock. */
export const bucketLock = (bucket: string) => `pg_advisory_xact_lock(hashtext('retool_sync.email'), ${bucket})`;
export const emailLock = (email: string) => bucketLock(emailBucket(email));

/** The expressions that hold one user's normalised values. */
export interface SyncValues {
  id: string;
  email: string;
  first: string;
  last: string;
  source: string;
  active: string;
  /** When the user was last seen: seenAt(source), or a variable that already holds it. */
  seen: string;
}

/** Each input rule: when `fails` holds, `raise` says what was wrong. Checked in this order. */
export function inputChecks(v: SyncValues): { fails: string; raise: string }[] {
  return [
    {
      fails: `${v.source} IS NULL OR ${v.source} NOT IN (${list(SOURCES)})`,
      raise: raise("22023", "p_source %s is not a known source", `Use one of: ${SOURCES.join(", ")}. The calling workflow sets it; end users never do.`, shown(v.source)),
    },
    {
      fails: `${v.id} IS NULL OR ${v.id} = ''`,
      raise: raise("22023", "p_retool_user_id is required", "Pass the Retool User ID (current_user.sid in apps, id in the REST API)."),
    },
    {
      fails: `length(${v.id}) > ${RETOOL_USER_ID_MAX_LENGTH} OR ${v.id} !~ ${literal(RETOOL_USER_ID_PATTERN)}`,
      raise: raise(
        "22023",
        "p_retool_user_id %s is not a Retool User ID",
        `Expected user_ followed by lowercase letters and digits, at most ${RETOOL_USER_ID_MAX_LENGTH} characters: current_user.sid, not current_user.id.`,
        shown(v.id),
      ),
    },
    {
      fails: `${v.email} IS NULL OR ${v.email} = ''`,
      raise: raise("22023", "p_email is required", "Pass the user's email address (current_user.email)."),
    },
    {
      fails: `length(${v.email}) > ${EMAIL_MAX_LENGTH}`,
      raise: raise("22023", "p_email is %s characters long", `An email address has at most ${EMAIL_MAX_LENGTH} characters.`, `length(${v.email})`),
    },
    {
      fails: `${v.email} !~ ${literal(EMAIL_PATTERN)}`,
      raise: raise("22023", "p_email %s is not an email address", "Expected one @, a dot in the domain, and no spaces or control characters.", shown(v.email)),
    },
    ...(["first", "last"] as const).map((name) => ({
      fails: `char_length(${v[name]}) > ${RETOOL_NAME_MAX_LENGTH} OR ${v[name]} ~ '[[:cntrl:]]'`,
      raise: raise(
        "22023",
        `p_${name}_name %s is longer than %s characters or has control characters`,
        `Retool ${name} names have at most ${RETOOL_NAME_MAX_LENGTH} characters.`,
        shown(v[name]),
        String(RETOOL_NAME_MAX_LENGTH),
      ),
    })),
    {
      fails: `NOT (${trustedSource(v.source)}) AND ${v.active} IS NOT NULL`,
      raise: raise("22023", "p_active can only be set by a trusted source, not by %s", `Only ${TRUSTED_SOURCES.join(", ")} may change whether a user is active.`, v.source),
    },
  ];
}

/** True when no input rule fails (a rule that yields NULL does not fail, as in plpgsql's IF). */
export function passesInputChecks(v: SyncValues): string {
  return `NOT (${inputChecks(v)
    .map((c) => `coalesce(${c.fails}, false)`)
    .join("\n    OR ")})`;
}

/** The column list and values of a new user's row: every path that creates a row inserts these. */
export function newRow(c: UsersTableColumns, v: SyncValues): { columns: string; values: string } {
  const col = ruleColumns(c);
  return {
    columns: `(${col.id}, ${col.email}, ${col.first}, ${col.last}, ${col.active}, ${col.createdAt}, ${col.updatedAt}, ${col.lastSeen})`,
    values: `${v.id}, ${v.email}, ${v.first}, ${v.last}, coalesce(${v.active}, true), now(), now(), ${v.seen}`,
  };
}
