// The page role as an attacker with a SQL prompt (every Retool user on free and team has one), on
// a real Postgres with the SQL `pulumi up` applies: what it can learn about others, how long it
// can make others wait, and what concurrency and oversized input do.
import { type Client, Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFUSED_CLAIM_HINT, REFUSED_CLAIM_MESSAGE } from "../../../../infra/builders/sql/syncFunction";
import { pgClientConfig } from "../../../../infra/providers/pgConnection";
import { connect } from "../../../support/database";
import { type Provisioned, pgError, provision, syncPageUser, syncUser } from "../../../support/provisioned";

// A role of its own, with room for the concurrency tests: other files share the default one.
const ROLES = { page: { name: "attack_page" }, connectionLimit: 40 } as const;
const ADOPTED = { mode: "adopt", schema: "crm", name: "customers", primaryKey: "customer_id", emailColumn: "contact_email" } as const;

async function customers(admin: Client): Promise<void> {
  await admin.query(`CREATE SCHEMA crm;
    CREATE TABLE crm.customers (customer_id bigint GENERATED ALWAYS AS IDENTITY (START 6876438) PRIMARY KEY, contact_email text,
      full_name text DEFAULT 'Private Person', password_hash text DEFAULT 'pbkdf2$secret')`);
}

const victims = Array.from({ length: 20 }, (_, i) => ({
  id: `user_victim${String(i).padStart(3, "0")}`,
  email: `victim${i}@corp.example`,
  first: `Vicfirst${i}`,
  last: `Viclast${i}`,
}));

describe("as the page role: nothing about other users in any result or error", () => {
  for (const mode of ["create", "adopt"] as const) {
    it(`on a ${mode} table, every refusal is the same words, naming none of another user's values`, async () => {
      const db = await provision({ retoolRoles: ROLES, ...(mode === "adopt" ? { usersTable: ADOPTED } : {}) }, mode === "adopt" ? customers : undefined);
      const page = await connect(db.roleConn.page);
      try {
        // Row keys a text search can tell from every other number in a message.
        if (mode === "create") await db.admin.query("ALTER TABLE public.users ALTER COLUMN id RESTART WITH 7350001");
        // Other users, as Retool's own events made them, and a row not linked yet.
        for (const v of victims) await syncUser(db.admin, { ...v, source: "event" });
        const table = mode === "adopt" ? "crm.customers" : "public.users";
        const emailColumn = mode === "adopt" ? "contact_email" : "email";
        await db.admin.query(`INSERT INTO ${table} (${emailColumn}) VALUES ('unlinked@corp.example')`);
        const keys = await db.admin.query(`SELECT ${mode === "adopt" ? "customer_id" : "id"}::text AS k FROM ${table}`);
        const secrets = [
          ...victims.flatMap((v) => [v.id, v.email, v.first, v.last]),
          "unlinked@corp.example",
          "Private Person",
          "pbkdf2$secret",
          ...keys.rows.map((r) => r.k),
        ];
        // The attacker also asks for every LOG line the server would send it.
        await page.query("SET client_min_messages = debug5");
        const heard: string[] = [];
        page.on("notice", (n) => heard.push(`${n.message} ${n.detail ?? ""} ${n.hint ?? ""}`));

        const probes = [
          ...victims.map((v, i) => ({ id: `user_mallory${i}`, email: v.email })), // someone else's address, a new id
          ...victims.map((v) => ({ id: v.id, email: "mallory@evil.example" })), // someone else's id, another address
          { id: "user_mallory99", email: "UNLINKED@corp.example" }, // a row not linked yet
        ];
        const answers = new Set<string>();
        let leaked = 0;
        for (const probe of probes) {
          const err = await pgError(() => syncPageUser(page, probe));
          const text = JSON.stringify(err);
          if (secrets.some((s) => text.includes(s))) leaked++;
          answers.add(`${err.code} ${err.message} ${err.hint}`);
        }
        expect(leaked).toBe(0);
        expect([...answers]).toEqual([`23505 retool_sync.sync_user_outcome: ${REFUSED_CLAIM_MESSAGE} ${REFUSED_CLAIM_HINT}`]);
        expect(heard.filter((h) => secrets.some((s) => h.includes(s)))).toEqual([]);
      } finally {
        await Promise.all([page.end(), db.admin.end()]);
      }
    });
  }
});

