// The sync function's rules, each checked on a real Postgres with the SQL the program applies.
import { type Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withChecksums } from "../../../../infra/builders/sql/migration";
import { allMigrations } from "../../../../infra/builders/sql/migrations";
import { CORE_FUNCTION, CORE_SIGNATURE, SYNC_FUNCTION, SYNC_SIGNATURE, SYNCED_USER_FIELDS, SYNCED_USER_TYPE } from "../../../../infra/builders/sql/syncApi";
import { REFUSED_CLAIM_HINT, REFUSED_CLAIM_MESSAGE } from "../../../../infra/builders/sql/syncFunction";
import { applyMigrations } from "../../../../infra/providers/migrationRunner";
import { pgClientConfig } from "../../../../infra/providers/pgConnection";
import { connect } from "../../../support/database";
import { type Provisioned, pgError, provision, type SyncArgs, syncOutcome, syncPageUser, syncUser, tableDump } from "../../../support/provisioned";

const USERS = '"public"."users"';
const id = (n: number | string) => `user_${String(n).padStart(4, "0")}abc`;
/** The primary key of the row that holds a Retool id (entry points return the sync columns only). */
const rowKeyOf = async (c: Client, retoolUserId: string) => (await c.query(`SELECT id FROM ${USERS} WHERE retool_user_id = $1`, [retoolUserId])).rows[0]?.id;

