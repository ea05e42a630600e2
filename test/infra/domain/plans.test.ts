// The plan model: every plan and tier declares every capability, tiers only grow, and the rules
// follow the table (change a capability, and what a stack gets changes with it, with no other edit).
import { afterEach, describe, expect, it } from "vitest";
import { defaultApiTier, PLAN_CAPABILITIES, PLANS, type Plan, type PlanCapabilities } from "../../../infra/domain/plans";
import {
  API_OPERATIONS,
  API_TIERS,
  ENDPOINT_GROUPS,
  operationOf,
  RESOURCE_MANAGEMENT_OPERATIONS,
  scopesFor,
  smallestTierWith,
  TIER_ENDPOINT_GROUPS,
} from "../../../infra/domain/retoolApi";
import { type SyncChoices, scriptWorks, syncPaths, unmetNeeds } from "../../../infra/domain/syncPaths";

// Written out here so that a capability added to the interface without a test of it shows.
const CAPABILITY_TYPES: Record<keyof PlanCapabilities, string> = {
  queryWriters: "string",
  permissionGroups: "boolean",
  externalUsers: "boolean",
  spoofingCheck: "boolean",
  userAttributes: "boolean",
  retoolEvents: "boolean",
  workflowSchedules: "boolean",
  apiTiers: "object",
};

// @ts-expect-error a plan whose capabilities are not declared does not compile
const _incomplete: Record<Plan, PlanCapabilities> = { free: PLAN_CAPABILITIES.free };
void _incomplete;

const choices = (plan: Plan, o: Partial<SyncChoices> = {}): SyncChoices => ({
  plan,
  apiTier: defaultApiTier(plan),
  reconcileSchedule: false,
  rowKeyAttribute: false,
  ...o,
});

describe("the plan table", () => {
  it.each(PLANS)("%s declares every capability, with a value of its type", (plan) => {
    const caps = PLAN_CAPABILITIES[plan];
    expect(Object.keys(caps).sort()).toEqual(Object.keys(CAPABILITY_TYPES).sort());
    for (const [key, type] of Object.entries(CAPABILITY_TYPES)) expect(typeof caps[key as keyof PlanCapabilities], `${plan}.${key}`).toBe(type);
    expect(caps.apiTiers.length).toBeGreaterThan(0);
    for (const tier of caps.apiTiers) expect(API_TIERS).toContain(tier);
  });

  it("gives each tier every endpoint group of the tiers below it, and only known groups", () => {
    for (let i = 1; i < API_TIERS.length; i++) {
      for (const group of TIER_ENDPOINT_GROUPS[API_TIERS[i - 1]]) expect(TIER_ENDPOINT_GROUPS[API_TIERS[i]], `${API_TIERS[i]} has ${group}`).toContain(group);
    }
    for (const tier of API_TIERS) for (const group of TIER_ENDPOINT_GROUPS[tier]) expect(ENDPOINT_GROUPS).toContain(group);
  });

  it("defaults each plan to its smallest tier", () => {
    expect(PLANS.map(defaultApiTier)).toEqual(["none", "none", "business", "enterprise-base"]);
  });

  it("names the scopes a token needs once, a write covering the read of its area", () => {
    // Retool's Terraform provider's docs: a management token needs these three.
    expect(scopesFor(RESOURCE_MANAGEMENT_OPERATIONS)).toEqual(["environments:read", "resource_configurations:write", "resources:write"]);
    expect(scopesFor(["GET /users", "GET /users/{userId}", "POST /users/{userId}/user_attributes"])).toEqual(["user_attributes:write", "users:read"]);
  });

  it("knows each operation it calls, by concrete path", () => {
    expect(operationOf("GET", "/users?limit=100")?.key).toBe("GET /users");
    expect(operationOf("get", "users/user_1")?.key).toBe("GET /users/{userId}");
    expect(operationOf("POST", "/users/user_1/user_attributes")).toMatchObject({ group: "userAttributes", scope: "user_attributes:write" });
    expect(operationOf("DELETE", "/users/user_1")).toBeUndefined();
    for (const key of Object.keys(API_OPERATIONS)) expect(smallestTierWith(API_OPERATIONS[key as keyof typeof API_OPERATIONS].group)).not.toBe("none");
  });
});

