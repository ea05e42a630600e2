// npm run e2e, driven through the Automation API against the stand-in `pulumi` (the real CLI
// cannot be installed here; GitHub's runners run it for real). The stand-in does to the database
// what the program's resources would, so e2e's checks of the database are met step by step.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { standInPulumi } from "../support/standIn";

const ROOT = path.resolve(__dirname, "../..");

function runE2e(pathDirs: string[], env: Record<string, string> = {}) {
  const a = inject("pgAdmin");
  return spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "scripts", "e2e.ts"),
      "--database-url",
      `postgres://${a.user}:${a.password}@${a.host}:${a.port}/postgres?sslmode=disable`,
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: [...pathDirs, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"), ...env },
      timeout: 240_000,
    },
  );
}

describe("npm run e2e", () => {
  it("drives the CLI through up, up again, refresh, a config change and its revert, and destroy, checking the database after each", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-e2e-test-"));
    const pulumi = standInPulumi(dir);
    const result = runE2e([pulumi.bin], { STANDIN_ENGINE: "1" });
    expect(result.stderr).toMatch(/\[7\/7\] done: every step came out as it should/);
    expect(result.status).toBe(0);
    for (const check of [
      "the page role logs in with its stack-output password and syncs a user",
      "the page role may not call the trusted entry point",
      "no resource changed",
      "the page role reads the users table's sync columns",
      "the page role no longer reads the users table",
      "the users table and its 2 rows are still there",
      "the protected table resource is left in the stack, not removed",
      "the login roles were dropped",
    ]) {
      expect(result.stderr).toContain(`ok  ${check}`);
    }
    const operations = pulumi
      .calls()
      .map((c) => /^args=((?:config|stack) \S+|up|refresh|destroy)\b/.exec(c)?.[1])
      .filter((op) => op && /^(up|refresh|destroy|config set-all|stack (init|rm|export))$/.test(op));
    expect(operations).toEqual([
      "stack init",
      "config set-all",
      "up",
      "up",
      "refresh",
      "config set-all",
      "up",
      "config set-all",
      "up",
      "destroy",
      "stack export",
      "stack rm",
    ]);
    const calls = pulumi.calls();
    expect(calls.find((c) => c.startsWith("args=refresh"))).toContain("--expect-no-changes");
    expect(calls.find((c) => c.startsWith("args=destroy"))).toContain("--exclude-protected");
    // A throwaway stack and backend: nothing of it is left in the project.
    expect(fs.readdirSync(ROOT).filter((f) => /^Pulumi\.e2e-/.test(f))).toEqual([]);
  }, 240_000);

  it("without the CLI, exits 3 with the same message as npm run up", () => {
    const result = runE2e([], { RUS_PULUMI_DOWNLOAD: "never", RUS_PULUMI_ROOT: fs.mkdtempSync(path.join(os.tmpdir(), "rus-nocli-")) });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^The Pulumi CLI is not on PATH, and RUS_PULUMI_DOWNLOAD=never forbids downloading v3\.276\.0\.\nEither install it yourself/);
  });
});
