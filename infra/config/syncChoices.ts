// Settings in domain terms: the choices the plan model judges (domain/syncPaths.ts) and the
// inputs of the Retool layout. The types are structural, so that the schema can use this module
// while it validates and everything after it can use it on the validated settings.
import { defaultApiTier, type Plan } from "../domain/plans";
import { API_ACCESS_DOCS, API_TIER_LABELS, type ApiTier, ENDPOINT_GROUP_LABELS, smallestTierWith } from "../domain/retoolApi";
import type { ResourceKind, RetoolLayout } from "../domain/retoolLayout";
import { retoolLayout } from "../domain/retoolLayout";
import type { ContinuePageCheck, NeedSetting, SyncChoices, SyncPaths, UnmetNeed } from "../domain/syncPaths";
import { syncPaths } from "../domain/syncPaths";

interface ChoiceSettings {
  plan: Plan;
  retool: { apiTier?: ApiTier; continuePageCheck?: ContinuePageCheck; reconcileSchedule?: string; rowKeyAttribute?: string };
}

interface LayoutSettings extends ChoiceSettings {
  retool: ChoiceSettings["retool"] & { url?: string; resources: Record<ResourceKind, { id?: string }> };
}

/** The org's API tier: as declared, else the smallest the plan guarantees. */
export const apiTierOf = (s: ChoiceSettings): ApiTier => s.retool.apiTier ?? defaultApiTier(s.plan);

export function syncChoicesOf(s: ChoiceSettings): SyncChoices {
  return {
    plan: s.plan,
    apiTier: apiTierOf(s),
    continuePageCheck: s.retool.continuePageCheck,
    reconcileSchedule: s.retool.reconcileSchedule !== undefined,
    rowKeyAttribute: s.retool.rowKeyAttribute !== undefined,
  };
}

export const stackSyncPaths = (s: ChoiceSettings): SyncPaths => syncPaths(syncChoicesOf(s));

/** The stack's Retool side, from its settings and the secrets it holds. */
export function stackLayout(s: LayoutSettings, secretsPresent: readonly string[]): RetoolLayout {
  return retoolLayout({
    ...syncChoicesOf(s),
    retoolUrl: s.retool.url !== undefined,
    apiToken: secretsPresent.includes("retoolApiToken"),
    apiResourceToken: secretsPresent.includes("retoolUsersReadToken"),
    givenIds: (Object.keys(s.retool.resources) as ResourceKind[]).filter((k) => s.retool.resources[k].id !== undefined),
  });
}

/**
 * An unmet need as a fix-it line (without the key, which the caller's source names): what the
 * setting needs, the endpoint group, the tier that has it, and Retool's docs page.
 */
export function describeNeed(need: UnmetNeed, choices: SyncChoices, fix = FIXES[need.setting]): string {
  const tierNote = `this stack's API tier is ${choices.apiTier} (${API_TIER_LABELS[choices.apiTier]}; set by retool.apiTier, default the smallest tier of the plan)`;
  if (!need.group) return `${need.why}; ${fix}`;
  const tier = smallestTierWith(need.group);
  return `${need.why}, one of Retool's ${ENDPOINT_GROUP_LABELS[need.group]} endpoints, which only the ${API_TIER_LABELS[tier]} API tier (retool.apiTier: ${tier}) and above have, per ${API_ACCESS_DOCS}; ${tierNote}. ${fix}`;
}

/** What to do instead of managing the Retool resources through the API. */
export const RESOURCES_BY_HAND = "create the resources by hand from the rendered retool-resource-*.json files";

const FIXES: Record<NeedSetting, string> = {
  "retool.apiTier": "set retool.apiTier to one of the plan's tiers, or remove it to use the smallest",
  "retool.continuePageCheck":
    "remove retool.continuePageCheck: business's page syncs from its own query on current_user, whose email Retool checks on its server",
  "retool.reconcileSchedule":
    "remove retool.reconcileSchedule; users sync at sign-in, and the drift report can be built from the users table itself (docs/plans.md)",
  "retool.rowKeyAttribute": "remove retool.rowKeyAttribute",
  retoolApiToken: `remove the token and ${RESOURCES_BY_HAND}`,
};
