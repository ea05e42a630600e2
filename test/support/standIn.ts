// Puts the stand-in `pulumi` (standInPulumi.ts) on a PATH folder of a test's own.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(__dirname, "../..");
// By its full path: the scripts run pulumi from the project folder of the test, which has no node_modules.
const TSX = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** Writes dir/bin/pulumi; returns the bin folder and the files its calls leave behind. */
export function standInPulumi(dir: string): { bin: string; log: string; state: string; calls: () => string[] } {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const log = path.join(dir, "pulumi.log");
  const state = path.join(dir, "pulumi-state.json");
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!/bin/sh\nSTANDIN_LOG="\${STANDIN_LOG:-${log}}" STANDIN_STATE="\${STANDIN_STATE:-${state}}" exec "${process.execPath}" --import "${TSX}" "${path.join(ROOT, "test/support/standInPulumi.ts")}" "$@"\n`,
    { mode: 0o755 },
  );
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
  return { bin, log, state, calls };
}
