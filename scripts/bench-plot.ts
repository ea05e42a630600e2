// npm run bench:plot -- <result.json ...> [--out docs/bench-scale.svg]
// Draws time against size from the benches' JSON results (out/bench/*.json, or the --json output):
// bench:backfill's users against its database time and end-to-end time, and bench:sync's rows
// adopted against the migration's time, on log-log axes with each series' slope.
import * as fs from "node:fs";
import * as path from "node:path";
import { chartSvg, logSlope, type Series } from "../ops/bench/plot";
import { EXIT, newCommand, PROJECT_DIR, runMain, UsageError } from "../ops/cli/cli";

/** What the plot reads of either bench's figures. */
interface Figures {
  users?: number;
  endToEndMs?: number;
  client?: unknown;
  server?: { syncUsersMs: number; copyMs: number };
  adopt?: { rows: number; migrationMs: number };
}

/** A result file (out/bench) holds its figures under `figures`; --json output is the figures. */
const figuresOf = (file: string): Figures => {
  const raw = JSON.parse(fs.readFileSync(file, "utf8"));
  return raw.figures ?? raw;
};

if (require.main === module) {
  const program = newCommand()
    .name("bench:plot")
    .description("Plot time against size from bench:backfill and bench:sync results (JSON), as an SVG.")
    .argument("<files...>", "JSON results of the scale runs")
    .option("--out <file>", "the SVG to write", "docs/bench-scale.svg")
    .parse();
  const opts = program.opts<{ out: string }>();
  runMain(async () => {
    const results = program.args.map(figuresOf);
    const sorted = (points: [number, number][]) => points.sort((a, b) => a[0] - b[0]);
    const backfill = results.filter((f): f is Required<Pick<Figures, "users" | "endToEndMs" | "server">> => typeof f.users === "number" && Boolean(f.server));
    const adopt = results.flatMap((f) => (f.adopt ? [f.adopt] : []));
    if (!backfill.length && !adopt.length) throw new UsageError("None of these files holds bench:backfill or bench:sync figures.");
    const series: Series[] = [
      { name: "backfill, sync_users (server)", points: sorted(backfill.map((f) => [f.users, f.server.syncUsersMs])) },
      { name: "backfill, one COPY (server)", points: sorted(backfill.map((f) => [f.users, f.server.copyMs])) },
      { name: "backfill, end to end", points: sorted(backfill.map((f) => [f.users, f.endToEndMs])) },
      { name: "adopt, the migration", points: sorted(adopt.map((a) => [a.rows, a.migrationMs])) },
    ].filter((s) => s.points.length > 1);
    const out = path.resolve(PROJECT_DIR, opts.out);
    fs.writeFileSync(out, chartSvg("Time against size (log-log; slope 1 is linear)", "users backfilled, rows adopted", series));
    for (const s of series) console.log(`${s.name}: slope ${logSlope(s.points).toFixed(2)} over ${s.points.map(([x]) => x).join(", ")}`);
    console.log(`wrote ${path.relative(PROJECT_DIR, out)}`);
    return EXIT.ok;
  });
}
