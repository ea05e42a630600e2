// A database with everything `pulumi up` puts there, applied by the program's own runner from
// the program's own builders.
import type { Client } from "pg";
import { withChecksums } from "../../infra/builders/sql/migration";
import { allMigrations } from "../../infra/builders/sql/migrations";
import { ENTRY_POINTS, type RoleKind } from "../../infra/builders/sql/syncApi";
import type { StackSettings } from "../../infra/config/schema";
import { applyMigrations } from "../../infra/providers/migrationRunner";
import type { PgConnection } from "../../infra/providers/pgConnection";
import { createLoginRoles } from "../../ops/postgres/loginRoles";
import { connect, freshDatabase, ROLE_PASSWORD } from "./database";
import { settingsFor } from "./settings";

export interface Provisioned {
  conn: PgConnection;
  settings: StackSettings;
  admin: Client;
  /** How to log in as each Retool role the stack uses. */
  roleConn: Record<RoleKind, PgConnection>;
}

/** A database with everything `pulumi up` puts there for these settings (plan team unless given). */
export async function provision(overrides: Parameters<typeof settingsFor>[1] = {}, prepare?: (admin: Client) => Promise<void>): Promise<Provisioned> {
  const conn = await freshDatabase();
  const settings = settingsFor(conn.database, overrides);
  const admin = await connect(conn);
  await createLoginRoles(admin, settings, ROLE_PASSWORD);
  if (prepare) await prepare(admin);
  await applyMigrations(admin, withChecksums(allMigrations(settings)));
  const as = (kind: RoleKind) => ({ ...conn, user: settings.retoolRoles[kind].name, password: ROLE_PASSWORD });
  return { conn, settings, admin, roleConn: { page: as("page"), trusted: as("trusted") } };
}

/** Every row of a table as text, in a stable order: equal strings mean byte-for-byte equal data. */
export async function tableDump(client: Client, qualifiedTable: string): Promise<string> {
  const r = await client.query(`SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS dump FROM ${qualifiedTable} t`);
  return r.rows[0].dump as string;
}

export interface SyncArgs {
  id: string | null;
  email: string | null;
  first?: string | null;
  last?: string | null;
  source: string | null;
  active?: boolean | null;
}

const params = (a: SyncArgs) => [a.id, a.email, a.first ?? null, a.last ?? null, a.source, a.active ?? null];

export async function syncUser(client: Client, a: SyncArgs): Promise<Record<string, unknown>> {
  const r = await client.query("SELECT * FROM retool_sync.sync_user($1, $2, $3, $4, $5, $6)", params(a));
  return r.rows[0];
}

export async function syncOutcome(client: Client, a: SyncArgs): Promise<string> {
  const r = await client.query("SELECT o_outcome FROM retool_sync.sync_user_outcome($1, $2, $3, $4, $5, $6)", params(a));
  return r.rows[0].o_outcome as string;
}

/** The Continue page's call, as the page role makes it. */
export async function syncPageUser(client: Client, a: Omit<SyncArgs, "source" | "active">): Promise<Record<string, unknown>> {
  const r = await client.query(`SELECT * FROM ${ENTRY_POINTS.page.name}($1, $2, $3, $4)`, [a.id, a.email, a.first ?? null, a.last ?? null]);
  return r.rows[0];
}

/** What Retool itself says about a user, as the trusted role calls it. */
export async function syncRetoolUser(client: Client, a: Omit<SyncArgs, "source">): Promise<Record<string, unknown>> {
  const r = await client.query(`SELECT * FROM ${ENTRY_POINTS.retoolUser.name}($1, $2, $3, $4, $5)`, [
    a.id,
    a.email,
    a.first ?? null,
    a.last ?? null,
    a.active ?? null,
  ]);
  return r.rows[0];
}

/** Runs fn and returns the Postgres error it raised (code, message, hint), failing if none. */
export async function pgError(fn: () => Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { code: string; message: string; hint?: string };
    return { code: err.code, message: err.message, hint: err.hint };
  }
  throw new Error("expected a Postgres error, but the call succeeded");
}
