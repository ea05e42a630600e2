// render writes exactly what the program applies: applying the rendered files by hand gives the
// same database as the migration runner, and the files are stable between runs.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stackArtifacts } from "../../infra/builders/stackArtifacts";
import { stackLayout } from "../../infra/config/syncChoices";
import { isOwnedFile } from "../../infra/providers/artifactWriter";
import { renderedFilesProvider } from "../../infra/providers/renderedFilesProvider";
import { stackSettingsFromFile } from "../../ops/pulumi/stackSettingsFromFile";
import { renderStack } from "../../ops/render";
import { connect, createStackRoles, freshDatabase } from "../support/database";
import { projectWithStack } from "../support/project";
import { provision } from "../support/provisioned";
import { runSerializedProvider } from "../support/serializedProvider";

const ROOT = path.resolve(__dirname, "../..");

const STACK = `config:
  retool-user-sync:plan: team
  retool-user-sync:database: { host: 127.0.0.1, name: app, adminUser: postgres, sslmode: disable }
  retool-user-sync:databaseAdminPassword: { secure: v1:placeholder }
`;

const ENTERPRISE_RETOOL = "\n  retool-user-sync:retool: { url: https://acme.retool.com, apiTier: enterprise-premium }";
const BUSINESS_RETOOL = "\n  retool-user-sync:retool: { url: https://acme.retool.com }";
const ENTERPRISE = STACK.replace("plan: team", "plan: enterprise") + ENTERPRISE_RETOOL;

async function schemaFingerprint(conn: Parameters<typeof connect>[0]): Promise<string> {
  const c = await connect(conn);
  try {
    const r = await c.query(`SELECT string_agg(x, E'\\n' ORDER BY x) AS s FROM (
      SELECT format('%s.%s.%s %s %s', table_schema, table_name, column_name, data_type, column_default) AS x FROM information_schema.columns WHERE table_schema IN ('public','retool_sync')
      UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname IN ('public','retool_sync')
      UNION ALL SELECT format('%s %s', p.oid::regprocedure, md5(p.prosrc)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'retool_sync'
      UNION ALL SELECT format('%s %s', relname, relacl) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public','retool_sync') AND relkind = 'r') q`);
    return r.rows[0].s;
  } finally {
    await c.end();
  }
}

