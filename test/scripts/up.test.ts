// npm run up / preview on the dev stack: the Pulumi CLI found or fetched, the embedded Postgres
// started, then the CLI driven. The real CLI cannot be installed here, so a stand-in `pulumi`
// (test/support/standInPulumi.ts) on PATH records what it is asked.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../ops/postgres/freePort";
import { PULUMI_VERSION_FILE, PulumiUnavailable, pinnedPulumiVersion, resolvePulumi } from "../../ops/pulumi/pulumiCli";
import { standInPulumi } from "../support/standIn";

const ROOT = path.resolve(__dirname, "../..");

/** Folders the runs below leave behind: the projects, and the data the embedded Postgres kept. */
const leftovers: string[] = [];
afterAll(() => {
  for (const dir of leftovers) fs.rmSync(dir, { recursive: true, force: true });
});

function devProject(port: number, plan = "free"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-up-"));
  leftovers.push(dir, pgHomeOf(dir));
  const devStack = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("port: 54329", `port: ${port}`).replace("plan: free", `plan: ${plan}`);
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), devStack);
  fs.copyFileSync(path.join(ROOT, PULUMI_VERSION_FILE), path.join(dir, PULUMI_VERSION_FILE));
  return dir;
}

const pgHomeOf = (project: string) => path.join(os.tmpdir(), `rus-pghome-${path.basename(project)}`);

function run(script: string, project: string, pathDirs: string[], args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: [...pathDirs, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
      RUS_PROJECT_DIR: project,
      RUS_DEV_DATA_DIR: path.join(project, ".data", "postgres"),
      // A folder of the test's own for what the postgres OS user must reach (it does not exist yet).
      RUS_POSTGRES_HOME: pgHomeOf(project),
      RUS_PULUMI_ROOT: path.join(project, "pulumi-cli"),
      PULUMI_BACKEND_URL: "",
      PULUMI_CONFIG_PASSPHRASE: "",
      ...env,
    },
    timeout: 120_000,
  });
}

describe("npm run up on the dev stack", () => {
  it("with the CLI on PATH: starts the embedded Postgres, sets the dev password as a secret and runs pulumi up with a local backend", async () => {
    const project = devProject(await freePort());
    const pulumi = standInPulumi(project);
    const result = run("up.ts", project, [pulumi.bin], ["--yes"]);
    expect(result.stderr).toMatch(/Embedded Postgres ready: postgres@127.0.0.1:\d+\/retool_app \(data in \S+\)/);
    expect(result.status).toBe(0);
    const calls = pulumi.calls().filter((c) => !c.startsWith("args=version "));
    expect(calls.map((c) => c.replace(/ backend=.*? passphrase/, " passphrase"))).toEqual([
      "args=stack select --create dev passphrase_set=yes stdin=",
      "args=config set --secret databaseAdminPassword --stack dev passphrase_set=yes stdin=dev-only-embedded-postgres-password",
      "args=up --stack dev --yes passphrase_set=yes stdin=",
    ]);
    expect(calls[2]).toContain(`backend=file://${fs.realpathSync(project)}/.pulumi-state`);
    // No download when the CLI is on PATH.
    expect(fs.existsSync(path.join(project, "pulumi-cli"))).toBe(false);
  });

  it("without the CLI and no way to download it: exit 3 with the two ways out, and nothing started", async () => {
    const project = devProject(await freePort());
    const result = run("up.ts", project, [], [], { RUS_PULUMI_DOWNLOAD: "never" });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/The Pulumi CLI is not on PATH, and RUS_PULUMI_DOWNLOAD=never forbids downloading v3\.276\.0\./);
    expect(result.stderr).toMatch(/Either install it yourself .*--version 3\.276\.0/);
    expect(result.stderr).toMatch(/or let it download: this machine needs HTTPS access to get\.pulumi\.com/);
    expect(fs.existsSync(path.join(project, ".data"))).toBe(false);
  });

  it("fails with the config error before starting anything when the stack is invalid", async () => {
    const project = devProject(await freePort(), "platinum");
    const pulumi = standInPulumi(project);
    const result = run("preview.ts", project, [pulumi.bin]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/retool-user-sync:plan: got "platinum"/);
    expect(pulumi.calls()).toEqual([]);
    expect(fs.existsSync(path.join(project, ".data"))).toBe(false);
  });

  it("refuses a shared stack whose secret is still the example placeholder", () => {
    const pulumi = standInPulumi(fs.mkdtempSync(path.join(os.tmpdir(), "rus-up-")));
    const result = run("preview.ts", ROOT, [pulumi.bin], ["--stack", "staging"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /Stack staging does not set databaseAdminPassword. Set it: pulumi config set --secret databaseAdminPassword <value> --stack staging/,
    );
  });

  it("passes pulumi's own flags on as they are, and says what it does with --help", () => {
    const help = run("up.ts", ROOT, [], ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: up \[--stack <name>\] \[pulumi up flags\]/);
    expect(help.stdout).toMatch(/3 the Pulumi CLI\s+is missing and could not be downloaded/);
  });
});

