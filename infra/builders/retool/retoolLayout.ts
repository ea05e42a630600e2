// What the Retool side of a stack consists of, decided once from the settings and which secrets
// are set, so that the program, render and the tests agree on it.
import { PLANS_WITH_API, StackSettings } from "../../config/schema";

export type WorkflowTrigger = "continue-page" | "user-created" | "login-attempted" | "reconcile-schedule";

export interface RetoolLayout {
  /** The program creates the Retool resources through Retool's REST API (retoolApiToken set). */
  managed: boolean;
  /** A workflow calls Retool's API (the business claim check, the enterprise look-up). */
  usesApi: boolean;
  /** The program creates the API resource too (managed, and the users:read token is set). */
  createsApiResource: boolean;
  /** Business: the Continue page's workflow checks the claimed user against Retool's API first. */
  checksContinuePage: boolean;
  /** Free, team and business: the Continue page app. */
  continuePage: boolean;
  workflows: WorkflowTrigger[];
}

export function retoolLayout(settings: StackSettings, secretsPresent: readonly string[]): RetoolLayout {
  const { plan, retool } = settings;
  const managed = PLANS_WITH_API.includes(plan) && retool.url !== undefined && secretsPresent.includes("retoolApiToken");
  const hasReadToken = secretsPresent.includes("retoolUsersReadToken");
  // Business checks the page's claim when there is an API resource to check with: one the program
  // makes from the users:read token, or one an admin made and named in retool.apiResourceId.
  const businessCheck = plan === "business" && retool.url !== undefined && (hasReadToken || retool.apiResourceId !== undefined);
  const usesApi = plan === "enterprise" || businessCheck || retool.reconcileSchedule !== undefined;
  const continuePage = plan !== "enterprise";
  const workflows: WorkflowTrigger[] = continuePage ? ["continue-page"] : ["user-created", "login-attempted"];
  if (retool.reconcileSchedule !== undefined) workflows.push("reconcile-schedule");
  return { managed, usesApi, checksContinuePage: businessCheck, createsApiResource: managed && usesApi && hasReadToken && retool.apiResourceId === undefined, continuePage, workflows };
}
