// The Retool files per plan, held to what files Retool itself wrote show (workflow exports saved by
// Retool 3.360.0; source-control YAML and a Toolscript ZIP export), decoded as Retool decodes them:
// Transit with transit-js, the ZIP with a reader other than the one that wrote it.
import JSZip from "jszip";
import * as transit from "transit-js";
import { describe, expect, it } from "vitest";
import { WORKFLOW_ID_PLACEHOLDER } from "../../../../infra/builders/retool/continuePage";
import { ENTRY_POINTS } from "../../../../infra/builders/sql/syncApi";
import { type Artifact, retoolArtifacts } from "../../../../infra/builders/stackArtifacts";
import type { StackSettings } from "../../../../infra/config/schema";
import { stackLayout } from "../../../../infra/config/syncChoices";
import type { Plan } from "../../../../infra/domain/plans";
import { edges, readWorkflow } from "../../../support/retoolWorkflow";
import { type DeepPartial, settingsFor } from "../../../support/settings";
import { RETOOL_URL, STACK_SHAPES } from "../../../support/stackShapes";

// The 21 keys of an exported workflow, in the order Retool 3.360.0 writes them.
const EXPORT_KEYS = [
  "name",
  "description",
  "readme",
  "iconName",
  "iconColor",
  "organizationId",
  "createdBy",
  "isEnabled",
  "crontab",
  "timezone",
  "blockData",
  "templateData",
  "triggerWebhooks",
  "customLibraries",
  "setupScripts",
  "protected",
  "private",
  "hasProtectedTriggers",
  "protectedTriggers",
  "subflows",
  "type",
];
// The pluginTemplate record's fields, in the order every plugin of those exports has them.
const PLUGIN_TEMPLATE_FIELDS = [
  "id",
  "uuid",
  "_comment",
  "type",
  "subtype",
  "namespace",
  "resourceName",
  "resourceDisplayName",
  "template",
  "style",
  "position2",
  "mobilePosition2",
  "mobileAppPosition",
  "tabIndex",
  "container",
  "createdAt",
  "updatedAt",
  "folder",
  "presetName",
  "screen",
  "boxId",
  "subBoxIds",
];
// How many keys each block type's template has in those exports.
const TEMPLATE_KEY_COUNTS: Record<string, number> = { webhook: 68, code: 69, webhookReturn: 69, SqlQueryUnified: 87, RESTQuery: 79 };
// The one trigger webhook every export has, scheduled workflows included.
const START_TRIGGER = {
  name: "startTrigger",
  uuid: "startTrigger",
  headers: "{}",
  inputSchema: { properties: [] },
  useHeaderApiKey: false,
  examplePathParams: "",
};

function render(plan: Plan, secrets: string[] = [], retool: DeepPartial<StackSettings["retool"]> = {}) {
  const settings = settingsFor("app", { plan, retool: { url: RETOOL_URL, ...retool } });
  const layout = stackLayout(settings, secrets);
  const artifacts = retoolArtifacts({ settings, layout, stack: "ci" });
  return { settings, layout, artifacts, byPath: Object.fromEntries(artifacts.map((a) => [a.path, a])) };
}

const workflowsOf = (artifacts: Artifact[]) => artifacts.filter((a) => a.path.startsWith("workflow-"));

const STACKS = STACK_SHAPES.map((s) => [s.name, s.plan, s.retool] as const);

// Business's page syncs from its own query: it renders no workflow ("each plan's files" below).
const STACKS_WITH_WORKFLOWS = STACKS.filter(([, plan, retool]) => workflowsOf(render(plan, [], retool).artifacts).length > 0);

