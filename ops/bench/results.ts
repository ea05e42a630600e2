// Each benchmark run's figures, as JSON beside the table it prints, for plots and comparisons.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../projectDir";

/** Where the benches write their results (out/ is not committed). */
export const BENCH_RESULTS = "out/bench";

/** Writes the figures under out/bench/<name>-<time>.json and returns the path. */
export function writeBenchResult(name: string, figures: unknown, dir = path.join(PROJECT_DIR, BENCH_RESULTS)): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ bench: name, at: new Date().toISOString(), node: process.version, figures }, null, 2)}\n`);
  return file;
}
