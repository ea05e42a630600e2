// Where backfill and reconcile connect: flags over the environment over the stack file, and
// DATABASE_URL read as libpq reads it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../ops/cli/cli";
import { parseDatabaseUrl } from "../../../ops/postgres/databaseUrl";
import { resolveTarget } from "../../../ops/sync/syncTarget";

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-target-"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.prod.yaml"),
    `config:
  retool-user-sync:plan: enterprise
  retool-user-sync:database: { host: stack-db.internal, port: 6432, name: app, adminUser: stack_admin, sslmode: verify-full }
  retool-user-sync:databaseAdminPassword: { secure: v1:placeholder }
  retool-user-sync:retool: { url: "https://stack.retool.com/", rateLimitPerMinute: 30 }
`,
  );
  return dir;
}

const FLAG_DB = "postgres://flag_user:flag_pw@flag-db:5433/flagdb?sslmode=disable";
const ENV_DB = "postgres://env_user:env_pw@env-db/envdb?sslmode=prefer";

describe("resolveTarget", () => {
  const dir = project();
  const resolve = (o: Parameters<typeof resolveTarget>[0], env: NodeJS.ProcessEnv) => resolveTarget(o, env, dir);

  it("takes flags over the environment over the stack file, for each value", () => {
    const all = resolve(
      { stack: "prod", retoolUrl: "https://flag.retool.com", retoolToken: "flag-token", databaseUrl: FLAG_DB, rateLimit: 7, apiTier: "business" },
      { RETOOL_URL: "https://env.retool.com", RETOOL_API_TOKEN: "env-token", DATABASE_URL: ENV_DB, PGPASSWORD: "pg-pw", RETOOL_API_TIER: "enterprise-premium" },
    );
    expect(all.apiTier).toBe("business");
    expect(all.retool.apiTier).toBe("business");
    expect(all.retool).toMatchObject({ url: "https://flag.retool.com", token: "flag-token", rateLimitPerMinute: 7 });
    expect(all.database).toEqual({ host: "flag-db", port: 5433, database: "flagdb", user: "flag_user", password: "flag_pw", sslmode: "disable" });

    const env = resolve(
      { stack: "prod" },
      { RETOOL_URL: "https://env.retool.com", RETOOL_API_TOKEN: "env-token", DATABASE_URL: ENV_DB, PGPASSWORD: "pg-pw", RETOOL_API_TIER: "enterprise-premium" },
    );
    expect(env.apiTier).toBe("enterprise-premium");
    expect(env.retool).toMatchObject({ url: "https://env.retool.com", token: "env-token", rateLimitPerMinute: 30 });
    expect(env.database).toEqual({ host: "env-db", port: 5432, database: "envdb", user: "env_user", password: "env_pw", sslmode: "prefer" });

    const stack = resolve({ stack: "prod" }, { RETOOL_API_TOKEN: "env-token", PGPASSWORD: "pg-pw" });
    expect(stack.retool).toMatchObject({ url: "https://stack.retool.com", rateLimitPerMinute: 30 });
    expect(stack.database).toEqual({ host: "stack-db.internal", port: 6432, database: "app", user: "stack_admin", password: "pg-pw", sslmode: "verify-full" });
    expect(stack.databaseLabel).toBe("stack_admin@stack-db.internal:6432/app");
    // The stack declares no tier: its plan's smallest, Enterprise Base.
    expect(stack.apiTier).toBe("enterprise-base");

    const none = resolve({ retoolUrl: "https://flag.retool.com", databaseUrl: FLAG_DB }, { RETOOL_API_TOKEN: "t", RETOOL_API_TIER: "enterprise-premium" });
    expect(none.retool.rateLimitPerMinute).toBe(45);
  });

  it("says which value is missing and where to give it", () => {
    const fails = (o: Parameters<typeof resolveTarget>[0], env: NodeJS.ProcessEnv) => {
      try {
        resolve(o, env);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error("expected a UsageError");
    };
    expect(fails({}, {})).toBe("No Retool URL: pass --retool-url, set RETOOL_URL, or use --stack with retool.url set.");
    expect(fails({ stack: "prod" }, {})).toMatch(/^No Retool API token: set RETOOL_API_TOKEN/);
    expect(fails({ stack: "prod" }, { RETOOL_API_TOKEN: "t" })).toBe("No database password: set PGPASSWORD for stack_admin, or pass DATABASE_URL.");
    expect(fails({ retoolUrl: "https://a.retool.com" }, { RETOOL_API_TOKEN: "t" })).toBe("No database: pass --database-url, set DATABASE_URL, or use --stack.");
    const noStack = { retoolUrl: "https://a.retool.com", databaseUrl: FLAG_DB };
    expect(fails(noStack, { RETOOL_API_TOKEN: "t" })).toMatch(/^Which Retool API tier is the org on\? Pass --stack, or --api-tier \(or RETOOL_API_TIER\)/);
    expect(fails(noStack, { RETOOL_API_TOKEN: "t", RETOOL_API_TIER: "premium" })).toBe(
      'RETOOL_API_TIER is "premium"; it must be one of none, business, enterprise-base, enterprise-premium.',
    );
  });
});

describe("parseDatabaseUrl", () => {
  const parse = (url: string) => parseDatabaseUrl(url, "DATABASE_URL");
  const refusal = (url: string) => {
    try {
      parse(url);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`accepted ${url}`);
  };

  it("keeps every libpq sslmode as given and defaults to require", () => {
    for (const mode of ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
      expect(parse(`postgres://u:p@h/d?sslmode=${mode}`).sslmode).toBe(mode);
    expect(parse("postgresql://u:p@h/d").sslmode).toBe("require");
  });

  it("refuses a misspelt sslmode, naming the values libpq takes", () => {
    expect(refusal("postgres://u:p@h/d?sslmode=verify_full")).toBe(
      "DATABASE_URL has sslmode=verify_full; use one of disable, allow, prefer, require, verify-ca, verify-full (as libpq; sslmode=disable for a local server without SSL).",
    );
  });

  it("reads an IPv6 host without its brackets, percent-encoded credentials, and the port", () => {
    expect(parse("postgres://app%40corp:p%2Fw%3Fd@[::1]:6543/app?sslmode=disable")).toEqual({
      host: "::1",
      port: 6543,
      database: "app",
      user: "app@corp",
      password: "p/w?d",
      sslmode: "disable",
    });
  });

  it("refuses certificate files it would not read, pointing at NODE_EXTRA_CA_CERTS", () => {
    expect(refusal("postgres://u:p@h/d?sslmode=verify-full&sslrootcert=/etc/ca.pem")).toBe(
      "DATABASE_URL sets sslrootcert, which these scripts do not read; give a private CA with NODE_EXTRA_CA_CERTS=<file> and sslmode=verify-full.",
    );
  });

  it("refuses what is not a postgres URL, or lacks a database", () => {
    expect(refusal("mysql://u:p@h/d")).toMatch(/^DATABASE_URL must be a postgres:\/\/ URL/);
    expect(refusal("postgres://u:p@h")).toMatch(/^DATABASE_URL needs a host and a database/);
  });
});
