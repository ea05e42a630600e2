// The single-user sync paths measured with pgbench, where the client costs almost nothing: calls
// per second of the trusted entry point (sync_retool_user: the event and API path) and the page's
// (sync_page_user), each against a bare INSERT ... ON CONFLICT on the same table, with the same
// clients and the same users. Each client syncs its own users (pgbench's :client_id), so no run
// races two first inserts of one user: the figures measure the paths, not a retry.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ENTRY_POINTS } from "../../infra/builders/sql/syncApi";
import type { PgConnection } from "../../infra/providers/pgConnection";

export interface PgbenchOptions {
  clients: number;
  seconds: number;
  /** Users per client. */
  usersPerClient: number;
  runs: number;
}

/** pgbench: PGBENCH, else on PATH, else Debian's postgresql-NN package. */
export function findPgbench(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGBENCH) return env.PGBENCH;
  const onPath = spawnSync("sh", ["-c", "command -v pgbench"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  const debian = fs.existsSync("/usr/lib/postgresql")
    ? fs
        .readdirSync("/usr/lib/postgresql")
        .map((v) => path.join("/usr/lib/postgresql", v, "bin", "pgbench"))
        .filter((p) => fs.existsSync(p))
    : [];
  if (debian.length) return debian.sort().pop() as string;
  throw new Error(
    "pgbench was not found (the embedded Postgres packages do not ship it). On Debian or Ubuntu: apt-get install postgresql-15 (it brings /usr/lib/postgresql/15/bin/pgbench); elsewhere install your distribution's PostgreSQL client tools, or set PGBENCH to its path.",
  );
}

const USER = "\\set u :client_id * :per + random(1, :per)";
const ARGS = "'user_b' || :u, 'b' || :u || '@example.com', 'First', 'Last'";

/** The three scripts pgbench runs, as text. */
export const PGBENCH_SCRIPTS = {
  bare: `${USER}
INSERT INTO public.users (retool_user_id, email, first_name, last_name, active, last_seen_at)
VALUES (${ARGS}, true, now())
ON CONFLICT (retool_user_id) DO UPDATE
  SET email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, active = EXCLUDED.active, last_seen_at = now()
RETURNING *;
`,
  trusted: `${USER}
SELECT * FROM ${ENTRY_POINTS.retoolUser.name}(${ARGS}, true);
`,
  page: `${USER}
SELECT * FROM ${ENTRY_POINTS.page.name}(${ARGS});
`,
} as const;
export type PgbenchScript = keyof typeof PGBENCH_SCRIPTS;

/** One pgbench run of a script: its transactions per second. */
export function pgbenchTps(bin: string, conn: PgConnection, script: PgbenchScript, o: PgbenchOptions): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-pgbench-"));
  try {
    const file = path.join(dir, `${script}.sql`);
    fs.writeFileSync(file, PGBENCH_SCRIPTS[script]);
    const args = ["-n", "-M", "prepared", "-c", String(o.clients), "-j", String(Math.min(o.clients, 2)), "-T", String(o.seconds)];
    args.push("-D", `per=${o.usersPerClient}`, "-f", file, "-h", conn.host, "-p", String(conn.port), "-U", conn.user, conn.database);
    const r = spawnSync(bin, args, { encoding: "utf8", env: { ...process.env, PGPASSWORD: conn.password }, timeout: (o.seconds + 60) * 1000 });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1];
    if (r.status !== 0 || !tps) throw new Error(`pgbench ${script} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
    return Number(tps);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
