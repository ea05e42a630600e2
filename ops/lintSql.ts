// squawk (a Postgres migration linter whose rules come from production outages) over SQL files,
// and the stacks whose rendered SQL `npm run lint:sql` lints.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./projectDir";

/** The oldest Postgres the SQL must suit (normalize() needs 13). */
export const SQUAWK_PG_VERSION = "13";

/** The stacks of a project: every Pulumi.<stack>.yaml. */
export function stacksIn(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Runs squawk over the files; its exit status and what it printed. */
export function squawk(files: string[]): { status: number; output: string } {
  const bin = path.join(PROJECT_DIR, "node_modules", ".bin", process.platform === "win32" ? "squawk.cmd" : "squawk");
  const r = spawnSync(bin, ["--pg-version", SQUAWK_PG_VERSION, ...files], { encoding: "utf8" });
  if (r.error) throw new Error(`squawk could not run (${r.error.message}); npm ci installs it (squawk-cli).`);
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}
