// npm run bench:sync -- [--users N] [--calls-per-user N] [--concurrency N] [--rows N] [--json]
// 1. Throughput of the Continue page's entry point (retool_sync.sync_page_user) against a bare INSERT ... ON CONFLICT DO UPDATE on the
//    same table, same connections, same concurrency, same calls: printed as a ratio (goal >= 0.9).
// 2. Adopt mode on a table of --rows rows while writers keep writing: the longest stall a writer
//    sees during the migration, in ms, and the migration's lock timeline on that table.
import { Client, Pool, type PoolClient } from "pg";
import { withChecksums } from "../infra/builders/sql/migration";
import { allMigrations } from "../infra/builders/sql/migrations";
import { ENTRY_POINTS } from "../infra/builders/sql/syncApi";
import { stackSettingsSchema } from "../infra/config/schema";
import { applyMigrations } from "../infra/providers/migrationRunner";
import { type PgConnection, pgClientConfig, withTransaction } from "../infra/providers/pgConnection";
import { findPgbench, median, type PgbenchScript, pgbenchTps } from "../ops/bench/pgbench";
import { BENCH_RESULTS, writeBenchResult } from "../ops/bench/results";
import { EXIT, newCommand, runMain, wholeNumber } from "../ops/cli/cli";
import { progress } from "../ops/cli/progress";
import { startEmbeddedPostgres } from "../ops/postgres/embeddedPostgres";
import { freePort } from "../ops/postgres/freePort";
import { createLoginRoles } from "../ops/postgres/loginRoles";

interface Options {
  users: number;
  callsPerUser: number;
  concurrency: number;
  rows: number;
  writers: number;
  json?: boolean;
  pgbench?: boolean;
  pgbenchSeconds: number;
  pgbenchClients: number;
  runs: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function admin(conn: PgConnection, sql: string): Promise<void> {
  const c = new Client(pgClientConfig(conn));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Deterministic shuffle, so both runs see the same call order. */
function shuffled<T>(items: T[], seed = 42): T[] {
  const a = items.slice();
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * The bare upsert's arbiter is the Retool id, but the table has a second unique index (the
 * canonical email): when two first calls for one user race, the loser can hit that index and fail
 * with 23505 instead of taking the DO UPDATE. A correct app tries once more, which then updates;
 * the sync function does the same inside. So the baseline does too, a few times at most.
 */
async function queryRetryingRace(client: PoolClient, sql: string, params: string[], retryUniqueViolation: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(sql, params);
      return;
    } catch (e) {
      if (!retryUniqueViolation || (e as { code?: string }).code !== "23505" || attempt >= 3) throw e;
    }
  }
}

async function timedRun(pool: Pool, label: string, sql: string, calls: string[][], concurrency: number, retryUniqueViolation = false): Promise<number> {
  const bar = progress(label, calls.length);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = await pool.connect();
      try {
        while (next < calls.length) {
          const params = calls[next++];
          await queryRetryingRace(client, sql, params, retryUniqueViolation);
          bar.increment();
        }
      } finally {
        client.release();
      }
    }),
  );
  bar.stop();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return calls.length / seconds;
}

