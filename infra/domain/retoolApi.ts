// What Retool's REST API sells to whom. Retool splits its API into tiers (docs.retool.com/api,
// "Access scope", and the availability banner on each endpoint's page): Business has only the
// User Invites, User Attributes and Custom Component Library endpoints; Enterprise Base adds Source
// Control, Group User Invites and Workflow Run details; Enterprise Premium has every group. Free
// and Team orgs have no API. Everything that calls the API asks this module whether the org's tier
// has the endpoint, and which token scope it needs, so no rule about either is written twice.

export const API_TIERS = ["none", "business", "enterprise-base", "enterprise-premium"] as const;
export type ApiTier = (typeof API_TIERS)[number];

export const ENDPOINT_GROUPS = [
  "userInvites",
  "userAttributes",
  "customComponentLibrary",
  "sourceControl",
  "groupUserInvites",
  "workflowRunDetails",
  "users",
  "groups",
  "folders",
  "spaces",
  "resources",
  "environments",
  "configurationVariables",
] as const;
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];

/** How Retool's docs name each group, for messages. */
export const ENDPOINT_GROUP_LABELS: Record<EndpointGroup, string> = {
  userInvites: "User Invites",
  userAttributes: "User Attributes",
  customComponentLibrary: "Custom Component Library",
  sourceControl: "Source Control",
  groupUserInvites: "Group User Invites",
  workflowRunDetails: "Workflow Run details",
  users: "Users",
  groups: "Groups",
  folders: "Folders",
  spaces: "Spaces",
  resources: "Resources",
  environments: "Environments",
  configurationVariables: "Configuration Variables",
};

export const API_TIER_LABELS: Record<ApiTier, string> = {
  none: "no Retool API (Free and Team)",
  business: "Business",
  "enterprise-base": "Enterprise Base",
  "enterprise-premium": "Enterprise Premium",
};

const BUSINESS: readonly EndpointGroup[] = ["userInvites", "userAttributes", "customComponentLibrary"];
const ENTERPRISE_BASE: readonly EndpointGroup[] = [...BUSINESS, "sourceControl", "groupUserInvites", "workflowRunDetails"];

/** The endpoint groups of each tier; each tier has every group of the tiers before it. */
export const TIER_ENDPOINT_GROUPS: Record<ApiTier, readonly EndpointGroup[]> = {
  none: [],
  business: BUSINESS,
  "enterprise-base": ENTERPRISE_BASE,
  "enterprise-premium": ENDPOINT_GROUPS,
};

/** Where Retool documents which tier has which endpoints. */
export const API_ACCESS_DOCS = "https://docs.retool.com/api (Access scope)";

export const tierHas = (tier: ApiTier, group: EndpointGroup): boolean => TIER_ENDPOINT_GROUPS[tier].includes(group);

/** The smallest tier with the group: what to name when a stack's tier lacks it. */
export function smallestTierWith(group: EndpointGroup): ApiTier {
  const tier = API_TIERS.find((t) => tierHas(t, group));
  if (!tier) throw new Error(`Internal error: no API tier has the ${group} endpoints (retoolApi.ts)`);
  return tier;
}

/**
 * The operations this project calls, by method and path template under /api/v2: the endpoint
 * group each belongs to and the token scope it needs (spec 2.12's operation descriptions, e.g.
 * "The API token must have the 'Users > Read' scope"; scope names as Retool's token settings
 * and its Terraform provider write them).
 */
export const API_OPERATIONS = {
  "GET /users": { group: "users", scope: "users:read" },
  "GET /users/{userId}": { group: "users", scope: "users:read" },
  // The spec accepts Users > Write too; User Attributes > Write is the narrower grant.
  "POST /users/{userId}/user_attributes": { group: "userAttributes", scope: "user_attributes:write" },
  "GET /environments": { group: "environments", scope: "environments:read" },
  "GET /resources/{resourceId}": { group: "resources", scope: "resources:read" },
  "POST /resources": { group: "resources", scope: "resources:write" },
  "PATCH /resources/{resourceId}": { group: "resources", scope: "resources:write" },
  "DELETE /resources/{resourceId}": { group: "resources", scope: "resources:write" },
  "GET /resource_configurations": { group: "resources", scope: "resource_configurations:read" },
  "POST /resource_configurations": { group: "resources", scope: "resource_configurations:write" },
  "PATCH /resource_configurations/{configurationId}": { group: "resources", scope: "resource_configurations:write" },
  "DELETE /resource_configurations/{configurationId}": { group: "resources", scope: "resource_configurations:write" },
} as const satisfies Record<string, { group: EndpointGroup; scope: string }>;
export type ApiOperation = keyof typeof API_OPERATIONS;

/** The operation a request is, from its method and concrete path ("/users/user_1?x=y"). */
export function operationOf(method: string, path: string): { key: ApiOperation; group: EndpointGroup; scope: string } | undefined {
  const bare = `/${path.replace(/^\/+/, "").split("?")[0]}`;
  for (const [key, op] of Object.entries(API_OPERATIONS)) {
    const [m, template] = key.split(" ");
    if (m !== method.toUpperCase()) continue;
    const re = new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);
    if (re.test(bare)) return { key: key as ApiOperation, ...op };
  }
  return undefined;
}

/**
 * The scopes a token needs for these operations, each once, in a stable order; a read scope is
 * left out where the write scope of the same area is there (write covers read).
 */
export function scopesFor(ops: readonly ApiOperation[]): string[] {
  const all = new Set<string>(ops.map((op) => API_OPERATIONS[op].scope));
  return [...all].filter((s) => !(s.endsWith(":read") && all.has(s.replace(/:read$/, ":write")))).sort();
}

/** What `pulumi up` calls to create and keep the Retool resources (Enterprise Premium). */
export const RESOURCE_MANAGEMENT_OPERATIONS = (Object.keys(API_OPERATIONS) as ApiOperation[]).filter((op) =>
  ["resources", "environments"].includes(API_OPERATIONS[op].group),
);
