// What a Retool User ID looks like: the API's `id` and apps' `current_user.sid`. Retool's OpenAPI
// spec gives the pattern user_([a-z0-9]+); recorded ids are user_ + 32 hex characters.
export const RETOOL_USER_ID_PATTERN = "^user_[a-z0-9]+$";
export const RETOOL_USER_ID_MAX_LENGTH = 64;
/** Retool's API limits first_name and last_name to 36 characters. */
export const RETOOL_NAME_MAX_LENGTH = 36;
/** RFC 5321 path limit. */
export const EMAIL_MAX_LENGTH = 254;

export const SOURCES = ["continue_page", "event", "backfill", "reconcile"] as const;
export type SyncSource = (typeof SOURCES)[number];
/** Data that comes from Retool itself, not from a user's browser. */
export const TRUSTED_SOURCES: readonly SyncSource[] = ["event", "backfill", "reconcile"];
