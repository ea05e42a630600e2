// No rendered workflow, app or program-made resource calls a Retool API endpoint that the stack's
// tier lacks. Every call is judged by a table written here by hand from Retool's API docs
// (docs.retool.com/api, "Access scope", and each endpoint page's availability banner), not by the
// project's own model in infra/domain, so a wrong entry there cannot pass here.
import JSZip from "jszip";
import { describe, expect, it } from "vitest";
import { retoolArtifacts } from "../../../../infra/builders/stackArtifacts";
import { stackLayout } from "../../../../infra/config/syncChoices";
import { readWorkflow } from "../../../support/retoolWorkflow";
import { settingsFor } from "../../../support/settings";
import { RETOOL_URL, STACK_SHAPES } from "../../../support/stackShapes";

type Tier = "none" | "business" | "enterprise-base" | "enterprise-premium";
const RANK: Record<Tier, number> = { none: 0, business: 1, "enterprise-base": 2, "enterprise-premium": 3 };

/** The smallest tier with an endpoint, by its path under /api/v2 (placeholders already in). */
function smallestTier(path: string): Tier {
  if (/^users\/[^/]+\/user_attributes(\/|$)/.test(path) || /^user_attributes(\/|$)/.test(path)) return "business"; // User Attributes
  if (/^user_invites(\/|$)/.test(path) || /^custom_component_libraries(\/|$)/.test(path)) return "business";
  if (/^source_control(\/|$)/.test(path) || /^groups\/[^/]+\/user_invites(\/|$)/.test(path) || /^workflow_runs?(\/|$)/.test(path)) return "enterprise-base";
  return "enterprise-premium"; // Users, Groups, Resources, Environments and everything else
}

/** The tier a stack declares, or the smallest its plan guarantees (Free and Team have no API). */
const declared = (plan: string, apiTier?: string): Tier =>
  (apiTier as Tier | undefined) ?? ({ free: "none", team: "none", business: "business", enterprise: "enterprise-base" } as Record<string, Tier>)[plan];

/** Every Retool API call a stack's files and program make: [method, path]. */
async function apiCalls(shape: (typeof STACK_SHAPES)[number]) {
  const settings = settingsFor("app", { plan: shape.plan, retool: { url: RETOOL_URL, ...shape.retool } });
  // With every token a stack could hold, so that whatever the program might create through the API shows.
  const layout = stackLayout(settings, ["retoolApiToken", "retoolUsersReadToken"]);
  const artifacts = retoolArtifacts({ settings, layout, stack: "ci" });
  const calls: [string, string][] = [];
  for (const a of artifacts.filter((x) => x.path.startsWith("workflow-"))) {
    const { blocks, template } = readWorkflow(a.content);
    for (const b of blocks.filter((x) => x.editorType === "RESTQuery")) {
      const t = template(b.pluginId);
      calls.push([String(t.type), String(t.query).replace(/\{\{[\s\S]*?\}\}/g, "X")]);
    }
  }
  const page = artifacts.find((a) => a.path === "continue-page.zip");
  if (page) {
    const zip = await JSZip.loadAsync(Buffer.from(page.content, "base64"));
    for (const entry of Object.values(zip.files)) {
      const text = await entry.async("string");
      expect(text, `${entry.name} of the Continue page calls no API`).not.toMatch(/RESTQuery|\/api\/v2/);
    }
  }
  // What the program's Retool resource provider calls for each resource it creates.
  if (layout.created.length) calls.push(["GET", "environments"], ["POST", "resources"], ["POST", "resource_configurations"]);
  return calls;
}

describe("the Retool API calls of every stack shape", () => {
  it.each(STACK_SHAPES.map((s) => [s.name, s] as const))("%s: none outside its tier", async (_name, shape) => {
    const tier = declared(shape.plan, shape.retool.apiTier as string | undefined);
    const calls = await apiCalls(shape);
    const outside = calls.filter(([, path]) => RANK[smallestTier(path)] > RANK[tier]);
    expect(outside).toEqual([]);
  });

  it("covers the endpoints the plans do use: the Users API on Premium, user attributes from Base", async () => {
    const byName = Object.fromEntries(await Promise.all(STACK_SHAPES.map(async (s) => [s.name, await apiCalls(s)] as const)));
    expect(byName["enterprise (Premium)"]).toContainEqual(["GET", "users?email=X"]);
    expect(byName["enterprise (Premium)"]).toContainEqual(["POST", "resources"]);
    expect(byName["enterprise (Base), row key written back"]).toEqual([["POST", "users/X/user_attributes"]]);
    for (const plan of ["free", "team", "business", "enterprise (Base)"]) expect(byName[plan], plan).toEqual([]);
  });
});