describe.each(STACKS_WITH_WORKFLOWS)("the %s stack's workflow files, decoded", (_name, plan, retool) => {
  const { artifacts } = render(plan, [], retool);
  const files = workflowsOf(artifacts).map((w) => [w.path, w.content] as const);

  it.each(files)("%s has the export's keys and exactly the startTrigger webhook", (_p, content) => {
    const { file } = readWorkflow(content);
    expect(Object.keys(file)).toEqual(EXPORT_KEYS);
    expect(file.triggerWebhooks).toHaveLength(1);
    expect(file.triggerWebhooks[0]).toMatchObject(START_TRIGGER);
    expect(file.crontab).toBeNull();
  });

  it.each(files)("%s starts as Retool's exports do: a webhook block whose plugin is a JavascriptQuery", (_p, content) => {
    const { blocks, plugins } = readWorkflow(content);
    expect(blocks[0]).toMatchObject({
      pluginId: "startTrigger",
      blockType: "webhook",
      editorType: "JavascriptQuery",
      resourceName: "webhook",
      options: {},
      incomingOnSuccessEdges: [],
    });
    expect(plugins.startTrigger.v).toMatchObject({ resourceName: "JavascriptQuery", subtype: "JavascriptQuery" });
    expect(blocks.slice(1).every((b) => b.blockType !== "webhook" && b.blockType !== "schedule")).toBe(true);
  });

  it.each(files)("%s has each block's template with the real key set", (_p, content) => {
    const { blocks, plugins, template } = readWorkflow(content);
    expect(Object.keys(plugins)).toEqual(blocks.map((b) => b.pluginId));
    for (const b of blocks) {
      const plugin = plugins[b.pluginId].v;
      expect(Object.keys(plugin)).toEqual(PLUGIN_TEMPLATE_FIELDS);
      expect(plugin.subtype).toBe(b.editorType);
      expect(b).toHaveProperty("environment", "production");
      const t = template(b.pluginId);
      const kind = b.editorType === "JavascriptQuery" ? b.blockType : b.editorType;
      expect(Object.keys(t), `${b.pluginId} (${kind})`).toHaveLength(TEMPLATE_KEY_COUNTS[kind]);
      if (kind === "RESTQuery") {
        expect(t).toMatchObject({ openAPIParams: "{}", openAPIRequestBody: "" });
        expect(t).not.toHaveProperty("_additionalScope");
      }
      if (kind === "code" || kind === "webhookReturn") expect(t).toHaveProperty("editorMode");
      if (kind === "code") expect(t.queryTimeout).toBe("120000");
      if (kind === "webhook") expect(t).not.toHaveProperty("editorMode");
    }
  });

  it.each(files)("%s's templateData re-encodes with transit-js to the same bytes", (_p, content) => {
    const { file } = readWorkflow(content);
    const roundTrip = transit.writer("json").write(transit.reader("json").read(file.templateData));
    expect(roundTrip).toBe(file.templateData);
  });

  it.each(files)("%s binds every SQL value as a {{ }} parameter, on the resource whose role fits", (p, content) => {
    const { template, blocks } = readWorkflow(content);
    const sqlBlocks = blocks.filter((b) => b.editorType === "SqlQueryUnified");
    // Every workflow syncs in exactly one statement.
    expect(sqlBlocks).toHaveLength(1);
    const sql = template(sqlBlocks[0].pluginId).query as string;
    // A browser's claim goes to the page role's entry point; Retool's own word to the trusted one.
    const entry =
      p === "workflow-schedule-reconcile.json" ? ENTRY_POINTS.reconcile : plan === "free" || plan === "team" ? ENTRY_POINTS.page : ENTRY_POINTS.retoolUser;
    const call = new RegExp(`^SELECT (\\*|outcome, count\\(\\*\\) AS users) FROM ${entry.name.replace(".", "\\.")}\\((.*)\\)( GROUP BY outcome)?$`).exec(sql);
    expect(call, sql).not.toBeNull();
    const args = call![2].split(/,\s*(?![^{]*\}\})/);
    expect(args).toHaveLength(entry === ENTRY_POINTS.page ? 4 : entry === ENTRY_POINTS.retoolUser ? 5 : 1);
    for (const a of args) expect(a).toMatch(/^\{\{ [^{}]+ \}\}(::json)?$/);
    expect(sqlBlocks[0].resourceName).toBe(entry.role === "page" ? "retool-user-sync-page" : "retool-user-sync-trusted");
  });
});

