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

async function runProgram(config: Record<string, unknown>): Promise<{ outputs: Record<string, any>; registrations: Registration[] }> {
  const registrations = await startMocks(config, [`${PROJECT}:databaseAdminPassword`]);
  const outputs = retoolUserSync();
  await settle();
  return { outputs, registrations };
}

describe.each(PLANS)("the program on plan %s", (plan) => {
  it("registers the database side: admin provider, role with a random password, two migration sets", async () => {
    const { registrations } = await runProgram(stackConfig(plan));
    expect(registrations.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-sync-access",
        "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-users-table",
        "pulumi:providers:postgresql users-admin",
        "postgresql:index/role:Role users-retool-role",
        "random:index/randomPassword:RandomPassword users-retool-role-password",
        "retool-user-sync:index:UsersDatabase users",
      ].sort(),
    );
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
    expect(ids("users-sync-access")).toEqual(["004_sync_function", "005_retool_role_grants"]);
  });

  it("keeps the admin and role passwords secret", async () => {
    const { outputs, registrations } = await runProgram(stackConfig("enterprise"));
    expect(await pulumi.isSecret(outputs.retoolRolePassword)).toBe(true);
    expect(await valueOf(outputs.retoolRolePassword)).toBe("generated-role-password");
    for (const [key, value] of Object.entries(outputs)) {
      if (key === "retoolRolePassword") continue;
      expect(JSON.stringify(await valueOf(value))).not.toContain(ADMIN_PASSWORD);
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
