// What the Retool side of a stack consists of, decided once from the settings and which secrets
// are set, so that the program, render and the tests agree on it.
import { PLANS_WITH_API, type StackSettings } from "../config/schema";
import { type SyncPaths, syncPaths } from "./syncPaths";

export type WorkflowTrigger = "continue-page" | "user-created" | "login-attempted" | "reconcile-schedule";
/** The Retool resources: one per database role, and Retool's own API. */
export type ResourceKind = "page" | "trusted" | "api";

export interface RetoolLayout extends SyncPaths {
  /** retoolApiToken is set: the program creates the resources it can through Retool's REST API. */
  managed: boolean;
  /** The Retool resources the stack's workflows and page use. */
  resources: ResourceKind[];
  /** Those the program creates: managed, and no id given in config (the API one also needs the users:read token). */
  created: ResourceKind[];
  /** Free, team and business: the Continue page app. */
  continuePageApp: boolean;
  workflows: WorkflowTrigger[];
}

export function retoolLayout(settings: StackSettings, secretsPresent: readonly string[]): RetoolLayout {
  const paths = syncPaths(settings);
  const managed = PLANS_WITH_API.includes(settings.plan) && settings.retool.url !== undefined && secretsPresent.includes("retoolApiToken");
  const resources: ResourceKind[] = [...paths.roles, ...(paths.usesApi ? (["api"] as const) : [])];
  const created = resources.filter(
    (kind) => managed && settings.retool.resources[kind].id === undefined && (kind !== "api" || secretsPresent.includes("retoolUsersReadToken")),
  );
  const workflows: WorkflowTrigger[] = [];
  // The current-user page syncs from its own query: no workflow to call.
  if (paths.continuePage === "claims" || paths.continuePage === "retool-api") workflows.push("continue-page");
  if (settings.plan === "enterprise") workflows.push("user-created", "login-attempted");
  if (paths.scheduledReconcile) workflows.push("reconcile-schedule");
  return { ...paths, managed, resources, created, continuePageApp: paths.continuePage !== undefined, workflows };
}
