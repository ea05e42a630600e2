// How users reach the table on a stack, derived from what its plan and API tier have
// (plans.ts, retoolApi.ts) and the few choices a stack makes: which way the Continue page goes,
// which event workflows exist, which login roles the database needs, which API operations the
// workflows call, and which settings ask for something the org does not have.
// Trust follows from this: a path that carries a user's claim ends in the page role, a path that
// carries Retool's own statement ends in the trusted role.
import { orgHas, PLAN_CAPABILITIES, type Plan } from "./plans";
import { API_OPERATIONS, type ApiOperation, type ApiTier, type EndpointGroup, tierHas } from "./retoolApi";

/**
 * Where a call's data comes from. The caller never says: each entry point fixes its source, and
 * each Retool login role may execute only the entry point whose rules fit it.
 */
export const SOURCES = ["continue_page", "event", "backfill", "reconcile"] as const;
export type SyncSource = (typeof SOURCES)[number];
/** Retool's own statements about a user (events, its REST API), not a browser's claim. */
export const TRUSTED_SOURCES: readonly SyncSource[] = ["event", "backfill", "reconcile"];
/** A sign-in: only these count as the user being seen. */
export const LOGIN_SOURCES: readonly SyncSource[] = ["continue_page", "event"];

/** The Retool login roles, one per level of trust. */
export const ROLE_KINDS = ["page", "trusted"] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

/**
 * The checks a stack may name in retool.continuePageCheck. retool-api (an earlier release's
 * default for business) read the claimed user from GET /users/{userId}, a Users endpoint that
 * only Enterprise Premium has; Enterprise syncs by Retool Events and has no page, so no plan can
 * use it. It stays a known value so that a stack naming it is refused with that reason.
 */
export const CONTINUE_PAGE_CHECKS = ["current-user", "retool-api"] as const;
export type ContinuePageCheck = (typeof CONTINUE_PAGE_CHECKS)[number];

/**
 * claims:       every user can write queries (Free, Team), so nothing the page sends can be
 *               checked; its workflow passes the browser's values to the page role.
 * current-user: the page's own SQL query uses current_user, whose email Retool's query-spoofing
 *               check verifies on its server for users who cannot edit queries.
 */
export type ContinuePageMode = "claims" | "current-user";

export type WorkflowTrigger = "continue-page" | "user-created" | "login-attempted" | "reconcile-schedule";

/** The choices a stack makes, in domain terms (config validates them against this module). */
export interface SyncChoices {
  plan: Plan;
  apiTier: ApiTier;
  continuePageCheck?: ContinuePageCheck;
  /** A cron schedule for the reconcile workflow is set. */
  reconcileSchedule: boolean;
  /** The event workflows write the row's key back to a Retool user attribute. */
  rowKeyAttribute: boolean;
}

/** The Continue page's mode on a plan: none where Retool Events sync users. */
export function continuePageMode(plan: Plan): ContinuePageMode | undefined {
  const caps = PLAN_CAPABILITIES[plan];
  if (caps.retoolEvents) return undefined;
  return caps.queryWriters === "every-user" || !caps.spoofingCheck ? "claims" : "current-user";
}

export interface SyncPaths {
  continuePage?: ContinuePageMode;
  /** The workflows the stack renders, in a fixed order. */
  workflows: WorkflowTrigger[];
  /** The login roles (and so the Retool database resources) the stack uses. */
  roles: RoleKind[];
  /** The Retool API operations its workflows call, through the API resource. */
  apiOperations: ApiOperation[];
  /** A workflow calls Retool's REST API (so the stack has the API resource). */
  usesApi: boolean;
  scheduledReconcile: boolean;
  /** The event workflows set the row's key as a user attribute. */
  writeBack: boolean;
}

