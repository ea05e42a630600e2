import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, ROLE_PASSWORD } from "../support/database";
import { projectWithStack } from "../support/project";
import { type Provisioned, pgError, provision, syncPageUser } from "../support/provisioned";
import { databaseUrl, runScript } from "../support/scripts";

const doctor = (project: string, db: Provisioned, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runScript("doctor", ["--stack", "ci", ...args], {
    RUS_PROJECT_DIR: project,
    DATABASE_URL: databaseUrl(db.conn),
    PAGE_ROLE_PASSWORD: ROLE_PASSWORD,
    ...env,
  });

describe("npm run doctor", () => {
  const role = `doctor_page_${randomBytes(3).toString("hex")}`;
  let db: Provisioned;
  let project: string;
  beforeAll(async () => {
    db = await provision({ plan: "team", retoolRoles: { page: { name: role } } });
    project = projectWithStack(`config:
  retool-user-sync:plan: team
  retool-user-sync:database: { host: ${db.conn.host}, port: ${db.conn.port}, name: ${db.conn.database}, adminUser: ${db.conn.user}, sslmode: disable }
  retool-user-sync:retoolRoles: { page: { name: ${role} } }
`);
  });
  afterAll(async () => {
    await db.admin.end();
  });

  it("finds nothing wrong with a fresh stack, and lists what PUBLIC gives the role, with the SQL", async () => {
    const r = await doctor(project, db, ["--json"]);
    expect(r.code, r.out).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.drift).toBe(0);
    expect(report.findings.filter((f: { kind: string }) => f.kind !== "exposure")).toEqual([]);
    const exposures = report.findings.map((f: { detail: string }) => f.detail).join("\n");
    expect(exposures).toMatch(/may connect to other databases/);
    expect(exposures).toMatch(/may create temporary tables/);
    const temp = report.findings.find((f: { detail: string }) => /temporary tables/.test(f.detail));
    expect(temp.fix).toBe(`REVOKE TEMPORARY ON DATABASE "${db.conn.database}" FROM PUBLIC;`);
    expect(exposures).toMatch(/pg_stat_activity/);
  }, 60_000);

  it("names a password, a statement_timeout and a read-only default the role set on itself; --fix restores them", async () => {
    // The attacker: logged in as the page role, it rewrites the role itself.
    const page = await connect(db.roleConn.page);
    await page.query(`ALTER ROLE CURRENT_USER SET statement_timeout = 0`);
    await page.query(`ALTER ROLE CURRENT_USER SET default_transaction_read_only = on`);
    await page.query(`ALTER ROLE CURRENT_USER IN DATABASE ${db.conn.database} SET idle_in_transaction_session_timeout = 0`);
    await page.query(`ALTER ROLE CURRENT_USER PASSWORD 'taken-over'`);
    await page.end();
    // New page sessions now fail to sync: a read-only default.
    const locked = await connect({ ...db.roleConn.page, password: "taken-over" });
    expect((await pgError(() => syncPageUser(locked, { id: "user_doc1", email: "doc1@corp.example" }))).code).toBe("25006");
    await locked.end();

    const found = await doctor(project, db, []);
    expect(found.code, found.err).toBe(4);
    expect(found.out).toMatch(new RegExp(`${role} login: does not log in with the stack's password`));
    expect(found.out).toMatch(/sets statement_timeout=0/);
    expect(found.out).toMatch(/sets default_transaction_read_only=on/);
    expect(found.out).toMatch(new RegExp(`sets idle_in_transaction_session_timeout=0 in database ${db.conn.database}`));
    expect(found.out).toMatch(/ALTER ROLE .* RESET ALL/);
    expect(found.out).not.toContain(ROLE_PASSWORD);

    const fixed = await doctor(project, db, ["--fix"]);
    expect(fixed.code, fixed.err).toBe(0);
    expect(fixed.out).not.toContain(ROLE_PASSWORD);
    // The stack's password works again, the defaults are the stack's, and sync works.
    const back = await connect(db.roleConn.page);
    try {
      expect((await back.query("SHOW statement_timeout")).rows[0].statement_timeout).not.toBe("0");
      expect((await back.query("SHOW default_transaction_read_only")).rows[0].default_transaction_read_only).toBe("off");
      expect((await syncPageUser(back, { id: "user_doc2", email: "doc2@corp.example" })).retool_user_id).toBe("user_doc2");
    } finally {
      await back.end();
    }
    expect((await doctor(project, db, [])).code).toBe(0);
  }, 90_000);

  it("puts back grants an admin changed by hand, and says when it could not probe a login", async () => {
    await db.admin.query(`GRANT EXECUTE ON FUNCTION retool_sync.users_snapshot() TO ${role}; GRANT UPDATE ON public.users TO ${role}`);
    const found = await doctor(project, db, [], { PAGE_ROLE_PASSWORD: "" });
    expect(found.code).toBe(4);
    expect(found.out).toMatch(/may execute retool_sync\.users_snapshot\(\)/);
    expect(found.out).toMatch(/may write to public\.users/);
    expect(found.out).toMatch(/Not checked:\n.*login: not probed: set PAGE_ROLE_PASSWORD/);
    expect((await doctor(project, db, ["--fix"], { PAGE_ROLE_PASSWORD: "" })).code).toBe(0);
    const page = await connect(db.roleConn.page);
    try {
      expect((await pgError(() => page.query("SELECT * FROM retool_sync.users_snapshot()"))).code).toBe("42501");
    } finally {
      await page.end();
    }
  }, 60_000);
});
