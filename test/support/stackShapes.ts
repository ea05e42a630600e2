// Every stack shape worth rendering: each plan with its defaults, each API tier a plan can
// declare, and each option that changes what is rendered. Tests that check rendered files or the
// program's graph for "every stack" take their list from here.
import type { StackSettings } from "../../infra/config/schema";
import type { Plan } from "../../infra/domain/plans";
import type { DeepPartial } from "./settings";

export const RETOOL_URL = "https://acme.retool.com";

export interface StackShape {
  name: string;
  plan: Plan;
  retool: DeepPartial<StackSettings["retool"]>;
}

export const STACK_SHAPES: StackShape[] = [
  { name: "free", plan: "free", retool: {} },
  { name: "team", plan: "team", retool: {} },
  { name: "business", plan: "business", retool: {} },
  { name: "enterprise (Base)", plan: "enterprise", retool: {} },
  { name: "enterprise (Base), row key written back", plan: "enterprise", retool: { rowKeyAttribute: "db_user_id" } },
  { name: "enterprise (Premium)", plan: "enterprise", retool: { apiTier: "enterprise-premium" } },
  {
    name: "enterprise (Premium), scheduled reconcile",
    plan: "enterprise",
    retool: { apiTier: "enterprise-premium", reconcileSchedule: "30 2 * * *", timezone: "Europe/Berlin" },
  },
  { name: "enterprise (Premium), row key written back", plan: "enterprise", retool: { apiTier: "enterprise-premium", rowKeyAttribute: "db_user_id" } },
];
