// The functions of schema retool_sync and who may call each. Trust comes from who connects, never
// from an argument: each Retool login role may execute only the entry point whose rules fit what
// uses it in Retool, and every other function is the admin's (the scripts connect as the admin).

import type { RoleKind, SyncSource } from "../../domain/syncPaths";
import { SYNC_SCHEMA } from "./identifiers";

/** What every entry point returns: the sync columns only, never an adopted table's own columns. */
export const SYNCED_USER_TYPE = `${SYNC_SCHEMA}.synced_user`;
export const SYNCED_USER_FIELDS = [
  ["retool_user_id", "text"],
  ["email", "text"],
  ["first_name", "text"],
  ["last_name", "text"],
  ["active", "boolean"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["last_seen_at", "timestamptz"],
  // The row's primary key as text: what apps key per-user queries on, and what the event
  // workflows can write back to a Retool user attribute (retool.rowKeyAttribute).
  ["row_key", "text"],
] as const;

/** The one write path: every rule, with the source as an argument. The admin's only. */
export const CORE_FUNCTION = `${SYNC_SCHEMA}.sync_user_outcome`;
export const CORE_SIGNATURE = `${CORE_FUNCTION}(text, text, text, text, text, boolean)`;
/** The core without its outcome, for the admin's own use (psql, tests). */
export const SYNC_FUNCTION = `${SYNC_SCHEMA}.sync_user`;
export const SYNC_SIGNATURE = `${SYNC_FUNCTION}(text, text, text, text, text, boolean)`;
/** Retool's users, a page or several, with the backfill's progress: the scripts' (the admin's) only. */
export const BATCH_FUNCTION = `${SYNC_SCHEMA}.sync_users`;
export const BATCH_SIGNATURE = `${BATCH_FUNCTION}(jsonb, text, text, text, boolean, integer)`;
export const SNAPSHOT_FUNCTION = `${SYNC_SCHEMA}.users_snapshot`;
export const SNAPSHOT_SIGNATURE = `${SNAPSHOT_FUNCTION}()`;
export const PROGRESS_TABLE = `${SYNC_SCHEMA}.batch_progress`;

export { ROLE_KINDS, type RoleKind } from "../../domain/syncPaths";

export interface EntryPoint {
  name: string;
  signature: string;
  /** The one role that may execute it. */
  role: RoleKind;
  /** The source it fixes. */
  source: SyncSource;
}

/**
 * page: the Continue page, on behalf of a signed-in user: a claim, so the untrusted rules.
 * retoolUser, reconcile: what Retool itself says (events, its API), from admins' workflows.
 */
export const ENTRY_POINTS = {
  page: { name: `${SYNC_SCHEMA}.sync_page_user`, signature: `${SYNC_SCHEMA}.sync_page_user(text, text, text, text)`, role: "page", source: "continue_page" },
  retoolUser: {
    name: `${SYNC_SCHEMA}.sync_retool_user`,
    signature: `${SYNC_SCHEMA}.sync_retool_user(text, text, text, text, boolean)`,
    role: "trusted",
    source: "event",
  },
  reconcile: { name: `${SYNC_SCHEMA}.reconcile_users`, signature: `${SYNC_SCHEMA}.reconcile_users(json)`, role: "trusted", source: "reconcile" },
} as const satisfies Record<string, EntryPoint>;
export type EntryPointName = keyof typeof ENTRY_POINTS;
