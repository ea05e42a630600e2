// What a user's first or last name may hold, and the one form it is kept in, for both engines that
// judge names: Postgres (the sync rules) and JavaScript (reconcile's drift report). Both
// renderings come from the constants here, so the two cannot drift apart.
//
// Kept form: surrounding ASCII spaces removed (no other whitespace: a no-break space is part of
// the name as Retool gives it); an empty name is no name, and never overwrites one.
// Refused: control characters (C0, DEL, C1), and the bidirectional formatting characters that
// reorder how text around them reads (the "Trojan Source" characters: LRE, RLE, PDF, LRO, RLO,
// LRI, RLI, FSI, PDI, and the LRM, RLM and ALM marks). Zero-width joiners and non-joiners stay:
// names in Persian, Hindi and other scripts need them.
export { RETOOL_NAME_MAX_LENGTH as NAME_MAX_LENGTH } from "./retoolUserId";

/** The refused characters as one bracket expression that Postgres's ARE and JavaScript (u flag) read alike. */
export const NAME_REFUSED_CHARACTERS = "[\\x01-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]";

/** Longest raw name, in bytes, before any work is done on it (a name is at most 36 characters). */
export const NAME_MAX_RAW_BYTES = 1024;

/** Postgres: the kept form of a name. */
export const storedNameSql = (raw: string) => `nullif(btrim(${raw}, ' '), '')`;

/** JavaScript: the kept form of a name, equal to storedNameSql for every string. */
export function storedName(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const kept = raw.replace(/^ +| +$/g, "");
  return kept === "" ? null : kept;
}

/** JavaScript: whether the sync rules would refuse this name for its characters. */
export const hasRefusedNameCharacters = (name: string): boolean => new RegExp(NAME_REFUSED_CHARACTERS, "u").test(name);
