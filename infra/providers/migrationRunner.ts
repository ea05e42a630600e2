// Applies migrations over pg: in order, each at most once per checksum, each in its own
// transaction, under an advisory lock so two `pulumi up`s cannot interleave.
import type { Client } from "pg";
import type { ChecksummedMigration } from "../builders/sql/migration";
import { LEDGER_TABLE } from "../builders/sql/syncSchema";
import { withTransaction } from "./pgConnection";

export class MigrationError extends Error {
  constructor(
    readonly migrationId: string,
    readonly pgCode: string | undefined,
    detail: string,
    /** It ran in one transaction, so nothing of it stayed. A concurrent index step runs outside one. */
    rolledBack: boolean,
  ) {
    const what = rolledBack
      ? "failed and was rolled back"
      : "failed; it runs outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one), so its statements before the failing one stay applied, and each is safe to run again";
    const message = `Migration ${migrationId} ${what}: ${detail}`;
    super(message);
    // Set again: in a dynamic provider, Pulumi's closure serializer turns super() into
    // Error.call(this, ...), which sets no message on `this`.
    this.message = message;
    this.name = "MigrationError";
  }
}

export interface RunnerOptions {
  log?: (line: string) => void;
  /** How many times a step that hit its lock_timeout is tried again. */
  lockRetries?: number;
  /** How long to wait for another run's migration lock before giving up (default 5 minutes). */
  lockWaitMs?: number;
}

export interface RunReport {
  applied: string[];
  unchanged: string[];
}

const LOCK_KEY = "retool_sync.migrations";
const LOCK_NOT_AVAILABLE = "55P03";

function describePgError(e: unknown): { code?: string; text: string } {
  const err = e as { code?: string; message?: string; hint?: string; where?: string };
  const hint = err.hint ? ` (hint: ${err.hint})` : "";
  return { code: err.code, text: `${err.message ?? String(e)}${hint}` };
}

