// Backfill and reconcile against a fake Retool serving a realistic user list, on a real Postgres.
import { spawn } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { Client } from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeRetool, retoolUser } from "../../fakeRetool/fakeRetool";
import { RetoolClient } from "../../infra/providers/retool/retoolClient";
import { driftCount, readDrift, usersToRepair } from "../../ops/sync/drift";
import { repairDrift } from "../../ops/sync/repairDrift";
import { backfill, PAGES_PER_STATEMENT, syncBatch } from "../../ops/sync/userBatches";
import { projectWithStack } from "../support/project";
import { type Provisioned, provision, syncUser } from "../support/provisioned";
import { databaseUrl, runScript } from "../support/scripts";
import { until } from "../support/until";

const TOKEN = "rtk_users_read";
const BUSINESS = { plan: "business", retool: { url: "https://acme.retool.com" } } as const;
const ROOT = path.resolve(__dirname, "../..");

/** 250 ordinary users plus the awkward cases the issue lists. */
function realisticUsers() {
  const users = Array.from({ length: 250 }, (_, i) => retoolUser(i + 1));
  users.push(
    retoolUser(1001, { email: "Mixed.Case@Example.com" }),
    retoolUser(1002, { email: "mixed.case@example.com" }), // same address, other case: Retool should not, we must not crash
    retoolUser(1003, { first_name: "Zoë", last_name: "Ångström-李" }),
    retoolUser(1004, { active: false }),
    retoolUser(1005, { email: "existing@example.com", first_name: null, last_name: null, last_active: null }),
  );
  return users;
}

let fake: FakeRetool | undefined;
let db: Provisioned | undefined;
afterEach(async () => {
  expect(fake?.violations ?? []).toEqual([]);
  await fake?.stop();
  await db?.admin.end();
  fake = undefined;
  db = undefined;
});

async function setup(users = realisticUsers()) {
  fake = await new FakeRetool({ token: TOKEN, users }).start();
  // A row the app already had, with no Retool id yet: backfill links it by email.
  db = await provision(BUSINESS);
  await db.admin.query("INSERT INTO public.users (email, first_name) VALUES ('existing@example.com', 'Kept')");
  return { fake, db };
}

const api = (o = {}) => new RetoolClient({ url: fake!.url, token: TOKEN, rateLimitPerMinute: 0, retries: 4, retryBaseMs: 1, ...o });

/** The table's content that matters, without generated ids and timestamps. */
async function content(client: Client): Promise<string[]> {
  const r = await client.query("SELECT retool_user_id, email, first_name, last_name, active FROM public.users ORDER BY email, retool_user_id");
  return r.rows.map((x) => JSON.stringify(x));
}

/** What the table should hold: each user through sync_user one at a time, on a fresh database. */
async function expectedTable(users = realisticUsers()): Promise<string[]> {
  const ref = await provision(BUSINESS);
  try {
    await ref.admin.query("INSERT INTO public.users (email, first_name) VALUES ('existing@example.com', 'Kept')");
    for (const u of users) {
      await syncUser(ref.admin, { id: u.id, email: u.email, first: u.first_name, last: u.last_name, source: "backfill", active: u.active }).catch(
        () => undefined,
      );
    }
    return await content(ref.admin);
  } finally {
    await ref.admin.end();
  }
}

/** The real script, as a user runs it, against this test's fake Retool and database. */
function spawnBackfill(db: Provisioned, stdio: "pipe" | "ignore" = "pipe", retoolUrl = fake!.url) {
  return spawn(process.execPath, ["--import", "tsx", "scripts/backfill.ts", "--retool-url", retoolUrl, "--rate-limit", "300"], {
    cwd: ROOT,
    env: {
      ...process.env,
      RETOOL_API_TOKEN: TOKEN,
      RETOOL_API_TIER: "enterprise-premium",
      DATABASE_URL: databaseUrl(db.conn),
    },
    stdio,
  });
}

const progressNow = (db: Provisioned) => db.admin.query("SELECT pages::int AS pages, finished FROM retool_sync.batch_progress").then((r) => r.rows[0]);

/** Waits until the script has committed at least `pages` pages. */
const committed = (db: Provisioned, pages: number) =>
  until(`the backfill to commit ${pages} pages`, async () => ((await progressNow(db))?.pages ?? 0) >= pages, 15_000);

