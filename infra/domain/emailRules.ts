// The one form an email address takes, rendered for both engines that judge addresses: Postgres
// (the unique index, linking, the batch path) and JavaScript (the workflows' claim check, the
// scripts). Both renderings come from the constants here, so the two cannot drift apart.
//
// Stored form: surrounding ASCII spaces removed, then Unicode NFC.
// Canonical form (what addresses are compared by): NFKC, surrounding ASCII spaces removed, and
// A-Z folded to a-z. Only ASCII letters are folded, so no database locale or ICU version can make
// two engines disagree (lower() folds `İ` to `i` under glibc's locales, and not under C).
// Valid: one @, a dot in the domain, at most 254 characters, and per `emailCharacters`:
//   ascii   printable ASCII only (the default: every lookalike of an ASCII address is refused);
//   unicode any character but controls, spaces and invisible or format characters. Lookalikes
//           from other scripts (a Cyrillic `о`) are then not detected; see docs/database.md, Emails.

export const EMAIL_CHARSETS = ["ascii", "unicode"] as const;
export type EmailCharset = (typeof EMAIL_CHARSETS)[number];

/** RFC 5321 path limit. */
export const EMAIL_MAX_LENGTH = 254;

/** The function the unique index, the rules and the batch path compare addresses with. */
export const CANONICAL_EMAIL_FUNCTION = "retool_sync.canonical_email";

/**
 * Code points never allowed in an address, even with `unicode`: every code point of the Unicode
 * properties Cc (controls), Cf (format: zero-width space and joiners, bidi marks, BOM, tag
 * characters, Egyptian and musical format controls), Zs, Zl and Zp (spaces), Co (private use) and
 * Default_Ignorable_Code_Point (fillers, variation selectors, the combining grapheme joiner), as
 * Unicode 17 assigns them. Postgres's regular expressions have no \p{...} classes, so the ranges
 * are written out; a test holds them to the running Node's own \p{...} classes, so a Unicode
 * release that adds such a character fails it until this table has it. [from, to] inclusive.
 * Surrogates (Cs) are left out: no valid text holds one alone.
 */
export const REFUSED_CODE_POINTS: readonly [number, number][] = [
  [0x0, 0x20],
  [0x7f, 0xa0],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x600, 0x605],
  [0x61c, 0x61c],
  [0x6dd, 0x6dd],
  [0x70f, 0x70f],
  [0x890, 0x891],
  [0x8e2, 0x8e2],
  [0x115f, 0x1160],
  [0x1680, 0x1680],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x2000, 0x200f],
  [0x2028, 0x202f],
  [0x205f, 0x206f],
  [0x3000, 0x3000],
  [0x3164, 0x3164],
  [0xe000, 0xf8ff],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
  [0xf0000, 0x10ffff],
];

/** Longest raw address, in bytes, before any work is done on it (an address is at most 254 characters). */
export const EMAIL_MAX_RAW_BYTES = 1024;

type Engine = "postgres" | "javascript";

function codePoint(cp: number, engine: Engine): string {
  const hex = cp.toString(16).padStart(4, "0");
  if (cp <= 0xffff) return `\\u${hex}`;
  return engine === "postgres" ? `\\U${hex.padStart(8, "0")}` : `\\u{${hex}}`;
}

function refusedClass(engine: Engine): string {
  return REFUSED_CODE_POINTS.map(([a, b]) => (a === b ? codePoint(a, engine) : `${codePoint(a, engine)}-${codePoint(b, engine)}`)).join("");
}

/**
 * The regular expression a stored-form address must match, as source text that means the same
 * to Postgres's ARE and to JavaScript (with the `u` flag).
 */
export function emailPattern(charset: EmailCharset, engine: Engine): string {
  // Printable ASCII (0x21-0x7e) without @ (0x40), and for a domain label also without . (0x2e).
  const local = charset === "ascii" ? "[\\x21-\\x3f\\x41-\\x7e]" : `[^@${refusedClass(engine)}]`;
  const label = charset === "ascii" ? "[\\x21-\\x2d\\x2f-\\x3f\\x41-\\x7e]" : `[^@.${refusedClass(engine)}]`;
  return `^${local}+@${label}+(\\.${label}+)+$`;
}

/** Postgres: the stored form of an address. */
export const storedEmailSql = (raw: string) => `normalize(btrim(${raw}, ' '), NFC)`;

/** Postgres: the body of canonical_email(text), IMMUTABLE so an index can use it. */
export const CANONICAL_EMAIL_SQL = "translate(btrim(normalize($1, NFKC), ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/** Postgres: the canonical form of an expression. */
export const canonicalEmailSql = (expr: string) => `${CANONICAL_EMAIL_FUNCTION}(${expr})`;

// The JavaScript rules are written once, as source text: the workflows embed that text, and the
// scripts run the same text, so both judge alike whatever compiler built this module.
const STORED_EMAIL_JS = `return address.replace(/^ +| +$/g, "").normalize("NFC");`;
const CANONICAL_EMAIL_JS = `return address.normalize("NFKC").replace(/^ +| +$/g, "").replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));`;

/** JavaScript: the stored form, as the database keeps it. */
export const storedEmail = new Function("address", STORED_EMAIL_JS) as (address: string) => string;

/** JavaScript: the canonical form, equal to the database's canonical_email() for every string. */
export const canonicalEmail = new Function("address", CANONICAL_EMAIL_JS) as (address: string) => string;

/** JavaScript: whether the database would take this address (in its stored form). */
export function isValidEmail(address: string, charset: EmailCharset): boolean {
  const stored = storedEmail(address);
  return stored.length <= EMAIL_MAX_LENGTH && new RegExp(emailPattern(charset, "javascript"), "u").test(stored);
}

/**
 * The same rules as JavaScript source, for code that runs inside Retool workflows: defines
 * storedEmail, canonicalEmail and isValidEmail in the block's scope.
 */
export function emailRulesJs(charset: EmailCharset): string {
  return [
    `const EMAIL_PATTERN = new RegExp(${JSON.stringify(emailPattern(charset, "javascript"))}, "u");`,
    `const storedEmail = (address) => { ${STORED_EMAIL_JS} };`,
    `const canonicalEmail = (address) => { ${CANONICAL_EMAIL_JS} };`,
    `const isValidEmail = (address) => { const s = storedEmail(address); return s.length <= ${EMAIL_MAX_LENGTH} && EMAIL_PATTERN.test(s); };`,
  ].join("\n");
}
