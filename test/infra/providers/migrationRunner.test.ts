// The runner against a real Postgres: idempotent, transactional, and safe on a live adopted table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Migration, withChecksums } from "../../../infra/builders/sql/migration";
import { allMigrations } from "../../../infra/builders/sql/migrations";
import { ADOPT_LOCK_TIMEOUT_MS } from "../../../infra/builders/sql/usersTable";
import { appliedChecksums, applyMigrations, MigrationError, MigrationLockTimeout } from "../../../infra/providers/migrationRunner";
import { connect, createStackRoles, freshDatabase } from "../../support/database";
import { provision, tableDump } from "../../support/provisioned";
import { settingsFor } from "../../support/settings";
import { until } from "../../support/until";

/** Everything about a schema Postgres can tell us: columns, indexes, functions, grants. */
async function catalogSnapshot(client: import("pg").Client): Promise<string> {
  const r = await client.query(`
    SELECT string_agg(x, E'\\n' ORDER BY x) AS s FROM (
      SELECT format('col %s.%s.%s %s', table_schema, table_name, column_name, data_type) AS x FROM information_schema.columns WHERE table_schema IN ('public','retool_sync')
      UNION ALL SELECT format('idx %s %s', indexname, indexdef) FROM pg_indexes WHERE schemaname IN ('public','retool_sync')
      UNION ALL SELECT format('fn %s %s', p.oid::regprocedure, md5(p.prosrc)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'retool_sync'
      UNION ALL SELECT format('acl %s %s', c.relname, c.relacl) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public','retool_sync')
      UNION ALL SELECT format('relfile %s %s', c.relname, c.relfilenode) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public','retool_sync')
    ) q`);
  return r.rows[0].s;
}

/** A fresh database with the stack's login roles and nothing else, and an admin connection to it. */
async function rolesOnly(overrides: Parameters<typeof settingsFor>[1] = {}) {
  const conn = await freshDatabase();
  const settings = settingsFor(conn.database, overrides);
  await createStackRoles(conn, settings);
  return { conn, settings, client: await connect(conn) };
}

describe("applyMigrations", () => {
  it("applies everything once; a second run changes nothing", async () => {
    const db = await provision();
    try {
      const before = await catalogSnapshot(db.admin);
      const ledger = await db.admin.query("SELECT id, applied_at FROM retool_sync.schema_migrations ORDER BY id");
      const second = await applyMigrations(db.admin, withChecksums(allMigrations(db.settings)));
      expect(second.applied).toEqual([]);
      expect(second.unchanged).toEqual(allMigrations(db.settings).map((m) => m.id));
      expect(await catalogSnapshot(db.admin)).toBe(before);
      expect((await db.admin.query("SELECT id, applied_at FROM retool_sync.schema_migrations ORDER BY id")).rows).toEqual(ledger.rows);
    } finally {
      await db.admin.end();
    }
  });

  it("re-applies only what a config change altered, keeping every row", async () => {
    const db = await provision();
    try {
      await db.admin.query(`SELECT retool_sync.sync_user('user_keep1', 'keep@example.com', 'K', NULL, 'event')`);
      const rows = await tableDump(db.admin, '"public"."users"');
      const changed = settingsFor(db.conn.database, { linkByEmail: false, retoolRoles: { page: { canReadUsers: true } } });
      const report = await applyMigrations(db.admin, withChecksums(allMigrations(changed)));
      expect(report.applied).toEqual(["004_sync_function", "005_retool_role_grants"]);
      expect(await tableDump(db.admin, '"public"."users"')).toBe(rows);
    } finally {
      await db.admin.end();
    }
  });

  it("rolls a failing step back whole and records nothing for it", async () => {
    const { settings, client } = await rolesOnly();
    try {
      const broken: Migration = {
        id: "003_broken",
        description: "creates a table, then fails",
        transactional: true,
        statements: ["CREATE TABLE public.half_done (x int)", "SELECT no_such_function()"],
      };
      const [schema, table, ...rest] = allMigrations(settings);
      const err = await applyMigrations(client, withChecksums([schema, table, broken, ...rest])).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toMatch(/^Migration 003_broken failed and was rolled back: function no_such_function\(\) does not exist/);
      expect((await client.query("SELECT to_regclass('public.half_done') AS t")).rows[0].t).toBeNull();
      expect([...(await appliedChecksums(client)).keys()].sort()).toEqual(["001_sync_schema", "002_users_table"]);
    } finally {
      await client.end();
    }
  });

  it("refuses to adopt a table that does not exist, naming the key to fix", async () => {
    const conn = await freshDatabase();
    const settings = settingsFor(conn.database, { usersTable: { mode: "adopt", name: "customers" } });
    const client = await connect(conn);
    try {
      const err = await applyMigrations(client, withChecksums(allMigrations(settings))).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toMatch(/usersTable.mode is adopt, but table public.customers does not exist/);
      expect(err.message).toMatch(/usersTable.schema and usersTable.name/);
    } finally {
      await client.end();
    }
  });
});

