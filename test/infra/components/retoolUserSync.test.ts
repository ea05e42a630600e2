// The RetoolUserSync component in a team's own program: connection values from other resources'
// outputs give what the stack file gives, secrets stay secret, and bad values are refused in the
// same words, before registration when plain and when they resolve otherwise.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { RetoolUserSync } from "../../../infra/components/retoolUserSync";
import { checkArgs, checkLater, resolveSettings } from "../../../infra/components/retoolUserSyncArgs";
import { ConfigError } from "../../../infra/config/stackSettings";
import { retoolUserSync } from "../../../infra/program";
import { outcomeOf, PROJECT, type Registration, resolvedValue, settle, startMocks } from "../../support/pulumiMocks";

const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLE = "users-sync-example";
const SUPERUSER_PASSWORD = "superuser-password-must-stay-secret";
/** What the mocked RandomPassword returns: here, the admin's password. */
const GENERATED = "generated-role-password";
/** How the engine marks a secret value in a registration's inputs. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const COMPONENT = "retool-user-sync:index:RetoolUserSync";

/** The component's part of a program's graph: its resources, named without the instance's prefix. */
function componentGraph(registrations: Registration[], prefix: string) {
  return registrations
    .filter((r) => r.parent.includes(COMPONENT))
    .map((r) => {
      const { __provider: _serialized, dir: _dir, ...inputs } = r.inputs;
      return { type: r.type, name: r.name.replace(prefix, ""), protect: r.protect, retainOnDelete: r.retainOnDelete, inputs };
    })
    .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
}

async function runExample() {
  const registrations = await startMocks(
    { [`${EXAMPLE}:host`]: "db.internal", [`${EXAMPLE}:superuser`]: "postgres", [`${EXAMPLE}:superuserPassword`]: SUPERUSER_PASSWORD },
    [`${EXAMPLE}:superuserPassword`],
    "dev",
    EXAMPLE,
  );
  const outputs = await import("../../../examples/existing-database/index.js");
  await settle();
  return { registrations, outputs };
}

async function runStackProgram(config: Record<string, unknown>, secretKeys: string[]) {
  const registrations = await startMocks(config, secretKeys);
  const outputs = retoolUserSync();
  await settle();
  return { registrations, outputs };
}

describe("the example program, its database from other resources' outputs", () => {
  let example: Awaited<ReturnType<typeof runExample>>;
  let stackFile: Awaited<ReturnType<typeof runStackProgram>>;
  beforeAll(async () => {
    example = await runExample();
    // The stack file with the values the example's resources resolve to.
    stackFile = await runStackProgram(
      {
        [`${PROJECT}:plan`]: "team",
        [`${PROJECT}:database`]: { host: "db.internal", name: "app", adminUser: "users_sync_admin", sslmode: "require" },
        [`${PROJECT}:databaseAdminPassword`]: GENERATED,
      },
      [`${PROJECT}:databaseAdminPassword`],
    );
  });

  it("passes the component Outputs, not values: the database name and admin come from resources", () => {
    const byName = (name: string) => example.registrations.find((r) => r.name === name)!;
    expect(byName("app").type).toBe("postgresql:index/database:Database");
    expect(byName("users-sync-admin").type).toBe("postgresql:index/role:Role");
    expect(byName("users-sync-users-admin").inputs).toMatchObject({ host: "db.internal", database: "app", username: "users_sync_admin" });
  });

  it("gives the same resource graph, and the same SQL and files, as the stack-file program with the same values", () => {
    const fromExample = componentGraph(example.registrations, "users-sync-");
    const fromStackFile = componentGraph(stackFile.registrations, "");
    expect(fromExample.map((r) => `${r.type} ${r.name}`)).toEqual(fromStackFile.map((r) => `${r.type} ${r.name}`));
    expect(fromExample.length).toBeGreaterThanOrEqual(7);
    for (const [i, r] of fromExample.entries()) expect(r, r.name).toEqual(fromStackFile[i]);
    const migrations = fromExample.filter((r) => r.type.endsWith(":MigrationSet")).flatMap((r) => r.inputs.migrations as { id: string }[]);
    expect(migrations.map((m) => m.id).sort()).toEqual(["001_sync_schema", "002_users_table", "004_sync_function", "005_retool_role_grants"]);
  });

  it("keeps the admin password secret though the resource that made it gave it in clear", async () => {
    const secretIn = (name: string, key: string) => JSON.stringify(example.registrations.find((r) => r.name === name)!.inputs[key]);
    expect(secretIn("users-sync-users-admin", "password")).toContain(SECRET_SIG);
    expect(secretIn("users-sync-users-users-table", "adminPassword")).toContain(SECRET_SIG);
    expect(secretIn("users-sync-users-sync-access", "adminPassword")).toContain(SECRET_SIG);
    expect(await pulumi.isSecret(example.outputs.pageRolePassword as pulumi.Output<string>)).toBe(true);
    const files = JSON.stringify(example.registrations.find((r) => r.name === "users-sync-retool-files")!.inputs);
    for (const secret of [GENERATED, SUPERUSER_PASSWORD]) expect(files).not.toContain(secret);
    expect(await resolvedValue(example.outputs.artifacts)).toContain("retool-resource-page.json");
  });
});