async function throughput(conn: PgConnection, o: Options) {
  const settings = stackSettingsSchema.parse({
    plan: "team",
    database: { host: conn.host, port: conn.port, name: conn.database, adminUser: conn.user, sslmode: "disable" },
  });
  const c = new Client(pgClientConfig(conn));
  await c.connect();
  await createLoginRoles(c, settings, "bench");
  await applyMigrations(c, withChecksums(allMigrations(settings)));
  await c.end();

  const users = Array.from({ length: o.users }, (_, i) => [`user_bench${i}`, `bench${i}@example.com`, `First${i}`, `Last${i}`]);
  const calls = shuffled(Array.from({ length: o.callsPerUser }, () => users).flat());
  const warmup = calls.slice(0, Math.min(2000, calls.length));
  // The Continue page's entry point (as the admin, like the upsert it is compared with).
  const syncSql = `SELECT * FROM ${ENTRY_POINTS.page.name}($1, $2, $3, $4)`;
  const bareSql = `INSERT INTO public.users (retool_user_id, email, first_name, last_name, last_seen_at)
    VALUES ($1, $2, $3, $4, now())
    ON CONFLICT (retool_user_id) DO UPDATE
      SET email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, last_seen_at = now()
    RETURNING *`;
  const pool = new Pool({ ...pgClientConfig(conn), max: o.concurrency });
  // An idle connection that dies would otherwise crash the run with an unhandled error event.
  pool.on("error", (e) => log(`a pooled connection failed: ${e.message}`));
  try {
    await timedRun(pool, "warm-up sync_page_user", syncSql, warmup, o.concurrency);
    await timedRun(pool, "warm-up bare upsert", bareSql, warmup, o.concurrency, true);
    await pool.query("TRUNCATE public.users");
    const bare = await timedRun(pool, "bare INSERT ... ON CONFLICT", bareSql, calls, o.concurrency, true);
    await pool.query("TRUNCATE public.users");
    const sync = await timedRun(pool, ENTRY_POINTS.page.name, syncSql, calls, o.concurrency);
    const rows = (await pool.query("SELECT count(*)::int AS n FROM public.users")).rows[0].n;
    return { calls: calls.length, users: o.users, concurrency: o.concurrency, syncPerSecond: sync, barePerSecond: bare, ratio: sync / bare, rowsAfter: rows };
  } finally {
    await pool.end();
  }
}

/**
 * The database's own cost of each path, without the Node client: pgbench runs of the bare upsert,
 * the trusted entry point and the page's, in a rotating order, then where the trusted path's time
 * goes, statement by statement inside the functions (pg_stat_statements, track = all), and what
 * normalising an address costs per call.
 */