describe("finding the Pulumi CLI", () => {
  /** An installer that puts a stand-in CLI where the real one would go, and remembers its calls. */
  function fakeInstaller() {
    const calls: { version: string; root: string }[] = [];
    const install = async (o: { version: string; root: string }) => {
      calls.push(o);
      standInPulumi(o.root);
    };
    return { calls, install };
  }
  const noPulumiOnPath = { ...process.env, PATH: [path.dirname(process.execPath), "/usr/bin", "/bin"].join(":") };

  it("pins the version of the @pulumi/pulumi SDK the lockfile installs", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
    const locked = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages["node_modules/@pulumi/pulumi"].version;
    expect(pinnedPulumiVersion(ROOT)).toBe(sdk);
    expect(locked).toBe(sdk);
  });

  it("prefers the CLI on PATH and installs nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-cli-"));
    const pulumi = standInPulumi(dir);
    const { calls, install } = fakeInstaller();
    const cli = await resolvePulumi({
      version: "3.276.0",
      install,
      env: { ...noPulumiOnPath, PATH: `${pulumi.bin}:${noPulumiOnPath.PATH}`, RUS_PULUMI_ROOT: path.join(dir, "root") },
    });
    expect(cli).toEqual({ command: "pulumi", version: "3.276.0", from: "path" });
    expect(calls).toEqual([]);
  });

  it("without one on PATH, installs the pinned version once, then keeps using it", async () => {
    const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rus-cli-")), "root");
    const { calls, install } = fakeInstaller();
    const lines: string[] = [];
    const env = { ...noPulumiOnPath, RUS_PULUMI_ROOT: root };
    const first = await resolvePulumi({ version: "3.276.0", install, env, log: (l) => lines.push(l) });
    expect(calls).toEqual([{ version: "3.276.0", root }]);
    expect(first).toEqual({ command: path.join(root, "bin", "pulumi"), version: "3.276.0", from: "download" });
    expect(lines[0]).toBe(
      `The Pulumi CLI is not on PATH: downloading v3.276.0 (the version the project pins) into ${root}. This happens once; later runs use it.`,
    );
    const second = await resolvePulumi({ version: "3.276.0", install, env });
    expect(second.from).toBe("kept");
    expect(calls).toHaveLength(1);
  });

  it("says what failed and the two ways out when the download fails", async () => {
    const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rus-cli-")), "root");
    const install = async () => {
      throw new Error("Failed to download https://get.pulumi.com/install.sh: fetch failed");
    };
    const error = await resolvePulumi({ version: "3.276.0", install, env: { ...noPulumiOnPath, RUS_PULUMI_ROOT: root } }).catch((e) => e);
    expect(error).toBeInstanceOf(PulumiUnavailable);
    expect(error.message).toMatch(
      /^The Pulumi CLI is not on PATH, and downloading v3\.276\.0 failed: Failed to download https:\/\/get\.pulumi\.com\/install\.sh: fetch failed\.\n/,
    );
    expect(error.message).toMatch(/Either install it yourself/);
    expect(error.message).toMatch(/or let it download/);
  });
});