/** id -> checksum of what the database says is applied; empty before the first run. */
export async function appliedChecksums(client: Client): Promise<Map<string, string>> {
  const exists = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [LEDGER_TABLE]);
  if (!exists.rows[0].present) return new Map();
  const rows = await client.query(`SELECT id, checksum FROM ${LEDGER_TABLE}`);
  return new Map(rows.rows.map((r: { id: string; checksum: string }) => [r.id, r.checksum]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function record(client: Client, m: ChecksummedMigration): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER_TABLE} (id, checksum, description) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET checksum = EXCLUDED.checksum, description = EXCLUDED.description, applied_at = now()`,
    [m.id, m.checksum, m.description],
  );
}

async function applyInTransaction(client: Client, m: ChecksummedMigration, opts: RunnerOptions): Promise<void> {
  const retries = opts.lockRetries ?? 50;
  for (let attempt = 0; ; attempt++) {
    try {
      await withTransaction(client, async () => {
        for (const setting of m.timeouts) await client.query(setting);
        for (const statement of m.statements) await client.query(statement);
        await record(client, m);
      });
      return;
    } catch (e) {
      const { code, text } = describePgError(e);
      if (code === LOCK_NOT_AVAILABLE && m.lockTimeoutMs && attempt < retries) {
        // Someone holds a lock on the table; stepping aside lets their writers through.
        const wait = Math.min(2000, 50 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
        opts.log?.(`${m.id}: table busy, lock not granted within ${m.lockTimeoutMs} ms; retrying in ${Math.round(wait)} ms`);
        await sleep(wait);
        continue;
      }
      throw new MigrationError(m.id, code, text, true);
    }
  }
}

async function applyConcurrently(client: Client, m: ChecksummedMigration): Promise<void> {
  try {
    for (const index of m.concurrentIndexes ?? []) {
      // An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS
      // would then accept as done; remove it so the build really happens.
      const invalid = await client.query(
        `SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid`,
        [index.schema, index.name],
      );
      if (invalid.rowCount) {
        await client.query(`DROP INDEX CONCURRENTLY IF EXISTS "${index.schema}"."${index.name}"`);
      }
    }
    for (const setting of m.timeouts) await client.query(setting);
    for (const statement of m.statements) await client.query(statement);
    await record(client, m);
  } catch (e) {
    const { code, text } = describePgError(e);
    throw new MigrationError(m.id, code, text, false);
  } finally {
    await client.query("RESET lock_timeout; RESET statement_timeout").catch(() => undefined);
  }
}

// The advisory lock's key as pg_locks shows it: the high and low halves of the 64-bit key.
const LOCK_KEY_SQL = "hashtextextended($1, 0)";
const HOLDER_SQL = `
  SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client, a.backend_start, a.state
  FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
    AND l.classid = ((${LOCK_KEY_SQL} >> 32) & 4294967295)::oid AND l.objid = (${LOCK_KEY_SQL} & 4294967295)::oid`;

/** Who holds the migration lock, in words; Postgres hides the details of other users' sessions without pg_read_all_stats. */
async function lockHolder(client: Client): Promise<string> {
  const r = await client.query(HOLDER_SQL, [LOCK_KEY]);
  const h = r.rows[0];
  if (!h) return "a session that has since let go";
  const since = h.backend_start instanceof Date ? ` connected since ${h.backend_start.toISOString()}` : "";
  return `backend pid ${h.pid} (user ${h.usename ?? "?"}, application "${h.application_name ?? "?"}", client ${h.client ?? "local socket"}${since}, ${h.state ?? "state hidden"})`;
}

export class MigrationLockTimeout extends Error {
  constructor(holder: string, waitedMs: number) {
    const message =
      `Another migration run holds the lock ${LOCK_KEY}: ${holder}. Waited ${Math.round(waitedMs / 1000)} s. ` +
      "If that run is another `pulumi up` on this database, let it finish and run again; if it is stuck, end it with " +
      "SELECT pg_terminate_backend(<pid>) (its lock goes with its session).";
    super(message);
    this.message = message; // see MigrationError
    this.name = "MigrationLockTimeout";
  }
}

async function takeLock(client: Client, opts: RunnerOptions): Promise<void> {
  const waitMs = opts.lockWaitMs ?? 5 * 60_000;
  const started = Date.now();
  let lastReport = -Infinity;
  for (let attempt = 0; ; attempt++) {
    const r = await client.query(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS got`, [LOCK_KEY]);
    if (r.rows[0].got) return;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new MigrationLockTimeout(await lockHolder(client), waited);
    if (waited - lastReport >= 10_000) {
      opts.log?.(`waiting for the migration lock, held by ${await lockHolder(client)}`);
      lastReport = waited;
    }
    await sleep(Math.min(1000, 25 * 2 ** Math.min(attempt, 6), Math.max(1, waitMs - waited)));
  }
}

async function releaseLock(client: Client): Promise<void> {
  const r = await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL}) AS released`, [LOCK_KEY]);
  if (!r.rows[0].released)
    throw new Error(`The migration lock ${LOCK_KEY} was no longer held by this session when the run ended; check for another run on this database.`);
}

/**
 * Applies every migration whose checksum the ledger does not already hold, and every one after it:
 * a later migration may act on what an earlier one recreated (005 grants EXECUTE on the functions
 * 004 may drop and recreate), and every migration is idempotent and additive, so applying it again
 * is safe.
 * Checksums come computed (withChecksums): the runner is serialized into Pulumi's dynamic
 * provider, where it should capture no native module such as crypto.
 */
export async function applyMigrations(client: Client, migrations: ChecksummedMigration[], opts: RunnerOptions = {}): Promise<RunReport> {
  const report: RunReport = { applied: [], unchanged: [] };
  await takeLock(client, opts);
  try {
    const done = await appliedChecksums(client);
    for (const m of migrations) {
      if (report.applied.length === 0 && done.get(m.id) === m.checksum) {
        report.unchanged.push(m.id);
        continue;
      }
      opts.log?.(`applying ${m.id}: ${m.description}`);
      if (m.transactional) await applyInTransaction(client, m, opts);
      else await applyConcurrently(client, m);
      report.applied.push(m.id);
    }
  } catch (e) {
    // The run's own error is what the user needs; a failed release (the lock goes with the
    // session anyway) is said alongside it, not instead of it.
    await releaseLock(client).catch((unlock) => opts.log?.(`also could not release the migration lock: ${(unlock as Error).message}`));
    throw e;
  }
  await releaseLock(client);
  return report;
}