describe("render", () => {
  it("writes ordered SQL files that, applied by hand, give the database pulumi up gives", async () => {
    const project = projectWithStack(STACK);
    const out = path.join(project, "out");
    const files = renderStack("ci", out, project).files.filter((f) => f.startsWith("sql/"));
    expect(files).toEqual(["sql/001_sync_schema.sql", "sql/002_users_table.sql", "sql/004_sync_function.sql", "sql/005_retool_role_grants.sql"]);

    const byHand = await freshDatabase();
    await createStackRoles(byHand, stackSettingsFromFile("ci", project).settings);
    const client = await connect(byHand);
    try {
      for (const f of files) await client.query(fs.readFileSync(path.join(out, f), "utf8"));
    } finally {
      await client.end();
    }
    const byRunner = await provision();
    await byRunner.admin.end();
    const rendered = await schemaFingerprint(byHand);
    expect(rendered).toBe(await schemaFingerprint(byRunner.conn));
    expect(rendered).toContain("sync_user(text,text,text,text,text,boolean)");
  });

  it("removes the files of its own that this config no longer makes, and leaves every other file in the folder", () => {
    const project = projectWithStack(STACK);
    fs.writeFileSync(path.join(project, "Pulumi.ent.yaml"), ENTERPRISE);
    const out = path.join(project, "out");
    const before = renderStack("ent", out, project).files;
    expect(before).toContain("workflow-retool-event-user-created.json");
    // A team's own files beside ours, some with names like ours.
    const theirs = { "README.md": "# our notes", "sql/900_our_own.sql": "SELECT 1;", "workflow-our-own.json": "{}", "nested/keep.json": "{}" };
    for (const [f, content] of Object.entries(theirs)) {
      fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
      fs.writeFileSync(path.join(out, f), content);
    }
    fs.writeFileSync(path.join(out, "retool-api-resource.json"), "{}"); // an earlier release's name for a file of ours

    const after = renderStack("ci", out, project).files;
    const present = (fs.readdirSync(out, { recursive: true }) as string[])
      .map((f) => f.split(path.sep).join("/"))
      .filter((f) => fs.statSync(path.join(out, f)).isFile());
    expect(present.sort()).toEqual([...after, ...Object.keys(theirs)].sort());
    for (const [f, content] of Object.entries(theirs)) expect(fs.readFileSync(path.join(out, f), "utf8")).toBe(content);
  });

  it("owns every file any plan renders, so a later render can tidy it away", () => {
    const retool = (r: string) => `\n  retool-user-sync:retool: ${r}`;
    const variants: [string, string][] = [
      ["free", ""],
      ["team", "\n  retool-user-sync:usersTable: { mode: adopt, name: people }"],
      ["business", retool("{ url: https://acme.retool.com }")],
      ["enterprise", retool("{ url: https://acme.retool.com, apiTier: enterprise-premium, reconcileSchedule: '0 3 * * *' }")],
    ];
    const rendered = new Set<string>();
    for (const [plan, extra] of variants) {
      const project = projectWithStack(STACK.replace("plan: team", `plan: ${plan}`) + extra);
      for (const f of renderStack("ci", path.join(project, "out"), project).files) rendered.add(f);
    }
    expect([...rendered].filter((f) => !isOwnedFile(f))).toEqual([]);
    expect(rendered.size).toBe(13); // five SQL files, three resources, four workflows, the page
    expect(isOwnedFile("workflow-our-own.json")).toBe(false);
  });

  it("gives byte-identical files for the same config in separate processes, run by tsx and by ts-node", () => {
    const project = projectWithStack(STACK.replace("plan: team", "plan: business") + BUSINESS_RETOOL);
    const render = (runner: string[], out: string) =>
      execFileSync(process.execPath, [...runner, path.join(ROOT, "scripts/render.ts"), "--stack", "ci", "--out", out], {
        cwd: ROOT,
        stdio: "pipe",
        env: { ...process.env, RUS_PROJECT_DIR: project, TS_NODE_TRANSPILE_ONLY: "1" },
      });
    const byTsx = path.join(project, "a");
    const byTsNode = path.join(project, "b");
    render(["--import", "tsx"], byTsx);
    render(["-r", "ts-node/register"], byTsNode);
    const list = (d: string) => (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();
    expect(list(byTsNode)).toEqual(list(byTsx));
    expect(list(byTsx)).toContain("continue-page.zip");
    for (const f of list(byTsx)) expect([f, fs.readFileSync(path.join(byTsNode, f)).equals(fs.readFileSync(path.join(byTsx, f)))]).toEqual([f, true]);
  }, 60_000);

  it("exits 2 with the config error and writes nothing for an invalid stack", () => {
    const project = projectWithStack(STACK.replace("plan: team", "plan: gold"));
    const out = path.join(project, "out");
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/render.ts"), "--stack", "ci", "--out", out], {
        cwd: ROOT,
        stdio: "pipe",
        env: { ...process.env, RUS_PROJECT_DIR: project },
      });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/retool-user-sync:plan: got "gold"/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("pulumi up's files", () => {
  it("are render's files: RenderedFiles writes the same bytes into the same names", async () => {
    const project = projectWithStack(STACK);
    const byRender = path.join(project, "out-render");
    const byUp = path.join(project, "out-up");
    renderStack("ci", byRender, project);
    const settings = stackSettingsFromFile("ci", project);
    const files = stackArtifacts({ settings: settings.settings, layout: stackLayout(settings.settings, settings.secretsPresent), stack: "ci" });
    await renderedFilesProvider.create!({ dir: byUp, files });
    const list = (d: string) => (fs.readdirSync(d, { recursive: true }) as string[]).sort();
    expect(list(byUp)).toEqual(list(byRender));
    for (const f of list(byUp))
      if (fs.statSync(path.join(byUp, f)).isFile()) expect(fs.readFileSync(path.join(byUp, f))).toEqual(fs.readFileSync(path.join(byRender, f)));
  });

  it("writes them as Pulumi's provider host runs the provider, serialized, leaving a team's own file", async () => {
    const project = projectWithStack(STACK);
    const dir = path.join(project, "out-up");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "notes.md"), "ours");
    fs.writeFileSync(path.join(dir, "retool-resource.json"), "{}");
    const settings = stackSettingsFromFile("ci", project);
    const files = stackArtifacts({ settings: settings.settings, layout: stackLayout(settings.settings, settings.secretsPresent), stack: "ci" });
    const out = await runSerializedProvider(
      "./infra/providers/renderedFilesProvider",
      "renderedFilesProvider",
      { dir, files },
      "return (await provider.create(inputs)).id;",
    );
    expect(out).toBe(dir);
    const present = (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .map((f) => f.split(path.sep).join("/"));
    expect(present.sort()).toEqual([...files.map((f) => f.path), "notes.md"].sort());
  });
});
