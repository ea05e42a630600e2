// What the Retool role may and may not do, checked by logging in as it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "pg";
import { connect } from "../../../support/database";
import { Provisioned, pgError, provision, syncUser } from "../../../support/provisioned";

describe("the Retool role", () => {
  let db: Provisioned;
  let role: Client;
  beforeAll(async () => {
    db = await provision();
    await db.admin.query("CREATE TABLE public.payroll (salary int); INSERT INTO public.payroll VALUES (1)");
    role = await connect(db.roleConn);
  });
  afterAll(async () => {
    await role.end();
    await db.admin.end();
  });

  it("may call sync_user and read the users table", async () => {
    await syncUser(role, { id: "user_r1", email: "r1@example.com", source: "continue_page" });
    const rows = await role.query("SELECT retool_user_id, email, active FROM public.users");
    expect(rows.rows).toEqual([{ retool_user_id: "user_r1", email: "r1@example.com", active: true }]);
  });

  const refused: [string, string][] = [
    ["insert into users", "INSERT INTO public.users (email) VALUES ('x@example.com')"],
    ["update users", "UPDATE public.users SET email = 'y@example.com'"],
    ["delete from users", "DELETE FROM public.users"],
    ["truncate users", "TRUNCATE public.users"],
    ["drop users", "DROP TABLE public.users"],
    ["alter users", "ALTER TABLE public.users ADD COLUMN x int"],
    ["read another table", "SELECT * FROM public.payroll"],
    ["read the migration ledger", "SELECT * FROM retool_sync.schema_migrations"],
    ["call the outcome function", "SELECT * FROM retool_sync.sync_user_outcome('user_r2', 'r2@example.com', NULL, NULL, 'event')"],
    ["create a table in retool_sync", "CREATE TABLE retool_sync.mine (x int)"],
    ["create a table in public", "CREATE TABLE public.mine (x int)"],
    ["replace the sync function", "CREATE OR REPLACE FUNCTION retool_sync.sync_user(a text) RETURNS int LANGUAGE sql AS 'SELECT 1'"],
    ["create a schema", "CREATE SCHEMA mine"],
  ];

  it.each(refused)("may not %s", async (_what, sql) => {
    const err = await pgError(() => role.query(sql));
    expect(err.code).toBe("42501"); // insufficient_privilege
  });

  it("has no role attributes beyond login", async () => {
    const r = await db.admin.query(
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
      [db.settings.retoolRole.name],
    );
    expect(r.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true });
  });
});

describe("the Retool role without canReadUsers", () => {
  it("may call sync_user but not read the table", async () => {
    const db = await provision({ retoolRole: { canReadUsers: false } });
    const role = await connect(db.roleConn);
    try {
      const row = await syncUser(role, { id: "user_r3", email: "r3@example.com", source: "continue_page" });
      expect(row.retool_user_id).toBe("user_r3");
      const err = await pgError(() => role.query("SELECT email FROM public.users"));
      expect(err.code).toBe("42501");
    } finally {
      await role.end();
      await db.admin.end();
    }
  });
});
