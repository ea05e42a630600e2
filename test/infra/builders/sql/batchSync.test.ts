// retool_sync.sync_users against its definition: for any page, the same outcomes, errors and
// table as calling sync_user_outcome once per user in page order. Checked on a created and an
// adopted table, for pages that take the set-based insert, pages that fall back to one by one,
// and two batches racing for the same new users.
import type { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { retoolUser } from "../../../../fakeRetool/fakeRetool";
import { usersTableColumns } from "../../../../infra/builders/sql/usersTableColumns";
import { withTransaction } from "../../../../infra/providers/pgConnection";
import { syncBatch } from "../../../../ops/sync/userBatches";
import { connect } from "../../../support/database";
import { type Provisioned, pgError, provision, syncOutcome } from "../../../support/provisioned";

/** A record as Retool's list holds it, or with a field Retool should never send ("yes" for active). */
interface PageUser {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  active: boolean | "yes";
}
const user = (n: number, o: Partial<PageUser> = {}): PageUser => {
  const r = retoolUser(n);
  return { id: r.id, email: r.email, first_name: r.first_name, last_name: r.last_name, active: r.active, ...o };
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => user(from + i));

/** Pages that exercise every branch; page numbers in the comments are what each one is for. */
function awkwardPages(): PageUser[][] {
  return [
    // all new and valid: the set-based insert takes every user
    range(1, 40),
    // all new, two invalid that only the input rules catch: the valid ones go set-based, the
    // invalid ones one by one
    [...range(41, 50), user(51, { email: "not an email" }), user(53, { first_name: "x".repeat(40) })],
    // an id the table's own CHECK refuses too
    [user(52, { id: "usr_forged" }), user(54)],
    // all new, the same address twice in different case: the first wins, the second is refused
    [...range(60, 65), user(66, { email: "Twice@Example.com" }), user(67, { email: "twice@example.com" })],
    // the same id twice in one page
    [user(70), user(70, { first_name: "Later" }), user(71)],
    // mixed: known users changed, disabled, unchanged, a new one, a link by email, unicode, nulls
    [
      user(1, { first_name: "Renamed" }),
      user(2, { active: false }),
      user(3),
      user(80, { first_name: "Zoë", last_name: "Ångström-李" }),
      user(81, { email: "existing@example.com", first_name: null, last_name: null }),
      user(82, { email: "  padded@example.com  ", first_name: "   " }),
      user(83, { active: "yes" }),
    ],
    // an address already held by another Retool user
    [user(90, { email: "user1@example.com" }), user(91)],
    // a user disabled above, now with an active that is no boolean: refused, and they stay as they were
    [user(2, { active: "yes" }), user(92)],
    // a run repeated: every user unchanged
    range(1, 40),
  ];
}

type Outcome = { retool_user_id: string; outcome: string; error: string | null };

/** The definition: sync_user_outcome once per user, in page order, each in its own call. */
async function oneByOne(db: Client, pages: PageUser[][]): Promise<Outcome[][]> {
  const out: Outcome[][] = [];
  for (const page of pages) {
    const rows: Outcome[] = [];
    for (const u of page) {
      // The test's own expectation, not the rule's code: "yes" is not true or false, so that record
      // is refused alone, before any rule runs on it.
      if (u.active === "yes") {
        rows.push({ retool_user_id: u.id, outcome: "failed", error: "retool_sync.sync_users: active is not true or false (22023)" });
        continue;
      }
      const active = u.active;
      try {
        const outcome = await syncOutcome(db, { id: u.id, email: u.email, first: u.first_name, last: u.last_name, source: "backfill", active });
        rows.push({ retool_user_id: u.id, outcome, error: null });
      } catch (e) {
        const err = e as { message: string; code: string };
        rows.push({ retool_user_id: u.id, outcome: "failed", error: `${err.message} (${err.code})` });
      }
    }
    out.push(rows);
  }
  return out;
}

/** As the backfill sends them: a page per call, each call its own transaction. */
async function batched(db: Client, pages: PageUser[][]): Promise<Outcome[][]> {
  const out: Outcome[][] = [];
  for (const page of pages) out.push(await syncBatch(db, page, "backfill"));
  return out;
}

/** Runs a page in a transaction and returns its outcomes and what `look` sees just before the commit. */
function beforeCommit<T>(db: Client, page: PageUser[], look: () => Promise<T>, progress?: { runKey: string; next?: string }) {
  return withTransaction(db, async () => {
    const rows = await syncBatch(db, page, "backfill", progress);
    return { rows, seen: await look() };
  });
}

/** Errors name the row's generated key, which differs between two databases by nature. */
const withoutKeys = (r: Outcome): Outcome => ({ ...r, error: r.error?.replace(/\brow [0-9a-f-]+/g, "row #") ?? null });
const sorted = (rows: Outcome[]) =>
  rows.map(withoutKeys).sort((a, b) => (a.retool_user_id + a.outcome + a.error).localeCompare(b.retool_user_id + b.outcome + b.error));

/** What the table holds, without generated keys and timestamps (besides whether last seen is set). */
async function content(p: Provisioned): Promise<string[]> {
  const c = usersTableColumns(p.settings.usersTable);
  const r = await p.admin.query(
    `SELECT ${c.retoolUserId} AS retool_user_id, ${c.email} AS email, ${c.firstName} AS first, ${c.lastName} AS last, ${c.active} AS active, ${c.lastSeenAt} IS NOT NULL AS seen FROM ${c.qualifiedName}`,
  );
  return r.rows.map((x) => JSON.stringify(x)).sort();
}

const BUSINESS = { plan: "business", retool: { url: "https://acme.retool.com" } } as const;
const ADOPTED = { usersTable: { mode: "adopt", schema: "crm", name: "customers", primaryKey: "customer_id", emailColumn: "contact_email" } } as const;

/** A team's own table: its own columns, an unlinked row, and a trigger that refuses some rows. */
async function customersTable(admin: Client): Promise<void> {
  await admin.query(`CREATE SCHEMA crm;
    CREATE TABLE crm.customers (customer_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), contact_email text, plan text NOT NULL DEFAULT 'basic');
    CREATE FUNCTION crm.no_blocked() RETURNS trigger LANGUAGE plpgsql AS $t$
    BEGIN
      IF NEW.contact_email LIKE '%@blocked.example' THEN RAISE EXCEPTION 'customers from blocked.example are not allowed'; END IF;
      RETURN NEW;
    END $t$;
    CREATE TRIGGER no_blocked BEFORE INSERT ON crm.customers FOR EACH ROW EXECUTE FUNCTION crm.no_blocked();`);
}

const open: Provisioned[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.admin.end()));
});

