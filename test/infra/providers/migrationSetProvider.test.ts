// The dynamic provider's methods called directly against a real Postgres, and once more the way
// Pulumi's provider host runs them: serialized under ts-node, loaded from text in plain Node.

import { describe, expect, it } from "vitest";
import { withChecksums } from "../../../infra/builders/sql/migration";
import { accessMigrations, allMigrations, tableMigrations } from "../../../infra/builders/sql/migrations";
import { diffMigrationSet, type MigrationSetState, migrationSetProvider } from "../../../infra/providers/migrationSetProvider";
import { connect, createStackRoles, freshDatabase } from "../../support/database";
import { tableDump } from "../../support/provisioned";
import { runSerializedProvider } from "../../support/serializedProvider";
import { settingsFor } from "../../support/settings";

async function state(setName: "users-table" | "sync-access", overrides: Parameters<typeof settingsFor>[1] = {}) {
  const conn = await freshDatabase();
  const settings = settingsFor(conn.database, overrides);
  await createStackRoles(conn, settings);
  const migrations = setName === "users-table" ? tableMigrations(settings) : accessMigrations(settings);
  const s: MigrationSetState = {
    setName,
    target: { host: conn.host, port: conn.port, database: conn.database, user: conn.user, sslmode: conn.sslmode },
    adminPassword: conn.password,
    migrations: withChecksums(migrations),
  };
  return { conn, settings, s };
}

describe("diffMigrationSet (pure, what preview runs)", () => {
  const base: MigrationSetState = {
    setName: "users-table",
    target: { host: "h", port: 5432, database: "d", user: "u", sslmode: "require" },
    adminPassword: "p",
    migrations: withChecksums(tableMigrations(settingsFor("d"))),
  };
  it("sees no change for equal inputs", () => {
    expect(diffMigrationSet(base, structuredClone(base))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
  it("updates in place when a migration's SQL changes", () => {
    const next = { ...base, migrations: withChecksums(tableMigrations(settingsFor("d", { usersTable: { name: "people" } }))) };
    expect(diffMigrationSet(base, next)).toMatchObject({ changes: true, replaces: [] });
  });
  it("updates in place when only the password changes", () => {
    expect(diffMigrationSet(base, { ...base, adminPassword: "q" })).toMatchObject({ changes: true, replaces: [] });
  });
  it("replaces when the target database changes, and never deletes first", () => {
    expect(diffMigrationSet(base, { ...base, target: { ...base.target, database: "other" } })).toEqual({
      changes: true,
      replaces: ["target"],
      deleteBeforeReplace: false,
    });
  });
  it("treats a port given as text as the same port", () => {
    // State as JSON may carry the port as text; JSON.parse gives it back untyped, as the engine does.
    const textPort: MigrationSetState = JSON.parse(JSON.stringify({ ...base, target: { ...base.target, port: "5432" } }));
    expect(diffMigrationSet(base, textPort).changes).toBe(false);
  });
});

describe("migrationSetProvider against Postgres", () => {
  it("create applies, update applies only changes, read reports the ledger, delete leaves data", async () => {
    const table = await state("users-table");
    const created = await migrationSetProvider.create(table.s);
    expect(created.id).toBe(`${table.conn.host}:${table.conn.port}/${table.conn.database}#users-table`);
    expect(created.outs.lastApplied).toEqual(["001_sync_schema", "002_users_table"]);

    const access = { ...table.s, setName: "sync-access", migrations: withChecksums(accessMigrations(table.settings)) };
    await migrationSetProvider.create(access);

    const admin = await connect(table.conn);
    try {
      await admin.query("SELECT retool_sync.sync_user('user_keep', 'keep@example.com', 'Keep', NULL, 'event')");
      const rows = await tableDump(admin, "public.users");

      const again = await migrationSetProvider.update!(created.id, created.outs, table.s);
      expect(again.outs.lastApplied).toEqual([]);

      const changedSettings = settingsFor(table.conn.database, { linkByEmail: false });
      const changed = { ...access, migrations: withChecksums(accessMigrations(changedSettings)) };
      const updated = await migrationSetProvider.update!("id", access, changed);
      // 005 follows 004: its grants must land on the functions 004 may have recreated.
      expect(updated.outs.lastApplied).toEqual(["004_sync_function", "005_retool_role_grants"]);

      // Someone removed a ledger row by hand: refresh shows that migration as missing.
      await admin.query("DELETE FROM retool_sync.schema_migrations WHERE id = '002_users_table'");
      const read = await migrationSetProvider.read!(created.id, created.outs);
      expect(read.props.migrations.map((m: { id: string }) => m.id)).toEqual(["001_sync_schema"]);
      expect(diffMigrationSet(read.props, table.s).changes).toBe(true);

      await migrationSetProvider.delete!(created.id, created.outs);
      await migrationSetProvider.delete!("id", updated.outs);
      expect(await tableDump(admin, "public.users")).toBe(rows);
      expect((await admin.query("SELECT to_regprocedure('retool_sync.sync_user(text,text,text,text,text,boolean)') AS f")).rows[0].f).not.toBeNull();
    } finally {
      await admin.end();
    }
  });

  it("says which database it could not reach, without the password", async () => {
    const { s } = await state("users-table");
    const wrong = { ...s, adminPassword: "definitely-wrong-password" };
    const err = await migrationSetProvider.create(wrong).catch((e) => e);
    expect(err.message).toMatch(new RegExp(`Cannot connect to postgres@127.0.0.1:${s.target.port}/${s.target.database}`));
    expect(err.message).not.toContain("definitely-wrong-password");
  });

  it("check refuses an empty set", async () => {
    const result = await migrationSetProvider.check!({}, { setName: "x", target: {}, adminPassword: "", migrations: [] });
    expect(result.failures).toEqual([{ property: "migrations", reason: "a migration set needs at least one migration" }]);
  });
});

describe("migrationSetProvider as Pulumi's provider host runs it", () => {
  it("reports a failing migration with its whole message", async () => {
    const { s } = await state("users-table");
    const broken = {
      ...s,
      migrations: withChecksums([{ id: "009_broken", description: "fails", transactional: true, statements: ["SELECT no_such_function()"] }]),
    };
    const out = await runSerializedProvider("./infra/providers/migrationSetProvider", "migrationSetProvider", broken, "return provider.create(inputs);");
    expect(out).toEqual({
      thrown:
        "Migration 009_broken failed and was rolled back: function no_such_function() does not exist (hint: No function matches the given name and argument types. You might need to add explicit type casts.)",
    });
  });

  it("serializes under ts-node and works when loaded from text in plain Node", async () => {
    const { conn, s, settings } = await state("users-table");
    const full = { ...s, migrations: withChecksums(allMigrations(settings)) };
    const out = await runSerializedProvider(
      "./infra/providers/migrationSetProvider",
      "migrationSetProvider",
      full,
      `const created = await provider.create(inputs);
       const diff = await provider.diff(created.id, created.outs, inputs);
       await provider.delete(created.id, created.outs);
       return { applied: created.outs.lastApplied, changes: diff.changes };`,
    );
    expect(out).toEqual({
      applied: ["001_sync_schema", "002_users_table", "004_sync_function", "005_retool_role_grants"],
      changes: false,
    });
    const admin = await connect(conn);
    try {
      const row = await admin.query("SELECT * FROM retool_sync.sync_user('user_host1', 'host@example.com', NULL, NULL, 'event')");
      expect(row.rows[0].retool_user_id).toBe("user_host1");
    } finally {
      await admin.end();
    }
  });
});
