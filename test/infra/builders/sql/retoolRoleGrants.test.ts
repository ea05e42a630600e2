// Trust by login, tried as an attacker would: each Retool role logs in and calls what it can, with
// forged arguments, on a created and on an adopted table with private columns.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withChecksums } from "../../../../infra/builders/sql/migration";
import { allMigrations } from "../../../../infra/builders/sql/migrations";
import { grantedRoles } from "../../../../infra/builders/sql/retoolRoleGrants";
import { SYNCED_USER_FIELDS } from "../../../../infra/builders/sql/syncApi";
import { applyMigrations } from "../../../../infra/providers/migrationRunner";
import { connect } from "../../../support/database";
import { type Provisioned, pgError, provision, syncPageUser, syncRetoolUser, syncUser, tableDump } from "../../../support/provisioned";
import { settingsFor } from "../../../support/settings";

const RETOOL = { url: "https://acme.retool.com" };
/** The plans' two kinds of stack: a page role (free, team, business) or a trusted role (enterprise). */
const PAGE_ROLE = { plan: "team" } as const;
/** Enterprise Premium with a scheduled reconcile: the trusted role with both its entry points. */
const TRUSTED_ROLE = { plan: "enterprise", retool: { ...RETOOL, apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *" } } as const;
const ADOPTED = { mode: "adopt", schema: "crm", name: "customers", primaryKey: "customer_id", emailColumn: "contact_email" } as const;
const CUSTOMERS = '"crm"."customers"';

/** A team's own table, with columns no Retool role may ever see. */
async function customersWithSecrets(admin: Client): Promise<void> {
  await admin.query(`CREATE SCHEMA crm;
    CREATE TABLE crm.customers (customer_id bigserial PRIMARY KEY, contact_email text, password_hash text DEFAULT 'pbkdf2$secret',
      ssn text DEFAULT '078-05-1120', is_admin boolean DEFAULT false, billing_id text DEFAULT 'cus_secret');
    CREATE TABLE public.payroll (salary int); INSERT INTO public.payroll VALUES (1);`);
}

const VICTIM = { id: "user_victim1", email: "victim@corp.com", first: "Vic", last: "Tim" };

describe("as the page role, on an adopted table with private columns", () => {
  let db: Provisioned;
  let page: Client;
  beforeAll(async () => {
    db = await provision({ ...PAGE_ROLE, usersTable: ADOPTED }, customersWithSecrets);
    page = await connect(db.roleConn.page);
    // Another user, as an event would have synced them (the admin's path; this plan has no trusted role).
    await syncUser(db.admin, { ...VICTIM, source: "event", active: true });
  });
  afterAll(async () => {
    await Promise.all([page.end(), db.admin.end()]);
  });

  it("a forged call with another user's id gets no private column and none of that user's data", async () => {
    const before = await tableDump(db.admin, CUSTOMERS);
    const err = await pgError(() => syncPageUser(page, { id: VICTIM.id, email: "mallory@corp.com", first: "Mallory" }));
    expect(err.code).toBe("23505");
    for (const secret of ["victim@corp.com", "Vic", "pbkdf2$secret", "078-05-1120", "cus_secret"]) expect(`${err.message} ${err.hint}`).not.toContain(secret);
    expect(await tableDump(db.admin, CUSTOMERS)).toBe(before);
  });

  it("its own call returns the sync columns and nothing else of the adopted table", async () => {
    const own = await syncPageUser(page, { id: "user_mallory1", email: "mallory@corp.com", first: "Mallory" });
    expect(Object.keys(own)).toEqual(SYNCED_USER_FIELDS.map(([f]) => f));
    expect(own).toMatchObject({ retool_user_id: "user_mallory1", email: "mallory@corp.com", first_name: "Mallory", active: true });
  });

  it("cannot make a trusted write whatever it passes: no other entry point, no source argument", async () => {
    const forged = [
      ["the trusted entry point", "SELECT * FROM retool_sync.sync_retool_user('user_victim1', 'mallory@corp.com', NULL, NULL, false)"],
      ["the admin's sync_user with a trusted source", "SELECT * FROM retool_sync.sync_user('user_victim1', 'mallory@corp.com', NULL, NULL, 'event', false)"],
      ["the core", "SELECT * FROM retool_sync.sync_user_outcome('user_victim1', 'mallory@corp.com', NULL, NULL, 'reconcile')"],
      ["the batch path", `SELECT * FROM retool_sync.sync_users('[{"id":"user_victim1","email":"mallory@corp.com","active":false}]', 'reconcile')`],
      ["the scheduled reconcile", `SELECT * FROM retool_sync.reconcile_users('[{"id":"user_victim1","email":"mallory@corp.com"}]')`],
      ["the snapshot", "SELECT * FROM retool_sync.users_snapshot()"],
      ["the page entry point with a source", "SELECT * FROM retool_sync.sync_page_user('user_victim1', 'victim@corp.com', NULL, NULL, 'event')"],
    ];
    const before = await tableDump(db.admin, CUSTOMERS);
    for (const [what, sql] of forged) {
      const err = await pgError(() => page.query(sql));
      expect(err.code, what).toMatch(/^(42501|42883)$/); // no privilege, or no such function for it
    }
    expect(await tableDump(db.admin, CUSTOMERS)).toBe(before);
  });

  it("cannot change its own email, claim an unlinked row by email, or read the table", async () => {
    await db.admin.query("INSERT INTO crm.customers (contact_email) VALUES ('unlinked@corp.com')");
    const before = await tableDump(db.admin, CUSTOMERS);
    expect((await pgError(() => syncPageUser(page, { id: "user_mallory1", email: "other@corp.com" }))).code).toBe("23505");
    expect((await pgError(() => syncPageUser(page, { id: "user_new2", email: "UNLINKED@corp.com" }))).code).toBe("23505");
    expect(await tableDump(db.admin, CUSTOMERS)).toBe(before);
    for (const sql of ["SELECT contact_email FROM crm.customers", "SELECT password_hash FROM crm.customers", "SELECT * FROM public.payroll"]) {
      expect((await pgError(() => page.query(sql))).code).toBe("42501");
    }
  });

  it("can neither read nor move the backfill's progress", async () => {
    await expectNoProgressAccess(db, page);
  });
});

/** No role that Retool holds can read or write the backfill's progress. */
async function expectNoProgressAccess(db: Provisioned, role: Client): Promise<void> {
  await db.admin.query("INSERT INTO retool_sync.batch_progress (run_key, next_cursor, pages) VALUES ('backfill x', 'cursor-9', 9)");
  for (const sql of [
    "SELECT * FROM retool_sync.batch_progress",
    "UPDATE retool_sync.batch_progress SET next_cursor = 'cursor-11'",
    `SELECT * FROM retool_sync.sync_users('[]', 'backfill', 'backfill x', 'cursor-11', false)`,
  ]) {
    expect((await pgError(() => role.query(sql))).code).toBe("42501");
  }
  const progress = await db.admin.query("SELECT next_cursor, pages::int AS pages FROM retool_sync.batch_progress WHERE run_key = 'backfill x'");
  expect(progress.rows).toEqual([{ next_cursor: "cursor-9", pages: 9 }]);
}

describe("as the trusted role", () => {
  let db: Provisioned;
  let trusted: Client;
  beforeAll(async () => {
    db = await provision({ ...TRUSTED_ROLE, usersTable: ADOPTED }, customersWithSecrets);
    trusted = await connect(db.roleConn.trusted);
  });
  afterAll(async () => {
    await Promise.all([trusted.end(), db.admin.end()]);
  });

  it("updates profiles and deactivates through its entry points, and gets the sync columns only", async () => {
    await syncRetoolUser(trusted, { ...VICTIM });
    const row = await syncRetoolUser(trusted, { ...VICTIM, email: "victim.new@corp.com", active: false });
    expect(Object.keys(row)).toEqual(SYNCED_USER_FIELDS.map(([f]) => f));
    expect(row).toMatchObject({ email: "victim.new@corp.com", active: false });
    const outcomes = await trusted.query(
      `SELECT outcome FROM retool_sync.reconcile_users('[{"id":"user_victim1","email":"victim.new@corp.com","active":true}]')`,
    );
    expect(outcomes.rows).toEqual([{ outcome: "updated" }]);
  });

  it("may not call the page's entry point, the admin's functions, or read beyond canReadUsers", async () => {
    for (const sql of [
      "SELECT * FROM retool_sync.sync_page_user('user_x1', 'x@corp.com', NULL, NULL)",
      "SELECT * FROM retool_sync.sync_user('user_x1', 'x@corp.com', NULL, NULL, 'event')",
      "SELECT * FROM retool_sync.users_snapshot()",
      "SELECT * FROM retool_sync.schema_migrations",
      "SELECT retool_user_id FROM crm.customers",
    ]) {
      expect((await pgError(() => trusted.query(sql))).code, sql).toBe("42501");
    }
  });

  it("can neither read nor move the backfill's progress", async () => {
    await expectNoProgressAccess(db, trusted);
  });
});

describe("each plan's roles", () => {
  it.each([
    ["free", {}, ["page"]],
    ["team", {}, ["page"]],
    ["business", { retool: RETOOL }, ["page"]],
    ["enterprise", { retool: RETOOL }, ["trusted"]],
    ["enterprise", { retool: TRUSTED_ROLE.retool }, ["trusted"]],
  ] as const)("%s %j provisions %j", (plan, extra, roles) => {
    expect(grantedRoles(settingsFor("app", { plan, ...extra })).map((r) => r.kind)).toEqual(roles);
  });

  it("on enterprise, where Retool Events sync users, no role takes a browser's claim at all", async () => {
    const db = await provision({ plan: "enterprise", retool: RETOOL });
    try {
      // Roles are cluster-wide (other tests made a page role); in this database it may call nothing.
      const grants = await db.admin.query(
        `SELECT p.proname, a.grantee::regrole::text AS grantee FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
         WHERE p.pronamespace = 'retool_sync'::regnamespace AND a.grantee <> p.proowner ORDER BY 1, 2`,
      );
      expect(grants.rows).toEqual([{ proname: "sync_retool_user", grantee: db.settings.retoolRoles.trusted.name }]);
    } finally {
      await db.admin.end();
    }
  });

  it("takes back what an earlier config granted: a role renamed in config keeps nothing", async () => {
    const db = await provision({ plan: "team" });
    try {
      // A release or a hand that granted the page role more than its entry point.
      const role = db.settings.retoolRoles.page.name;
      await db.admin.query(`GRANT EXECUTE ON FUNCTION retool_sync.sync_user(text, text, text, text, text, boolean) TO ${role};
        GRANT EXECUTE ON FUNCTION retool_sync.users_snapshot() TO PUBLIC`);
      await db.admin.query("DELETE FROM retool_sync.schema_migrations WHERE id = '005_retool_role_grants'");
      await applyMigrations(db.admin, withChecksums(allMigrations(db.settings)));
      const page = await connect(db.roleConn.page);
      try {
        expect((await pgError(() => syncUser(page, { id: "user_x1", email: "x@corp.com", source: "event" }))).code).toBe("42501");
        expect((await pgError(() => page.query("SELECT * FROM retool_sync.users_snapshot()"))).code).toBe("42501");
      } finally {
        await page.end();
      }
    } finally {
      await db.admin.end();
    }
  });
});

describe("the Retool roles' own limits", () => {
  it.each([
    ["page", PAGE_ROLE],
    ["trusted", TRUSTED_ROLE],
  ] as const)("the %s role has no attributes beyond login, a connection limit and statement timeouts", async (kind, stack) => {
    // Roles of their own: the limits must not reach other tests' connections.
    const roles = { page: { name: "retool_limits_page" }, trusted: { name: "retool_limits_trusted" }, connectionLimit: 7, statementTimeoutMs: 2_000 };
    const db = await provision({ ...stack, retoolRoles: roles });
    try {
      const r = await db.admin.query(
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit, rolconfig FROM pg_roles WHERE rolname = $1",
        [db.settings.retoolRoles[kind].name],
      );
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0]).toMatchObject({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
        rolconnlimit: 7,
      });
      expect(r.rows[0].rolconfig).toEqual(expect.arrayContaining(["statement_timeout=2000", "idle_in_transaction_session_timeout=2000"]));
      const role = await connect(db.roleConn[kind]);
      try {
        expect((await pgError(() => role.query("SELECT pg_sleep(3)"))).code).toBe("57014"); // query_canceled
      } finally {
        await role.end();
      }
    } finally {
      await db.admin.end();
    }
  });

  it("with canReadUsers, read the sync columns and never an adopted table's own", async () => {
    const db = await provision({ ...PAGE_ROLE, usersTable: ADOPTED, retoolRoles: { page: { canReadUsers: true } } }, customersWithSecrets);
    const page = await connect(db.roleConn.page);
    try {
      await syncPageUser(page, { id: "user_r1", email: "r1@corp.com" });
      expect((await page.query("SELECT retool_user_id, contact_email FROM crm.customers")).rows).toEqual([
        { retool_user_id: "user_r1", contact_email: "r1@corp.com" },
      ]);
      for (const col of ["password_hash", "ssn", "is_admin", "billing_id", "*"]) {
        expect((await pgError(() => page.query(`SELECT ${col} FROM crm.customers`))).code).toBe("42501");
      }
    } finally {
      await page.end();
      await db.admin.end();
    }
  });
});

