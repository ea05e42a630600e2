// The GitHub Actions workflows users copy: valid by a real workflow validator, and covering
// every stack this repository has. The example stacks must also stay valid config.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderStack } from "../../ops/render";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const stacks = fs
  .readdirSync(ROOT)
  .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => Boolean(s))
  .sort();

type Step = { uses?: string; run?: string; name?: string; with?: Record<string, unknown> };
type Job = {
  permissions?: Record<string, string>;
  strategy?: { matrix?: { stack?: string[]; node?: number[] } };
  environment?: string;
  services?: Record<string, { image: string }>;
  steps: Step[];
};
type Workflow = { permissions?: Record<string, string>; jobs: Record<string, Job> };
const load = (file: string) => yaml.load(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;

describe("GitHub Actions workflows", () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

  it("are there", () => {
    expect(files.sort()).toEqual(["deploy.yml", "preview.yml"]);
  });

  it.each(files)("%s passes action-validator", (file) => {
    const state = validateWorkflow(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"));
    expect(state.errors).toEqual([]);
  });

  it("previews every stack that has a stack file, from one matrix job", () => {
    expect(stacks).toEqual(["dev", "prod", "staging"]);
    const preview = load("preview.yml").jobs.preview;
    expect([...preview.strategy!.matrix!.stack!].sort()).toEqual(stacks);
    const pulumiStep = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command)!;
    expect(pulumiStep).toMatchObject({ with: { command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true } });
    expect(preview.steps.some((s) => s.run?.includes("npm run render"))).toBe(true);
  });

  it("deploys every stack but dev, behind an environment named after it", () => {
    const up = load("deploy.yml").jobs.up;
    expect([...up.strategy!.matrix!.stack!].sort()).toEqual(stacks.filter((s) => s !== "dev"));
    expect(up.environment).toBe("${{ matrix.stack }}");
  });

  it("use the Pulumi CLI pinned in .pulumi.version, with the provider plugins installed first", () => {
    for (const file of files) {
      for (const [name, job] of Object.entries(load(file).jobs)) {
        job.steps.forEach((step, i) => {
          if (!step.uses?.startsWith("pulumi/actions@")) return;
          expect(step.with?.["pulumi-version-file"], `${file} ${name}`).toBe(".pulumi.version");
          if (step.with?.command)
            expect(
              job.steps.slice(0, i).some((s) => s.run === "pulumi install"),
              `${file} ${name}: pulumi install before ${step.with.command}`,
            ).toBe(true);
        });
      }
    }
    expect(fs.readFileSync(path.join(ROOT, ".pulumi.version"), "utf8").trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("run the real engine end to end on pull requests, against a Postgres service", () => {
    const e2e = load("preview.yml").jobs.e2e;
    expect(Object.values(e2e.services ?? {}).map((s) => s.image)).toEqual([expect.stringMatching(/^postgres:\d+$/)]);
    const run = e2e.steps.find((s) => s.run?.startsWith("npm run e2e"))!;
    expect(run.run).toMatch(/--database-url "postgres:\/\/postgres:postgres@localhost:5432\/postgres\?sslmode=disable"/);
    expect(e2e.steps.findIndex((s) => s.run === "pulumi install")).toBeLessThan(e2e.steps.indexOf(run));
  });

  it("test on every Node version package.json supports, and run on a current LTS", () => {
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node as string;
    const tested = load("preview.yml").jobs.test.strategy!.matrix!.node!;
    expect(tested).toEqual([22, 24]);
    for (const major of tested) expect(engines).toContain(`^${major}.`);
    for (const file of files) {
      for (const job of Object.values(load(file).jobs)) {
        for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@")))
          expect([22, 24, "${{ matrix.node }}"]).toContain(step.with?.["node-version"]);
      }
    }
  });

  it("grants least privilege: read-only by default, PR write only where it comments", () => {
    for (const file of files) {
      const wf = load(file);
      expect(wf.permissions).toEqual({ contents: "read" });
      for (const [name, job] of Object.entries(wf.jobs)) {
        const writes = Object.entries(job.permissions ?? {})
          .filter(([, v]) => v === "write")
          .map(([k]) => k);
        expect(writes, `${file} ${name}`).toEqual(name === "preview" ? ["pull-requests"] : []);
      }
    }
  });

  it("never echoes a secret", () => {
    for (const file of files) {
      for (const job of Object.values(load(file).jobs)) {
        for (const step of job.steps) expect(step.run ?? "").not.toMatch(/secrets\./);
      }
    }
  });
});

describe("the example stacks", () => {
  it.each(stacks)("%s renders with valid config", (stack) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `rus-stack-${stack}-`));
    const { files, secretsMissing } = renderStack(stack, out, ROOT);
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(secretsMissing).toEqual(["databaseAdminPassword"]);
  });

  it("are on different plans", () => {
    const plans = stacks.map(
      (s) => (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${s}.yaml`), "utf8")) as { config: Record<string, string> }).config["retool-user-sync:plan"],
    );
    expect(new Set(plans).size).toBe(stacks.length);
  });
});