async function pgbenchComparison(conn: PgConnection, o: Options) {
  const bin = findPgbench();
  const settings = stackSettingsSchema.parse({
    plan: "team",
    database: { host: conn.host, port: conn.port, name: conn.database, adminUser: conn.user, sslmode: "disable" },
  });
  const c = new Client(pgClientConfig(conn));
  await c.connect();
  try {
    await createLoginRoles(c, settings, "bench");
    await applyMigrations(c, withChecksums(allMigrations(settings)));
    await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const opts = { clients: o.pgbenchClients, seconds: o.pgbenchSeconds, usersPerClient: 200, runs: o.runs };
    const scripts: PgbenchScript[] = ["bare", "trusted", "page"];
    const runs: Record<PgbenchScript, number>[] = [];
    for (let run = 0; run < o.runs; run++) {
      const tps = {} as Record<PgbenchScript, number>;
      // A rotating order, so no path always runs on the warmest cache.
      for (const script of [...scripts.slice(run % 3), ...scripts.slice(0, run % 3)]) {
        await c.query("TRUNCATE public.users");
        await c.query("CHECKPOINT");
        log(`pgbench run ${run + 1}/${o.runs}: ${script}...`);
        tps[script] = pgbenchTps(bin, conn, script, opts);
      }
      runs.push(tps);
    }
    // Each path's tps over the bare upsert's in the same run: the median and the range over runs.
    const ratioToBare = (s: PgbenchScript) => {
      const ratios = runs.map((r) => r[s] / r.bare);
      return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
    };
    // Where the trusted path's time goes: every statement inside the functions.
    await c.query(`ALTER DATABASE ${conn.database} SET pg_stat_statements.track = 'all'`);
    await c.query("TRUNCATE public.users");
    pgbenchTps(bin, conn, "trusted", { ...opts, seconds: Math.min(5, o.pgbenchSeconds) });
    await c.query("SELECT pg_stat_statements_reset()");
    pgbenchTps(bin, conn, "trusted", { ...opts, seconds: Math.min(5, o.pgbenchSeconds) });
    const statements = await c.query(
      `SELECT toplevel, calls, round((total_exec_time / greatest(calls, 1))::numeric * 1000, 1) AS mean_us, round(total_exec_time::numeric, 1) AS total_ms,
              regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 100
       ORDER BY total_exec_time DESC LIMIT 12`,
    );
    await c.query(`ALTER DATABASE ${conn.database} RESET pg_stat_statements.track`);
    // What the address's forms cost per call, against building the same text alone.
    const perCall = async (expr: string) => {
      const r = await c.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(${expr}) FROM generate_series(1, 200000) AS g, LATERAL (SELECT ' Bob' || g || '@Example.com ' AS a) AS x`,
      );
      return (r.rows[0]["QUERY PLAN"][0]["Execution Time"] as number) / 200;
    };
    const base = await perCall("a");
    const normalise = {
      storedFormUs: (await perCall("normalize(btrim(a, ' '), NFC)")) - base,
      canonicalFormUs: (await perCall("retool_sync.canonical_email(a)")) - base,
    };
    return {
      clients: o.pgbenchClients,
      seconds: o.pgbenchSeconds,
      runs,
      trustedRatio: ratioToBare("trusted"),
      pageRatio: ratioToBare("page"),
      trustedStatements: statements.rows,
      normalise,
    };
  } finally {
    await c.end();
  }
}

async function adoptStall(conn: PgConnection, o: Options) {
  log(`Filling bench.customers with ${o.rows} rows...`);
  await admin(
    conn,
    `CREATE SCHEMA bench;
     CREATE TABLE bench.customers (id bigserial PRIMARY KEY, email text NOT NULL, plan text NOT NULL DEFAULT 'basic', created timestamptz NOT NULL DEFAULT now());
     INSERT INTO bench.customers (email, plan) SELECT 'c' || g || '@example.com', 'basic' FROM generate_series(1, ${o.rows}) g;`,
  );
  await admin(conn, "VACUUM ANALYZE bench.customers");
  const settings = stackSettingsSchema.parse({
    plan: "team",
    database: { host: conn.host, port: conn.port, name: conn.database, adminUser: conn.user, sslmode: "disable" },
    usersTable: { mode: "adopt", schema: "bench", name: "customers", primaryKey: "id", emailColumn: "email" },
    retoolRoles: { page: { name: "retool_bench_adopt" } },
  });

  let stop = false;
  const samples: { at: number; ms: number }[] = [];
  const writer = async (n: number) => {
    const c = new Client(pgClientConfig(conn));
    await c.connect();
    let i = 0;
    while (!stop) {
      const t0 = performance.now();
      if (i++ % 2 === 0) await c.query("INSERT INTO bench.customers (email) VALUES ($1)", [`w${n}-${i}@example.com`]);
      else await c.query("UPDATE bench.customers SET plan = 'pro' WHERE id = $1", [1 + Math.floor(Math.random() * o.rows)]);
      samples.push({ at: t0, ms: performance.now() - t0 });
    }
    await c.end();
  };
  // A reader that keeps short transactions open on the table, as app traffic does: without a
  // lock_timeout the ALTER would queue behind it and every writer behind the ALTER.
  const reader = async () => {
    const c = new Client(pgClientConfig(conn));
    await c.connect();
    while (!stop) {
      await withTransaction(c, async () => {
        await c.query("SELECT count(*) FROM bench.customers WHERE id < 1000");
        await c.query("SELECT pg_sleep(0.3)");
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.end();
  };
  const load = [...Array.from({ length: o.writers }, (_, n) => writer(n)), reader()];
  await new Promise((r) => setTimeout(r, 2000));
  const baselineEnd = performance.now();
  const c = new Client(pgClientConfig(conn));
  await c.connect();
  await createLoginRoles(c, settings, "bench");
  const lockWaits: string[] = [];
  log("Running the adopt-mode migrations under load...");
  const timeline = await watchLocks(conn, (await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
  const t0 = performance.now();
  await applyMigrations(c, withChecksums(allMigrations(settings)), { log: (l) => lockWaits.push(l) });
  const t1 = performance.now();
  const locks = await timeline.stop(t0);
  await c.end();
  await new Promise((r) => setTimeout(r, 500));
  stop = true;
  await Promise.all(load);
  const during = samples.filter((s) => s.at + s.ms >= t0 && s.at <= t1);
  const baseline = samples.filter((s) => s.at + s.ms < baselineEnd);
  const max = (xs: typeof samples) => xs.reduce((m, s) => Math.max(m, s.ms), 0);
  // When the longest stall began, and what the migration held or waited for meanwhile: a lock the
  // writer queued behind, or nothing (the machine's own load, such as an index build).
  const worst = during.reduce<(typeof samples)[number] | undefined>((w, s) => (!w || s.ms > w.ms ? s : w), undefined);
  const worstAtMs = worst ? Math.round(worst.at - t0) : 0;
  const worstEndMs = worst ? worstAtMs + Math.round(worst.ms) : 0;
  const overlapping = locks.filter((l) => l.fromMs <= worstEndMs && l.toMs >= worstAtMs);
  return {
    rows: o.rows,
    writers: o.writers,
    migrationMs: t1 - t0,
    lockRetries: lockWaits.filter((l) => l.includes("table busy")).length,
    writesDuringMigration: during.length,
    longestStallMs: worst?.ms ?? 0,
    longestStallAtMs: worstAtMs,
    longestStallBeside: overlapping.map((l) => `${l.granted ? "held" : "waiting"} ${l.mode}: ${l.statement}`),
    baselineLongestMs: max(baseline),
    locks,
  };
}

/** One lock the migration's session held on the adopted table, and over which statement. */
interface LockSpan {
  mode: string;
  granted: boolean;
  statement: string;
  fromMs: number;
  toMs: number;
}

/**
 * Samples, every 5 ms from a session of its own, the locks the migration's session holds or waits
 * for on the adopted table, and the statement it runs then: the migration's lock timeline.
 */
async function watchLocks(conn: PgConnection, pid: number) {
  const m = new Client(pgClientConfig(conn));
  await m.connect();
  const spans: LockSpan[] = [];
  const open = new Map<string, LockSpan>();
  let done = false;
  const loop = (async () => {
    while (!done) {
      const now = performance.now();
      const r = await m.query(
        `SELECT l.mode, l.granted, regexp_replace(left(a.query, 70), '\\s+', ' ', 'g') AS statement
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.pid = $1 AND l.relation = 'bench.customers'::regclass`,
        [pid],
      );
      const seen = new Set<string>();
      for (const row of r.rows) {
        const key = `${row.mode}|${row.granted}|${row.statement}`;
        seen.add(key);
        const span = open.get(key);
        if (span) span.toMs = now;
        else open.set(key, { mode: row.mode, granted: row.granted, statement: row.statement, fromMs: now, toMs: now });
      }
      for (const [key, span] of open) {
        if (!seen.has(key)) {
          spans.push(span);
          open.delete(key);
        }
      }
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  return {
    async stop(origin: number): Promise<LockSpan[]> {
      done = true;
      await loop;
      await m.end();
      return [...spans, ...open.values()]
        .map((s) => ({ ...s, fromMs: Math.round(s.fromMs - origin), toMs: Math.round(s.toMs - origin) }))
        .sort((a, b) => a.fromMs - b.fromMs);
    },
  };
}

if (require.main === module) {
  const program = newCommand()
    .name("bench:sync")
    .description(
      "Benchmark the Continue page's sync_page_user against a bare upsert, and measure adopt mode's stall on a busy table. Not a test: prints figures.",
    )
    .option("--users <n>", "distinct users", wholeNumber(), 5000)
    .option("--calls-per-user <n>", "calls per user (the first creates, the rest update)", wholeNumber(), 10)
    .option("--concurrency <n>", "connections calling at once, for both runs", wholeNumber(), 16)
    .option("--rows <n>", "rows in the table adopted under load", wholeNumber(), 1_000_000)
    .option("--writers <n>", "concurrent writers during the adopt migration", wholeNumber(), 4)
    .option("--pgbench", "measure the database's cost with pgbench instead: the trusted and page paths against a bare upsert")
    .option("--pgbench-seconds <n>", "seconds per pgbench run", wholeNumber(), 15)
    .option("--pgbench-clients <n>", "pgbench clients", wholeNumber(), 8)
    .option("--runs <n>", "pgbench runs of each path", wholeNumber(), 3)
    .option("--json", "print the figures as JSON")
    .addHelpText("after", `\nEach run also writes its figures as JSON to ${BENCH_RESULTS}/bench-sync[-pgbench]-<time>.json.`)
    .parse();
  const o = program.opts<Options>();
  runMain(async () => {
    const pg = await startEmbeddedPostgres({
      port: await freePort(),
      password: "bench",
      settings: o.pgbench ? { shared_preload_libraries: "pg_stat_statements", max_connections: "100" } : {},
    });
    try {
      if (o.pgbench) {
        await admin(pg.connection, "CREATE DATABASE bench_pgbench");
        const result = await pgbenchComparison({ ...pg.connection, database: "bench_pgbench" }, o);
        const file = writeBenchResult("bench-sync-pgbench", result);
        if (o.json) console.log(JSON.stringify(result, null, 2));
        else {
          const f = (x: number) => x.toFixed(2);
          console.log(`pgbench, ${result.clients} clients, ${result.seconds} s a run, ${result.runs.length} runs (tps per run: bare / trusted / page)`);
          for (const r of result.runs) console.log(`  ${r.bare.toFixed(0)} / ${r.trusted.toFixed(0)} / ${r.page.toFixed(0)}`);
          const ratio = (r: typeof result.trustedRatio) => `median ${f(r.median)}, range ${f(r.min)}–${f(r.max)}`;
          console.log(`  trusted ÷ bare   ${ratio(result.trustedRatio)}   (goal >= 0.9)`);
          console.log(`  page ÷ bare      ${ratio(result.pageRatio)}`);
          console.log(
            `  per call: stored form ${result.normalise.storedFormUs.toFixed(2)} µs, canonical form ${result.normalise.canonicalFormUs.toFixed(2)} µs`,
          );
          console.log("  the trusted path's statements (top level and inside the functions):");
          for (const s of result.trustedStatements)
            console.log(`    ${String(s.mean_us).padStart(7)} µs × ${String(s.calls).padStart(7)} ${s.toplevel ? "top " : "    "}${s.query}`);
        }
        log(`Figures written to ${file}`);
        return EXIT.ok;
      }
      await admin(pg.connection, "CREATE DATABASE bench_sync");
      await admin(pg.connection, "CREATE DATABASE bench_adopt");
      const sync = await throughput({ ...pg.connection, database: "bench_sync" }, o);
      const adopt = await adoptStall({ ...pg.connection, database: "bench_adopt" }, o);
      const file = writeBenchResult("bench-sync", { throughput: sync, adopt });
      log(`Figures written to ${file}`);
      if (o.json) {
        console.log(JSON.stringify({ throughput: sync, adopt }, null, 2));
      } else {
        console.log(`sync_page_user vs bare upsert: ${sync.calls} calls for ${sync.users} users, ${sync.concurrency} connections`);
        console.log(`  sync_page_user   ${sync.syncPerSecond.toFixed(0)} calls/s`);
        console.log(`  bare upsert      ${sync.barePerSecond.toFixed(0)} calls/s`);
        console.log(`  ratio            ${sync.ratio.toFixed(2)}   (goal >= 0.90)`);
        console.log(`adopt mode on ${adopt.rows} rows with ${adopt.writers} writers and a reader holding 300 ms transactions`);
        console.log(`  migration took   ${adopt.migrationMs.toFixed(0)} ms (${adopt.lockRetries} lock retries)`);
        console.log(`  longest stall    ${adopt.longestStallMs.toFixed(1)} ms over ${adopt.writesDuringMigration} writes   (goal < 50 ms)`);
        console.log(`  baseline longest ${adopt.baselineLongestMs.toFixed(1)} ms before the migration`);
        console.log(
          `  longest stall began ${adopt.longestStallAtMs} ms into the migration, beside: ${adopt.longestStallBeside.join("; ") || "no lock of the migration's"}`,
        );
        console.log("  lock timeline on the adopted table (ms from the migration's start; sampled every 5 ms):");
        for (const l of adopt.locks) {
          console.log(
            `    ${String(l.fromMs).padStart(6)}–${String(l.toMs).padEnd(6)} ${l.granted ? "held   " : "waiting"} ${l.mode.padEnd(24)} ${l.statement}`,
          );
        }
      }
      return EXIT.ok;
    } finally {
      await pg.stop();
    }
  });
}
