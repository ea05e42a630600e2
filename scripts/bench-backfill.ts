// npm run bench:backfill -- [--users N] [--json]
// Backfills N users from a local stand-in for Retool's API (rate limit off) into a fresh
// embedded Postgres, then COPYs the same rows into the same table. Prints users per second, the
// number of API requests (goal: exactly ceil(N/100)) and COPY time / backfill database time
// (goal >= 0.5).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { FakeRetool, retoolUser } from "../fakeRetool/fakeRetool";
import { withChecksums } from "../infra/builders/sql/migration";
import { allMigrations } from "../infra/builders/sql/migrations";
import { stackSettingsSchema } from "../infra/config/schema";
import { applyMigrations } from "../infra/providers/migrationRunner";
import { pgClientConfig } from "../infra/providers/pgConnection";
import { RetoolClient } from "../infra/providers/retool/retoolClient";
import { writeBenchResult } from "../ops/bench/results";
import { EXIT, newCommand, runMain, wholeNumber } from "../ops/cli/cli";
import { progress } from "../ops/cli/progress";
import { startEmbeddedPostgres } from "../ops/postgres/embeddedPostgres";
import { freePort } from "../ops/postgres/freePort";
import { createLoginRoles } from "../ops/postgres/loginRoles";
import { backfill, PAGES_PER_STATEMENT } from "../ops/sync/userBatches";

/** The client's default rate limit on Retool's API (retool.rateLimitPerMinute). */
const RETOOL_RATE_PER_MINUTE = 45;

/** Starts a clock; calling the result gives the milliseconds since. */
const stopwatch = () => {
  const started = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - started) / 1e6;
};