describe("on a tier without the Users API", () => {
  it.each(["backfill", "reconcile"])(
    "%s sends no request, exits 2 and says what works on the plan instead",
    async (script) => {
      // A Retool that answers as a Business org does: 403 for /users.
      fake = await new FakeRetool({ token: TOKEN, users: realisticUsers(), tier: "business" }).start();
      db = await provision(BUSINESS);
      for (const how of [
        ["--api-tier", "business"],
        ["--api-tier", "enterprise-base"],
      ]) {
        const r = await runScript(script, ["--retool-url", fake.url, ...how], { RETOOL_API_TOKEN: TOKEN, DATABASE_URL: databaseUrl(db.conn) });
        expect(r.code, r.err).toBe(2);
        expect(r.err).toContain(
          `${script} cannot run on this org: it reads Retool's users with GET /users, one of the Users endpoints, which only Enterprise Premium has`,
        );
        expect(r.err).toContain("docs.retool.com/api");
        expect(r.err).toMatch(/every user syncs at sign-in/);
        expect(r.err).toMatch(/last_seen_at/);
        expect(r.err).not.toMatch(/missing the scope|users:read/);
      }
      expect(fake.requests).toEqual([]);
      expect((await db.admin.query("SELECT count(*)::int AS n FROM public.users")).rows[0].n).toBe(0);
    },
    60_000,
  );

  it("reads the tier from the stack: a business stack stops the same way", async () => {
    fake = await new FakeRetool({ token: TOKEN, tier: "business" }).start();
    const project = projectWithStack(
      `config:\n  retool-user-sync:plan: business\n  retool-user-sync:database: { host: 127.0.0.1, name: app, adminUser: postgres, sslmode: disable }\n  retool-user-sync:retool: { url: ${fake.url} }\n`,
    );
    const r = await runScript("backfill", ["--stack", "ci"], { RUS_PROJECT_DIR: project, RETOOL_API_TOKEN: TOKEN, PGPASSWORD: "unused" });
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/this org's API tier is Business\. Nothing was sent to Retool/);
    expect(fake.requests).toEqual([]);
  }, 30_000);

  it("a 403 for an endpoint outside the declared tier says so, not that a scope is missing", async () => {
    fake = await new FakeRetool({ token: TOKEN, users: realisticUsers(), tier: "business" }).start();
    const err = await api({ apiTier: "business", retries: 0 })
      .request("GET", "/users")
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /failed with 403.*GET \/users is one of Retool's Users endpoints, which only the Enterprise Premium API tier and above have .*this org's tier is Business, so no token scope can help/,
    );
    expect((err as Error).message).not.toMatch(/missing the scope/);
    // Not knowing the tier, it names the scope and the tier alike.
    const unsure = await api({ retries: 0 })
      .request("GET", "/users")
      .catch((e: Error) => e);
    expect((unsure as Error).message).toMatch(/missing the scope users:read.*If the org is not on Enterprise Premium, no scope helps/);
  });

  it("with Enterprise Premium declared, backfills 250 users exactly", async () => {
    const users = Array.from({ length: 250 }, (_, i) => retoolUser(i + 1));
    fake = await new FakeRetool({ token: TOKEN, users, tier: "enterprise-premium" }).start();
    db = await provision(BUSINESS);
    const r = await runScript("backfill", ["--retool-url", fake.url, "--api-tier", "enterprise-premium", "--rate-limit", "0", "--json"], {
      RETOOL_API_TOKEN: TOKEN,
      DATABASE_URL: databaseUrl(db.conn),
    });
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ users: 250, counts: { created: 250, failed: 0 } });
    const rows = await db.admin.query("SELECT retool_user_id FROM public.users ORDER BY retool_user_id");
    expect(rows.rows.map((x) => x.retool_user_id)).toEqual(users.map((u) => u.id).sort());
  }, 60_000);
});

