// Reconcile's comparison: Retool's users against the table's linked rows, per category.
import type { Client } from "pg";
import { SNAPSHOT_FUNCTION } from "../../infra/builders/sql/syncApi";
import { storedEmail } from "../../infra/domain/emailRules";
import { storedName } from "../../infra/domain/nameRules";
import type { RejectedUser, RetoolClient, RetoolUser } from "../../infra/providers/retool/retoolClient";

export interface TableRow {
  retool_user_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  active: boolean | null;
}

export interface Drift {
  /** In Retool, no row has its id (an un-linked row with its email counts as missing: apply links it). */
  missing: RetoolUser[];
  /** Rows whose Retool id Retool does not have (never deleted; reported for a person to judge). */
  orphaned: TableRow[];
  /** Email or names differ. */
  changed: { user: RetoolUser; row: TableRow; fields: string[] }[];
  /** Disabled in Retool, active in the table. */
  disabled: { user: RetoolUser; row: TableRow }[];
  /** Records of Retool's list that could not be read as users (retoolUsers.ts says why). */
  unreadable: RejectedUser[];
}

export function findDrift(users: RetoolUser[], rows: TableRow[], unreadable: RejectedUser[] = []): Drift {
  const byId = new Map(rows.map((r) => [r.retool_user_id, r]));
  const ids = new Set([...users.map((u) => u.id), ...unreadable.map((u) => u.retoolUserId)]);
  const drift: Drift = { missing: [], orphaned: rows.filter((r) => !ids.has(r.retool_user_id)), changed: [], disabled: [], unreadable };
  for (const user of users) {
    const row = byId.get(user.id);
    if (!row) {
      drift.missing.push(user);
      continue;
    }
    const fields: string[] = [];
    // The address as the sync rules would store it: any difference is a change they would make.
    if (storedEmail(user.email) !== storedEmail(row.email ?? "")) fields.push("email");
    // A name Retool does not have is not a change: the sync rules keep the row's name then.
    for (const field of ["first_name", "last_name"] as const) {
      const retool = storedName(user[field]);
      if (retool !== null && retool !== storedName(row[field])) fields.push(field);
    }
    if (fields.length) drift.changed.push({ user, row, fields });
    if (user.active === false && row.active !== false) drift.disabled.push({ user, row });
  }
  return drift;
}

export const driftCount = (d: Drift) => d.missing.length + d.orphaned.length + d.changed.length + d.disabled.length + d.unreadable.length;

/** Users apply would send through the sync rules: everything but orphans. */
export function usersToRepair(d: Drift): RetoolUser[] {
  const seen = new Map<string, RetoolUser>();
  for (const u of [...d.missing, ...d.changed.map((c) => c.user), ...d.disabled.map((x) => x.user)]) seen.set(u.id, u);
  return [...seen.values()];
}

/** Reads every Retool user and the table's linked rows; onPage hears of each page as it comes. */
export async function readDrift(
  api: RetoolClient,
  db: Client,
  onPage?: (records: number, total?: number) => void,
): Promise<{ drift: Drift; users: number; rows: number }> {
  const users: RetoolUser[] = [];
  const unreadable: RejectedUser[] = [];
  for await (const page of api.userPages()) {
    users.push(...page.users);
    unreadable.push(...page.rejected);
    onPage?.(page.records, page.total);
  }
  const rows = (await db.query<TableRow>(`SELECT * FROM ${SNAPSHOT_FUNCTION}()`)).rows;
  return { drift: findDrift(users, rows, unreadable), users: users.length + unreadable.length, rows: rows.length };
}

export function formatDrift(d: Drift): string {
  const lines: string[] = [];
  const section = (title: string, items: string[]) => {
    lines.push(`${title}: ${items.length}`);
    for (const i of items.slice(0, 20)) lines.push(`  ${i}`);
    if (items.length > 20) lines.push(`  ... ${items.length - 20} more (use --json)`);
  };
  section(
    "In Retool, not in the database",
    d.missing.map((u) => `${u.id}  ${u.email}`),
  );
  section(
    "In the database, not in Retool",
    d.orphaned.map((r) => `${r.retool_user_id}  ${r.email}`),
  );
  section(
    "Changed in Retool",
    d.changed.map(
      (c) =>
        `${c.user.id}  ${c.fields.map((f) => `${f}: ${JSON.stringify(c.row[f as keyof TableRow])} -> ${JSON.stringify(c.user[f as keyof RetoolUser])}`).join(", ")}`,
    ),
  );
  section(
    "Disabled in Retool, active in the database",
    d.disabled.map((x) => `${x.user.id}  ${x.user.email}`),
  );
  section(
    "In Retool, but not readable as a user",
    d.unreadable.map((x) => `${x.retoolUserId}  ${x.error}`),
  );
  return lines.join("\n");
}