describe("an adopted table's own writers", () => {
  it("keep writing after adoption: the canonical email index needs nothing they lack", async () => {
    const db = await provision({ plan: "team", usersTable: ADOPTED }, async (admin) => {
      await customersWithSecrets(admin);
      await admin.query(`DO $r$ BEGIN CREATE ROLE crm_app LOGIN PASSWORD 'crm'; EXCEPTION WHEN duplicate_object THEN NULL; END $r$;
        GRANT USAGE ON SCHEMA crm TO crm_app; GRANT INSERT, UPDATE, SELECT ON crm.customers TO crm_app; GRANT USAGE ON SEQUENCE crm.customers_customer_id_seq TO crm_app;`);
    });
    const app = await connect({ ...db.conn, user: "crm_app", password: "crm" });
    try {
      await app.query("INSERT INTO crm.customers (contact_email) VALUES ('App@Corp.com')");
      await app.query("UPDATE crm.customers SET contact_email = 'app2@corp.com' WHERE contact_email = 'App@Corp.com'");
      expect((await app.query("SELECT count(*)::int AS n FROM crm.customers")).rows[0].n).toBe(1);
    } finally {
      await app.end();
      await db.admin.end();
    }
  });
});

describe("the functions of schema retool_sync", () => {
  it("each runs as its owner with a search_path no caller can change, on a created and an adopted table", async () => {
    for (const overrides of [
      { plan: "business", retool: { url: "https://acme.retool.com" } },
      { plan: "team", usersTable: ADOPTED },
    ] as const) {
      const db = await provision(overrides, overrides.plan === "team" ? customersWithSecrets : undefined);
      try {
        const r = await db.admin.query(
          `SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p WHERE p.pronamespace = 'retool_sync'::regnamespace AND p.prokind = 'f' ORDER BY 1`,
        );
        expect(r.rows.length).toBeGreaterThanOrEqual(6);
        for (const f of r.rows) {
          // canonical_email is plain SQL the others call; it needs no rights of its own.
          if (f.proname === "canonical_email") continue;
          // The sync paths (the core, the batch, and the two entry points that run the core's steps
          // themselves) also pin their lock timeout and keep LOG lines from the caller.
          const syncPath = ["sync_user_outcome", "sync_users", "sync_page_user", "sync_retool_user"].includes(f.proname);
          const config = ["search_path=pg_catalog, pg_temp", ...(syncPath ? ["lock_timeout=2s", "client_min_messages=notice"] : [])];
          expect([f.proname, f.prosecdef, f.proconfig]).toEqual([f.proname, true, config]);
        }
      } finally {
        await db.admin.end();
      }
    }
  });
});