describe("two runs on one database", () => {
  /** A step that waits on a table the test holds locked, so its run holds the migration lock until the test lets go. */
  const gate: Migration = { id: "001a_gate", description: "waits for the test", transactional: true, statements: ["SELECT count(*) FROM public.gate"] };

  it("one waits for the other, gives up after its deadline naming the holder, and applies nothing twice", async () => {
    const conn = await freshDatabase();
    const settings = settingsFor(conn.database);
    await createStackRoles(conn, settings);
    const [blocker, first, second] = await Promise.all([connect(conn), connect(conn), connect(conn)]);
    try {
      await blocker.query("CREATE TABLE public.gate (x int)");
      await blocker.query("BEGIN; LOCK TABLE public.gate IN ACCESS EXCLUSIVE MODE");
      const firstPid: number = (await first.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const [schema, ...rest] = allMigrations(settings);
      const running = applyMigrations(first, withChecksums([schema, gate, ...rest]));
      const waitingOnGate = async () =>
        (await blocker.query("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", [firstPid])).rows[0]?.wait_event_type === "Lock";
      await until("the first run to reach the gate", waitingOnGate);

      // A second run with a short deadline gives up, saying which session holds the lock.
      const lines: string[] = [];
      const started = Date.now();
      const err = await applyMigrations(second, withChecksums(allMigrations(settings)), { lockWaitMs: 300, log: (l) => lines.push(l) }).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationLockTimeout);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err.message).toContain(
        `Another migration run holds the lock retool_sync.migrations: backend pid ${firstPid} (user ${conn.user}, application "retool-user-sync"`,
      );
      expect(err.message).toContain("pg_terminate_backend");
      expect(lines[0]).toMatch(new RegExp(`^waiting for the migration lock, held by backend pid ${firstPid} `));
      expect([...(await appliedChecksums(blocker)).keys()]).toEqual(["001_sync_schema"]);

      // A second run with time to wait starts only once the first has finished, so it finds everything done.
      const waited: string[] = [];
      const patient = applyMigrations(second, withChecksums(allMigrations(settings)), { log: (l) => waited.push(l) });
      await until("the second run to wait", () => waited.length > 0);
      await blocker.query("COMMIT");
      const [a, b] = await Promise.all([running, patient]);
      expect(a.applied).toEqual([schema.id, gate.id, ...rest.map((m) => m.id)]);
      expect(b.applied).toEqual([]);
      expect(b.unchanged).toEqual(allMigrations(settings).map((m) => m.id));
    } finally {
      await Promise.all([blocker.end(), first.end(), second.end()]);
    }
  });

  it("says so when the lock was lost during the run instead of ending quietly", async () => {
    const { settings, client } = await rolesOnly();
    try {
      const letGo: Migration = {
        id: "006_let_go",
        description: "releases every advisory lock",
        transactional: true,
        statements: ["SELECT pg_advisory_unlock_all()"],
      };
      const err = await applyMigrations(client, withChecksums([...allMigrations(settings), letGo])).catch((e) => e);
      expect(err.message).toBe(
        "The migration lock retool_sync.migrations was no longer held by this session when the run ended; check for another run on this database.",
      );
    } finally {
      await client.end();
    }
  });
});

describe("adopt mode on a busy table", () => {
  it("steps aside while another transaction holds the table, then finishes", async () => {
    const conn = await freshDatabase();
    const settings = settingsFor(conn.database, { usersTable: { mode: "adopt", name: "people" } });
    await createStackRoles(conn, settings);
    const setup = await connect(conn);
    const holder = await connect(conn);
    const client = await connect(conn);
    try {
      await setup.query("CREATE TABLE public.people (id serial PRIMARY KEY, email text); INSERT INTO public.people (email) VALUES ('a@example.com')");
      // An open transaction that has read the table holds a lock the ALTER must wait for.
      await holder.query("BEGIN; SELECT * FROM public.people");
      const lines: string[] = [];
      const run = applyMigrations(client, withChecksums(allMigrations(settings)), { log: (l) => lines.push(l) });
      await until("the runner to step aside", () =>
        lines.some((l) => new RegExp(`002_users_table: table busy, lock not granted within ${ADOPT_LOCK_TIMEOUT_MS} ms; retrying`).test(l)),
      );
      await holder.query("COMMIT");
      const report = await run;
      expect(report.applied).toContain("003_users_table_indexes");
    } finally {
      await Promise.all([setup.end(), holder.end(), client.end()]);
    }
  });
});

