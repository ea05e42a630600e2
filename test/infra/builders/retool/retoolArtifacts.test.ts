// The Retool artifacts per plan: structure as the reference documents it, parameter binding,
// no secrets, and the same bytes for the same config.
import { unzipSync, strFromU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { retoolArtifacts } from "../../../../infra/builders/artifacts";
import { WORKFLOW_ID_PLACEHOLDER } from "../../../../infra/builders/retool/continuePage";
import { retoolLayout } from "../../../../infra/builders/retool/retoolLayout";
import { templateKeys } from "../../../../infra/builders/retool/workflow/pluginTemplates";
import { edges, readWorkflow } from "../../../support/retoolWorkflow";
import { ENTRY_POINTS } from "../../../../infra/builders/sql/syncApi";
import { PLANS, Plan, StackSettings } from "../../../../infra/config/schema";
import { DeepPartial, settingsFor } from "../../../support/settings";

// Facts from shared/reference/retool-workflow-format.md §1 and §3.3: the keys of an exported
// workflow and of a pluginTemplate record, in Retool's order.
const EXPORT_KEYS = [
  "name", "description", "readme", "iconName", "iconColor", "organizationId", "createdBy", "isEnabled", "crontab", "timezone",
  "blockData", "templateData", "triggerWebhooks", "customLibraries", "setupScripts", "protected", "private",
  "hasProtectedTriggers", "protectedTriggers", "subflows", "type",
];
const PLUGIN_TEMPLATE_FIELDS = [
  "id", "uuid", "_comment", "type", "subtype", "namespace", "resourceName", "resourceDisplayName", "template", "style",
  "position2", "mobilePosition2", "mobileAppPosition", "tabIndex", "container", "createdAt", "updatedAt", "folder",
  "presetName", "screen", "boxId", "subBoxIds",
];
// §3.4: what each block type's template holds, by count (JS 68-ish, SQL = JS + 19 SQL keys).
const SQL_ONLY_KEYS = ["editorMode", "tableName", "actionType", "records", "recordId", "filterBy", "dataArray", "warningCodes", "shouldUseLegacySql", "enableBulkUpdates", "shouldEnableBatchQuerying", "doNotThrowOnNoOp", "bulkUpdatePrimaryKey", "databaseHostOverride", "databaseNameOverride", "databaseUsernameOverride", "databasePasswordOverride", "databaseRoleOverride", "databaseWarehouseOverride"];

const PASSWORD = "db-admin-password-x9";
const TOKEN = "rtk_token_value_y7";

function render(plan: Plan, secrets: string[] = [], retool: DeepPartial<StackSettings["retool"]> = {}) {
  const settings = settingsFor("app", { plan, retool: { url: "https://acme.retool.com", ...retool } });
  const layout = retoolLayout(settings, secrets);
  const artifacts = retoolArtifacts({ settings, layout, stack: "ci" });
  return { settings, layout, artifacts, byPath: Object.fromEntries(artifacts.map((a) => [a.path, a])) };
}

const workflow = readWorkflow;

const EXPECTED_GRAPHS: Record<string, string[]> = {
  "workflow-continue-page.json": ["startTrigger -> syncUser", "syncUser -> response1"],
  "workflow-continue-page.json (business)": ["startTrigger -> lookupUser", "lookupUser -> verifyClaim", "verifyClaim -> syncUser", "syncUser -> response1"],
  "workflow-retool-event-user-created.json": ["startTrigger -> lookupUser", "lookupUser -> pickUser", "pickUser -> syncUser", "syncUser -> response1"],
  "workflow-retool-event-login-attempted.json": ["startTrigger -> syncUser", "syncUser -> response1"],
};

describe.each(PLANS)("retool artifacts on plan %s", (plan) => {
  const { artifacts, layout } = render(plan);
  const workflows = artifacts.filter((a) => a.path.startsWith("workflow-"));

  it("has the files the plan needs", () => {
    const expected = {
      free: ["retool-resource-page.json", "workflow-continue-page.json", "continue-page.zip"],
      team: ["retool-resource-page.json", "workflow-continue-page.json", "continue-page.zip"],
      business: ["retool-resource-trusted.json", "retool-resource-api.json", "workflow-continue-page.json", "continue-page.zip"],
      enterprise: ["retool-resource-trusted.json", "retool-resource-api.json", "workflow-retool-event-user-created.json", "workflow-retool-event-login-attempted.json"],
    }[plan];
    expect(artifacts.map((a) => a.path)).toEqual(expected);
    expect(layout.managed).toBe(false);
  });

  it.each(workflows.map((w) => [w.path, w.content]))("%s has the export's keys, one plugin per block in order, and the documented block graph", (p, content) => {
    const { file, app, plugins, template, blocks } = workflow(content);
    expect(Object.keys(file)).toEqual(EXPORT_KEYS);
    expect(typeof file.templateData).toBe("string");
    expect(app.n).toBe("appTemplate");
    expect(Object.keys(plugins)).toEqual(blocks.map((b) => b.pluginId));
    for (const b of blocks) {
      expect(Object.keys(plugins[b.pluginId].v)).toEqual(PLUGIN_TEMPLATE_FIELDS);
      expect(plugins[b.pluginId].v.subtype).toBe(b.editorType);
      expect(plugins[b.pluginId].v.resourceName === b.resourceName || b.blockType === "webhook").toBe(true);
      const keys = Object.keys(template(b.pluginId));
      if (b.editorType === "SqlQueryUnified") expect(keys).toEqual(expect.arrayContaining([...templateKeys("javascript"), ...SQL_ONLY_KEYS]));
      else expect(keys).toEqual(expect.arrayContaining(templateKeys("javascript")));
    }
    expect(edges(blocks)).toEqual(EXPECTED_GRAPHS[plan === "business" && p === "workflow-continue-page.json" ? `${p} (business)` : (p as string)]);
    expect(blocks[0]).toMatchObject({ pluginId: "startTrigger", blockType: "webhook", incomingOnSuccessEdges: [] });
    expect(file.triggerWebhooks).toEqual([expect.objectContaining({ name: "startTrigger", uuid: "startTrigger", headers: "{}" })]);
  });

  it.each(workflows.map((w) => [w.path, w.content]))("%s binds every value as a {{ }} parameter, on the resource whose role fits", (_p, content) => {
    const { template, blocks } = workflow(content);
    const sqlBlocks = blocks.filter((b) => b.editorType === "SqlQueryUnified");
    expect(sqlBlocks).toHaveLength(1);
    const sql = template(sqlBlocks[0].pluginId).query as string;
    // A browser's claim goes to the page role's entry point; Retool's own word to the trusted one.
    const entry = plan === "free" || plan === "team" ? ENTRY_POINTS.page : ENTRY_POINTS.retoolUser;
    const call = new RegExp(`^SELECT \\* FROM ${entry.name.replace(".", "\\.")}\\((.*)\\)$`).exec(sql);
    expect(call).not.toBeNull();
    const args = call![1].split(/,\s*(?![^{]*\}\})/);
    expect(args).toHaveLength(entry === ENTRY_POINTS.page ? 4 : 5);
    for (const a of args) expect(a).toMatch(/^\{\{ [^{}]+ \}\}$/);
    expect(sqlBlocks[0].resourceName).toBe(entry.role === "page" ? "retool-user-sync-page" : "retool-user-sync-trusted");
  });
});

