// npm run up / preview on the dev stack: starts the embedded Postgres, then drives the Pulumi CLI.
// The real CLI cannot be installed here, so a stand-in `pulumi` on PATH records what it is asked.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/freePort";

const ROOT = path.resolve(__dirname, "../..");

function devProject(port: number, plan = "free"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-up-"));
  const devStack = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("port: 54329", `port: ${port}`).replace("plan: free", `plan: ${plan}`);
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), devStack);
  return dir;
}

function fakePulumi(dir: string): string {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const script = path.join(bin, "pulumi");
  fs.writeFileSync(
    script,
    `#!/bin/sh
log="${dir}/pulumi.log"
if [ "$1" = "version" ]; then echo v3.200.0; exit 0; fi
stdin=""
if [ "$1" = "config" ]; then stdin=$(cat); fi
echo "args=$* backend=$PULUMI_BACKEND_URL passphrase_set=\${PULUMI_CONFIG_PASSPHRASE:+yes} stdin=$stdin" >> "$log"
exit 0
`,
  );
  fs.chmodSync(script, 0o755);
  return bin;
}

function run(script: string, project: string, pathDirs: string[], args: string[] = []) {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: [...pathDirs, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
      RUS_PROJECT_DIR: project,
      RUS_DEV_DATA_DIR: path.join(project, ".data", "postgres"),
      PULUMI_BACKEND_URL: "",
      PULUMI_CONFIG_PASSPHRASE: "",
    },
    timeout: 120_000,
  });
}

describe("npm run up on the dev stack", () => {
  it("starts the embedded Postgres, then sets the dev password as a secret and runs pulumi up with a local backend", async () => {
    const project = devProject(await freePort());
    const bin = fakePulumi(project);
    const result = run("up.ts", project, [bin], ["--yes"]);
    expect(result.stderr).toMatch(/Embedded Postgres ready: postgres@127.0.0.1:\d+\/retool_app/);
    expect(result.status).toBe(0);
    const calls = fs.readFileSync(path.join(project, "pulumi.log"), "utf8").trim().split("\n");
    expect(calls.map((c) => c.replace(/ backend=.*? passphrase/, " passphrase"))).toEqual([
      "args=stack select --create dev passphrase_set=yes stdin=",
      "args=config set --secret databaseAdminPassword --stack dev passphrase_set=yes stdin=dev-only-embedded-postgres-password",
      "args=up --stack dev --yes passphrase_set=yes stdin=",
    ]);
    expect(calls[2]).toContain(`backend=file://${fs.realpathSync(project)}/.pulumi-state`);
    expect(fs.existsSync(path.join(project, ".data", "postgres", "PG_VERSION"))).toBe(true);
  });

  it("says how to install Pulumi, exit code 3, when the CLI is missing", async () => {
    const project = devProject(await freePort());
    const result = run("up.ts", project, []);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/The Pulumi CLI is not installed/);
  });

  it("fails with the config error before starting anything when the stack is invalid", async () => {
    const project = devProject(await freePort(), "platinum");
    const bin = fakePulumi(project);
    const result = run("preview.ts", project, [bin]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/retool-user-sync:plan: got "platinum"/);
    expect(fs.existsSync(path.join(project, "pulumi.log"))).toBe(false);
    expect(fs.existsSync(path.join(project, ".data"))).toBe(false);
  });

  it("refuses a shared stack whose secret is still the example placeholder", () => {
    const bin = fakePulumi(fs.mkdtempSync(path.join(os.tmpdir(), "rus-up-")));
    const result = run("preview.ts", ROOT, [bin], ["--stack", "staging"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Stack staging does not set databaseAdminPassword. Set it: pulumi config set --secret databaseAdminPassword <value> --stack staging/);
  });
});