describe("adopt mode on a table that stays busy", () => {
  it("gives up after its bounded retries with the lock timeout's error, having changed nothing", async () => {
    const { conn, settings, client } = await rolesOnly({ usersTable: { mode: "adopt", name: "people" } });
    const holder = await connect(conn);
    try {
      await client.query("CREATE TABLE public.people (id serial PRIMARY KEY, email text)");
      // A transaction that never ends while the runner tries: the ALTER can never get its lock.
      await holder.query("BEGIN; SELECT * FROM public.people");
      const lines: string[] = [];
      const started = Date.now();
      const error = await applyMigrations(client, withChecksums(allMigrations(settings)), { log: (l) => lines.push(l), lockRetries: 3 }).catch((e) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect(error.message).toMatch(/^Migration 002_users_table failed and was rolled back: .*lock timeout/);
      expect(lines.filter((l) => /table busy/.test(l))).toHaveLength(3);
      // Three back-offs of at most 2 s each, and four waits of the lock timeout: bounded, not forever.
      expect(Date.now() - started).toBeLessThan(10_000);
      const cols = await client.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'people' AND column_name LIKE 'retool%'");
      expect(cols.rows[0].n).toBe(0);
    } finally {
      await holder.query("ROLLBACK");
      await Promise.all([holder.end(), client.end()]);
    }
  });
});

describe("adopt mode on a pre-filled table", () => {
  let db: Awaited<ReturnType<typeof provision>>;
  let originalColumns: string;
  let relfilenode: number;

  beforeAll(async () => {
    db = await provision(
      { usersTable: { mode: "adopt", schema: "crm", name: "customers", primaryKey: "customer_id", emailColumn: "contact_email" } },
      async (admin) => {
        await admin.query(`CREATE SCHEMA crm;
          CREATE TABLE crm.customers (
            customer_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            contact_email text,
            plan text NOT NULL DEFAULT 'basic',
            notes jsonb
          );
          INSERT INTO crm.customers (contact_email, plan, notes)
            SELECT 'person' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'pro' ELSE 'basic' END, jsonb_build_object('n', g)
            FROM generate_series(1, 500) g;
          INSERT INTO crm.customers (contact_email) VALUES ('Twin@example.com'), ('twin@EXAMPLE.com');`);
        originalColumns = await tableDump(admin, "(SELECT customer_id, contact_email, plan, notes FROM crm.customers)");
        relfilenode = (await admin.query("SELECT relfilenode FROM pg_class WHERE oid = 'crm.customers'::regclass")).rows[0].relfilenode;
      },
    );
  });
  afterAll(async () => {
    await db.admin.end();
  });

  it("adds the Retool columns without rewriting the table or touching its rows", async () => {
    expect(await tableDump(db.admin, "(SELECT customer_id, contact_email, plan, notes FROM crm.customers)")).toBe(originalColumns);
    const after = (await db.admin.query("SELECT relfilenode FROM pg_class WHERE oid = 'crm.customers'::regclass")).rows[0].relfilenode;
    expect(after).toBe(relfilenode);
    const cols = await db.admin.query(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'crm' AND table_name = 'customers' AND column_name LIKE 'retool%' ORDER BY 1",
    );
    expect(cols.rows.map((r) => r.column_name)).toEqual([
      "retool_active",
      "retool_created_at",
      "retool_first_name",
      "retool_last_name",
      "retool_last_seen_at",
      "retool_updated_at",
      "retool_user_id",
    ]);
  });

  it("builds valid indexes, the Retool id one unique", async () => {
    const idx = await db.admin.query(
      `SELECT c.relname, i.indisvalid, i.indisunique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'crm.customers'::regclass AND c.relname <> 'customers_pkey' ORDER BY 1`,
    );
    expect(idx.rows).toEqual([
      { relname: "customers_email_canonical_idx", indisvalid: true, indisunique: false },
      { relname: "customers_email_linked_key", indisvalid: true, indisunique: true },
      { relname: "customers_retool_user_id_key", indisvalid: true, indisunique: true },
    ]);
  });

  it("links an existing customer by email and creates new ones with the table's own defaults", async () => {
    const row = (retoolUserId: string) => db.admin.query("SELECT * FROM crm.customers WHERE retool_user_id = $1", [retoolUserId]).then((r) => r.rows[0]);
    await db.admin.query("SELECT * FROM retool_sync.sync_user('user_p7', 'PERSON7@example.com', 'Pat', 'Seven', 'backfill')");
    expect(await row("user_p7")).toMatchObject({
      contact_email: "PERSON7@example.com",
      plan: "basic",
      notes: { n: 7 },
      retool_first_name: "Pat",
      retool_active: true,
    });
    await db.admin.query("SELECT * FROM retool_sync.sync_user('user_new', 'brand.new@example.com', NULL, NULL, 'continue_page')");
    expect(await row("user_new")).toMatchObject({ plan: "basic", retool_user_id: "user_new", contact_email: "brand.new@example.com" });
  });

  it("refuses to guess between two unlinked rows with the same email", async () => {
    const err = await db.admin.query("SELECT retool_sync.sync_user('user_twin', 'twin@example.com', NULL, NULL, 'event')").catch((e) => e);
    expect(err.code).toBe("21000");
    expect(err.message).toMatch(/2 rows in crm.customers have the email 'twin@example.com' and no Retool id/);
  });

  it("tells a new user plainly that an address a linked row holds is taken, even when an unlinked row repeats it", async () => {
    // The team's app added a second row with a linked user's address: the unlinked copy must not
    // be linked to another Retool user (one linked row per address), and no call may loop on it.
    await db.admin.query("SELECT retool_sync.sync_user('user_holder1', 'held@example.com', NULL, NULL, 'event')");
    await db.admin.query("INSERT INTO crm.customers (contact_email) VALUES ('HELD@example.com')");
    const err = await db.admin.query("SELECT retool_sync.sync_user('user_other1', 'held@example.com', NULL, NULL, 'event')").catch((e) => e);
    expect(err.code).toBe("23505");
    expect(err.message).toMatch(/already belongs to Retool user user_holder1/);
  });

  it("recovers from an interrupted concurrent index build", async () => {
    // Simulate the leftover of a killed CREATE INDEX CONCURRENTLY: an invalid index of that name.
    await db.admin.query("DROP INDEX crm.customers_retool_user_id_key");
    await db.admin.query("CREATE UNIQUE INDEX customers_retool_user_id_key ON crm.customers (retool_user_id)");
    await db.admin.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'crm.customers_retool_user_id_key'::regclass");
    await db.admin.query("DELETE FROM retool_sync.schema_migrations WHERE id = '003_users_table_indexes'");
    const report = await applyMigrations(db.admin, withChecksums(allMigrations(db.settings)));
    // The ones after it are applied again too: they may act on what it rebuilt.
    expect(report.applied).toEqual(["003_users_table_indexes", "004_sync_function", "005_retool_role_grants"]);
    const valid = await db.admin.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'crm.customers_retool_user_id_key'::regclass");
    expect(valid.rows[0].indisvalid).toBe(true);
  });
});

describe("upgrading a table whose addresses were compared by lower()", () => {
  /** A users table as an earlier release made it: unique on lower(email), not on the canonical form. */
  async function earlierTable(emails: string[]) {
    const { settings, client } = await rolesOnly();
    await client.query(`CREATE TABLE public.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, retool_user_id text UNIQUE, email text NOT NULL,
      first_name text, last_name text, active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(), last_seen_at timestamptz);
      CREATE UNIQUE INDEX users_email_lower_key ON public.users (lower(email));`);
    for (const [i, email] of emails.entries()) await client.query("INSERT INTO public.users (retool_user_id, email) VALUES ($1, $2)", [`user_old${i}`, email]);
    return { client, settings };
  }

  it("stops, naming the rows that are one address in canonical form, and changes nothing", async () => {
    const { client, settings } = await earlierTable(["bob@corp.com", "\uff42ob@corp.com", "ann@corp.com"]);
    try {
      const before = await tableDump(client, "public.users");
      const err = await applyMigrations(client, withChecksums(allMigrations(settings))).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toMatch(/public\.users holds addresses that are the same address in canonical form: bob@corp\.com \(rows 1, 2\)/);
      expect(err.message).toMatch(/Merge each pair of rows, or correct one of the addresses/);
      expect(await tableDump(client, "public.users")).toBe(before);
      expect([...(await appliedChecksums(client)).keys()]).toEqual(["001_sync_schema"]);
      // Once a person resolves it, the upgrade goes through and the old index makes way.
      await client.query("UPDATE public.users SET email = 'bob.two@corp.com' WHERE id = 2");
      await applyMigrations(client, withChecksums(allMigrations(settings)));
      const indexes = await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE '%email%'");
      expect(indexes.rows.map((r) => r.indexname)).toEqual(["users_email_canonical_key"]);
    } finally {
      await client.end();
    }
  });

  it("keeps rows stored in other forms that are distinct addresses, without merging them", async () => {
    const { client, settings } = await earlierTable(["bob@corp.com", "bob@corp.com\u200b", "B\u043eb@corp.com"]);
    try {
      const before = await tableDump(client, "public.users");
      await applyMigrations(client, withChecksums(allMigrations(settings)));
      expect(await tableDump(client, "public.users")).toBe(before);
    } finally {
      await client.end();
    }
  });
});