describe("backfill", () => {
  it("syncs every user with one database round trip per statement and reports each outcome", async () => {
    const { db } = await setup();
    const query = vi.spyOn(db.admin, "query");
    // One page a statement here, so the count of statements does not hang on timing (see below).
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t", pagesPerStatement: 1 });
    expect(fake!.requests.filter((r) => r.operation === "GET /users")).toHaveLength(3);
    // Besides reading and clearing the saved progress once, each page is a single statement:
    // no BEGIN or COMMIT around it.
    const statements = query.mock.calls.map(([q]) => (typeof q === "string" ? q : (q as { text: string }).text));
    query.mockRestore();
    expect(statements.filter((q) => !q.includes("retool_sync.batch_progress"))).toEqual(Array(3).fill(expect.stringContaining("retool_sync.sync_users(")));
    expect(statements).toHaveLength(5);
    expect(summary).toMatchObject({ pages: 3, users: 255 });
    expect(summary.counts).toMatchObject({ created: 253, linked: 1, failed: 1 });
    expect(summary.counts.created + summary.counts.linked + summary.counts.failed).toBe(255);
    expect(summary.failures).toEqual([
      expect.objectContaining({ retoolUserId: retoolUser(1002).id, error: expect.stringMatching(/already belongs to Retool user .* \(23505\)/) }),
    ]);
    expect(await content(db.admin)).toEqual(await expectedTable());
    const rows = (
      await db.admin.query("SELECT * FROM public.users WHERE retool_user_id = ANY($1)", [[retoolUser(1003).id, retoolUser(1004).id, retoolUser(1005).id]])
    ).rows;
    expect(rows.find((r) => r.retool_user_id === retoolUser(1003).id)).toMatchObject({ first_name: "Zoë", last_name: "Ångström-李" });
    expect(rows.find((r) => r.retool_user_id === retoolUser(1004).id)).toMatchObject({ active: false });
    expect(rows.find((r) => r.retool_user_id === retoolUser(1005).id)).toMatchObject({ email: "existing@example.com", first_name: "Kept" });
    // A second run changes nothing.
    const again = await backfill({ api: api(), db: db.admin, runKey: "t" });
    expect(again.counts).toMatchObject({ unchanged: 254, failed: 1, created: 0 });
  });

  it("writes several pages a statement when Retool delivers faster than the database writes, and saves progress exactly", async () => {
    const users = Array.from({ length: 2_450 }, (_, i) => retoolUser(i + 1));
    const { db } = await setup(users);
    // A database slower than the API: each statement waits 100 ms, while the local Retool answers at once.
    const query = db.admin.query.bind(db.admin);
    const sizes: number[] = [];
    const slow = vi.spyOn(db.admin, "query").mockImplementation((async (q: unknown, v?: unknown) => {
      const text = typeof q === "string" ? q : (q as { text: string }).text;
      if (text.includes("retool_sync.sync_users(")) {
        sizes.push(JSON.parse((q as { values: string[] }).values[0]).length);
        await new Promise((r) => setTimeout(r, 100));
      }
      return query(q as string, v as unknown[]);
    }) as typeof db.admin.query);
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t" });
    const progress = (await db.admin.query("SELECT pages, finished FROM retool_sync.batch_progress WHERE run_key = 't'")).rows[0];
    slow.mockRestore();
    expect(fake!.requests.filter((r) => r.operation === "GET /users")).toHaveLength(25);
    expect(summary).toMatchObject({ pages: 25, users: 2_450 });
    expect(summary.counts.created).toBe(2_450);
    // Fewer statements than pages, none over PAGES_PER_STATEMENT pages, every user once.
    expect(sizes.length).toBeLessThan(25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PAGES_PER_STATEMENT * 100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2_450);
    expect(progress).toEqual({ pages: "25", finished: true });
    expect(await content(db.admin)).toEqual(await expectedTable(users));
  });

  it("--dry-run reports what would change and writes nothing", async () => {
    const { db } = await setup();
    const before = await content(db.admin);
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t", dryRun: true });
    expect(summary.counts.created).toBe(253);
    expect(await content(db.admin)).toEqual(before);
    expect((await db.admin.query("SELECT count(*)::int AS n FROM retool_sync.batch_progress")).rows[0].n).toBe(0);
  });

  it.each([
    ["429 with Retry-After", { status: 429, headers: { "retry-after": "1" } }],
    ["429 without Retry-After", { status: 429 }],
    ["a 500", { status: 500 }],
    ["a dropped connection", { drop: true as const }],
  ])("rides out %s mid-list and ends with the expected table", async (_what, fault) => {
    const { db } = await setup();
    fake!.inject((r) => r.operation === "GET /users" && r.query.next_token !== undefined, fault, 2);
    await backfill({ api: api(), db: db.admin, runKey: "t" });
    expect(await content(db.admin)).toEqual(await expectedTable());
  });

  it("stops with a clear error on a malformed page, keeping only whole pages, and resumes after it", async () => {
    const { db } = await setup();
    fake!.inject((r) => r.operation === "GET /users" && r.query.next_token !== undefined, { malformed: true });
    const error = await backfill({ api: api(), db: db.admin, runKey: "t" }).then(
      () => undefined,
      (e) => e as Error,
    );
    expect(error!.message).toMatch(/GET \/api\/v2\/users .*not Retool's \{success, data\} envelope/);
    expect(await db.admin.query("SELECT count(*)::int AS n FROM public.users WHERE retool_user_id IS NOT NULL").then((r) => r.rows[0].n)).toBe(100);
    const resumed = await backfill({ api: api(), db: db.admin, runKey: "t" });
    expect(resumed.resumed).toEqual({ pages: 1 });
    expect(await content(db.admin)).toEqual(await expectedTable());
  });

  /** A run that commits its first page, then fails: progress saved after page 1. */
  async function interruptedAfterOnePage(db: Provisioned): Promise<void> {
    fake!.inject((r) => r.operation === "GET /users" && r.query.next_token !== undefined, { malformed: true });
    await backfill({ api: api(), db: db.admin, runKey: "t" }).catch(() => undefined);
    expect(await progressNow(db)).toEqual({ pages: 1, finished: false });
  }
  /** The user-list requests since request number `mark`, by the cursor each sent. */
  const userListCalls = (mark: number) =>
    fake!.requests
      .slice(mark)
      .filter((r) => r.operation === "GET /users")
      .map((r) => r.query.next_token ?? "first page");

  it.each([400, 422])("starts over from the first page when Retool answers %i to the saved cursor", async (status) => {
    const { db } = await setup();
    await interruptedAfterOnePage(db);
    fake!.inject((r) => r.operation === "GET /users" && r.query.next_token !== undefined, { status, body: { success: false, message: "invalid next_token" } });
    const lines: string[] = [];
    const mark = fake!.requests.length;
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t", log: (l) => lines.push(l) });
    expect(lines).toContain("Retool no longer accepts the saved cursor; starting from the first page (pages already synced come out unchanged).");
    const calls = userListCalls(mark);
    expect(calls).toEqual([expect.any(String), "first page", expect.any(String), expect.any(String)]);
    expect(calls[0]).not.toBe("first page");
    // The summary is this run's whole pass, not the old run's counts added to it.
    expect(summary).toMatchObject({ pages: 3, users: 255 });
    expect(summary.resumed).toBeUndefined();
    expect(summary.counts).toMatchObject({ unchanged: 100, created: 153, failed: 1 });
    expect(await content(db.admin)).toEqual(await expectedTable());
    expect(await progressNow(db)).toEqual({ pages: 3, finished: true });
  });

  it("--restart ignores saved progress and reads from the first page", async () => {
    const { db } = await setup();
    await interruptedAfterOnePage(db);
    const mark = fake!.requests.length;
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t", restart: true });
    expect(userListCalls(mark)).toEqual(["first page", expect.any(String), expect.any(String)]);
    expect(summary).toMatchObject({ pages: 3, users: 255 });
    expect(summary.resumed).toBeUndefined();
    expect(summary.counts).toMatchObject({ unchanged: 100, created: 153, failed: 1 });
    expect(await content(db.admin)).toEqual(await expectedTable());
  });

  it("Ctrl-C stops after a whole page with exit 130 and the summary; a rerun finishes the one-clean-run table", async () => {
    const users = Array.from({ length: 1500 }, (_, i) => retoolUser(i + 1));
    const { db } = await setup(users);
    const child = spawnBackfill(db);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    await committed(db, 3);
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(130);
    const stopped = await progressNow(db);
    expect(stopped.finished).toBe(false);
    expect(stopped.pages).toBeLessThan(15);
    expect(out).toMatch(new RegExp(`stopped on request after ${stopped.pages} pages`));
    // Every committed page is whole: 100 users each, and nothing of the next one.
    const rows = await db.admin.query("SELECT count(*)::int AS n FROM public.users WHERE retool_user_id IS NOT NULL");
    expect(rows.rows[0].n).toBe(stopped.pages * 100);

    const rerun = await backfill({ api: api(), db: db.admin, runKey: `backfill ${fake!.url}` });
    expect(rerun.resumed?.pages).toBe(stopped.pages);
    expect(await content(db.admin)).toEqual(await expectedTable(users));
  }, 60_000);

  it("after kill -9 half way, a rerun gives the one-clean-run table with no duplicates", async () => {
    const users = Array.from({ length: 1500 }, (_, i) => retoolUser(i + 1));
    const { db } = await setup(users);
    const child = spawnBackfill(db, "ignore");
    await committed(db, 5);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const halfway = await progressNow(db);
    expect(halfway.finished).toBe(false);
    expect(halfway.pages).toBeGreaterThanOrEqual(5);
    expect(halfway.pages).toBeLessThan(15);

    const rerun = await backfill({ api: api(), db: db.admin, runKey: `backfill ${fake!.url}` });
    expect(rerun.resumed?.pages).toBe(halfway.pages);
    const dupes = await db.admin.query("SELECT retool_user_id FROM public.users GROUP BY 1 HAVING count(*) > 1");
    expect(dupes.rows).toEqual([]);
    expect(await content(db.admin)).toEqual(await expectedTable(users));
  }, 60_000);
});

describe("backfill and bad data or a failing database", () => {
  it("reports each bad record by id with its reason, syncs the rest of its page, and moves past it", async () => {
    const good = Array.from({ length: 150 }, (_, i) => retoolUser(i + 1));
    const bad = [
      retoolUser(901, { first_name: "Nul\u0000Name" }),
      retoolUser(902, { last_name: "lone \ud800 surrogate" }),
      null,
      retoolUser(903, { email: 42 }),
      retoolUser(904, { active: "yes" }),
    ];
    // Bad records sit in the first page, among good ones.
    const { db } = await setup([...good.slice(0, 50), ...bad, ...good.slice(50)]);
    const summary = await backfill({ api: api(), db: db.admin, runKey: "t" });
    expect(summary.failures).toEqual([
      { retoolUserId: retoolUser(901).id, email: "user901@example.com", error: "first_name holds a NUL character" },
      { retoolUserId: retoolUser(902).id, email: "user902@example.com", error: "last_name holds a lone UTF-16 surrogate" },
      { retoolUserId: "#53", error: "entry 53 of the page is not a user object (got null)" },
      { retoolUserId: retoolUser(903).id, email: undefined, error: "email is not a string (got number)" },
      { retoolUserId: retoolUser(904).id, email: "user904@example.com", error: 'active is not true or false (got "yes")' },
    ]);
    expect(summary.counts).toMatchObject({ created: 150, failed: 5 });
    expect(await content(db.admin)).toEqual(await expectedTable(good));
    // The bad records are Retool's, not ours: the fake's own answers broke Retool's schema.
    expect(fake!.violations.length).toBeGreaterThan(0);
    fake!.violations.length = 0;
  });

  it("a database that goes away mid-run gives a clear error, the summary so far and exit 1; a rerun resumes", async () => {
    const users = Array.from({ length: 1500 }, (_, i) => retoolUser(i + 1));
    const { db } = await setup(users);
    const child = spawnBackfill(db);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    await committed(db, 3);
    await db.admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(1);
    expect(out).toMatch(/Backfill failed after \d+ pages this run:\n\s+created\s+\d+/);
    expect(err).toMatch(/(terminat|Connection|connection).*\nPages committed so far are kept: run the backfill again to resume after the last one\./s);
    expect(err).not.toMatch(/^\s+at /m); // no stack trace
    const halfway = await progressNow(db);
    const rerun = await backfill({ api: api(), db: db.admin, runKey: `backfill ${fake!.url}` });
    expect(rerun.resumed?.pages).toBe(halfway.pages);
    expect(await content(db.admin)).toEqual(await expectedTable(users));
  }, 60_000);

  it("the first SIGTERM abandons a Retool request in flight and exits 130 with the summary", async () => {
    const { db } = await setup([retoolUser(1)]);
    const hanging = http.createServer(() => {
      /* takes the request and never answers */
    });
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    try {
      const child = spawnBackfill(db, "pipe", `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`);
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      const asked = new Promise((r) => hanging.once("request", r));
      await asked;
      const sent = Date.now();
      child.kill("SIGTERM");
      const code = await new Promise((r) => child.on("exit", r));
      expect(code).toBe(130);
      expect(Date.now() - sent).toBeLessThan(3000);
      expect(out).toMatch(/Backfill stopped:/);
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  }, 30_000);
});

describe("reconcile", () => {
  it("reports each kind of drift, and apply repairs all but rows unknown to Retool", async () => {
    const { db } = await setup();
    await backfill({ api: api(), db: db.admin, runKey: "t" });
    // Drift: a new Retool user, an edited one, a disabled one, and a row Retool does not know.
    fake!.users.push(retoolUser(2000));
    fake!.users[0] = { ...fake!.users[0], email: "renamed@example.com", first_name: "Renamed" };
    fake!.users[1] = { ...fake!.users[1], active: false };
    await db.admin.query("INSERT INTO public.users (retool_user_id, email) VALUES ('user_gone', 'gone@example.com')");
    const { drift } = await readDrift(api(), db.admin);
    expect(drift.missing.map((u) => u.id)).toEqual([retoolUser(1002).id, retoolUser(2000).id]);
    expect(drift.orphaned.map((r) => r.retool_user_id)).toEqual(["user_gone"]);
    expect(drift.changed).toEqual([expect.objectContaining({ fields: ["email", "first_name"] })]);
    expect(drift.disabled.map((d) => d.user.id)).toEqual([retoolUser(2).id]);

    const rows = await syncBatch(db.admin, usersToRepair(drift), "reconcile");
    expect(rows.map((r) => r.outcome).sort()).toEqual(["created", "deactivated", "failed", "updated"]);
    const after = (await readDrift(api(), db.admin)).drift;
    expect(after.changed).toEqual([]);
    expect(after.disabled).toEqual([]);
    expect(after.missing.map((u) => u.id)).toEqual([retoolUser(1002).id]); // the case-duplicate stays reported
    expect(after.orphaned.map((r) => r.retool_user_id)).toEqual(["user_gone"]); // never deleted
  });

  it("apply repairs more users than one statement takes, 100 per sync_users call", async () => {
    const users = Array.from({ length: 250 }, (_, i) => retoolUser(i + 1));
    const { db } = await setup(users);
    const { drift } = await readDrift(api(), db.admin);
    expect(drift.missing).toHaveLength(250);
    const query = vi.spyOn(db.admin, "query");
    const chunks: number[] = [];
    const summary = await repairDrift(db.admin, usersToRepair(drift), (n) => chunks.push(n));
    const sent = query.mock.calls.map(([q, values]) => ({
      text: typeof q === "string" ? q : (q as { text: string }).text,
      values: (q as { values?: unknown[] }).values ?? values,
    }));
    query.mockRestore();
    expect(chunks).toEqual([100, 100, 50]);
    expect(sent.map((q) => JSON.parse(String(q.values?.[0])).length)).toEqual([100, 100, 50]);
    expect(summary).toMatchObject({ pages: 3, users: 250 });
    expect(summary.counts).toMatchObject({ created: 250, failed: 0 });
    expect(await content(db.admin)).toEqual(await expectedTable(users));
    expect(driftCount((await readDrift(api(), db.admin)).drift)).toBe(0);
  });

  it("--check exits 4 on drift and 0 without, a misspelt flag 2; --json is machine-readable", async () => {
    const { db } = await setup([retoolUser(1), retoolUser(2)]);
    const env = { RETOOL_API_TOKEN: TOKEN, RETOOL_API_TIER: "enterprise-premium", DATABASE_URL: databaseUrl(db.conn) };
    const run = (args: string[]) => runScript("reconcile", ["--retool-url", fake!.url, "--rate-limit", "0", ...args], env);
    // Bad usage exits 2 before touching anything, as --help says.
    const misspelt = await run(["--chek"]);
    expect(misspelt.code).toBe(2);
    const drifted = await run(["--check", "--json"]);
    expect(drifted.code).toBe(4);
    expect(JSON.parse(drifted.out).drift.missing).toHaveLength(2);
    const applied = await run(["--apply"]);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/created\s+2/);
    expect((await run(["--check"])).code).toBe(0);
  }, 60_000);
});
