// The program under Pulumi's mocks: what it registers per plan, what it protects, what it keeps secret.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PLANS } from "../../infra/config/schema";
import { retoolUserSync } from "../../infra/program";
import { PROJECT, Registration, settle, startMocks, valueOf } from "../support/pulumiMocks";

const ADMIN_PASSWORD = "admin-password-must-stay-secret";

function stackConfig(plan: string, extra: Record<string, unknown> = {}) {
  return {
    [`${PROJECT}:plan`]: plan,
    [`${PROJECT}:database`]: { host: "db.internal", port: 5432, name: "app", adminUser: "admin", sslmode: "require" },
    [`${PROJECT}:databaseAdminPassword`]: ADMIN_PASSWORD,
    ...(plan === "enterprise" ? { [`${PROJECT}:retool`]: { url: "https://acme.retool.com" } } : {}),
    ...extra,
  };
}

const API_TOKEN = "rtk_manage_must_stay_secret";
const READ_TOKEN = "rtk_users_read_must_stay_secret";
const SECRET_KEYS = [`${PROJECT}:databaseAdminPassword`, `${PROJECT}:retoolApiToken`, `${PROJECT}:retoolUsersReadToken`];

async function runProgram(config: Record<string, unknown>): Promise<{ outputs: Record<string, any>; registrations: Registration[] }> {
  const registrations = await startMocks(config, SECRET_KEYS.filter((k) => k in config));
  const outputs = retoolUserSync();
  await settle();
  return { outputs, registrations };
}

const DATABASE_SIDE = [
  "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-sync-access",
  "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-users-table",
  "pulumi:providers:postgresql users-admin",
  "postgresql:index/role:Role users-retool-role",
  "random:index/randomPassword:RandomPassword users-retool-role-password",
  "retool-user-sync:index:UsersDatabase users",
];
const RETOOL_SIDE = ["retool-user-sync:index:RetoolSync retool", "pulumi-nodejs:dynamic/retool-user-sync:RenderedFiles retool-files"];
const DATABASE_RESOURCE = "pulumi-nodejs:dynamic/retool-user-sync:RetoolResource retool-database";
const API_RESOURCE = "pulumi-nodejs:dynamic/retool-user-sync:RetoolResource retool-api";

const url = { [`${PROJECT}:retool`]: { url: "https://acme.retool.com" } };
const token = { ...url, [`${PROJECT}:retoolApiToken`]: API_TOKEN };
const tokens = { ...token, [`${PROJECT}:retoolUsersReadToken`]: READ_TOKEN };

// Plan, extra config, the Retool resources created through the API, the workflow files.
const GRAPHS: [string, string, Record<string, unknown>, string[], string[]][] = [
  ["free", "no token", {}, [], ["workflow-continue-page.json"]],
  ["team", "no token", {}, [], ["workflow-continue-page.json"]],
  ["business", "no token", {}, [], ["workflow-continue-page.json"]],
  ["business", "a management token", token, [DATABASE_RESOURCE], ["workflow-continue-page.json"]],
  ["business", "both tokens", tokens, [DATABASE_RESOURCE, API_RESOURCE], ["workflow-continue-page.json"]],
  ["enterprise", "no token", url, [], ["workflow-retool-event-login-attempted.json", "workflow-retool-event-user-created.json"]],
  ["enterprise", "both tokens", tokens, [DATABASE_RESOURCE, API_RESOURCE], ["workflow-retool-event-login-attempted.json", "workflow-retool-event-user-created.json"]],
];

