// The benchmarks run no timed assertions, but they must keep running: each at a tiny size, checked
// for doing the work it reports on (a bench nobody runs rots, as bench-backfill once did).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { findPgbench } from "../../ops/bench/pgbench";

const ROOT = path.resolve(__dirname, "../..");

function bench(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join("scripts", script), ...args, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 180_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("the benchmarks, at a tiny size", () => {
  it("bench:backfill syncs every served user with one API request per page", () => {
    const figures = bench("bench-backfill.ts", ["--users", "250"]);
    expect(figures).toMatchObject({ users: 250, created: 250, failed: 0, apiRequests: 3, expectedRequests: 3 });
    expect(figures.client.syncUsersMs).toBeGreaterThan(0);
  }, 200_000);

  it("bench:sync calls the page's entry point and the bare upsert, and adopts a table under load", () => {
    const figures = bench("bench-sync.ts", ["--users", "40", "--calls-per-user", "2", "--rows", "2000", "--writers", "1"]);
    expect(figures.throughput).toMatchObject({ calls: 80, users: 40, rowsAfter: 40 });
    expect(figures.adopt).toMatchObject({ rows: 2000, writers: 1 });
    expect(figures.adopt.writesDuringMigration).toBeGreaterThan(0);
    // The lock timeline names the statements that took locks on the adopted table.
    expect(figures.adopt.locks.map((l: { statement: string }) => l.statement).join("\n")).toMatch(/CREATE UNIQUE INDEX CONCURRENTLY/);
  }, 200_000);

  // pgbench is not in the embedded packages; where the machine has none, this says so and skips.
  const pgbench = (() => {
    try {
      return findPgbench();
    } catch {
      return undefined;
    }
  })();
  it.skipIf(!pgbench)(
    "bench:sync --pgbench runs each path and breaks the trusted one down, statement by statement",
    () => {
      const figures = bench("bench-sync.ts", ["--pgbench", "--pgbench-seconds", "1", "--pgbench-clients", "2", "--runs", "1"]);
      expect(figures.runs).toHaveLength(1);
      for (const path of ["bare", "trusted", "page"]) expect(figures.runs[0][path]).toBeGreaterThan(0);
      const [run] = figures.runs;
      expect(figures.trustedRatio).toMatchObject({ median: run.trusted / run.bare, min: run.trusted / run.bare, max: run.trusted / run.bare });
      expect(figures.pageRatio.median).toBe(run.page / run.bare);
      // The breakdown reaches inside the entry point: its own statements, not only the call.
      const inside = figures.trustedStatements.filter((s: { toplevel: boolean }) => !s.toplevel).map((s: { query: string }) => s.query);
      expect(inside.join("\n")).toMatch(/UPDATE "public"\."users"/);
      expect(figures.normalise.canonicalFormUs).toBeGreaterThan(0);
    },
    200_000,
  );
});
