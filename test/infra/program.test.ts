// The program under Pulumi's mocks: what it registers per plan, what it protects, what it keeps secret.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { loginRoles } from "../../infra/builders/loginRoles";
import { retoolUserSync } from "../../infra/program";
import { PROJECT, type Registration, resolvedValue, settle, startMocks } from "../support/pulumiMocks";
import { settingsFor } from "../support/settings";

const ADMIN_PASSWORD = "admin-password-must-stay-secret";
const API_TOKEN = "rtk_manage_must_stay_secret";
const READ_TOKEN = "rtk_users_read_must_stay_secret";
/** What the mocked RandomPassword returns: the roles' passwords. */
const ROLE_PASSWORD = "generated-role-password";
const SECRETS = [ADMIN_PASSWORD, API_TOKEN, READ_TOKEN, ROLE_PASSWORD];
const SECRET_KEYS = [`${PROJECT}:databaseAdminPassword`, `${PROJECT}:retoolApiToken`, `${PROJECT}:retoolUsersReadToken`];
/** How the engine marks a secret value in a registration's inputs. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const DATABASE = { host: "db.internal", port: 5432, name: "app", adminUser: "admin", sslmode: "require" };

function stackConfig(plan: string, extra: Record<string, unknown> = {}) {
  return { [`${PROJECT}:plan`]: plan, [`${PROJECT}:database`]: DATABASE, [`${PROJECT}:databaseAdminPassword`]: ADMIN_PASSWORD, ...extra };
}

type Run = { outputs?: Record<string, any>; error?: Error; registrations: Registration[] };

async function runProgram(config: Record<string, unknown>): Promise<Run> {
  const registrations = await startMocks(
    config,
    SECRET_KEYS.filter((k) => k in config),
  );
  try {
    const outputs = retoolUserSync();
    await settle();
    return { outputs, registrations };
  } catch (e) {
    await settle();
    return { error: e as Error, registrations };
  }
}

const url = { [`${PROJECT}:retool`]: { url: "https://acme.retool.com" } };
const premium = { [`${PROJECT}:retool`]: { url: "https://acme.retool.com", apiTier: "enterprise-premium" } };
const token = { [`${PROJECT}:retoolApiToken`]: API_TOKEN };
const readToken = { [`${PROJECT}:retoolUsersReadToken`]: READ_TOKEN };

const COMMON = [
  "retool-user-sync:index:RetoolUserSync retool-user-sync",
  "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-sync-access",
  "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-users-table",
  "pulumi:providers:postgresql users-admin",
  "retool-user-sync:index:UsersDatabase users",
  "retool-user-sync:index:RetoolSync retool",
  "pulumi-nodejs:dynamic/retool-user-sync:RenderedFiles retool-files",
];
const role = (kind: string) => [`postgresql:index/role:Role users-${kind}-role`, `random:index/randomPassword:RandomPassword users-${kind}-role-password`];
const retoolResource = (kind: string) => `pulumi-nodejs:dynamic/retool-user-sync:RetoolResource retool-${kind}`;
const EVENTS = ["workflow-retool-event-login-attempted.json", "workflow-retool-event-user-created.json"];

// Plan, what the stack sets, its roles, the Retool resources created through the API, the workflow files.
const GRAPHS: [string, string, Record<string, unknown>, string[], string[], string[]][] = [
  ["free", "no token", {}, ["page"], [], ["workflow-continue-page.json"]],
  ["team", "no token", {}, ["page"], [], ["workflow-continue-page.json"]],
  ["business", "no token", url, ["page"], [], []],
  ["enterprise", "no token (Base)", url, ["trusted"], [], ["workflow-retool-event-login-attempted.json"]],
  ["enterprise", "no token (Premium)", premium, ["trusted"], [], EVENTS],
  ["enterprise", "both tokens (Premium)", { ...premium, ...token, ...readToken }, ["trusted"], ["trusted", "api"], EVENTS],
];

describe.each(GRAPHS)("the program on plan %s with %s", (plan, _what, extra, roles, created, workflows) => {
  it("registers one role per level of trust the plan uses, and only the Retool resources the tokens allow", async () => {
    const { registrations, outputs } = await runProgram(stackConfig(plan, extra));
    expect(registrations.map((r) => `${r.type} ${r.name}`).sort()).toEqual([...COMMON, ...roles.flatMap(role), ...created.map(retoolResource)].sort());
    expect(Object.keys(await resolvedValue(outputs!.retoolWorkflows)).sort()).toEqual(workflows);
    const files = (await resolvedValue(outputs!.artifacts)) as string[];
    expect(files).toEqual(expect.arrayContaining(["sql/004_sync_function.sql", ...roles.map((k) => `retool-resource-${k}.json`), ...workflows]));
    expect(files.includes("continue-page.zip")).toBe(plan !== "enterprise");
    expect(await resolvedValue(outputs!.retoolManagedBy)).toBe(created.length ? "retool-api" : "hand");
    expect(await resolvedValue(outputs!.retoolRoles)).toEqual({
      page: roles.includes("page") ? "retool_sync_page" : undefined,
      trusted: roles.includes("trusted") ? "retool_sync_trusted" : undefined,
    });
  });

  it("keeps every token and password out of plain outputs and files, and secret where it is an output", async () => {
    const { outputs, registrations } = await runProgram(stackConfig(plan, extra));
    for (const [key, value] of Object.entries(outputs!)) {
      if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) continue;
      const text = JSON.stringify(await resolvedValue(value)) ?? "";
      for (const secret of SECRETS) expect(text, key).not.toContain(secret);
    }
    for (const kind of roles) {
      const password = outputs![`${kind}RolePassword`];
      expect(await pulumi.isSecret(password)).toBe(true);
      expect(await resolvedValue(password)).toBe(ROLE_PASSWORD);
    }
    // The files pulumi up writes are RenderedFiles' inputs.
    const files = JSON.stringify(registrations.find((r) => r.name === "retool-files")!.inputs);
    for (const secret of SECRETS) expect(files).not.toContain(secret);
    for (const r of registrations.filter((x) => x.type.endsWith(":RetoolResource"))) {
      expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining(["apiToken", "secret"]));
      expect(JSON.stringify(r.inputs.apiToken)).toContain(SECRET_SIG);
      expect(JSON.stringify(r.inputs.secret)).toContain(SECRET_SIG);
    }
  });
});

describe("the program's Retool side", () => {
  it("points the workflows at the resources it created, each at the one its role fits", async () => {
    const { outputs } = await runProgram(stackConfig("enterprise", { ...premium, ...token, ...readToken }));
    const workflow = (await resolvedValue(outputs!.retoolWorkflows))["workflow-retool-event-user-created.json"] as {
      blockData: { pluginId: string; resourceName: string }[];
    };
    const byBlock = Object.fromEntries(workflow.blockData.map((b) => [b.pluginId, b.resourceName]));
    const ids = await resolvedValue(outputs!.retoolResourceIds);
    expect(byBlock).toMatchObject({ syncUser: "retool-trusted-uuid", lookupUser: "retool-api-uuid" });
    expect(ids).toEqual({ trusted: "retool-trusted-uuid", api: "retool-api-uuid" });
  });

  it("gives each created resource its own role's password, and the API one the users:read token", async () => {
    const { registrations } = await runProgram(stackConfig("enterprise", { ...premium, ...token, ...readToken }));
    const secretOf = (name: string) => (registrations.find((r) => r.name === name)!.inputs.secret as { value: string }).value;
    expect(secretOf("retool-trusted")).toBe(ROLE_PASSWORD);
    expect(secretOf("retool-api")).toBe(READ_TOKEN);
    const spec = registrations.find((r) => r.name === "retool-trusted")!.inputs.spec as { options: { database_options: { username: string } } };
    expect(spec.options.database_options.username).toBe("retool_sync_trusted");
  });

  it.each(["team", "business", "enterprise"])("refuses a resource-management token on %s's default tier, before registering anything", async (plan) => {
    const { error, registrations } = await runProgram(stackConfig(plan, { ...url, ...token }));
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(error!.message).toMatch(
      /retoolApiToken: is set, but with this token `pulumi up` creates the Retool resources with POST \/resources.*Enterprise Premium/,
    );
    expect(registrations).toEqual([]);
  });
});

describe("the program", () => {
  it("protects the users table and keeps it on delete; the access set is retained too", async () => {
    const { registrations } = await runProgram(stackConfig("team"));
    expect(registrations.find((r) => r.name === "users-users-table")).toMatchObject({ protect: true, retainOnDelete: true });
    expect(registrations.find((r) => r.name === "users-sync-access")).toMatchObject({ retainOnDelete: true });
  });

  it("keeps the URNs of stacks deployed before the component: its two parts alias the top level, their children follow them", async () => {
    const { registrations } = await runProgram(stackConfig("team"));
    const component = registrations.find((r) => r.type === "retool-user-sync:index:RetoolUserSync")!;
    for (const name of ["users", "retool"]) {
      const part = registrations.find((r) => r.name === name)!;
      expect(part.parent).toBe(`urn:pulumi:dev::${PROJECT}::retool-user-sync:index:RetoolUserSync::retool-user-sync`);
      // No parent: the place they had before; under the engine, the root stack.
      expect(part.aliases).toEqual([{ spec: expect.objectContaining({ name: "", type: "", noparent: true }) }]);
    }
    // Aliases go only where the parent changed; the engine derives the rest from the parents'.
    expect(
      registrations
        .filter((r) => r.aliases.length > 0)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["retool", "users"]);
    expect(component.aliases).toEqual([]);
  });

  it("feeds the migration sets the program's own migrations", async () => {
    const { registrations } = await runProgram(stackConfig("team"));
    const ids = (name: string) => (registrations.find((r) => r.name === name)!.inputs.migrations as { id: string }[]).map((m) => m.id);
    expect(ids("users-users-table")).toEqual(["001_sync_schema", "002_users_table"]);
    expect(ids("users-sync-access")).toEqual(["004_sync_function", "005_retool_role_grants"]);
  });

  it("makes each role with the limits the settings give it", async () => {
    const config = stackConfig("business", { ...url, [`${PROJECT}:retoolRoles`]: { connectionLimit: 5, statementTimeoutMs: 9000 } });
    const { registrations } = await runProgram(config);
    const [spec] = loginRoles(
      settingsFor("app", {
        plan: "business",
        retool: { url: "https://acme.retool.com" },
        retoolRoles: { connectionLimit: 5, statementTimeoutMs: 9000 },
      }),
    );
    expect(registrations.find((r) => r.name === "users-page-role")!.inputs).toMatchObject({
      name: spec.name,
      login: true,
      connectionLimit: 5,
      statementTimeout: 9000,
      idleInTransactionSessionTimeout: 9000,
      superuser: false,
      createRole: false,
      createDatabase: false,
    });
  });

  it("keeps the admin password secret all the way to the engine", async () => {
    const { outputs, registrations } = await runProgram(stackConfig("enterprise", url));
    for (const value of Object.values(outputs!)) expect(JSON.stringify(await resolvedValue(value)) ?? "").not.toContain(ADMIN_PASSWORD);
    for (const set of registrations.filter((r) => r.type.endsWith(":MigrationSet"))) {
      expect(set.additionalSecretOutputs).toContain("adminPassword");
      // The engine gets the password wrapped as a secret value, never as a plain string.
      expect(set.inputs.adminPassword).toMatchObject({ "4dabf18193072939515e22adb298388d": SECRET_SIG, value: ADMIN_PASSWORD });
    }
    const provider = registrations.find((r) => r.type === "pulumi:providers:postgresql")!;
    expect(JSON.stringify(provider.inputs.password)).toContain(SECRET_SIG);
  });

  it("fails on bad config before registering any resource, naming the key and the file", async () => {
    const { error, registrations } = await runProgram(stackConfig("pro"));
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(error!.message).toMatch(/retool-user-sync:plan: got "pro"/);
    expect(error!.message).toMatch(/Pulumi\.dev\.yaml/);
    expect(registrations).toEqual([]);
  });
});