describe.each(GRAPHS)("the program on plan %s with %s", (plan, _what, extra, retoolResources, workflows) => {
  it("registers the database side, the Retool side and only the Retool resources the tokens allow", async () => {
    const { registrations, outputs } = await runProgram(stackConfig(plan, extra));
    expect(registrations.map((r) => `${r.type} ${r.name}`).sort()).toEqual([...DATABASE_SIDE, ...RETOOL_SIDE, ...retoolResources].sort());
    expect(Object.keys(await valueOf(outputs.retoolWorkflows)).sort()).toEqual(workflows);
    const files = (await valueOf(outputs.artifacts)) as string[];
    expect(files).toEqual(expect.arrayContaining(["retool-resource.json", "sql/004_sync_function.sql", ...workflows]));
    expect(files.includes("continue-page.zip")).toBe(plan !== "enterprise");
    expect(await valueOf(outputs.retoolManagedBy)).toBe(retoolResources.length ? "retool-api" : "hand");
  });

  it("keeps every token and password out of plain outputs and files", async () => {
    const { outputs, registrations } = await runProgram(stackConfig(plan, extra));
    for (const [key, value] of Object.entries(outputs)) {
      if (key === "retoolRolePassword") continue;
      const text = JSON.stringify(await valueOf(value));
      for (const secret of [ADMIN_PASSWORD, API_TOKEN, READ_TOKEN, "generated-role-password"]) expect(text ?? "").not.toContain(secret);
    }
    const files = registrations.find((r) => r.name === "retool-files")!;
    for (const secret of [ADMIN_PASSWORD, API_TOKEN, READ_TOKEN, "generated-role-password"]) expect(JSON.stringify(files.inputs)).not.toContain(secret);
    for (const r of registrations.filter((x) => x.type.endsWith(":RetoolResource"))) {
      expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining(["apiToken", "secret"]));
      expect(JSON.stringify(r.inputs.apiToken)).toContain("1b47061264138c4ac30d75fd1eb44270");
      expect(JSON.stringify(r.inputs.secret)).toContain("1b47061264138c4ac30d75fd1eb44270");
    }
  });
});

describe("the program's Retool side", () => {
  it("points the workflows at the resources it created", async () => {
    const { outputs } = await runProgram(stackConfig("enterprise", tokens));
    const workflow = (await valueOf(outputs.retoolWorkflows))["workflow-retool-event-user-created.json"] as { blockData: { pluginId: string; resourceName: string }[] };
    const byBlock = Object.fromEntries(workflow.blockData.map((b) => [b.pluginId, b.resourceName]));
    expect(byBlock.syncUser).toBe(await valueOf(outputs.retoolResourceId));
    expect(byBlock.lookupUser).toBe(await valueOf(outputs.retoolApiResourceId));
    expect(byBlock.syncUser).toBe("retool-database-uuid");
  });

  it("refuses a Retool token on a plan without Retool's API, before registering anything", async () => {
    const error = await runProgram(stackConfig("team", token)).then(() => undefined, (e) => e as Error);
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(error!.message).toMatch(/retoolApiToken: is set, but plan team has no Retool REST API/);
  });
});

describe("the program", () => {
  it("protects the users table and keeps it on delete; the access set is retained too", async () => {
    const { registrations } = await runProgram(stackConfig("team"));
    const table = registrations.find((r) => r.name === "users-users-table")!;
    expect(table).toMatchObject({ protect: true, retainOnDelete: true });
    expect(registrations.find((r) => r.name === "users-sync-access")).toMatchObject({ retainOnDelete: true });
  });

  it("feeds the migration sets the program's own migrations", async () => {
    const { registrations } = await runProgram(stackConfig("team"));
    const ids = (name: string) => (registrations.find((r) => r.name === name)!.inputs.migrations as { id: string }[]).map((m) => m.id);
    expect(ids("users-users-table")).toEqual(["001_sync_schema", "002_users_table"]);
    expect(ids("users-sync-access")).toEqual(["004_sync_function", "005_retool_role_grants", "006_batch_sync"]);
  });

  it("keeps the admin and role passwords secret", async () => {
    const { outputs, registrations } = await runProgram(stackConfig("enterprise"));
    expect(await pulumi.isSecret(outputs.retoolRolePassword)).toBe(true);
    expect(await valueOf(outputs.retoolRolePassword)).toBe("generated-role-password");
    for (const [key, value] of Object.entries(outputs)) {
      if (key === "retoolRolePassword") continue;
      expect(JSON.stringify(await valueOf(value)) ?? "").not.toContain(ADMIN_PASSWORD);
    }
    const sets = registrations.filter((r) => r.type.endsWith(":MigrationSet"));
    for (const set of sets) {
      expect(set.additionalSecretOutputs).toContain("adminPassword");
      // The engine gets the password wrapped as a secret value, never as a plain string.
      expect(set.inputs.adminPassword).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: ADMIN_PASSWORD });
    }
    const provider = registrations.find((r) => r.type === "pulumi:providers:postgresql")!;
    expect(JSON.stringify(provider.inputs.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
  });

  it("fails on bad config before registering any resource, naming the key and the file", async () => {
    const { registrations, error } = await runProgram(stackConfig("pro")).then(
      (r) => ({ ...r, error: undefined }),
      async (e) => ({ registrations: [] as Registration[], error: e as Error }),
    );
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(error!.message).toMatch(/retool-user-sync:plan: got "pro"/);
    expect(error!.message).toMatch(/Pulumi\.dev\.yaml/);
    expect(registrations).toEqual([]);
  });
});
