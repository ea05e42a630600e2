// A script as a user runs it (node with tsx, from the repository's root), with flags and an
// environment of the test's own; and the admin connection as the scripts read it from DATABASE_URL.
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { PgConnection } from "../../infra/providers/pgConnection";

const ROOT = path.resolve(__dirname, "../..");

/** Runs scripts/<script>.ts; its exit code, standard output and standard error. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (err += d));
    c.on("exit", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** A test database's connection as a DATABASE_URL (the test Postgres has no SSL). */
export const databaseUrl = (c: PgConnection) => `postgres://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}?sslmode=disable`;