describe("RetoolUserSync with the Retool URL and tokens as Outputs", () => {
  it("creates the Retool resources the stack file creates, from the same specs", async () => {
    const url = "https://acme.retool.com";
    const fromStackFile = await runStackProgram(
      {
        [`${PROJECT}:plan`]: "enterprise",
        [`${PROJECT}:database`]: { host: "db.internal", name: "app", adminUser: "admin" },
        [`${PROJECT}:retool`]: { url, apiTier: "enterprise-premium" },
        [`${PROJECT}:databaseAdminPassword`]: "pw",
        [`${PROJECT}:retoolApiToken`]: "rtk_manage",
        [`${PROJECT}:retoolUsersReadToken`]: "rtk_read",
      },
      [`${PROJECT}:databaseAdminPassword`, `${PROJECT}:retoolApiToken`, `${PROJECT}:retoolUsersReadToken`],
    );
    const registrations = await startMocks({}, []);
    new RetoolUserSync(
      "sync",
      {
        plan: "enterprise",
        database: {
          host: pulumi.output("db.internal"),
          port: pulumi.output(5432),
          name: pulumi.output("app"),
          adminUser: pulumi.output("admin"),
          adminPassword: "pw",
        },
        retool: { url: pulumi.output(`${url}/`), apiTier: "enterprise-premium" },
        retoolApiToken: pulumi.output("rtk_manage"),
        retoolUsersReadToken: pulumi.output("rtk_read"),
      },
      { transformations: [] },
    );
    await settle();
    const retoolResources = (rs: Registration[], prefix: string) => componentGraph(rs, prefix).filter((r) => r.type.endsWith(":RetoolResource"));
    expect(retoolResources(registrations, "sync-")).toEqual(retoolResources(fromStackFile.registrations, ""));
    expect(retoolResources(registrations, "sync-").map((r) => r.name)).toEqual(["retool-api", "retool-trusted"]);
  });
});

