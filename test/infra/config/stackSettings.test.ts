// Config validation: every bad value is named with its key, the value, what is allowed and the file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readStackFile } from "../../../infra/config/stackFile";
import { ConfigError, parseStackConfig } from "../../../infra/config/stackSettings";

const origin = { stack: "dev", file: "Pulumi.dev.yaml" };
const P = "retool-user-sync:";
const good = {
  [`${P}plan`]: "business",
  [`${P}retool`]: { url: "https://acme.retool.com" },
  [`${P}database`]: { host: "db", name: "app", adminUser: "admin" },
  [`${P}databaseAdminPassword`]: "[secret]",
  "postgresql:host": "ignored: another namespace",
};
const secretKeys = [`${P}databaseAdminPassword`];

function problems(raw: Record<string, unknown>, secrets = secretKeys): string[] {
  try {
    parseStackConfig(raw, origin, secrets);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/Fix these keys in Pulumi\.dev\.yaml/);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("parseStackConfig", () => {
  it("fills defaults for a minimal stack", () => {
    const { settings } = parseStackConfig(good, origin, secretKeys);
    expect(settings).toEqual({
      plan: "business",
      database: { host: "db", port: 5432, name: "app", adminUser: "admin", sslmode: "require" },
      usersTable: { mode: "create", schema: "public", name: "users", primaryKey: "id", emailColumn: "email" },
      linkByEmail: true,
      linkByEmailFromContinuePage: false,
      emailCharacters: "ascii",
      retoolRoles: {
        page: { name: "retool_sync_page", canReadUsers: false },
        trusted: { name: "retool_sync_trusted", canReadUsers: false },
        connectionLimit: 20,
        statementTimeoutMs: 60000,
      },
      retool: {
        url: "https://acme.retool.com",
        environments: ["production"],
        resources: { page: { name: "retool-user-sync-page" }, trusted: { name: "retool-user-sync-trusted" }, api: { name: "retool-user-sync-api" } },
        homeAppUrl: "/",
        templateVersion: "3.360.0",
        timezone: "UTC",
        rateLimitPerMinute: 45,
      },
    });
  });

  it("accepts values as Pulumi hands them over: numbers and booleans as text", () => {
    const { settings } = parseStackConfig(
      { ...good, [`${P}database`]: { host: "db", port: "6543", name: "app", adminUser: "a" }, [`${P}linkByEmail`]: "false" },
      origin,
      secretKeys,
    );
    expect(settings.database.port).toBe(6543);
    expect(settings.linkByEmail).toBe(false);
  });

  it.each([
    ["an unknown plan", { [`${P}plan`]: "pro" }, /retool-user-sync:plan: got "pro"; .*"free"\|"team"\|"business"\|"enterprise"/],
    ["a missing plan", { [`${P}plan`]: undefined }, /retool-user-sync:plan: got nothing/],
    ["a port out of range", { [`${P}database`]: { host: "db", name: "app", adminUser: "a", port: 70000 } }, /retool-user-sync:database.port: got 70000/],
    ["a bad sslmode", { [`${P}database`]: { host: "db", name: "app", adminUser: "a", sslmode: "prefer" } }, /database.sslmode: got "prefer".*"verify-full"/],
    ["a misspelled key", { [`${P}linkByEmial`]: true }, /retool-user-sync:linkByEmial: unknown key/],
    ["a misspelled nested key", { [`${P}database`]: { host: "db", name: "app", adminUser: "a", hots: "x" } }, /retool-user-sync:database.hots: unknown key/],
    [
      "a table name with a quote",
      { [`${P}usersTable`]: { name: 'users"; drop' } },
      /usersTable.name: got "users\\"; drop"; name must be a lowercase Postgres identifier/,
    ],
    ["an uppercase role name", { [`${P}retoolRoles`]: { page: { name: "Retool" } } }, /retoolRoles.page.name: got "Retool"/],
    [
      "one role for both levels of trust",
      { [`${P}retoolRoles`]: { page: { name: "app" }, trusted: { name: "app" } } },
      /retoolRoles.trusted.name: got "app"; the page and trusted roles must be two roles/,
    ],
    [
      "a key of an earlier release",
      { [`${P}retoolRole`]: { name: "retool_sync_app" } },
      /retool-user-sync:retoolRole: replaced by retoolRoles.page and retoolRoles.trusted/,
    ],
    [
      "a nested key of an earlier release",
      { [`${P}retool`]: { url: "https://a.retool.com", databaseResourceId: "x" } },
      /retool-user-sync:retool.databaseResourceId: replaced by retool.resources.page.id or retool.resources.trusted.id/,
    ],
    [
      "a page check on a plan without a choice",
      { [`${P}plan`]: "team", [`${P}retool`]: { continuePageCheck: "current-user" } },
      /retool.continuePageCheck: got "current-user"; on the team plan every user can write queries, so there is no check/,
    ],
    [
      "an enterprise stack without the Retool URL its write-back calls",
      { [`${P}plan`]: "enterprise", [`${P}retool`]: { rowKeyAttribute: "db_user_id" } },
      /retool.url: got nothing; this stack's workflows call Retool's REST API \(POST \/users\/\{userId\}\/user_attributes\), so retool.url is required/,
    ],
    ["a lookalike-friendly email setting misspelt", { [`${P}emailCharacters`]: "utf8" }, /emailCharacters: got "utf8".*"ascii"\|"unicode"/],
    ["the reserved schema", { [`${P}usersTable`]: { schema: "retool_sync" } }, /usersTable.schema: got "retool_sync"; schema retool_sync is reserved/],
    ["an unknown table mode", { [`${P}usersTable`]: { mode: "replace" } }, /usersTable.mode: got "replace"/],
    ["a non-boolean flag", { [`${P}linkByEmail`]: "yes" }, /linkByEmail: got "yes"/],
  ])("names %s", (_what, change, expected) => {
    const found = problems({ ...good, ...change });
    expect(found.join("\n")).toMatch(expected);
  });

  it("reports every problem at once", () => {
    expect(problems({ [`${P}plan`]: "pro", [`${P}database`]: { host: "" } }, [])).toEqual([
      'retool-user-sync:plan: got "pro"; Invalid option: expected one of "free"|"team"|"business"|"enterprise"',
      'retool-user-sync:database.host: got ""; host is required',
      "retool-user-sync:database.name: got nothing; Invalid input: expected string, received undefined",
      "retool-user-sync:database.adminUser: got nothing; Invalid input: expected string, received undefined",
    ]);
  });

  // Each setting that needs an endpoint group the tier lacks: named with the setting, the group,
  // the tier that has it, and Retool's docs page (docs.retool.com/api).
  it.each([
    [
      "the old retool-api page check on business",
      { [`${P}retool`]: { url: "https://acme.retool.com", continuePageCheck: "retool-api" } },
      "retool-user-sync:retool.continuePageCheck",
      "Users",
      "enterprise-premium",
    ],
    [
      "a scheduled reconcile on business",
      { [`${P}retool`]: { url: "https://acme.retool.com", reconcileSchedule: "0 * * * *" } },
      "retool-user-sync:retool.reconcileSchedule",
      "Users",
      "enterprise-premium",
    ],
    [
      "a scheduled reconcile on Enterprise Base, the default tier",
      { [`${P}plan`]: "enterprise", [`${P}retool`]: { url: "https://acme.retool.com", reconcileSchedule: "0 * * * *" } },
      "retool-user-sync:retool.reconcileSchedule",
      "Users",
      "enterprise-premium",
    ],
  ])("refuses %s, naming the setting, the endpoint group and the tier that has it", (_what, change, key, group, tier) => {
    const found = problems({ ...good, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${key}: got `);
    expect(found[0]).toContain(`one of Retool's ${group} endpoints, which only the Enterprise Premium API tier (retool.apiTier: ${tier}) and above have`);
    expect(found[0]).toContain("https://docs.retool.com/api");
  });

  it("refuses a resource-management token where the tier has no Resources endpoints, naming the token and the tier", () => {
    for (const plan of ["business", "enterprise"]) {
      const found = problems({ ...good, [`${P}plan`]: plan, [`${P}retoolApiToken`]: "[secret]" }, [...secretKeys, `${P}retoolApiToken`]);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(
        /^retool-user-sync:retoolApiToken: is set, but with this token `pulumi up` creates the Retool resources with POST \/resources, one of Retool's Resources endpoints, which only the Enterprise Premium API tier \(retool.apiTier: enterprise-premium\)/,
      );
      expect(found[0]).toContain("https://docs.retool.com/api");
    }
  });

  it.each([
    [
      "a tier its plan does not come with",
      { [`${P}retool`]: { url: "https://a.retool.com", apiTier: "enterprise-premium" } },
      /retool.apiTier: got "enterprise-premium"; the business plan comes with the API tiers business/,
    ],
    [
      "a write-back from the browser's data",
      { [`${P}retool`]: { url: "https://a.retool.com", rowKeyAttribute: "db_user_id" } },
      /retool.rowKeyAttribute: got "db_user_id"; writing the row's key back is offered only from Retool Events/,
    ],
  ])("refuses %s", (_what, change, expected) => {
    expect(problems({ ...good, ...change }).join("\n")).toMatch(expected);
  });

  it("accepts on Enterprise Premium what needs the Users and Resources endpoints", () => {
    const premium = {
      ...good,
      [`${P}plan`]: "enterprise",
      [`${P}retool`]: { url: "https://acme.retool.com", apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *", rowKeyAttribute: "db_user_id" },
      [`${P}retoolApiToken`]: "[secret]",
      [`${P}retoolUsersReadToken`]: "[secret]",
    };
    const { settings } = parseStackConfig(premium, origin, [...secretKeys, `${P}retoolApiToken`, `${P}retoolUsersReadToken`]);
    expect(settings.retool).toMatchObject({ apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *", rowKeyAttribute: "db_user_id" });
  });

  it("asks for the API resource's token when the program makes that resource, and refuses one nothing uses", () => {
    const managed = {
      ...good,
      [`${P}plan`]: "enterprise",
      [`${P}retool`]: { url: "https://acme.retool.com", apiTier: "enterprise-premium" },
      [`${P}retoolApiToken`]: "[secret]",
    };
    expect(problems(managed, [...secretKeys, `${P}retoolApiToken`])).toEqual([
      "retool-user-sync:retoolUsersReadToken: missing; set it with `pulumi config set --secret retoolUsersReadToken <value> --stack dev`",
    ]);
    const unused = { ...good, [`${P}retoolUsersReadToken`]: "[secret]" };
    expect(problems(unused, [...secretKeys, `${P}retoolUsersReadToken`]).join("\n")).toMatch(
      /retoolUsersReadToken: is set, but no workflow of this stack calls Retool's API/,
    );
  });

  it("refuses a password given in clear, without echoing it", () => {
    const found = problems({ ...good, [`${P}databaseAdminPassword`]: "hunter2" }, []);
    expect(found.join("\n")).toMatch(/databaseAdminPassword: is set in clear; it must be a secret: `pulumi config set --secret databaseAdminPassword/);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("asks for a missing password", () => {
    const { [`${P}databaseAdminPassword`]: _, ...rest } = good;
    expect(problems(rest, []).join("\n")).toMatch(/databaseAdminPassword: missing/);
  });
});

describe("readStackFile", () => {
  it("reads a stack file, treating secure values as present secrets", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-stack-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.qa.yaml"),
      `config:\n  retool-user-sync:plan: team\n  retool-user-sync:databaseAdminPassword:\n    secure: v1:abc\n  retool-user-sync:database:\n    host: db\n    name: app\n    adminUser: admin\n`,
    );
    const file = readStackFile("qa", dir);
    expect(file.secretKeys).toEqual([`${P}databaseAdminPassword`]);
    const { settings } = parseStackConfig(file.raw, file.origin, file.secretKeys);
    expect(settings.plan).toBe("team");
  });

  it("names the stacks that exist when asked for one that does not", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-stack-"));
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    expect(() => readStackFile("prod", dir)).toThrow(/No stack file Pulumi.prod.yaml .* Stacks here: Pulumi.dev.yaml/);
  });
});