async function twins(overrides: Parameters<typeof provision>[0], prepare?: (admin: Client) => Promise<void>): Promise<[Provisioned, Provisioned]> {
  const a = await provision(overrides, prepare);
  const b = await provision(overrides, prepare);
  open.push(a, b);
  return [a, b];
}

describe("sync_users gives what sync_user gives, one user at a time", () => {
  it("on a created table", async () => {
    const [batch, reference] = await twins(BUSINESS);
    for (const p of [batch, reference]) await p.admin.query("INSERT INTO public.users (email, first_name) VALUES ('Existing@Example.com', 'Kept')");
    const pages = awkwardPages();
    const got = await batched(batch.admin, pages);
    const want = await oneByOne(reference.admin, pages);
    for (const [i, page] of got.entries()) expect(sorted(page), `page ${i}`).toEqual(sorted(want[i]));
    expect(await content(batch)).toEqual(await content(reference));
    // The branches were really taken: created, linked, updated, deactivated, unchanged and failed.
    const outcomes = new Set(want.flat().map((r) => r.outcome));
    expect([...outcomes].sort()).toEqual(["created", "deactivated", "failed", "linked", "unchanged", "updated"]);
  });

  it("on an adopted table, where a trigger refuses some rows and duplicate unlinked rows exist", async () => {
    const [batch, reference] = await twins(ADOPTED, customersTable);
    for (const p of [batch, reference]) {
      await p.admin.query("INSERT INTO crm.customers (contact_email) VALUES ('existing@example.com'), ('Twin@example.com'), ('twin@EXAMPLE.com')");
    }
    const pages = [...awkwardPages(), [...range(100, 110), user(111, { email: "ann@blocked.example" })], [user(112, { email: "twin@example.com" }), user(113)]];
    const got = await batched(batch.admin, pages);
    const want = await oneByOne(reference.admin, pages);
    for (const [i, page] of got.entries()) expect(sorted(page), `page ${i}`).toEqual(sorted(want[i]));
    expect(await content(batch)).toEqual(await content(reference));
    const failures = want
      .flat()
      .filter((r) => r.outcome === "failed")
      .map((r) => r.error);
    expect(failures).toEqual(expect.arrayContaining([expect.stringMatching(/blocked.example are not allowed/), expect.stringMatching(/refusing to guess/)]));
  });
});