describe("rules derived from the table", () => {
  // Each test changes one capability and puts it back: the rules must follow without other edits.
  const saved = structuredClone(PLAN_CAPABILITIES);
  afterEach(() => {
    for (const plan of PLANS) PLAN_CAPABILITIES[plan] = structuredClone(saved[plan]);
  });

  it("Retool Events replace the Continue page with the event workflows", () => {
    expect(syncPaths(choices("team")).workflows).toEqual(["continue-page"]);
    PLAN_CAPABILITIES.team = { ...PLAN_CAPABILITIES.team, retoolEvents: true };
    const paths = syncPaths(choices("team"));
    expect(paths.continuePage).toBeUndefined();
    expect(paths.workflows).toEqual(["login-attempted"]);
    expect(paths.roles).toEqual(["trusted"]);
  });

  it("who writes queries decides whether the page can be checked", () => {
    expect(syncPaths(choices("business")).continuePage).toBe("current-user");
    PLAN_CAPABILITIES.business = { ...PLAN_CAPABILITIES.business, queryWriters: "every-user" };
    expect(syncPaths(choices("business")).continuePage).toBe("claims");
    expect(unmetNeeds(choices("business", { continuePageCheck: "current-user" }))).toHaveLength(1);
  });

  it("the Users endpoints bring User Created, the scheduled reconcile and the scripts", () => {
    const base = syncPaths(choices("enterprise", { reconcileSchedule: true }));
    expect(base.workflows).toEqual(["login-attempted"]);
    expect(unmetNeeds(choices("enterprise", { reconcileSchedule: true }))).toEqual([
      { setting: "retool.reconcileSchedule", why: expect.stringContaining("GET /users"), group: "users" },
    ]);
    const premium = syncPaths(choices("enterprise", { apiTier: "enterprise-premium", reconcileSchedule: true }));
    expect(premium.workflows).toEqual(["user-created", "login-attempted", "reconcile-schedule"]);
    expect(premium.apiOperations).toEqual(["GET /users"]);
    expect(API_TIERS.filter((t) => scriptWorks("backfill", t))).toEqual(["enterprise-premium"]);
    expect(API_TIERS.filter((t) => scriptWorks("reconcile", t))).toEqual(["enterprise-premium"]);
  });

  it("writes the row's key back only from Retool Events, where the tier has User Attributes", () => {
    expect(syncPaths(choices("enterprise", { rowKeyAttribute: true })).apiOperations).toEqual(["POST /users/{userId}/user_attributes"]);
    expect(unmetNeeds(choices("business", { rowKeyAttribute: true }))).toEqual([
      { setting: "retool.rowKeyAttribute", why: expect.stringContaining("every sync starts in the browser") },
    ]);
    expect(syncPaths(choices("business", { rowKeyAttribute: true })).writeBack).toBe(false);
    PLAN_CAPABILITIES.enterprise = { ...PLAN_CAPABILITIES.enterprise, userAttributes: false };
    expect(syncPaths(choices("enterprise", { rowKeyAttribute: true })).writeBack).toBe(false);
  });

  it("refuses a tier the plan does not come with, and Resources calls on a tier without them", () => {
    expect(unmetNeeds(choices("business", { apiTier: "enterprise-premium" }))).toEqual([
      { setting: "retool.apiTier", why: "the business plan comes with the API tiers business, not enterprise-premium" },
    ]);
    expect(unmetNeeds(choices("enterprise"), { createsResources: true })).toEqual([
      { setting: "retoolApiToken", why: expect.stringContaining("POST /resources"), group: "resources" },
    ]);
    expect(unmetNeeds(choices("enterprise", { apiTier: "enterprise-premium" }), { createsResources: true })).toEqual([]);
  });
});