describe("sync_user on a created table", () => {
  let db: Provisioned;
  beforeAll(async () => {
    db = await provision();
  });
  afterAll(async () => {
    await db.admin.end();
  });

  it("creates the row on the first call, returns the same row later and touches last_seen_at", async () => {
    const first = await syncUser(db.admin, { id: id(1), email: "Ada@Example.com", first: "Ada", last: "L", source: "continue_page" });
    expect(first).toMatchObject({ retool_user_id: id(1), email: "Ada@Example.com", first_name: "Ada", last_name: "L", active: true });
    // As if the first login was an hour ago.
    await db.admin.query(`UPDATE ${USERS} SET last_seen_at = last_seen_at - interval '1 hour' WHERE retool_user_id = $1`, [id(1)]);
    const second = await syncUser(db.admin, { id: id(1), email: "ada@example.com", first: "Ada", last: "L", source: "continue_page" });
    expect(second.created_at).toEqual(first.created_at);
    expect((second.last_seen_at as Date).getTime()).toBeGreaterThan((first.last_seen_at as Date).getTime() - 60_000);
    const rows = await db.admin.query(`SELECT id FROM ${USERS} WHERE retool_user_id = $1`, [id(1)]);
    expect(rows.rows).toHaveLength(1);
  });

  it("reports created, unchanged, updated and deactivated outcomes", async () => {
    expect(await syncOutcome(db.admin, { id: id(2), email: "b@example.com", first: "B", source: "backfill" })).toBe("created");
    expect(await syncOutcome(db.admin, { id: id(2), email: "b@example.com", first: "B", source: "backfill" })).toBe("unchanged");
    expect(await syncOutcome(db.admin, { id: id(2), email: "b@example.com", first: "Bea", source: "backfill" })).toBe("updated");
    expect(await syncOutcome(db.admin, { id: id(2), email: "b@example.com", source: "backfill", active: false })).toBe("deactivated");
    const row = await syncUser(db.admin, { id: id(2), email: "b@example.com", source: "reconcile" });
    expect(row).toMatchObject({ first_name: "Bea", active: false });
  });

  it("a sign-in of a known user changes what the rules change, not only when it was seen", async () => {
    // Sign-ins of a row already in step take one UPDATE; any other sign-in must still get every rule.
    const u = { id: id(30), email: "sign@example.com", first: "Si", last: "Gn", source: "event" } as const;
    expect(await syncOutcome(db.admin, u)).toBe("created");
    const before = (await db.admin.query(`SELECT updated_at, last_seen_at FROM ${USERS} WHERE retool_user_id = $1`, [u.id])).rows[0];
    await new Promise((r) => setTimeout(r, 5));
    expect(await syncOutcome(db.admin, u)).toBe("unchanged");
    const seen = (await db.admin.query(`SELECT updated_at, last_seen_at FROM ${USERS} WHERE retool_user_id = $1`, [u.id])).rows[0];
    expect(seen.updated_at).toEqual(before.updated_at);
    expect(seen.last_seen_at.getTime()).toBeGreaterThan(before.last_seen_at.getTime());
    expect(await syncOutcome(db.admin, { ...u, first: "Simone" })).toBe("updated");
    expect(await syncOutcome(db.admin, { ...u, first: "Simone", last: "Gnu" })).toBe("updated");
    expect(await syncOutcome(db.admin, { ...u, first: "Simone", last: "Gnu", active: false })).toBe("deactivated");
    expect(await syncOutcome(db.admin, { ...u, first: "Simone", last: "Gnu", active: true })).toBe("updated");
    expect(await syncOutcome(db.admin, { ...u, email: "Sign@Example.com", first: "Simone", last: "Gnu" })).toBe("updated");
    expect(await syncUser(db.admin, { ...u, email: "Sign@Example.com", first: "Simone", last: "Gnu" })).toMatchObject({
      email: "Sign@Example.com",
      first_name: "Simone",
      last_name: "Gnu",
      active: true,
    });
    // A browser's sign-in may fill a missing name, and only that.
    await db.admin.query(`UPDATE ${USERS} SET first_name = NULL WHERE retool_user_id = $1`, [u.id]);
    const filled = await syncUser(db.admin, { ...u, email: "Sign@Example.com", first: "Filled", last: "Other", source: "continue_page" });
    expect(filled).toMatchObject({ first_name: "Filled", last_name: "Gnu" });
    expect(filled.updated_at).not.toEqual(seen.updated_at);
  });

  it("backfill does not count as being seen; a login does", async () => {
    const row = await syncUser(db.admin, { id: id(3), email: "c@example.com", source: "backfill" });
    expect(row.last_seen_at).toBeNull();
    const seen = await syncUser(db.admin, { id: id(3), email: "c@example.com", source: "event" });
    expect(seen.last_seen_at).not.toBeNull();
  });

  it("never overwrites a value with NULL or an empty string", async () => {
    await syncUser(db.admin, { id: id(4), email: "d@example.com", first: "Dee", last: "Dee", source: "event" });
    const row = await syncUser(db.admin, { id: id(4), email: "d@example.com", first: "", last: null, source: "event" });
    expect(row).toMatchObject({ first_name: "Dee", last_name: "Dee" });
    const blank = await syncUser(db.admin, { id: id(4), email: "d@example.com", first: "   ", last: "", source: "reconcile" });
    expect(blank).toMatchObject({ first_name: "Dee", last_name: "Dee" });
  });

  it("lets trusted sources update email and names", async () => {
    await syncUser(db.admin, { id: id(5), email: "e@example.com", first: "E", last: "One", source: "event" });
    const row = await syncUser(db.admin, { id: id(5), email: "e.new@example.com", first: "Eve", last: "Two", source: "reconcile" });
    expect(row).toMatchObject({ email: "e.new@example.com", first_name: "Eve", last_name: "Two" });
  });

  it("does not let the Continue page change email or names, only fill a missing name", async () => {
    await syncUser(db.admin, { id: id(6), email: "f@example.com", first: "Fay", source: "event" });
    const row = await syncUser(db.admin, { id: id(6), email: "F@example.com", first: "Mallory", last: "Filled", source: "continue_page" });
    expect(row).toMatchObject({ email: "f@example.com", first_name: "Fay", last_name: "Filled" });
  });

  it("refuses a Continue page call that pairs a known id with another email, changing nothing", async () => {
    await syncUser(db.admin, { id: id(13), email: "m@example.com", source: "event" });
    const before = await tableDump(db.admin, USERS);
    const err = await pgError(() => syncUser(db.admin, { id: id(13), email: "mallory@example.com", first: "Mallory", source: "continue_page" }));
    // The same words whoever holds what: nothing of the other row, not even that it is the id's.
    expect(err.code).toBe("23505");
    expect(err.message).toBe(`retool_sync.sync_user_outcome: ${REFUSED_CLAIM_MESSAGE}`);
    expect(err.hint).toBe(REFUSED_CLAIM_HINT);
    expect(await tableDump(db.admin, USERS)).toBe(before);
  });

  it("does not let the Continue page reactivate a user or set active at all", async () => {
    await syncUser(db.admin, { id: id(7), email: "g@example.com", source: "backfill", active: false });
    const row = await syncUser(db.admin, { id: id(7), email: "g@example.com", source: "continue_page" });
    expect(row.active).toBe(false);
    const err = await pgError(() => syncUser(db.admin, { id: id(7), email: "g@example.com", source: "continue_page", active: true }));
    expect(err.message).toMatch(/p_active can only be set by a trusted source/);
  });

  it("links an existing row without a Retool id by case-insensitive email, from a trusted source", async () => {
    const pre = await db.admin.query(`INSERT INTO ${USERS} (email, first_name) VALUES ('Hal@Example.COM', 'Hal') RETURNING id`);
    const row = await syncUser(db.admin, { id: id(8), email: "hal@example.com", last: "Nine", source: "backfill" });
    expect(await rowKeyOf(db.admin, id(8))).toBe(pre.rows[0].id);
    expect(row).toMatchObject({ retool_user_id: id(8), email: "hal@example.com", first_name: "Hal", last_name: "Nine" });
  });

  it("does not let the Continue page claim an existing row by email (forged input)", async () => {
    await db.admin.query(`INSERT INTO ${USERS} (email, first_name) VALUES ('ivy@example.com', 'Ivy')`);
    const before = await tableDump(db.admin, USERS);
    const err = await pgError(() => syncUser(db.admin, { id: id(9), email: "IVY@example.com", source: "continue_page" }));
    expect(err.code).toBe("23505");
    expect(err.message).toBe(`retool_sync.sync_user_outcome: ${REFUSED_CLAIM_MESSAGE}`);
    expect(await tableDump(db.admin, USERS)).toBe(before);
  });

  it("never moves a Retool id to another row, and never hands one user's row to another id", async () => {
    await syncUser(db.admin, { id: id(10), email: "jay@example.com", first: "Jay", source: "event" });
    await syncUser(db.admin, { id: id(12), email: "kim@example.com", source: "event" });
    const before = await tableDump(db.admin, USERS);
    for (const source of ["continue_page", "event", "backfill", "reconcile"]) {
      const err = await pgError(() => syncUser(db.admin, { id: id(11), email: "JAY@example.com", first: "Mallory", source }));
      expect(err.code).toBe("23505");
      // Retool's own data may be told whose row it met; a browser's claim is told nothing.
      if (source === "continue_page") expect(`${err.message} ${err.hint}`).not.toContain(id(10));
      else expect(err.message).toMatch(new RegExp(`already belongs to Retool user ${id(10)}`));
    }
    // A trusted change of user 12's email onto Jay's address is refused too.
    const err = await pgError(() => syncUser(db.admin, { id: id(12), email: "jay@example.com", source: "reconcile" }));
    expect(err.message).toMatch(/cannot change the email of user_0012abc/);
    expect(await tableDump(db.admin, USERS)).toBe(before);
  });

  it("gives one row per user and no error for 200 concurrent first calls for 20 users", async () => {
    const pool = new Pool({ ...pgClientConfig(db.conn), max: 50 });
    try {
      const calls = Array.from({ length: 200 }, (_, i) => {
        const n = 100 + (i % 20);
        const source = ["continue_page", "event", "backfill", "reconcile"][i % 4];
        return pool.query("SELECT * FROM retool_sync.sync_user($1, $2, $3, $4, $5)", [id(n), `racer${n}@example.com`, "R", String(n), source]);
      });
      const results = await Promise.allSettled(calls);
      const failures = results.filter((r) => r.status === "rejected");
      expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
      const rows = await db.admin.query(`SELECT retool_user_id, count(*)::int AS n FROM ${USERS} WHERE email LIKE 'racer%' GROUP BY 1`);
      expect(rows.rows.length).toBe(20);
      expect(rows.rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it("links one pre-existing row exactly once under 50 concurrent trusted calls", async () => {
    const pre = await db.admin.query(`INSERT INTO ${USERS} (email) VALUES ('Linker@example.com') RETURNING id`);
    const pool = new Pool({ ...pgClientConfig(db.conn), max: 25 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => pool.query("SELECT * FROM retool_sync.sync_user($1, $2, NULL, NULL, 'event')", [id(300), "linker@example.com"])),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const rows = await db.admin.query(`SELECT id FROM ${USERS} WHERE lower(email) = 'linker@example.com' OR retool_user_id = $1`, [id(300)]);
      expect(rows.rows).toEqual([{ id: pre.rows[0].id }]);
    } finally {
      await pool.end();
    }
  });
});

describe("upgrading from a release whose synced_user had fewer fields", () => {
  // As the release before row_key left the database: the type without it, and the ledger's
  // checksum of that release's 004.
  const downgrade = async (admin: Client) => {
    const fns = await admin.query(
      "SELECT p.oid::regprocedure::text AS fn FROM pg_proc p WHERE p.prorettype = to_regtype($1) OR to_regtype($1) = ANY (p.proallargtypes)",
      [SYNCED_USER_TYPE],
    );
    for (const { fn } of fns.rows) await admin.query(`DROP FUNCTION ${fn}`);
    await admin.query(`DROP TYPE ${SYNCED_USER_TYPE}`);
    const old = SYNCED_USER_FIELDS.filter(([f]) => f !== "row_key").map(([f, t]) => `${f} ${t}`);
    await admin.query(`CREATE TYPE ${SYNCED_USER_TYPE} AS (${old.join(", ")})`);
    await admin.query("UPDATE retool_sync.schema_migrations SET checksum = 'an earlier release' WHERE id = '004_sync_function'");
  };

  it("replaces the type, recreates the functions and grants them again, so the roles keep working", async () => {
    const db = await provision();
    const page = await connect(db.roleConn.page);
    try {
      await downgrade(db.admin);
      const report = await applyMigrations(db.admin, withChecksums(allMigrations(db.settings)));
      expect(report.applied).toEqual(["004_sync_function", "005_retool_role_grants"]);
      const row = await syncPageUser(page, { id: id(1), email: "upgraded@example.com" });
      expect(row.row_key).toBe(String(await rowKeyOf(db.admin, id(1))));
    } finally {
      await Promise.all([page.end(), db.admin.end()]);
    }
  });

  it("stops, changing nothing, when an object of the team's own uses the type", async () => {
    const db = await provision();
    try {
      await downgrade(db.admin);
      await db.admin.query(`CREATE FUNCTION public.team_report() RETURNS SETOF ${SYNCED_USER_TYPE} LANGUAGE sql AS 'SELECT NULL::${SYNCED_USER_TYPE} LIMIT 0'`);
      await expect(applyMigrations(db.admin, withChecksums(allMigrations(db.settings)))).rejects.toThrow(
        /objects of your own use the type: function (public\.)?team_report\(\) depends on type.*Change or drop those objects of yours/,
      );
      const fn = await db.admin.query("SELECT to_regprocedure('public.team_report()') IS NOT NULL AS kept");
      expect(fn.rows[0].kept).toBe(true);
    } finally {
      await db.admin.end();
    }
  });
});

describe("upgrading from a release whose sync functions returned the table's whole row", () => {
  it("drops and recreates them, so they return only the sync columns", async () => {
    // As an earlier release left them: same names and arguments, a row type with a private column.
    const legacy = (fn: string) => `CREATE FUNCTION ${fn}(p_id text, p_email text, p_first text, p_last text, p_source text, p_active boolean DEFAULT NULL)
      RETURNS TABLE (retool_user_id text, email text, password_hash text) LANGUAGE sql AS $$ SELECT p_id, p_email, 'leaked-hash' $$`;
    const db = await provision({}, async (admin) => {
      await admin.query("CREATE SCHEMA retool_sync");
      await admin.query(legacy(CORE_FUNCTION));
      await admin.query(legacy(SYNC_FUNCTION));
    });
    try {
      const result = (signature: string) => db.admin.query("SELECT pg_get_function_result(to_regprocedure($1)) AS r", [signature]).then((r) => r.rows[0].r);
      expect(await result(SYNC_SIGNATURE)).toBe(SYNCED_USER_TYPE);
      expect(await result(CORE_SIGNATURE)).not.toMatch(/password_hash/);
      const row = await syncUser(db.admin, { id: id(1), email: "up@example.com", first: "Up", source: "backfill" });
      expect(Object.keys(row).sort()).toEqual([
        "active",
        "created_at",
        "email",
        "first_name",
        "last_name",
        "last_seen_at",
        "retool_user_id",
        "row_key",
        "updated_at",
      ]);
      const overloads = await db.admin.query(
        "SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'sync_user' AND pronamespace = 'retool_sync'::regnamespace",
      );
      expect(overloads.rows[0].n).toBe(1);
    } finally {
      await db.admin.end();
    }
  });
});

describe("sync_user with linking switched off or opened to the Continue page", () => {
  it("with linkByEmail off, refuses to link and says how to fix it", async () => {
    const db = await provision({ linkByEmail: false });
    try {
      await db.admin.query(`INSERT INTO ${USERS} (email) VALUES ('lee@example.com')`);
      const err = await pgError(() => syncUser(db.admin, { id: id(1), email: "lee@example.com", source: "backfill" }));
      expect(err.hint).toMatch(/linkByEmail is off/);
    } finally {
      await db.admin.end();
    }
  });

  it("with linkByEmailFromContinuePage on, the Continue page links but still cannot change email", async () => {
    const db = await provision({ linkByEmailFromContinuePage: true });
    try {
      const pre = await db.admin.query(`INSERT INTO ${USERS} (email) VALUES ('Moe@example.com') RETURNING id`);
      const row = await syncUser(db.admin, { id: id(2), email: "moe@example.com", first: "Moe", source: "continue_page" });
      expect(row).toMatchObject({ email: "Moe@example.com", first_name: "Moe", retool_user_id: id(2) });
      expect(await rowKeyOf(db.admin, id(2))).toBe(pre.rows[0].id);
    } finally {
      await db.admin.end();
    }
  });
});

describe("sync_user rejects bad input with a clear error and changes nothing", () => {
  let db: Provisioned;
  beforeAll(async () => {
    db = await provision();
    await syncUser(db.admin, { id: "user_existing1", email: "existing@example.com", first: "Ex", source: "event" });
  });
  afterAll(async () => {
    await db.admin.end();
  });

  const ok = { id: "user_new1", email: "new@example.com", first: "New", last: "User", source: "event" };
  const corpus: { name: string; args: Partial<SyncArgs>; argument: RegExp }[] = [
    { name: "missing id", args: { id: null }, argument: /p_retool_user_id is required/ },
    { name: "empty id", args: { id: "" }, argument: /p_retool_user_id is required/ },
    { name: "numeric legacy id", args: { id: "12345" }, argument: /p_retool_user_id '12345' is not a Retool User ID/ },
    { name: "uppercase id", args: { id: "user_ABC" }, argument: /p_retool_user_id/ },
    { name: "id without prefix", args: { id: "abc123" }, argument: /p_retool_user_id/ },
    { name: "id with only the prefix", args: { id: "user_" }, argument: /p_retool_user_id/ },
    { name: "id with a space", args: { id: "user_ab c" }, argument: /p_retool_user_id/ },
    { name: "id with SQL", args: { id: "user_1'; DROP TABLE users; --" }, argument: /p_retool_user_id/ },
    { name: "id too long", args: { id: `user_${"a".repeat(100)}` }, argument: /p_retool_user_id/ },
    { name: "id with unicode digits", args: { id: "user_١٢٣" }, argument: /p_retool_user_id/ },
    { name: "missing email", args: { email: null }, argument: /p_email is required/ },
    { name: "blank email", args: { email: "   " }, argument: /p_email is required/ },
    { name: "email without @", args: { email: "new.example.com" }, argument: /p_email 'new.example.com' is not an email address/ },
    { name: "email with two @", args: { email: "a@b@example.com" }, argument: /p_email/ },
    { name: "email without domain dot", args: { email: "a@localhost" }, argument: /p_email/ },
    { name: "email with space inside", args: { email: "a b@example.com" }, argument: /p_email/ },
    { name: "email with newline", args: { email: "a@example.com\nBcc: x@y.z" }, argument: /p_email/ },
    { name: "email too long", args: { email: `${"a".repeat(250)}@example.com` }, argument: /p_email is 262 characters long/ },
    { name: "email with empty local part", args: { email: "@example.com" }, argument: /p_email/ },
    { name: "first name over 36 characters", args: { first: "F".repeat(37) }, argument: /p_first_name .* longer than 36 characters/ },
    { name: "last name over 36 characters", args: { last: "L".repeat(37) }, argument: /p_last_name/ },
    { name: "first name with control character", args: { first: "Bad\u0007Bell" }, argument: /p_first_name/ },
    { name: "last name over 36 unicode characters", args: { last: "é".repeat(37) }, argument: /p_last_name/ },
    { name: "unknown source", args: { source: "admin" }, argument: /p_source 'admin' is not a known source/ },
    { name: "missing source", args: { source: null }, argument: /p_source NULL is not a known source/ },
    { name: "source in other case", args: { source: "EVENT" }, argument: /p_source/ },
    { name: "active from the Continue page", args: { source: "continue_page", active: false }, argument: /p_active/ },
    { name: "existing user's email for a new id", args: { email: "EXISTING@example.com" }, argument: /already belongs to Retool user user_existing1/ },
  ];

  it.each(corpus)("$name", async ({ args, argument }) => {
    const before = await tableDump(db.admin, USERS);
    const err = await pgError(() => syncUser(db.admin, { ...ok, ...args }));
    expect(err.message).toMatch(/^retool_sync\.sync_user_outcome: /);
    expect(err.message).toMatch(argument);
    expect(err.hint ?? "").not.toBe("");
    expect(await tableDump(db.admin, USERS)).toBe(before);
  });

  it("accepts 36-character unicode names exactly at the limit", async () => {
    const row = await syncUser(db.admin, { ...ok, id: "user_limit1", email: "limit@example.com", first: "é".repeat(36) });
    expect(row.first_name).toBe("é".repeat(36));
  });
});