describe("sync_users takes the set-based path for plainly new users", () => {
  /** Runs a page and counts this transaction's completed calls of sync_user_outcome. */
  async function perUserCalls(db: Provisioned, page: PageUser[]) {
    await db.admin.query("SET track_functions = 'pl'");
    const { rows, seen } = await beforeCommit(db.admin, page, () =>
      db.admin.query(
        "SELECT coalesce(pg_stat_get_xact_function_calls('retool_sync.sync_user_outcome(text, text, text, text, text, boolean)'::regprocedure), 0)::int AS n",
      ),
    );
    return { outcomes: rows.map((r) => r.outcome).sort(), calls: seen.rows[0].n as number };
  }

  it("on a created table: none for a page of new users, one per user that is not plainly new", async () => {
    const db = await provision(BUSINESS);
    open.push(db);
    expect(await perUserCalls(db, range(1, 100))).toEqual({ outcomes: Array(100).fill("created"), calls: 0 });
    expect(await perUserCalls(db, [...range(101, 109), user(1, { first_name: "Renamed" })])).toEqual({
      outcomes: [...Array(9).fill("created"), "updated"],
      calls: 1,
    });
    // The same address twice in a page: both go one by one, the first created, the second refused.
    expect(await perUserCalls(db, [...range(110, 117), user(118, { email: "same@example.com" }), user(119, { email: "SAME@example.com" })])).toEqual({
      outcomes: [...Array(9).fill("created"), "failed"],
      calls: 2,
    });
  });

  it("on an adopted table: one per user that is not plainly new", async () => {
    const db = await provision(ADOPTED, customersTable);
    open.push(db);
    expect((await perUserCalls(db, range(1, 100))).calls).toBe(0);
    expect(await perUserCalls(db, [...range(101, 109), user(1, { first_name: "Renamed" })])).toEqual({
      outcomes: [...Array(9).fill("created"), "updated"],
      calls: 1,
    });
  });
});