describe("retool artifacts", () => {
  it("business with a users:read token checks the claim against Retool's API before writing", () => {
    const { byPath, layout } = render("business", ["retoolApiToken", "retoolUsersReadToken"]);
    expect(layout).toMatchObject({ managed: true, continuePage: "retool-api", created: ["trusted", "api"] });
    const { blocks, template } = workflow(byPath["workflow-continue-page.json"].content);
    expect(edges(blocks)).toEqual(["startTrigger -> lookupUser", "lookupUser -> verifyClaim", "verifyClaim -> syncUser", "syncUser -> response1"]);
    expect(template("lookupUser")).toMatchObject({ type: "GET" });
    expect(template("lookupUser").query).toMatch(/^users\/\{\{ .*startTrigger\.data\.retoolUserId.* \}\}$/);
    expect(template("syncUser").query).toContain("{{ verifyClaim.data.email }}");
  });

  it("points blocks at resource ids given in config", () => {
    const id = "0b7a7c1e-2f41-4b8e-9a40-5b0cb2a8d1f3";
    const { byPath } = render("team", [], { resources: { page: { id } } });
    expect(workflow(byPath["workflow-continue-page.json"].content).blocks[1].resourceName).toBe(id);
  });

  it("never writes a secret: the config gives secret values, the files must not contain them", () => {
    for (const plan of PLANS) {
      const settings = settingsFor("app", { plan, retool: { url: "https://acme.retool.com" } });
      const layout = retoolLayout(settings, plan === "business" || plan === "enterprise" ? ["retoolApiToken", "retoolUsersReadToken"] : []);
      for (const a of retoolArtifacts({ settings, layout, stack: "ci" })) {
        const text = a.encoding === "base64" ? Object.values(unzipSync(Buffer.from(a.content, "base64"))).map((u) => strFromU8(u)).join("\n") : a.content;
        for (const secret of [PASSWORD, TOKEN]) expect(text).not.toContain(secret);
        expect(text).not.toMatch(/"(password|bearer_token)":\s*"(?!<secret:)/);
      }
    }
  });

  it("renders the same bytes for the same config", () => {
    for (const plan of PLANS) expect(render(plan).artifacts).toEqual(render(plan).artifacts);
  });

  it("ships the Continue page as a Toolscript ZIP that runs the workflow with current_user and then opens the home app", () => {
    const { byPath } = render("team", [], { homeAppUrl: "/apps/home" });
    const files = unzipSync(Buffer.from(byPath["continue-page.zip"].content, "base64"));
    const names = Object.keys(files).sort();
    expect(names).toEqual([".positions.json", "functions.rsx", "lib/openHomeApp.js", "lib/syncUserParams.json", "main.rsx", "metadata.json"]);
    const read = (n: string) => strFromU8(files[n]);
    expect(read("functions.rsx")).toContain(`workflowId="${WORKFLOW_ID_PLACEHOLDER}"`);
    expect(read("lib/syncUserParams.json")).toBe("{{ { retoolUserId: current_user.sid, email: current_user.email, firstName: current_user.firstName, lastName: current_user.lastName } }}");
    expect(read("lib/openHomeApp.js")).toContain('utils.openUrl("/apps/home"');
    // Every component the page shows has a position (Toolscript import rule).
    const positioned = Object.keys(JSON.parse(read(".positions.json")));
    const shown = [...read("main.rsx").matchAll(/<(?:Text|Button) id="(\w+)"/g)].map((m) => m[1]);
    expect(positioned.sort()).toEqual(shown.sort());
    expect(read("main.rsx")).not.toContain("<!--");
  });
});

describe("the business Continue page with continuePageCheck: current-user", () => {
  it("syncs from its own query on the page resource, with current_user's values only, and has no workflow", () => {
    const id = "0b7a7c1e-2f41-4b8e-9a40-5b0cb2a8d1f3";
    const { byPath, artifacts } = render("business", [], { continuePageCheck: "current-user", resources: { page: { id } } });
    expect(artifacts.map((a) => a.path)).toEqual(["retool-resource-page.json", "continue-page.zip"]);
    const files = unzipSync(Buffer.from(byPath["continue-page.zip"].content, "base64"));
    expect(strFromU8(files["lib/syncUser.sql"])).toBe(
      "SELECT * FROM retool_sync.sync_page_user({{ current_user.sid }}, {{ current_user.email }}, {{ current_user.firstName }}, {{ current_user.lastName }})\n",
    );
    const functions = strFromU8(files["functions.rsx"]);
    expect(functions).toMatch(new RegExp(`<SqlQueryUnified id="syncUser" query=\\{include\\("./lib/syncUser.sql", "string"\\)\\} resourceDisplayName="retool-user-sync-page" resourceName="${id}"`));
    expect(functions).not.toContain("WorkflowRun");
  });
});

describe("the scheduled reconcile workflow", () => {
  it("is rendered when retool.reconcileSchedule is set: schedule -> list users -> sync_users as one bound JSON parameter", () => {
    const { byPath } = render("enterprise", [], { reconcileSchedule: "0 * * * *" });
    const { file, blocks, template } = workflow(byPath["workflow-schedule-reconcile.json"].content);
    expect(file.crontab).toBe("0 * * * *");
    expect(blocks[0]).toMatchObject({ blockType: "schedule", options: { crontab: "0 * * * *", timezone: "UTC" } });
    expect(edges(blocks)).toEqual(["startTrigger -> listUsers", "listUsers -> reconcileUsers"]);
    expect(template("reconcileUsers").query).toMatch(/^SELECT outcome, count\(\*\) AS users FROM retool_sync\.reconcile_users\(\{\{ JSON\.stringify\(listUsers\.data\.data\) \}\}::jsonb\) GROUP BY outcome$/);
  });
});
