// What each Retool plan has that user sync depends on, in one typed table. Every rule about plans
// (which roles, resources, workflows and page check a stack gets, which scripts work, which
// settings are refused) is derived from this table in syncPaths.ts and retoolLayout.ts, never
// written as a comparison of plan names. A plan or tier added to the lists without its row here
// does not compile.
//
// Sources (Retool's docs):
//   who writes queries, groups  docs.retool.com/permissions/guides/configure-permission-groups:
//                               on Free and Team the All Users group has Edit on apps and workflows
//                               and Own on every resource, and cannot be changed.
//   external users              docs.retool.com/org-users/concepts/external-users (Business, Enterprise)
//   spoofing check              docs.retool.com/queries/concepts/row-level-security ("Prevent query
//                               variable spoofing": current_user.email is checked on Retool's server)
//   user attributes             docs.retool.com/org-users/concepts/user-attributes (Business, Enterprise)
//   Retool Events               docs.retool.com/workflows/guides/retool-events (Enterprise)
//   schedules                   docs.retool.com/workflows/guides/schedule
//   API tiers                   docs.retool.com/api ("Access scope"; see retoolApi.ts)
import { type ApiTier, type EndpointGroup, tierHas } from "./retoolApi";

export const PLANS = ["free", "team", "business", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanCapabilities {
  /** Who can write a query against any resource: everyone (Free, Team), or only groups an admin permits. */
  queryWriters: "every-user" | "permitted-groups";
  /** Custom permission groups, so a resource can be kept to admins. */
  permissionGroups: boolean;
  /** External users (portals), who land on the Continue page too. */
  externalUsers: boolean;
  /**
   * Retool checks current_user.email in a resource query's parameters on its server. It only
   * means something where users who may not write queries exist.
   */
  spoofingCheck: boolean;
  /** current_user.metadata, which Retool keeps from being spoofed in queries. */
  userAttributes: boolean;
  /** User Created and Login Attempted start workflows with Retool's own account of the user. */
  retoolEvents: boolean;
  workflowSchedules: boolean;
  /** The API tiers an org on this plan can have, smallest first: the first is what the plan guarantees. */
  apiTiers: readonly [ApiTier, ...ApiTier[]];
}

export const PLAN_CAPABILITIES: Record<Plan, PlanCapabilities> = {
  free: {
    queryWriters: "every-user",
    permissionGroups: false,
    externalUsers: false,
    spoofingCheck: false,
    userAttributes: false,
    retoolEvents: false,
    workflowSchedules: true,
    apiTiers: ["none"],
  },
  team: {
    queryWriters: "every-user",
    permissionGroups: false,
    externalUsers: false,
    spoofingCheck: false,
    userAttributes: false,
    retoolEvents: false,
    workflowSchedules: true,
    apiTiers: ["none"],
  },
  business: {
    queryWriters: "permitted-groups",
    permissionGroups: true,
    externalUsers: true,
    spoofingCheck: true,
    userAttributes: true,
    retoolEvents: false,
    workflowSchedules: true,
    apiTiers: ["business"],
  },
  enterprise: {
    queryWriters: "permitted-groups",
    permissionGroups: true,
    externalUsers: true,
    spoofingCheck: true,
    userAttributes: true,
    retoolEvents: true,
    workflowSchedules: true,
    apiTiers: ["enterprise-base", "enterprise-premium"],
  },
};

/** The tier a stack gets when it declares none: the smallest its plan guarantees. */
export const defaultApiTier = (plan: Plan): ApiTier => PLAN_CAPABILITIES[plan].apiTiers[0];

/** What an org on this plan and tier can call. */
export const orgHas = (plan: Plan, tier: ApiTier, group: EndpointGroup): boolean => PLAN_CAPABILITIES[plan].apiTiers.includes(tier) && tierHas(tier, group);