describe("sync_users under concurrency", () => {
  const tables: [string, Parameters<typeof provision>[0], ((admin: Client) => Promise<void>) | undefined][] = [
    ["created", BUSINESS, undefined],
    ["adopted", ADOPTED, customersTable],
  ];
  for (const [name, overrides, prepare] of tables) {
    it(`two batches racing for the same new users leave one row each and no failures (${name} table)`, async () => {
      const db = await provision(overrides, prepare);
      open.push(db);
      const [a, b] = await Promise.all([connect(db.conn), connect(db.conn)]);
      try {
        // b's users overlap a's, in the opposite order, so each holds keys the other wants.
        const pageA = range(1, 100);
        const pageB = range(51, 150).reverse();
        const [ra, rb] = await Promise.all([syncBatch(a, pageA, "backfill"), syncBatch(b, pageB, "backfill")]);
        expect([...ra, ...rb].filter((r) => r.outcome === "failed")).toEqual([]);
        expect(ra.map((r) => r.retool_user_id).sort()).toEqual(pageA.map((u) => u.id).sort());
        const created = [...ra, ...rb].filter((r) => r.outcome === "created").map((r) => r.retool_user_id);
        expect(new Set(created).size).toBe(150);
        expect(created).toHaveLength(150);
        const table = db.settings.usersTable.mode === "create" ? "public.users" : "crm.customers";
        const counts = await db.admin.query(`SELECT count(*)::int AS n, count(DISTINCT retool_user_id)::int AS ids FROM ${table}`);
        expect(counts.rows[0]).toEqual({ n: 150, ids: 150 });
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    });
  }

  it("a batch racing first logins for other Retool ids with the same addresses, on an adopted table, gives each address one row", async () => {
    const db = await provision(ADOPTED, customersTable);
    open.push(db);
    const logins = await Promise.all(Array.from({ length: 8 }, () => connect(db.conn)));
    const batch = await connect(db.conn);
    try {
      const page = range(1, 100);
      // Each login connection signs in another Retool user with one of the page's addresses, in
      // another case and in reverse order: on an adopted table only the email index over linked
      // rows keeps an address from getting two rows.
      const rivals = page.map((u, n) => ({ id: user(1001 + n).id, email: u.email.toUpperCase(), source: "continue_page" }));
      const refusals: string[] = [];
      const login = async (c: Client, i: number) => {
        for (const rival of rivals.filter((_, n) => n % 8 === i).reverse()) {
          await syncOutcome(c, rival).catch((e: { code: string }) => refusals.push(e.code));
        }
      };
      const [rows] = await Promise.all([syncBatch(batch, page, "backfill"), ...logins.map(login)]);
      // Whichever came first has the address; the other is refused with "belongs to another".
      const batchFailures = rows.filter((r) => r.outcome === "failed");
      expect(batchFailures.length + refusals.length).toBe(100);
      expect(new Set([...refusals, ...batchFailures.map((r) => r.error?.match(/\((\w+)\)$/)?.[1])])).toEqual(new Set(["23505"]));
      const counts = await db.admin.query("SELECT count(*)::int AS n, count(DISTINCT lower(contact_email))::int AS emails FROM crm.customers");
      expect(counts.rows[0]).toEqual({ n: 100, emails: 100 });
    } finally {
      await Promise.all([...logins, batch].map((c) => c.end()));
    }
  });
});

describe("sync_users and the shared lock table", () => {
  /** Advisory locks this session holds once the call is done, before its transaction commits. */
  async function locksHeld(db: Client, page: PageUser[]) {
    const { rows, seen } = await beforeCommit(db, page, () =>
      db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
    );
    return { created: rows.filter((r) => r.outcome === "created").length, locks: seen.rows[0].n as number };
  }

  // Anyone who can connect may take any advisory lock, so a path that waited on one could be
  // jammed by a Retool role; the unique indexes serialise instead, and they fill no shared table.
  it("a call with thousands of new users on an adopted table holds no advisory lock, set-based or one by one", async () => {
    const db = await provision(ADOPTED, customersTable);
    open.push(db);
    const set = await locksHeld(db.admin, range(1, 3000));
    expect(set.created).toBe(3000);
    expect(set.locks).toBe(0);
    // One user the trigger refuses makes the set fail, so all 3,000 go through sync_user.
    const oneByOne = await locksHeld(db.admin, [...range(3001, 6000), user(6001, { email: "ann@blocked.example" })]);
    expect(oneByOne.created).toBe(3000);
    expect(oneByOne.locks).toBe(0);
  });
});

describe("sync_users and durability", () => {
  /** synchronous_commit as the page's transaction will commit with it, and after. */
  async function commitMode(db: Client, progress?: { runKey: string; next?: string }) {
    const show = async () => (await db.query("SHOW synchronous_commit")).rows[0].synchronous_commit as string;
    const { seen: during } = await beforeCommit(db, range(1, 3), show, progress);
    const after = await show();
    return { during, after };
  }

  it("a resumable page does not wait for the WAL flush, the last page and unsaved batches do, and nothing outlasts the transaction", async () => {
    const db = await provision(BUSINESS);
    open.push(db);
    expect(await commitMode(db.admin, { runKey: "r", next: "cursor-2" })).toEqual({ during: "off", after: "on" });
    expect(await commitMode(db.admin, { runKey: "r" })).toEqual({ during: "on", after: "on" });
    expect(await commitMode(db.admin)).toEqual({ during: "on", after: "on" });
  });
});

describe("sync_users and saved progress", () => {
  it("counts every Retool page a statement carries, and refuses a count below one without writing", async () => {
    const db = await provision(BUSINESS);
    open.push(db);
    const progress = async () => (await db.admin.query("SELECT pages, next_cursor FROM retool_sync.batch_progress WHERE run_key = 'r'")).rows[0];
    await syncBatch(db.admin, range(1, 250), "backfill", { runKey: "r", next: "cursor-4", pages: 3 });
    expect(await progress()).toEqual({ pages: "3", next_cursor: "cursor-4" });
    await syncBatch(db.admin, range(251, 300), "backfill", { runKey: "r", next: "cursor-5" });
    expect(await progress()).toEqual({ pages: "4", next_cursor: "cursor-5" });
    const before = await content(db);
    const err = await pgError(() => syncBatch(db.admin, range(301, 310), "backfill", { runKey: "r", next: "cursor-6", pages: 0 }));
    expect(err).toMatchObject({ code: "22023", message: expect.stringMatching(/p_pages 0 is not a number of Retool pages/) });
    expect(await content(db)).toEqual(before);
    expect(await progress()).toEqual({ pages: "4", next_cursor: "cursor-5" });
  });
});

describe("one bad record in a batch", () => {
  it("is refused alone, with its id and the reason, also when it reaches the scheduled reconcile as raw JSON", async () => {
    const db = await provision({
      plan: "enterprise",
      retool: { url: "https://acme.retool.com", apiTier: "enterprise-premium", reconcileSchedule: "0 * * * *" },
    });
    open.push(db);
    // As Retool's answer would arrive from the workflow: JSON text, escapes and all.
    const list = `[
      {"id":"user_good1","email":"good1@corp.example","first_name":"Good","last_name":"One","active":true},
      {"id":"user_nul1","email":"nul1@corp.example","first_name":"Bad\\u0000Name","last_name":null,"active":true},
      {"id":"user_surrogate1","email":"surrogate1@corp.example","first_name":null,"last_name":"Bad\\ud800","active":true},
      {"id":"user_object1","email":"object1@corp.example","first_name":{"given":"Ob"},"last_name":null,"active":true},
      {"id":"user_string1","email":"string1@corp.example","first_name":null,"last_name":null,"active":"false"},
      {"id":"user_good2","email":"good2@corp.example","first_name":null,"last_name":null,"active":false}
    ]`;
    const r = await db.admin.query("SELECT retool_user_id, outcome, error FROM retool_sync.reconcile_users($1::json) ORDER BY retool_user_id", [list]);
    const byId = Object.fromEntries(r.rows.map((x) => [x.retool_user_id, x]));
    expect(byId.user_good1.outcome).toBe("created");
    expect(byId.user_good2.outcome).toBe("created");
    expect(byId.user_nul1).toMatchObject({ outcome: "failed", error: expect.stringMatching(/record 2 holds text Postgres cannot store/) });
    expect(byId.user_surrogate1).toMatchObject({ outcome: "failed", error: expect.stringMatching(/record 3 holds text Postgres cannot store/) });
    expect(byId.user_object1).toMatchObject({ outcome: "failed", error: expect.stringMatching(/first_name is not a string \(22023\)/) });
    expect(byId.user_string1).toMatchObject({ outcome: "failed", error: expect.stringMatching(/active is not true or false \(22023\)/) });
    const rows = await db.admin.query("SELECT retool_user_id, first_name, active FROM public.users ORDER BY 1");
    expect(rows.rows).toEqual([
      { retool_user_id: "user_good1", first_name: "Good", active: true },
      { retool_user_id: "user_good2", first_name: null, active: false },
    ]);
  });
});

describe("a row another session holds", () => {
  it("is skipped and reported by a batch, which goes on without waiting for it", async () => {
    const db = await provision(BUSINESS);
    open.push(db);
    await syncBatch(db.admin, [user(1), user(2)], "backfill");
    // A sign-in in flight, or a session left open, holds user 1's row.
    const holder = await connect(db.conn);
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM public.users WHERE retool_user_id = $1 FOR UPDATE", [user(1).id]);
      const started = Date.now();
      const rows = await syncBatch(db.admin, [user(1, { first_name: "Held" }), user(2, { first_name: "Free" })], "reconcile");
      const took = Date.now() - started;
      expect(rows).toEqual([
        { retool_user_id: user(1).id, outcome: "failed", error: expect.stringMatching(/held by another session; skipped rather than waited for.*\(55P03\)$/) },
        { retool_user_id: user(2).id, outcome: "updated", error: null },
      ]);
      expect(took).toBeLessThan(1_000);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
  });
});
