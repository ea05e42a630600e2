// A Pulumi dynamic provider for an ordered set of migrations. Thin on purpose: the work is the
// runner's. Its delete does nothing, from the first deploy on, because Pulumi runs the delete
// that was serialized into state: a set's removal must never touch the tables it created.
import type * as pulumi from "@pulumi/pulumi";
import type { ChecksummedMigration } from "../builders/sql/migration";
import { appliedChecksums, applyMigrations } from "./migrationRunner";
import { connectionFailure, type PgConnection, pgClientConfig } from "./pgConnection";

/** Where to connect, without the password (which travels as its own secret input). */
export type MigrationTarget = Omit<PgConnection, "password">;

export interface MigrationSetState {
  setName: string;
  target: MigrationTarget;
  adminPassword: string;
  migrations: ChecksummedMigration[];
}

const fingerprint = (s: MigrationSetState) => s.migrations.map((m) => `${m.id}@${m.checksum}`).join(",");

/** Pure: what changed between the state and the new inputs. Preview calls only this. */
export function diffMigrationSet(olds: MigrationSetState, news: MigrationSetState): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  const o = olds.target;
  const n = news.target;
  // Another database is another place to migrate; the old one keeps its data (delete is a no-op).
  if (o.host !== n.host || Number(o.port) !== Number(n.port) || o.database !== n.database) replaces.push("target");
  if (olds.setName !== news.setName) replaces.push("setName");
  const changed =
    replaces.length > 0 || fingerprint(olds) !== fingerprint(news) || o.user !== n.user || o.sslmode !== n.sslmode || olds.adminPassword !== news.adminPassword;
  return { changes: changed, replaces, deleteBeforeReplace: false };
}

/** Connects as the admin for one call; a failed connection names the database, never the password. */
async function withAdminClient<T>(state: MigrationSetState, work: (client: import("pg").Client) => Promise<T>): Promise<T> {
  // Loaded here, not captured: the provider runs in Pulumi's provider host, which resolves
  // packages from the project's node_modules at call time.
  const { Client } = require("pg") as typeof import("pg");
  const client = new Client(pgClientConfig({ ...state.target, password: state.adminPassword }));
  try {
    await client.connect();
  } catch (e) {
    throw new Error(connectionFailure({ ...state.target, password: "" }, e));
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function run(state: MigrationSetState): Promise<{ applied: string[] }> {
  const report = await withAdminClient(state, (client) => applyMigrations(client, state.migrations));
  return { applied: report.applied };
}

const idOf = (s: MigrationSetState) => `${s.target.host}:${s.target.port}/${s.target.database}#${s.setName}`;

export const migrationSetProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: MigrationSetState, news: MigrationSetState) {
    const failures = news.migrations.length === 0 ? [{ property: "migrations", reason: "a migration set needs at least one migration" }] : [];
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: MigrationSetState, news: MigrationSetState) {
    return diffMigrationSet(olds, news);
  },

  async create(inputs: MigrationSetState) {
    const { applied } = await run(inputs);
    return { id: idOf(inputs), outs: { ...inputs, lastApplied: applied } };
  },

  async update(_id: string, _olds: MigrationSetState, news: MigrationSetState) {
    const { applied } = await run(news);
    return { outs: { ...news, lastApplied: applied } };
  },

  /** For `pulumi refresh`: keeps in state only the migrations the ledger says are applied. */
  async read(id: string, props: MigrationSetState) {
    const done = await withAdminClient(props, appliedChecksums);
    return { id, props: { ...props, migrations: props.migrations.filter((m) => done.get(m.id) === m.checksum) } };
  },

  async delete() {
    // Deliberately nothing: removing this resource from the stack leaves the database as it is.
  },
};
