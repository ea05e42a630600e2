// How users reach the table on a stack, decided once from its settings: which way the Continue
// page goes, which login roles the database needs, and which Retool resources connect as them.
// Trust follows from this: a path that carries a user's claim ends in the page role, a path that
// carries Retool's own statement ends in the trusted role (see README: trust).

import type { RoleKind } from "../builders/sql/syncApi";
import type { StackSettings } from "../config/schema";

/**
 * claims:       free and team. The page's workflow passes what the browser sends; nothing can
 *               check it (every user there can write queries).
 * current-user: business. The page's own SQL query uses current_user, whose email Retool's
 *               query-spoofing check verifies on its server for users who cannot edit queries.
 * retool-api:   business. The page's workflow reads the claimed user from Retool's API and syncs
 *               what Retool says, so nothing the browser sends is written.
 */
export type ContinuePageMode = "claims" | "current-user" | "retool-api";

export function continuePageMode(settings: StackSettings): ContinuePageMode | undefined {
  switch (settings.plan) {
    case "free":
    case "team":
      return "claims";
    case "business":
      return settings.retool.continuePageCheck ?? "retool-api";
    case "enterprise":
      return undefined; // Retool Events, no page
  }
}

export interface SyncPaths {
  continuePage?: ContinuePageMode;
  /** The login roles (and so the Retool database resources) the stack uses. */
  roles: RoleKind[];
  /** A workflow reads Retool's REST API, through the API resource. */
  usesApi: boolean;
  /** The scheduled reconcile workflow runs inside Retool. */
  scheduledReconcile: boolean;
}

export function syncPaths(settings: StackSettings): SyncPaths {
  const continuePage = continuePageMode(settings);
  const scheduledReconcile = settings.retool.reconcileSchedule !== undefined;
  const page = continuePage === "claims" || continuePage === "current-user";
  const trusted = continuePage === "retool-api" || settings.plan === "enterprise" || scheduledReconcile;
  const roles: RoleKind[] = [...(page ? (["page"] as const) : []), ...(trusted ? (["trusted"] as const) : [])];
  return { continuePage, roles, usesApi: trusted, scheduledReconcile };
}