export function syncPaths(c: SyncChoices): SyncPaths {
  const caps = PLAN_CAPABILITIES[c.plan];
  const has = (group: EndpointGroup) => orgHas(c.plan, c.apiTier, group);
  const continuePage = continuePageMode(c.plan);
  const scheduledReconcile = c.reconcileSchedule && caps.workflowSchedules && has("users");
  // Only workflows that start from Retool's own word may write back: never a path whose data came
  // from the browser.
  const writeBack = c.rowKeyAttribute && caps.retoolEvents && caps.userAttributes && has("userAttributes");

  const workflows: WorkflowTrigger[] = [];
  // The current-user page syncs from its own query: no workflow to call.
  if (continuePage === "claims") workflows.push("continue-page");
  // User Created carries only the email, so it needs the Users API to find the id; without it,
  // Login Attempted (which carries the id) creates the row at the user's first sign-in.
  if (caps.retoolEvents && has("users")) workflows.push("user-created");
  if (caps.retoolEvents) workflows.push("login-attempted");
  if (scheduledReconcile) workflows.push("reconcile-schedule");

  const apiOperations: ApiOperation[] = [];
  if (workflows.includes("user-created") || scheduledReconcile) apiOperations.push("GET /users");
  if (writeBack) apiOperations.push("POST /users/{userId}/user_attributes");

  const page = continuePage !== undefined;
  const trusted = caps.retoolEvents || scheduledReconcile;
  const roles: RoleKind[] = [...(page ? (["page"] as const) : []), ...(trusted ? (["trusted"] as const) : [])];
  const ops = [...new Set(apiOperations)];
  return { continuePage, workflows, roles, apiOperations: ops, usesApi: ops.length > 0, scheduledReconcile, writeBack };
}

/** The settings a need can come from; config turns each into its own key. */
export type NeedSetting = "retool.apiTier" | "retool.continuePageCheck" | "retool.reconcileSchedule" | "retool.rowKeyAttribute" | "retoolApiToken";

/** A setting that asks for something the stack's plan or API tier does not have. */
export interface UnmetNeed {
  setting: NeedSetting;
  /** What the setting would do, and why it cannot here. */
  why: string;
  /** The endpoint group it needs, when that is what is missing. */
  group?: EndpointGroup;
}

/**
 * Every setting of these choices that the plan or tier cannot serve. `createsResources`: the
 * stack has retoolApiToken, with which `pulumi up` would create the Retool resources.
 */
export function unmetNeeds(c: SyncChoices, { createsResources = false }: { createsResources?: boolean } = {}): UnmetNeed[] {
  const caps = PLAN_CAPABILITIES[c.plan];
  const needs: UnmetNeed[] = [];
  const lacks = (group: EndpointGroup) => !orgHas(c.plan, c.apiTier, group);
  if (!caps.apiTiers.includes(c.apiTier)) {
    needs.push({ setting: "retool.apiTier", why: `the ${c.plan} plan comes with the API tiers ${caps.apiTiers.join(", ")}, not ${c.apiTier}` });
    return needs;
  }
  if (c.continuePageCheck !== undefined) {
    const mode = continuePageMode(c.plan);
    if (mode === undefined) {
      needs.push({ setting: "retool.continuePageCheck", why: `the ${c.plan} plan syncs users from Retool Events and has no Continue page to check` });
    } else if (mode === "claims") {
      needs.push({
        setting: "retool.continuePageCheck",
        why: `on the ${c.plan} plan every user can write queries, so there is no check the Continue page could make`,
      });
    } else if (c.continuePageCheck === "retool-api" && lacks("users")) {
      needs.push({ setting: "retool.continuePageCheck", why: "retool-api looks the signed-in user up with GET /users/{userId}", group: "users" });
    }
  }
  if (c.reconcileSchedule) {
    if (!caps.workflowSchedules) needs.push({ setting: "retool.reconcileSchedule", why: `the ${c.plan} plan has no workflow schedules` });
    else if (lacks("users")) needs.push({ setting: "retool.reconcileSchedule", why: "the scheduled reconcile lists users with GET /users", group: "users" });
  }
  if (c.rowKeyAttribute) {
    if (!caps.retoolEvents) {
      needs.push({
        setting: "retool.rowKeyAttribute",
        why: `writing the row's key back is offered only from Retool Events, Retool's own word; on the ${c.plan} plan every sync starts in the browser`,
      });
    } else if (lacks("userAttributes")) {
      needs.push({ setting: "retool.rowKeyAttribute", why: "writing the row's key back calls POST /users/{userId}/user_attributes", group: "userAttributes" });
    }
  }
  if (createsResources && lacks("resources")) {
    needs.push({ setting: "retoolApiToken", why: "with this token `pulumi up` creates the Retool resources with POST /resources", group: "resources" });
  }
  return needs;
}

/** What each script reads from Retool's API; it runs only where the org has that operation. */
export const SCRIPT_OPERATIONS = { backfill: "GET /users", reconcile: "GET /users" } as const satisfies Record<string, ApiOperation>;
export type ApiScript = keyof typeof SCRIPT_OPERATIONS;

/** Whether a script works on an org with this API tier (the scripts may know the tier alone). */
export const scriptWorks = (script: ApiScript, tier: ApiTier): boolean => tierHas(tier, API_OPERATIONS[SCRIPT_OPERATIONS[script]].group);
