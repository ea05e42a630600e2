// What the Retool side of a stack consists of, derived from its sync paths and what it was given
// (a Retool URL, the API tokens, the ids of resources an admin made), so that the program, render
// and the tests agree on it. Resources are created through Retool's API only where the org's tier
// has the Resources endpoints (Enterprise Premium); everywhere else they are rendered files.
import { orgHas } from "./plans";
import { type SyncChoices, type SyncPaths, syncPaths } from "./syncPaths";

/** The Retool resources: one per database role, and Retool's own API. */
export type ResourceKind = "page" | "trusted" | "api";

export interface LayoutInputs extends SyncChoices {
  /** retool.url is set. */
  retoolUrl: boolean;
  /** retoolApiToken is set: the token `pulumi up` manages resources with. */
  apiToken: boolean;
  /** retoolUsersReadToken is set: the token the API resource carries. */
  apiResourceToken: boolean;
  /** Resources an admin made by hand, whose ids config gives. */
  givenIds: readonly ResourceKind[];
}

export interface RetoolLayout extends SyncPaths {
  /** The program creates the resources it can through Retool's REST API. */
  managed: boolean;
  /** The Retool resources the stack's workflows and page use. */
  resources: ResourceKind[];
  /** Those the program creates: managed, no id given in config, and for the API one its token. */
  created: ResourceKind[];
  /** Free, team and business: the Continue page app. */
  continuePageApp: boolean;
}

export function retoolLayout(inputs: LayoutInputs): RetoolLayout {
  const paths = syncPaths(inputs);
  const managed = inputs.retoolUrl && inputs.apiToken && orgHas(inputs.plan, inputs.apiTier, "resources");
  const resources: ResourceKind[] = [...paths.roles, ...(paths.usesApi ? (["api"] as const) : [])];
  const created = resources.filter((kind) => managed && !inputs.givenIds.includes(kind) && (kind !== "api" || inputs.apiResourceToken));
  return { ...paths, managed, resources, created, continuePageApp: paths.continuePage !== undefined };
}