describe("the workflows' block graphs", () => {
  it.each([
    ["free", {}, "workflow-continue-page.json", ["startTrigger -> syncUser", "syncUser -> response1"]],
    [
      "enterprise",
      { apiTier: "enterprise-premium" },
      "workflow-retool-event-user-created.json",
      ["startTrigger -> lookupUser", "lookupUser -> pickUser", "pickUser -> syncUser", "syncUser -> response1"],
    ],
    ["enterprise", {}, "workflow-retool-event-login-attempted.json", ["startTrigger -> syncUser", "syncUser -> response1"]],
    [
      "enterprise",
      { rowKeyAttribute: "db_user_id" },
      "workflow-retool-event-login-attempted.json",
      ["startTrigger -> syncUser", "syncUser -> writeBackRowKey", "writeBackRowKey -> response1"],
    ],
    [
      "enterprise",
      { apiTier: "enterprise-premium", rowKeyAttribute: "db_user_id" },
      "workflow-retool-event-user-created.json",
      ["startTrigger -> lookupUser", "lookupUser -> pickUser", "pickUser -> syncUser", "syncUser -> writeBackRowKey", "writeBackRowKey -> response1"],
    ],
    [
      "enterprise",
      { apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *" },
      "workflow-schedule-reconcile.json",
      ["startTrigger -> listUsers", "listUsers -> reconcileUsers"],
    ],
  ] as const)("%s %j: %s", (plan, retool, file, graph) => {
    expect(edges(readWorkflow(render(plan, [], retool).byPath[file].content).blocks)).toEqual(graph);
  });
});

describe("the scheduled reconcile workflow", () => {
  it("says in its own description where to add the schedule, since the import carries none", () => {
    const { byPath } = render("enterprise", [], { apiTier: "enterprise-premium", reconcileSchedule: "30 2 * * *", timezone: "Europe/Berlin" });
    const { file, template } = readWorkflow(byPath["workflow-schedule-reconcile.json"].content);
    expect(file.description).toContain(
      'open the Triggers tab in the left panel (or click the startTrigger block), add a Schedule trigger in Cron mode with "30 2 * * *" and timezone Europe/Berlin, then deploy',
    );
    expect(file.timezone).toBe("Europe/Berlin");
    expect(template("reconcileUsers").query).toBe(
      "SELECT outcome, count(*) AS users FROM retool_sync.reconcile_users({{ JSON.stringify(listUsers.data.data) }}::json) GROUP BY outcome",
    );
  });
});

describe("resource files", () => {
  it("point blocks at resource ids given in config", () => {
    const id = "0b7a7c1e-2f41-4b8e-9a40-5b0cb2a8d1f3";
    const { byPath } = render("team", [], { resources: { page: { id } } });
    expect(readWorkflow(byPath["workflow-continue-page.json"].content).blocks[1].resourceName).toBe(id);
  });

  it.each(STACKS)("on %s, name the secret output to read instead of holding a password or token", (_name, plan, retool) => {
    const { artifacts } = render(plan, ["retoolApiToken", "retoolUsersReadToken"], retool);
    for (const a of artifacts.filter((x) => x.path.startsWith("retool-resource-"))) {
      const file = JSON.parse(a.content);
      const secret = file.resource.options.database_options?.password ?? file.resource.options.authentication_options?.bearer_token;
      expect(secret, a.path).toMatch(/^<secret: /);
    }
  });
});

describe("the Continue page ZIP", () => {
  async function unzipped(plan: Plan, retool: DeepPartial<StackSettings["retool"]> = {}) {
    const zip = await JSZip.loadAsync(Buffer.from(render(plan, [], retool).byPath["continue-page.zip"].content, "base64"));
    const files: Record<string, string> = {};
    for (const [name, entry] of Object.entries(zip.files)) if (!entry.dir) files[name] = await entry.async("string");
    return { names: Object.keys(zip.files).sort(), files };
  }

  it("keeps the app's files at the archive root, as Retool's own ZIP export does", async () => {
    const { names } = await unzipped("team");
    expect(names).toEqual([".positions.json", "functions.rsx", "lib/openHomeApp.js", "lib/syncUserParams.json", "main.rsx", "metadata.json"]);
  });

  it("runs the workflow with current_user's fields from a .json params file, then opens the home app", async () => {
    const { files } = await unzipped("team", { homeAppUrl: "/apps/home" });
    expect(files["functions.rsx"]).toContain(`workflowId="${WORKFLOW_ID_PLACEHOLDER}" workflowParams={include("./lib/syncUserParams.json", "string")}`);
    expect(files["lib/syncUserParams.json"]).toBe(
      "{{ { retoolUserId: current_user.sid, email: current_user.email, firstName: current_user.firstName, lastName: current_user.lastName } }}",
    );
    expect(files["lib/openHomeApp.js"]).toBe('utils.openUrl("/apps/home", { newTab: false });\n');
    expect(JSON.parse(files["metadata.json"])).toMatchObject({ toolscriptVersion: "1.0.0", appTemplate: { version: "3.360.0" } });
    // Every component the page shows has a position (an import rule of Toolscript apps).
    const positioned = Object.keys(JSON.parse(files[".positions.json"]));
    const shown = [...files["main.rsx"].matchAll(/<(?:Text|Button) id="(\w+)"/g)].map((m) => m[1]);
    expect(positioned.sort()).toEqual(shown.sort());
    expect(files["main.rsx"]).not.toContain("<!--");
  });

  it("on business with current-user, syncs from its own query on the page resource with current_user's values only", async () => {
    const id = "0b7a7c1e-2f41-4b8e-9a40-5b0cb2a8d1f3";
    const { artifacts } = render("business", [], { continuePageCheck: "current-user", resources: { page: { id } } });
    expect(artifacts.map((a) => a.path)).toEqual(["retool-resource-page.json", "continue-page.zip"]);
    const { files } = await unzipped("business", { continuePageCheck: "current-user", resources: { page: { id } } });
    expect(files["lib/syncUser.sql"]).toBe(
      "SELECT * FROM retool_sync.sync_page_user({{ current_user.sid }}, {{ current_user.email }}, {{ current_user.firstName }}, {{ current_user.lastName }})\n",
    );
    expect(files["functions.rsx"]).toContain(
      `<SqlQueryUnified id="syncUser" query={include("./lib/syncUser.sql", "string")} resourceDisplayName="retool-user-sync-page" resourceName="${id}"`,
    );
    expect(files["functions.rsx"]).not.toContain("WorkflowRun");
  });
});

describe("each plan's files", () => {
  it.each([
    ["free", {}, ["retool-resource-page.json", "workflow-continue-page.json", "continue-page.zip"]],
    ["team", {}, ["retool-resource-page.json", "workflow-continue-page.json", "continue-page.zip"]],
    ["business", {}, ["retool-resource-page.json", "continue-page.zip"]],
    ["enterprise", {}, ["retool-resource-trusted.json", "workflow-retool-event-login-attempted.json"]],
    [
      "enterprise",
      { rowKeyAttribute: "db_user_id" },
      ["retool-resource-trusted.json", "retool-resource-api.json", "workflow-retool-event-login-attempted.json"],
    ],
    [
      "enterprise",
      { apiTier: "enterprise-premium" },
      ["retool-resource-trusted.json", "retool-resource-api.json", "workflow-retool-event-user-created.json", "workflow-retool-event-login-attempted.json"],
    ],
    [
      "enterprise",
      { apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *" },
      [
        "retool-resource-trusted.json",
        "retool-resource-api.json",
        "workflow-retool-event-user-created.json",
        "workflow-retool-event-login-attempted.json",
        "workflow-schedule-reconcile.json",
      ],
    ],
  ] as const)("%s %j: %j", (plan, retool, expected) => {
    const { artifacts, layout } = render(plan, [], retool);
    expect(artifacts.map((a) => a.path)).toEqual(expected);
    expect(layout.managed).toBe(false);
  });
});