describe("as the page role: no lock it can take or hold stalls others for long", () => {
  let db: Provisioned;
  let attacker: Client;
  beforeAll(async () => {
    db = await provision({ retoolRoles: ROLES });
    attacker = await connect(db.roleConn.page);
    for (const v of victims) await syncUser(db.admin, { ...v, source: "event" });
  });
  afterAll(async () => {
    await Promise.all([attacker.end(), db.admin.end()]);
  });

  it("with every advisory key an earlier release used and a victim's row held open, a new user syncs at once and the victim within 15 s", async () => {
    const victim = victims[0];
    await attacker.query("BEGIN");
    // Every key the earlier releases' email locks hashed into, and each address's own hash.
    await attacker.query("SELECT pg_advisory_xact_lock(hashtext('retool_sync.email'), b) FROM generate_series(0, 255) AS b");
    await attacker.query("SELECT pg_advisory_xact_lock(hashtext(e)) FROM unnest($1::text[]) AS e", [victims.map((v) => v.email)]);
    // The victim's id and address are known to it here (the worst case): its own entry point locks the row.
    await syncPageUser(attacker, victim);
    const trusted = await connect(db.conn);
    try {
      const t0 = Date.now();
      await syncUser(trusted, { id: "user_newcomer1", email: "newcomer@corp.example", source: "event" });
      const newUserMs = Date.now() - t0;
      const t1 = Date.now();
      const outcome = await syncUser(trusted, { ...victim, first: "Changed", source: "event" }).then(
        () => "synced",
        (e: { code: string }) => e.code,
      );
      const victimMs = Date.now() - t1;
      expect(newUserMs).toBeLessThan(5_000);
      expect(victimMs).toBeLessThan(15_000);
      // Waiting for the held row gives up with Postgres's retryable lock timeout.
      expect(outcome).toBe("55P03");
    } finally {
      await attacker.query("ROLLBACK");
      await trusted.end();
    }
  });
});

describe("identical and racing calls", () => {
  it("1,000 concurrent identical first calls (40 users, 25 each, 20 connections) all succeed, one row per user", async () => {
    const db = await provision({ retoolRoles: ROLES });
    const pool = new Pool({ ...pgClientConfig(db.roleConn.page), max: 20 });
    try {
      const users = Array.from({ length: 40 }, (_, i) => ({ id: `user_twin${i}`, email: `twin${i}@corp.example`, first: "Twin" }));
      const calls = users.flatMap((u) => Array.from({ length: 25 }, () => u));
      const results = await Promise.allSettled(
        calls.map((u) => pool.query("SELECT retool_user_id FROM retool_sync.sync_page_user($1, $2, $3, NULL)", [u.id, u.email, u.first])),
      );
      const errors = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.message);
      expect(errors).toEqual([]);
      const rows = await db.admin.query("SELECT count(*)::int AS n, count(DISTINCT retool_user_id)::int AS ids FROM public.users");
      expect(rows.rows[0]).toEqual({ n: 40, ids: 40 });
    } finally {
      await pool.end();
      await db.admin.end();
    }
  });

  for (const mode of ["create", "adopt"] as const) {
    it(`200 email changes racing 200 first syncs of the same addresses leave at most one linked row per address (${mode})`, async () => {
      const db = await provision({ retoolRoles: ROLES, ...(mode === "adopt" ? { usersTable: ADOPTED } : {}) }, mode === "adopt" ? customers : undefined);
      const trusted = new Pool({ ...pgClientConfig(db.conn), max: 10 });
      const page = new Pool({ ...pgClientConfig(db.roleConn.page), max: 10 });
      try {
        const movers = Array.from({ length: 200 }, (_, i) => ({ id: `user_mover${i}`, email: `before${i}@corp.example` }));
        for (const m of movers) await syncUser(db.admin, { ...m, source: "event" });
        await Promise.allSettled(
          movers.flatMap((m, i) => [
            // Retool says user A moved to x@; meanwhile user B signs in with x@ for the first time.
            trusted.query("SELECT * FROM retool_sync.sync_user($1, $2, NULL, NULL, 'event')", [m.id, `x${i}@corp.example`]),
            page.query("SELECT * FROM retool_sync.sync_page_user($1, $2, NULL, NULL)", [`user_newcomer${i}`, `X${i}@corp.example`]),
          ]),
        );
        const table = mode === "adopt" ? "crm.customers" : "public.users";
        const email = mode === "adopt" ? "contact_email" : "email";
        const dupes = await db.admin.query(
          `SELECT count(*)::int AS n FROM (SELECT retool_sync.canonical_email(${email}) FROM ${table} WHERE retool_user_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) AS d`,
        );
        expect(dupes.rows[0].n).toBe(0);
      } finally {
        await Promise.all([trusted.end(), page.end()]);
        await db.admin.end();
      }
    });
  }
});

describe("oversized input", () => {
  let db: Provisioned;
  let page: Client;
  beforeAll(async () => {
    db = await provision({ retoolRoles: ROLES, emailCharacters: "unicode" });
    page = await connect(db.roleConn.page);
  });
  afterAll(async () => {
    await Promise.all([page.end(), db.admin.end()]);
  });

  it.each([
    ["email", (big: string) => ({ id: "user_big1", email: `${big}@corp.example` }), /p_email is \d+ bytes long/],
    ["first name", (big: string) => ({ id: "user_big2", email: "big2@corp.example", first: big }), /p_first_name is \d+ bytes long/],
  ])("a 10 MB %s is refused within 1 s of server time", async (_what, args, message) => {
    // NFKC-heavy text: what normalising would cost, if it ran first.
    const big = "ﬃ".repeat((10 * 1024 * 1024) / 3);
    await page.query("SELECT pg_stat_reset()").catch(() => undefined);
    const t0 = Date.now();
    const err = await pgError(() => syncPageUser(page, args(big)));
    const took = Date.now() - t0;
    expect(err.code).toBe("22023");
    expect(err.message).toMatch(message);
    // Round trip included: sending 10 MB over loopback is most of it.
    expect(took).toBeLessThan(1_000);
  });
});