describe("RetoolUserSync's validation", () => {
  it("refuses bad plain values before registering anything, naming each argument as the program wrote it", async () => {
    const registrations = await startMocks({}, []);
    const create = () =>
      new RetoolUserSync("sync", {
        plan: "gold" as "team",
        database: { host: "db", name: "App", adminUser: "admin", adminPassword: "pw" },
        retoolApiToken: "rtk",
      });
    expect(create).toThrow(ConfigError);
    expect(() => create()).toThrow(
      [
        'Invalid arguments for RetoolUserSync "sync":',
        '  - plan: got "gold"; Invalid option: expected one of "free"|"team"|"business"|"enterprise"',
        '  - database.name: got "App"; name must be a lowercase Postgres identifier: a letter or _, then letters, digits or _, at most 63 characters',
        'Fix these arguments where your program creates RetoolUserSync "sync", then run again.',
      ].join("\n"),
    );
    await settle();
    expect(registrations).toEqual([]);
  });

  it("names a token that has no use, and a missing admin password, as arguments", () => {
    const fails = (args: Parameters<typeof checkArgs>[1]) => {
      try {
        checkArgs("sync", args);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      throw new Error("expected a ConfigError");
    };
    expect(
      fails({ plan: "team", database: { host: "db", name: "app", adminUser: "admin", adminPassword: "pw" }, retoolApiToken: pulumi.output("rtk") }),
    ).toEqual([
      expect.stringMatching(
        /^retoolApiToken: is set, but with this token `pulumi up` creates the Retool resources with POST \/resources, .*Enterprise Premium API tier .*remove it: leave retoolApiToken unset, and create the resources by hand/,
      ),
    ]);
    const noPassword = { plan: "team", database: { host: "db", name: "app", adminUser: "admin" } } as Parameters<typeof checkArgs>[1];
    expect(fails(noPassword)).toEqual([
      "database.adminPassword: missing; set it with pass database.adminPassword (any pulumi.Input<string>; it is kept secret)",
    ]);
  });

  it("resolves values known only at apply time through the same schema (a trailing slash goes, as from a stack file)", async () => {
    await startMocks({}, []);
    const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
    const checked = checkArgs("sync", {
      plan: "business",
      database: { host: pulumi.output("db.example"), port: pulumi.output(6543), name: "app", adminUser: "admin", adminPassword: "pw" },
      retool: { url: pulumi.output("https://acme.retool.com/") },
    });
    expect(checked.later.map((l) => l.field.path.join("."))).toEqual(["database.host", "database.port", "retool.url"]);
    const resolved = await outcomeOf(resolveSettings(checked, parent));
    expect(resolved.database).toMatchObject({ host: "db.example", port: 6543, name: "app", adminUser: "admin" });
    expect(resolved.retool.url).toBe("https://acme.retool.com");
  });

  it("refuses a bad value when it resolves, in the words it would get in a stack file", async () => {
    await startMocks({}, []);
    const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
    const { later, source } = checkArgs("sync", {
      plan: "business",
      database: { host: pulumi.output("h"), name: pulumi.output("n"), adminUser: "admin", adminPassword: "pw" },
      retool: { url: pulumi.output("https://a.retool.com") },
    });
    const field = (path: string) => later.find((l) => l.field.path.join(".") === path)!.field;
    const refusal = (path: string, value: unknown) => {
      try {
        checkLater(field(path), value, source, parent);
      } catch (e) {
        expect(e).toBeInstanceOf(pulumi.ResourceError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${String(value)}`);
    };
    expect(refusal("database.host", "")).toBe(
      'Invalid arguments for RetoolUserSync "sync":\n  - database.host: got ""; host is required\nFix these arguments where your program creates RetoolUserSync "sync", then run again.',
    );
    expect(refusal("database.name", "My-App")).toContain('database.name: got "My-App"; name must be a lowercase Postgres identifier');
    expect(refusal("retool.url", "https://acme.retool.com/api/v2")).toContain(
      'retool.url: got "https://acme.retool.com/api/v2"; url must be the Retool origin (https://acme.retool.com), without /api/v2',
    );
  });

  it("fails the program with that message when such a value resolves", () => {
    const program = `
      const pulumi = require("@pulumi/pulumi");
      pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "p", "dev").then(() => {
        const { RetoolUserSync } = require("./infra/index.ts");
        new RetoolUserSync("sync", { plan: "team", database: { host: pulumi.output(""), name: "app", adminUser: "admin", adminPassword: "pw" } });
      });`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", program], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Invalid arguments for RetoolUserSync "sync":\n  - database.host: got ""; host is required');
  });
});
