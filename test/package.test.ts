// The package as a team installs it: `npm pack`, installed into a program outside this repository,
// type-checked, run under Pulumi's mocks, and its dynamic providers loaded the way Pulumi's
// provider host loads them (from the serialized text, resolving the package in node_modules).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, freshDatabase } from "./support/database";

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples/existing-database");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/**
 * What `pulumi new typescript` writes (pulumi/templates, typescript/tsconfig.json): strict, and no
 * skipLibCheck, so every declaration the package ships is type-checked in the team's program.
 */
const PULUMI_DEFAULT_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** Runs a command with a deadline; its output comes back, and a failure says what it printed. */
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A program in the consumer's folder, run by plain Node: what it prints, parsed. */
function node(program: string, cwd: string): any {
  return JSON.parse(run(process.execPath, ["-e", program], cwd, 120_000).trim().split("\n").pop()!);
}

let work: string;
let consumer: string;
let packed: { filename: string; files: { path: string }[] };

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rus-package-"));
  [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], ROOT));
  consumer = path.join(work, "consumer");
  fs.mkdirSync(consumer);
  for (const f of ["index.ts", "Pulumi.yaml"]) fs.copyFileSync(path.join(EXAMPLE, f), path.join(consumer, f));
  fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify(PULUMI_DEFAULT_TSCONFIG, null, 2));
  // The example's own manifest, but the package from the tarball and the Pulumi packages this repository tests with.
  const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8"));
  const pinned = (name: string) => manifest.devDependencies[name];
  const dependencies = Object.fromEntries(Object.keys(example.dependencies).map((name) => [name, pinned(name) ?? example.dependencies[name]]));
  dependencies["retool-user-sync"] = `file:${path.join(work, packed.filename)}`;
  fs.writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, dependencies: { ...dependencies, "@types/node": pinned("@types/node") } }),
  );
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
}, 600_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("holds the component's compiled code and types, and nothing of the tests, scripts, benches or this repository's own program", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/components/retoolUserSync.d.ts"]));
    expect(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md"].includes(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(main|program|loadStack|pulumiConfigSource|stackFile)\.(js|d\.ts)$|fakeRetool|bench|test/.test(f))).toEqual([]);
  });

  it("installs into a program outside the repository with the Pulumi packages as peers, and type-checks the example there under Pulumi's default tsconfig", () => {
    expect(PULUMI_DEFAULT_TSCONFIG.compilerOptions).not.toHaveProperty("skipLibCheck");
    expect(path.relative(ROOT, consumer).startsWith("..")).toBe(true);
    const installed = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules/retool-user-sync/package.json"), "utf8"));
    expect(Object.keys(installed.peerDependencies).sort()).toEqual(["@pulumi/postgresql", "@pulumi/pulumi", "@pulumi/random"]);
    // One @pulumi/pulumi for the program and the component: a second copy would register nothing.
    expect(fs.existsSync(path.join(consumer, "node_modules/retool-user-sync/node_modules/@pulumi/pulumi"))).toBe(false);
    run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], consumer);
    expect(fs.existsSync(path.join(consumer, "bin/index.js"))).toBe(true);
  });

  it("runs the example under Pulumi's mocks, and its dynamic providers load from node_modules and work", async () => {
    const registrations = node(
      `const pulumi = require("@pulumi/pulumi");
       const seen = [];
       pulumi.runtime.setAllConfig({ "users-sync-example:host": "db.internal", "users-sync-example:superuser": "postgres", "users-sync-example:superuserPassword": "s" }, ["users-sync-example:superuserPassword"]);
       pulumi.runtime.setMocks({
         newResource: (a) => { seen.push({ type: a.type, name: a.name, inputs: a.inputs }); return { id: a.name + "-id", state: { ...a.inputs, ...(a.type.startsWith("random:") ? { result: "generated" } : {}) } }; },
         call: (a) => a.inputs,
       }, "users-sync-example", "dev").then(async () => {
         require("./bin/index.js");
         await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
         console.log(JSON.stringify(seen));
       });`,
      consumer,
    );
    const named = (name: string) => registrations.find((r: { name: string }) => r.name === name);
    expect(registrations.map((r: { type: string; name: string }) => `${r.type} ${r.name}`)).toEqual(
      expect.arrayContaining([
        "retool-user-sync:index:RetoolUserSync users-sync",
        "pulumi-nodejs:dynamic/retool-user-sync:MigrationSet users-sync-users-users-table",
        "pulumi-nodejs:dynamic/retool-user-sync:RenderedFiles users-sync-retool-files",
      ]),
    );
    const table = named("users-sync-users-users-table").inputs;
    expect(table.target).toEqual({ host: "db.internal", port: 5432, database: "app", user: "users_sync_admin", sslmode: "require" });

    // What Pulumi's provider host does with a dynamic resource: load the serialized provider and call it.
    const conn = await freshDatabase("pkg");
    const state = {
      ...table,
      target: { host: conn.host, port: conn.port, database: conn.database, user: conn.user, sslmode: "disable" },
      adminPassword: conn.password,
    };
    const files = named("users-sync-retool-files").inputs;
    fs.writeFileSync(path.join(consumer, "migrations-provider.js"), table.__provider);
    fs.writeFileSync(path.join(consumer, "files-provider.js"), files.__provider);
    fs.writeFileSync(path.join(consumer, "state.json"), JSON.stringify({ table: state, files: { dir: path.join(consumer, "rendered"), files: files.files } }));
    const result = node(
      `const s = JSON.parse(require("fs").readFileSync("state.json", "utf8"));
       (async () => {
         const migrations = await require("./migrations-provider.js").handler().create(s.table);
         const written = await require("./files-provider.js").handler().create(s.files);
         const { RetoolClient } = require("retool-user-sync/dist/providers/retool/retoolClient.js");
         new RetoolClient({ url: "http://127.0.0.1:9", token: "t", rateLimitPerMinute: 0 });
         console.log(JSON.stringify({ applied: migrations.outs.lastApplied, dir: written.id }));
       })().catch((e) => { console.error(e); process.exit(1); });`,
      consumer,
    );
    expect(result.applied).toEqual(["001_sync_schema", "002_users_table"]);
    expect(fs.readdirSync(result.dir).sort()).toEqual(expect.arrayContaining(["continue-page.zip", "retool-resource-page.json", "sql"]));
    const db = await connect(conn);
    try {
      const t = await db.query("SELECT to_regclass('public.users') AS users, to_regclass('retool_sync.schema_migrations') AS ledger");
      expect(t.rows[0]).toEqual({ users: "users", ledger: "retool_sync.schema_migrations" });
    } finally {
      await db.end();
    }
  });
});
