// The Pulumi CLI for `npm run up`, `preview` and `e2e`: the one on PATH when there is one, else the
// version pinned in .pulumi.version (the version of the pinned @pulumi/pulumi SDK, which the
// GitHub workflows read too), installed once with the SDK's own installer and kept.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../projectDir";

export const PULUMI_VERSION_FILE = ".pulumi.version";
export const DEV_PASSPHRASE = "dev-only-passphrase-not-a-secret";
/** The longest a first-run download of the CLI may take. */
const INSTALL_DEADLINE_MS = 10 * 60_000;

/** The Pulumi CLI could not be had: the message says what failed and the ways out (exit 3). */
export class PulumiUnavailable extends Error {}

export function pinnedPulumiVersion(projectDir = PROJECT_DIR): string {
  const file = path.join(projectDir, PULUMI_VERSION_FILE);
  const version = fs.readFileSync(file, "utf8").trim();
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new PulumiUnavailable(`${file} should hold one version such as 3.276.0, not ${JSON.stringify(version)}.`);
  return version;
}

/** Where a downloaded CLI is kept: Pulumi's own place for it (~/.pulumi/versions/<version>), or RUS_PULUMI_ROOT. */
export function installRoot(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.RUS_PULUMI_ROOT ? path.resolve(env.RUS_PULUMI_ROOT) : path.join(os.homedir(), ".pulumi", "versions", version);
}

export type PulumiInstaller = (o: { version: string; root: string }) => Promise<void>;

/**
 * The SDK's installer (PulumiCommand.install): fetches get.pulumi.com's install script and runs it
 * for exactly this version into `root`. Chosen over the `pulumi` npm package, whose releases start
 * at 3.250 (none matches the pinned SDK) and which downloads the CLI on its first run all the same.
 */
export const downloadPulumi: PulumiInstaller = async ({ version, root }) => {
  const { PulumiCommand } = (await import("@pulumi/pulumi")).automation;
  const { SemVer } = await import("semver");
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${INSTALL_DEADLINE_MS / 60_000} minutes`)), INSTALL_DEADLINE_MS);
  });
  try {
    await Promise.race([PulumiCommand.install({ version: new SemVer(version), root }), deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/** `<command> version`, or undefined when it does not run. */
function versionOf(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(command, ["version"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, encoding: "utf8", timeout: 30_000 });
  return !r.error && r.status === 0 ? r.stdout.trim().replace(/^v/, "") : undefined;
}

export interface ResolvedPulumi {
  /** What to run: "pulumi" (on PATH) or the path of a kept install. */
  command: string;
  version: string;
  from: "path" | "kept" | "download";
}

export interface ResolveOptions {
  version: string;
  env?: NodeJS.ProcessEnv;
  install?: PulumiInstaller;
  log?: (line: string) => void;
}

export async function resolvePulumi({ version, env = process.env, install = downloadPulumi, log = () => undefined }: ResolveOptions): Promise<ResolvedPulumi> {
  const onPath = versionOf("pulumi", env);
  if (onPath) {
    if (onPath !== version) log(`Using the Pulumi CLI on PATH (v${onPath}); this project pins v${version} (${PULUMI_VERSION_FILE}).`);
    return { command: "pulumi", version: onPath, from: "path" };
  }
  const root = installRoot(version, env);
  const kept = path.join(root, "bin", "pulumi");
  const keptVersion = versionOf(kept, env);
  if (keptVersion) return { command: kept, version: keptVersion, from: "kept" };
  const ways = [
    `Either install it yourself (https://www.pulumi.com/docs/iac/download-install/, for example \`curl -fsSL https://get.pulumi.com | sh -s -- --version ${version}\`) and run this again,`,
    "or let it download: this machine needs HTTPS access to get.pulumi.com and github.com (behind a proxy, set HTTPS_PROXY).",
    "`npm run render -- --stack <name>` shows what pulumi up would apply, without Pulumi.",
  ].join("\n");
  if (env.RUS_PULUMI_DOWNLOAD === "never") {
    throw new PulumiUnavailable(`The Pulumi CLI is not on PATH, and RUS_PULUMI_DOWNLOAD=never forbids downloading v${version}.\n${ways}`);
  }
  log(`The Pulumi CLI is not on PATH: downloading v${version} (the version the project pins) into ${root}. This happens once; later runs use it.`);
  try {
    await install({ version, root });
  } catch (e) {
    throw new PulumiUnavailable(`The Pulumi CLI is not on PATH, and downloading v${version} failed: ${(e as Error).message.split("\n")[0]}.\n${ways}`);
  }
  const installed = versionOf(kept, env);
  if (!installed) throw new PulumiUnavailable(`Pulumi v${version} was downloaded into ${root}, but ${kept} does not run.\n${ways}`);
  log(`Pulumi v${installed} is ready in ${root}.`);
  return { command: kept, version: installed, from: "download" };
}

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

/** Runs the CLI in the project folder; its output goes to ours unless quiet. */
export function runPulumi(cli: ResolvedPulumi, args: string[], env: NodeJS.ProcessEnv, opts: { quiet?: boolean; input?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    // A kept install brings its language hosts along: they must be found first.
    const withHosts = path.isAbsolute(cli.command) ? { ...env, PATH: `${path.dirname(cli.command)}${path.delimiter}${env.PATH ?? ""}` } : env;
    const child = spawn(cli.command, args, {
      cwd: PROJECT_DIR,
      env: withHosts,
      stdio: [opts.input !== undefined ? "pipe" : "inherit", opts.quiet ? "ignore" : "inherit", "inherit"],
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on("error", (e) => reject(new PulumiUnavailable(`Cannot run ${cli.command}: ${e.message}`)));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
