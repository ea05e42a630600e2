// The rules of the one write path, as SQL fragments over named values. sync_user_outcome applies
// them to one user; sync_users applies the same fragments to a whole page at once for users that
// are plainly new. Both render from here, so a rule changed here changes in both.
import { canonicalEmailSql, EMAIL_MAX_LENGTH, EMAIL_MAX_RAW_BYTES, type EmailCharset, emailPattern, storedEmailSql } from "../../domain/emailRules";
import { NAME_MAX_LENGTH, NAME_MAX_RAW_BYTES, NAME_REFUSED_CHARACTERS, storedNameSql } from "../../domain/nameRules";
import { RETOOL_USER_ID_MAX_LENGTH, RETOOL_USER_ID_PATTERN } from "../../domain/retoolUserId";
import { LOGIN_SOURCES, SOURCES, TRUSTED_SOURCES } from "../../domain/syncPaths";
import { ident, literal } from "./identifiers";
import { CORE_FUNCTION } from "./syncApi";
import type { UsersTableColumns } from "./usersTableColumns";

const sqlList = (items: readonly string[]) => items.map(literal).join(", ");

/** A RAISE that names the function and the argument, shows the (cut) value, and says what to do. */
export function raise(errcode: string, message: string, hint: string, ...args: string[]): string {
  const formatArgs = args.length ? `, ${args.join(", ")}` : "";
  return `RAISE EXCEPTION USING ERRCODE = '${errcode}',
      MESSAGE = format(${literal(`${CORE_FUNCTION}: ${message}`)}${formatArgs}),
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

/** The address as it is kept: surrounding spaces removed, Unicode NFC. */
export const normalizedEmail = storedEmailSql;
/** What addresses are compared by: the index, linking and the locks all use this. */
export const emailKey = canonicalEmailSql;
/** A blank name is no name: it never overwrites one (domain/nameRules.ts). */
export const normalizedName = storedNameSql;
export const trustedSource = (source: string) => `${source} IN (${sqlList(TRUSTED_SOURCES)})`;
export const seenAt = (source: string) => `CASE WHEN ${source} IN (${sqlList(LOGIN_SOURCES)}) THEN now() END`;
/** The expressions that hold one user's normalised values. */
export interface SyncValues {
  id: string;
  /** The address in its stored form. */
  email: string;
  /** Its canonical form. */
  key: string;
  first: string;
  last: string;
  source: string;
  active: string;
  /** When the user was last seen: seenAt(source), or a variable that already holds it. */
  seen: string;
}

/** The raw arguments, bounded before any work is done on them. */
export interface RawValues {
  id: string;
  email: string;
  first: string;
  last: string;
}

/**
 * Size bounds on the raw arguments, checked before normalising: NFKC and a regular expression on a
 * 10 MB argument cost seconds of server time, and a caller could send one on every call.
 * octet_length reads only the value's header.
 */
export function rawChecks(r: RawValues): { fails: string; raise: string }[] {
  const bound = (expr: string, name: string, max: number, what: string) => ({
    fails: `octet_length(${expr}) > ${max}`,
    raise: raise("22023", `${name} is %s bytes long`, `${what}; refused before any work was done on it.`, `octet_length(${expr})`),
  });
  return [
    bound(r.id, "p_retool_user_id", RETOOL_USER_ID_MAX_LENGTH, `A Retool User ID has at most ${RETOOL_USER_ID_MAX_LENGTH} characters`),
    bound(r.email, "p_email", EMAIL_MAX_RAW_BYTES, `An email address has at most ${EMAIL_MAX_LENGTH} characters`),
    bound(r.first, "p_first_name", NAME_MAX_RAW_BYTES, `A Retool first name has at most ${NAME_MAX_LENGTH} characters`),
    bound(r.last, "p_last_name", NAME_MAX_RAW_BYTES, `A Retool last name has at most ${NAME_MAX_LENGTH} characters`),
  ];
}

/** True when any of the checks fails (a check that yields NULL does not fail, as in plpgsql's IF). */
export const anyFails = (checks: { fails: string }[]) => checks.map((c) => `coalesce(${c.fails}, false)`).join("\n    OR ");

/** True when the raw arguments are small enough to work on. */
export const withinRawBounds = (r: RawValues) => `NOT (${anyFails(rawChecks(r))})`;

/** Each input rule: when `fails` holds, `raise` says what was wrong. Checked in this order. */
export function inputChecks(v: SyncValues, charset: EmailCharset): { fails: string; raise: string }[] {
  const characters =
    charset === "ascii"
      ? "printable ASCII characters only (emailCharacters: ascii)"
      : "no spaces, control, invisible or format characters (emailCharacters: unicode)";
  return [
    {
      fails: `${v.source} IS NULL OR ${v.source} NOT IN (${sqlList(SOURCES)})`,
      raise: raise(
        "22023",
        "p_source %s is not a known source",
        `Use one of: ${SOURCES.join(", ")}; the entry point each Retool role may call sets it.`,
        shown(v.source),
      ),
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
      fails: `${v.email} !~ ${literal(emailPattern(charset, "postgres"))}`,
      raise: raise("22023", "p_email %s is not an email address", `Expected one @, a dot in the domain, and ${characters}.`, shown(v.email)),
    },
    ...(["first", "last"] as const).map((name) => ({
      fails: `char_length(${v[name]}) > ${NAME_MAX_LENGTH} OR ${v[name]} ~ ${literal(NAME_REFUSED_CHARACTERS)}`,
      raise: raise(
        "22023",
        `p_${name}_name %s is longer than %s characters or has control or bidirectional formatting characters`,
        `Retool ${name} names have at most ${NAME_MAX_LENGTH} characters, and no control characters or bidi overrides (docs/database.md).`,
        shown(v[name]),
        String(NAME_MAX_LENGTH),
      ),
    })),
    {
      fails: `NOT (${trustedSource(v.source)}) AND ${v.active} IS NOT NULL`,
      raise: raise(
        "22023",
        "p_active can only be set by a trusted source, not by %s",
        `Only ${TRUSTED_SOURCES.join(", ")} may change whether a user is active.`,
        v.source,
      ),
    },
  ];
}

/** True when no input rule fails. */
export function passesInputChecks(v: SyncValues, charset: EmailCharset): string {
  return `NOT (${anyFails(inputChecks(v, charset))})`;
}

/** The column list and values of a new user's row: every path that creates a row inserts these. */
export function newRow(c: UsersTableColumns, v: SyncValues): { columns: string; values: string } {
  const col = ruleColumns(c);
  return {
    columns: `(${col.id}, ${col.email}, ${col.first}, ${col.last}, ${col.active}, ${col.createdAt}, ${col.updatedAt}, ${col.lastSeen})`,
    values: `${v.id}, ${v.email}, ${v.first}, ${v.last}, coalesce(${v.active}, true), now(), now(), ${v.seen}`,
  };
}