describe("the rest of the database, as a Retool role sees it", () => {
  it("refuses every write, DDL and other table", async () => {
    const db = await provision({ plan: "team", retoolRoles: { page: { canReadUsers: true } } }, async (admin) => {
      await admin.query("CREATE TABLE public.payroll (salary int); INSERT INTO public.payroll VALUES (1)");
    });
    const role = await connect(db.roleConn.page);
    try {
      for (const sql of [
        "INSERT INTO public.users (email) VALUES ('x@example.com')",
        "UPDATE public.users SET email = 'y@example.com'",
        "DELETE FROM public.users",
        "TRUNCATE public.users",
        "DROP TABLE public.users",
        "ALTER TABLE public.users ADD COLUMN x int",
        "SELECT * FROM public.payroll",
        "CREATE TABLE retool_sync.mine (x int)",
        "CREATE OR REPLACE FUNCTION retool_sync.sync_page_user(a text) RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SCHEMA mine",
      ]) {
        expect((await pgError(() => role.query(sql))).code, sql).toBe("42501");
      }
    } finally {
      await role.end();
      await db.admin.end();
    }
  });
});

describe("the docs' revocations for a database the team owns", () => {
  it("run as written, and then a Retool role can make no temporary table, large object or other connection", async () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "../../../../docs/database.md"), "utf8");
    const block = /take them back[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)![1];
    const db = await provision({ ...PAGE_ROLE, retoolRoles: { page: { name: "retool_revoked_page" } } });
    // The README's GRANT names both roles; a stack has one of them, so the other is made here.
    await db.admin.query("DO $r$ BEGIN CREATE ROLE retool_revoked_trusted LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $r$");
    const page = { ...db.roleConn.page };
    try {
      const sql = block
        .replace(/\bapp\b/g, db.conn.database)
        .replace(/retool_sync_page/g, "retool_revoked_page")
        .replace(/retool_sync_trusted/g, "retool_revoked_trusted");
      // Other databases stay as the cluster's other tests need them: only this database's and public's grants change.
      await db.admin.query(sql.replace(/^REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC;.*$/m, ""));
      const role = await connect(page);
      try {
        expect((await pgError(() => role.query("CREATE TEMP TABLE scratch (x int)"))).code).toBe("42501");
        expect((await pgError(() => role.query("SELECT lo_create(0)"))).code).toBe("42501");
        expect((await pgError(() => role.query("CREATE TABLE public.mine (x int)"))).code).toBe("42501");
        expect((await syncPageUser(role, { id: "user_after1", email: "after@corp.com" })).retool_user_id).toBe("user_after1");
      } finally {
        await role.end();
      }
      expect(block).toMatch(/^REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC;/m);
    } finally {
      await db.admin.end();
    }
  });
});
