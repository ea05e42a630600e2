// Running the Pulumi CLI for a stack: found on PATH, with the dev stack's local backend and
// passphrase defaults, and the stack's config validated before the engine starts.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./cli";

export const DEV_PASSPHRASE = "dev-only-passphrase-not-a-secret";

export function pulumiAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync("pulumi", ["version"], { env, stdio: "ignore" });
  return !r.error && r.status === 0;
}

export const PULUMI_MISSING = [
  "The Pulumi CLI is not installed (or not on PATH).",
  "Install it: https://www.pulumi.com/docs/iac/download-install/ (for example `curl -fsSL https://get.pulumi.com | sh`),",
  "then run this again. `npm run render -- --stack <name>` shows the SQL without Pulumi.",
].join("\n");

/**
 * The environment for a stack's Pulumi commands. dev gets a file backend in the project and a
 * passphrase that is not a secret (it protects only the embedded database's password); other
 * stacks use whatever backend and passphrase the caller has set, as CI does.
 */
export function pulumiEnv(stack: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (stack !== "dev") return { ...env };
  const stateDir = path.join(fs.realpathSync(PROJECT_DIR), ".pulumi-state");
  fs.mkdirSync(stateDir, { recursive: true });
  return {
    ...env,
    // An empty variable (as CI systems often define) counts as unset.
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL || `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE || (env.PULUMI_CONFIG_PASSPHRASE_FILE ? undefined : DEV_PASSPHRASE),
  };
}

export function pulumi(args: string[], env: NodeJS.ProcessEnv, opts: { quiet?: boolean; input?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, {
      cwd: PROJECT_DIR,
      env,
      stdio: [opts.input !== undefined ? "pipe" : "inherit", opts.quiet ? "ignore" : "inherit", "inherit"],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
