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

export function checksum(migration: Migration): string {
  return createHash("sha256").update(migration.statements.join("\n;\n")).digest("hex");
}

/** A migration with its checksum computed up front, as the runner and the ledger use it. */
export type ChecksummedMigration = Migration & { checksum: string };

export function withChecksums(migrations: Migration[]): ChecksummedMigration[] {
  return migrations.map((m) => ({ ...m, checksum: checksum(m) }));
}

/** The text of a migration as `render` writes it and as psql would run it. */
export function migrationScript(migration: Migration): string {
  const header = [
    `-- ${migration.id}: ${migration.description}`,
    `-- checksum ${checksum(migration)}`,
    migration.transactional ? "-- runs in one transaction" : "-- runs outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one)",
  ].join("\n");
  const body = migration.statements.map((s) => `${s.trim()};`);
  const lock = migration.lockTimeoutMs ? [`SET LOCAL lock_timeout = '${migration.lockTimeoutMs}ms';`] : [];
  const parts = migration.transactional ? ["BEGIN;", ...lock, ...body, "COMMIT;"] : body;
  return `${header}\n\n${parts.join("\n\n")}\n`;
}
