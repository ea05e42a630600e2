// The unit the migration runner applies and `render` writes out: an ordered, idempotent step.
import { createHash } from "node:crypto";

export interface Migration {
  /** Stable, ordered id; also the rendered file name ("002_users_table"). */
  id: string;
  description: string;
  /** Complete statements, run one after another. */
  statements: string[];
  /**
   * true: all statements in one transaction, so a failure leaves the database as it was.
   * false: only for CREATE INDEX CONCURRENTLY, which Postgres refuses inside a transaction.
   */
  transactional: boolean;
  /**
   * For steps that take a strong lock on a table other sessions write to: wait at most this
   * long for the lock, then back off and try again, so writers never queue behind us for long.
   */
  lockTimeoutMs?: number;
  /** Indexes built concurrently; an invalid leftover of an interrupted build is removed first. */
  concurrentIndexes?: { schema: string; name: string }[];
}

/** A transactional step's lock wait when it names none: long enough for a busy table, short enough that writers never queue behind us for long. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** A transactional step's longest statement: creating a table or replacing functions takes milliseconds. */
export const STATEMENT_TIMEOUT_MS = 5 * 60_000;
/**
 * A concurrent index build on a large adopted table takes minutes, and waits for every older
 * transaction to end before it can finish: generous bounds, so that one slow reader does not
 * leave an invalid index behind, yet not none.
 */
export const CONCURRENT_LOCK_TIMEOUT_MS = 10 * 60_000;
export const CONCURRENT_STATEMENT_TIMEOUT_MS = 60 * 60_000;

/**
 * The timeouts a migration runs under, whoever applies it: the runner runs these statements
 * first, and a rendered file starts with them, so a file applied by hand with psql is bounded
 * as `pulumi up` is. LOCAL inside a transaction; for the session outside one (the runner resets
 * them after).
 */
export function timeoutSettings(migration: Migration): string[] {
  if (!migration.transactional) {
    return [`SET lock_timeout = '${CONCURRENT_LOCK_TIMEOUT_MS}ms'`, `SET statement_timeout = '${CONCURRENT_STATEMENT_TIMEOUT_MS}ms'`];
  }
  return [
    `SET LOCAL lock_timeout = '${Math.floor(migration.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS)}ms'`,
    `SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT_MS}ms'`,
  ];
}

export function checksum(migration: Migration): string {
  return createHash("sha256").update(migration.statements.join("\n;\n")).digest("hex");
}

/**
 * A migration with its checksum and its timeout statements computed up front, as the runner and
 * the ledger use it: the runner is serialized into Pulumi's dynamic provider, where it should
 * call nothing of this module (which holds node:crypto).
 */
export type ChecksummedMigration = Migration & { checksum: string; timeouts: string[] };

export function withChecksums(migrations: Migration[]): ChecksummedMigration[] {
  return migrations.map((m) => ({ ...m, checksum: checksum(m), timeouts: timeoutSettings(m) }));
}

/** The text of a migration as `render` writes it and as psql would run it. */
export function migrationScript(migration: Migration): string {
  const header = [
    `-- ${migration.id}: ${migration.description}`,
    `-- checksum ${checksum(migration)}`,
    migration.transactional ? "-- runs in one transaction" : "-- runs outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one)",
  ].join("\n");
  const body = migration.statements.map((s) => `${s.trim()};`);
  const timeouts = timeoutSettings(migration).map((s) => `${s};`);
  const parts = migration.transactional ? ["BEGIN;", ...timeouts, ...body, "COMMIT;"] : [...timeouts, ...body];
  return `${header}\n\n${parts.join("\n\n")}\n`;
}