// COPY's text format: tabs separate, backslash escapes; \N is NULL.
const copyField = (v: unknown) => (v === null || v === undefined ? "\\N" : String(v).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n"));

if (require.main === module) {
  const program = newCommand()
    .name("bench:backfill")
    .description("Backfill throughput from a local Retool stand-in, against a bare COPY of the same rows.")
    .option("--users <n>", "Retool users to serve", wholeNumber(), 100_000)
    .option(
      "--pages-per-statement <n>",
      "the most Retool pages one sync_users statement carries (1: the shape before read-ahead)",
      wholeNumber(),
      PAGES_PER_STATEMENT,
    )
    .option("--json", "print the figures as JSON")
    .parse();
  const o = program.opts<{ users: number; pagesPerStatement: number; json?: boolean }>();
  runMain(async () => {
    const pg = await startEmbeddedPostgres({ port: await freePort(), password: "bench", settings: { shared_preload_libraries: "pg_stat_statements" } });
    const users = Array.from({ length: o.users }, (_, i) => retoolUser(i + 1, { active: i % 50 !== 0 }));
    const fake = await new FakeRetool({ token: "bench", users }).start();
    const db = new Client(pgClientConfig({ ...pg.connection }));
    try {
      await db.connect();
      const settings = stackSettingsSchema.parse({
        plan: "business",
        retool: { url: fake.url },
        database: { host: pg.connection.host, port: pg.connection.port, name: pg.connection.database, adminUser: pg.connection.user, sslmode: "disable" },
      });
      await createLoginRoles(db, settings, "bench");
      await applyMigrations(db, withChecksums(allMigrations(settings)));
      // Time spent in the server, by statement: what the client's clock adds is the round trip.
      await db.query("CREATE EXTENSION pg_stat_statements");
      const resetServerTime = () => db.query("SELECT pg_stat_statements_reset()");
      const serverMs = async (like: string) =>
        Number((await db.query("SELECT coalesce(sum(total_exec_time), 0) AS ms FROM pg_stat_statements WHERE query ILIKE $1", [like])).rows[0].ms);

      // Database time: the sync_users round trips (a page or several each, each its own
      // transaction, so commit included: dbMs); and every round trip of the backfill, reading the
      // saved progress included (allDbMs); never the HTTP side.
      let dbMs = 0;
      let statements = 0;
      let allDbMs = 0;
      const query = db.query.bind(db) as (...a: unknown[]) => Promise<unknown>;
      (db as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
        const elapsed = stopwatch();
        try {
          return await query(...args);
        } finally {
          const ms = elapsed();
          const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
          allDbMs += ms;
          if (text.includes("sync_users")) {
            dbMs += ms;
            statements += 1;
          }
        }
      };
      await resetServerTime();
      const bar = progress("backfill", o.users);
      const backfillTime = stopwatch();
      const summary = await backfill({
        api: new RetoolClient({ url: fake.url, token: "bench", rateLimitPerMinute: 0 }),
        db,
        runKey: "bench",
        pagesPerStatement: o.pagesPerStatement,
        onPage: (p) => bar.increment(p.users.length),
      });
      const totalMs = backfillTime();
      bar.stop();
      (db as unknown as { query: unknown }).query = query;
      const serverDbMs = await serverMs("%sync_users%");
      const requests = fake.requests.filter((r) => r.operation === "GET /users").length;

      const rows = (await db.query("SELECT retool_user_id, email, first_name, last_name, active FROM public.users ORDER BY id")).rows;
      const lines = rows.map((r) => `${[r.retool_user_id, r.email, r.first_name, r.last_name, r.active ? "t" : "f"].map(copyField).join("\t")}\n`);
      /** Time of one COPY of these lines into the emptied table. */
      const copy = async (part: string[]) => {
        const elapsed = stopwatch();
        await pipeline(Readable.from(part), db.query(copyFrom("COPY public.users (retool_user_id, email, first_name, last_name, active) FROM STDIN")));
        return elapsed();
      };
      await db.query("TRUNCATE public.users");
      await resetServerTime();
      const copyMs = await copy(lines);
      const serverCopyMs = await serverMs("COPY public.users%");
      // The same rows in the backfill's shape: one COPY per page of 100, each its own transaction
      // committed without waiting for the WAL flush, as the backfill's pages are.
      await db.query("TRUNCATE public.users");
      await db.query("SET synchronous_commit = off");
      await resetServerTime();
      let pagedCopyMs = 0;
      for (let i = 0; i < lines.length; i += 100) pagedCopyMs += await copy(lines.slice(i, i + 100));
      const serverPagedCopyMs = await serverMs("COPY public.users%");
      await db.query("RESET synchronous_commit");

      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      const figures = {
        users: o.users,
        created: summary.counts.created,
        failed: summary.counts.failed,
        usersPerSecond: Math.round(o.users / (totalMs / 1000)),
        endToEndMs: Math.round(totalMs),
        // Retool's own limit on its API, not ours: with the client's default of 45 requests a
        // minute, the requests alone take this long, whatever the database does.
        rateLimitFloorMs: Math.round((requests / RETOOL_RATE_PER_MINUTE) * 60_000),
        apiRequests: requests,
        expectedRequests: Math.ceil(o.users / 100),
        pagesPerStatement: o.pagesPerStatement,
        // Fewer than the requests when Retool delivered faster than the database wrote.
        syncUsersStatements: statements,
        client: {
          syncUsersMs: Math.round(dbMs),
          everyRoundTripMs: Math.round(allDbMs),
          copyMs: Math.round(copyMs),
          pagedCopyMs: Math.round(pagedCopyMs),
          ratio: ratio(copyMs, dbMs),
          ratioPagedCopy: ratio(pagedCopyMs, dbMs),
        },
        server: {
          syncUsersMs: Math.round(serverDbMs),
          copyMs: Math.round(serverCopyMs),
          pagedCopyMs: Math.round(serverPagedCopyMs),
          ratio: ratio(serverCopyMs, serverDbMs),
          ratioPagedCopy: ratio(serverPagedCopyMs, serverDbMs),
        },
      };
      const file = writeBenchResult("bench-backfill", figures);
      process.stderr.write(`Figures written to ${file}\n`);
      if (o.json) console.log(JSON.stringify(figures, null, 2));
      else {
        const { client: c, server: v } = figures;
        const row = (label: string, a: number | string, b: number | string, note = "") =>
          console.log(`  ${label.padEnd(26)}${String(a).padStart(10)}${String(b).padStart(12)}  ${note}`);
        console.log(`backfill of ${figures.users} users: ${figures.created} created, ${figures.failed} failed`);
        console.log(`  users per second          ${figures.usersPerSecond} (end to end, local API, rate limit off)`);
        console.log(`  API requests              ${figures.apiRequests} (goal: exactly ${figures.expectedRequests})`);
        console.log(
          `  sync_users statements     ${figures.syncUsersStatements} (${(figures.apiRequests / figures.syncUsersStatements).toFixed(1)} pages each)`,
        );
        console.log(
          `  end to end                ${figures.endToEndMs} ms; at Retool's ${RETOOL_RATE_PER_MINUTE} requests a minute the requests alone take ${figures.rateLimitFloorMs} ms`,
        );
        row("", "client", "server", "(client: round trips timed by the backfill; server: pg_stat_statements)");
        row("sync_users, ms", c.syncUsersMs, v.syncUsersMs);
        row("one COPY, ms", c.copyMs, v.copyMs, "the same rows into the same, emptied table");
        row("COPY per page of 100, ms", c.pagedCopyMs, v.pagedCopyMs, "one COPY and one transaction per page, as the backfill");
        row("COPY / sync_users", c.ratio, v.ratio, "goal >= 0.5");
        row("paged COPY / sync_users", c.ratioPagedCopy, v.ratioPagedCopy, "the rules' cost against the same shape of load");
        console.log(`  every round trip of the backfill, reading its saved progress included: ${c.everyRoundTripMs} ms`);
      }
      return EXIT.ok;
    } finally {
      await db.end().catch(() => undefined);
      await fake.stop();
      await pg.stop();
    }
  });
}
