// doctor's engine: each login role the stack made, checked against what the stack says it is.
// Postgres lets every role change its own password and its own session defaults, and no event
// trigger sees ALTER ROLE (roles are shared objects), so nothing can forbid that drift in core
// Postgres; this finds it. Two kinds of finding:
//   drift     what the project owns and `pulumi up` set: the password (probed by logging in; no
//             role can read one), the role's attributes and session defaults, its grants. --fix
//             puts each back.
//   exposure  what Postgres gives every role through PUBLIC that a Retool role does not need
//             (other databases, temporary tables, objects in public, large objects), and what no
//             setting takes away (the role's sessions see and may end each other). Printed with
//             the SQL an owner can run; never changed here, since it affects every other role too.
import type { Client } from "pg";
import { createRoleSql, type LoginRoleSpec, loginRoles } from "../../infra/builders/loginRoles";
import { ident, literal, SYNC_SCHEMA } from "../../infra/builders/sql/identifiers";
import { grantedRoles, retoolRoleGrantsMigration } from "../../infra/builders/sql/retoolRoleGrants";
import { usersTableColumns } from "../../infra/builders/sql/usersTableColumns";
import type { StackSettings } from "../../infra/config/schema";
import type { RoleKind } from "../../infra/domain/syncPaths";
import { connectionFailure, type PgConnection, withTransaction } from "../../infra/providers/pgConnection";
import { connectDatabase, DatabaseUnavailable } from "../postgres/database";

/** unchecked: a check that could not run (a login probe without the password), said so plainly. */
export type FindingKind = "drift" | "exposure" | "unchecked";

export interface Finding {
  role: string;
  kind: FindingKind;
  check: "exists" | "login" | "attributes" | "settings" | "grants" | "public";
  detail: string;
  /** The SQL that puts it right, for a person to read (a password shows as a placeholder). */
  fix?: string;
  /** Set by --fix once the project's own state was put back. */
  fixed?: boolean;
}

export interface DoctorOptions {
  /** The stack's password of each role, where known: a login probe needs it. */
  passwords: Partial<Record<RoleKind, string>>;
  /** The admin connection, whose host, port and database the probes log in to. */
  admin: PgConnection;
}

const PLACEHOLDER = (kind: RoleKind) => `'<${kind}RolePassword: pulumi stack output ${kind}RolePassword --show-secrets>'`;

async function one<T>(db: Client, sql: string, values: unknown[] = []): Promise<T | undefined> {
  return (await db.query(sql, values)).rows[0] as T | undefined;
}

/** Logs in as the role; why it could not, or undefined when it could. */
async function probeLogin(conn: PgConnection): Promise<string | undefined> {
  let client: Client | undefined;
  try {
    client = await connectDatabase(conn, { connectTimeoutMs: 10_000 });
    await client.query("SELECT 1");
    return undefined;
  } catch (e) {
    return e instanceof DatabaseUnavailable ? e.message : connectionFailure(conn, e);
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** The role-level settings the stack gives a role, as pg_db_role_setting writes them. */
const expectedSettings = (spec: LoginRoleSpec) =>
  [`statement_timeout=${spec.statementTimeoutMs}`, `idle_in_transaction_session_timeout=${spec.idleInTransactionSessionTimeoutMs}`].sort();

async function checkRole(db: Client, settings: StackSettings, spec: LoginRoleSpec, o: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const role = spec.name;
  const r = ident(role);
  const add = (f: Omit<Finding, "role">) => findings.push({ role, ...f });
  const row = await one<Record<string, unknown>>(
    db,
    "SELECT oid, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit, rolvaliduntil FROM pg_catalog.pg_roles WHERE rolname = $1",
    [role],
  );
  if (!row) {
    add({
      kind: "drift",
      check: "exists",
      detail: `the ${spec.kind} role does not exist`,
      fix: `${createRoleSql(spec, "…").join(";\n")}; -- or run pulumi up`,
    });
    return findings;
  }
  const [, attributes, ...defaults] = createRoleSql(spec, "…");
  const wrong = Object.entries({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true })
    .filter(([k, v]) => row[k] !== v)
    .map(([k]) => k);
  if (row.rolconnlimit !== spec.connectionLimit) wrong.push(`connection limit ${row.rolconnlimit} (the stack says ${spec.connectionLimit})`);
  if (row.rolvaliduntil !== null) wrong.push(`VALID UNTIL ${String(row.rolvaliduntil)}`);
  if (wrong.length)
    add({ kind: "drift", check: "attributes", detail: `attributes differ: ${wrong.join(", ")}`, fix: `${attributes}; ALTER ROLE ${r} VALID UNTIL 'infinity'` });

  // Every role may read pg_db_role_setting, and may write its own rows of it.
  const set = await db.query<{ database: string | null; config: string[] }>(
    `SELECT d.datname AS database, s.setconfig AS config FROM pg_catalog.pg_db_role_setting s
     LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase WHERE s.setrole = $1 ORDER BY 1 NULLS FIRST`,
    [row.oid],
  );
  const global = set.rows.find((x) => x.database === null)?.config ?? [];
  const perDatabase = set.rows.filter((x) => x.database !== null);
  const expected = expectedSettings(spec);
  const extra = global.filter((c) => !expected.includes(c));
  const missing = expected.filter((c) => !global.includes(c));
  if (extra.length || missing.length || perDatabase.length) {
    const parts = [
      ...extra.map((c) => `sets ${c}`),
      ...missing.map((c) => `lacks ${c}`),
      ...perDatabase.map((x) => `sets ${x.config.join(", ")} in database ${x.database}`),
    ];
    const fix = [`ALTER ROLE ${r} RESET ALL`, ...perDatabase.map((x) => `ALTER ROLE ${r} IN DATABASE ${ident(x.database ?? "")} RESET ALL`), ...defaults].join(
      ";\n",
    );
    add({ kind: "drift", check: "settings", detail: `role-level settings differ from the stack's: ${parts.join("; ")}`, fix });
  }

  const password = o.passwords[spec.kind];
  if (password === undefined) {
    add({
      kind: "unchecked",
      check: "login",
      detail: `not probed: set ${spec.kind.toUpperCase()}_ROLE_PASSWORD to the stack's ${spec.kind}RolePassword output to check that the role still logs in with it`,
    });
  } else {
    const failure = await probeLogin({ ...o.admin, user: role, password });
    if (failure) {
      add({
        kind: "drift",
        check: "login",
        detail: `does not log in with the stack's password (someone may have run ALTER ROLE ... PASSWORD): ${failure.split("\n")[0]}`,
        fix: `ALTER ROLE ${r} PASSWORD ${PLACEHOLDER(spec.kind)}`,
      });
    }
  }

  const granted = grantedRoles(settings).find((g) => g.name === role);
  // Compared by oid: the catalog writes a signature its own way.
  const fns = await db.query<{ signature: string; allowed: boolean; entry: boolean }>(
    `SELECT p.oid::regprocedure::text AS signature, has_function_privilege($1, p.oid, 'EXECUTE') AS allowed,
            p.oid IN (SELECT to_regprocedure(e) FROM unnest($2::text[]) AS e) AS entry
     FROM pg_catalog.pg_proc p WHERE p.pronamespace = ${literal(SYNC_SCHEMA)}::regnamespace AND p.proname <> 'canonical_email' ORDER BY 1`,
    [role, granted?.entryPoints ?? []],
  );
  const unexpected = fns.rows.filter((f) => f.allowed && !f.entry).map((f) => f.signature);
  const lacking = fns.rows.filter((f) => !f.allowed && f.entry).map((f) => f.signature);
  const c = usersTableColumns(settings.usersTable);
  const table = await one<{ writes: boolean; reads: boolean }>(
    db,
    `SELECT has_table_privilege($1, $2, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS writes,
            has_column_privilege($1, $2, $3, 'SELECT') AS reads`,
    [role, c.qualifiedName, c.retoolUserId],
  );
  const grantProblems = [
    ...unexpected.map((f) => `may execute ${f}`),
    ...lacking.map((f) => `may not execute its entry point ${f}`),
    ...(table?.writes ? [`may write to ${c.schema}.${c.table}`] : []),
    ...(table && table.reads !== Boolean(granted?.canReadUsers)
      ? [`${table.reads ? "may" : "may not"} read ${c.schema}.${c.table} (canReadUsers is ${Boolean(granted?.canReadUsers)})`]
      : []),
  ];
  if (grantProblems.length) {
    add({
      kind: "drift",
      check: "grants",
      detail: `grants differ from the stack's: ${grantProblems.join("; ")}`,
      fix: "-- re-apply migration 005 (npm run render writes it as sql/005_retool_role_grants.sql)",
    });
  }
  findings.push(...(await exposures(db, role)));
  return findings;
}

/** What PUBLIC gives this role that a Retool role does not need, and what no setting takes away. */
async function exposures(db: Client, role: string): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (detail: string, fix: string) => out.push({ role, kind: "exposure", check: "public", detail, fix });
  const others = await db.query<{ datname: string }>(
    "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND datname <> current_database() AND has_database_privilege($1, datname, 'CONNECT') ORDER BY 1",
    [role],
  );
  if (others.rows.length) {
    const names = others.rows.map((x) => ident(x.datname)).join(", ");
    add(
      `may connect to other databases: ${others.rows.map((x) => x.datname).join(", ")}`,
      `REVOKE CONNECT ON DATABASE ${names} FROM PUBLIC; -- as each one's owner; grant it back to the roles that need it`,
    );
  }
  const r = await one<{ temp: boolean; create: boolean; lo: boolean; database: string }>(
    db,
    `SELECT current_database() AS database, has_database_privilege($1, current_database(), 'TEMPORARY') AS temp,
            coalesce(has_schema_privilege($1, 'public', 'CREATE'), false) AS create,
            has_function_privilege($1, 'pg_catalog.lo_creat(integer)', 'EXECUTE') AS lo`,
    [role],
  );
  if (r?.temp) add("may create temporary tables (not bounded by temp_file_limit)", `REVOKE TEMPORARY ON DATABASE ${ident(r.database)} FROM PUBLIC;`);
  if (r?.create) add("may create objects in schema public", "REVOKE CREATE ON SCHEMA public FROM PUBLIC;");
  if (r?.lo) {
    add(
      "may create large objects (disk it can fill)",
      "REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea), lo_import(text), lo_import(text, oid) FROM PUBLIC;",
    );
  }
  add(
    "its sessions can read each other's query text in pg_stat_activity and end each other (pg_terminate_backend): every Retool user of this resource shares the role, and Postgres has no setting against it",
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${literal(role)} AND state = 'idle in transaction' AND state_change < now() - interval '1 minute'; -- an admin's reaper for sessions left open`,
  );
  return out;
}

/** Every finding for the stack's roles. */
export async function diagnose(db: Client, settings: StackSettings, o: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const spec of loginRoles(settings)) findings.push(...(await checkRole(db, settings, spec, o)));
  return findings;
}

/**
 * Puts back what the project owns: attributes and settings (ALTER ROLE), the password (when
 * given), the grants (migration 005's statements, in one transaction). Exposures are left alone.
 */
export async function repair(db: Client, settings: StackSettings, findings: Finding[], o: DoctorOptions): Promise<void> {
  const specs = new Map(loginRoles(settings).map((s) => [s.name, s]));
  for (const f of findings.filter((x) => x.kind === "drift")) {
    const spec = specs.get(f.role);
    if (!spec) continue;
    const r = ident(spec.name);
    const password = o.passwords[spec.kind];
    if (f.check === "attributes") {
      await db.query(createRoleSql(spec, "")[1]);
      await db.query(`ALTER ROLE ${r} VALID UNTIL 'infinity'`);
      f.fixed = true;
    } else if (f.check === "settings" && f.fix) {
      for (const statement of f.fix.split(";\n")) await db.query(statement);
      f.fixed = true;
    } else if (f.check === "login" || f.check === "exists") {
      if (password === undefined) continue;
      if (f.check === "exists") for (const statement of createRoleSql(spec, password)) await db.query(statement);
      else await db.query(`ALTER ROLE ${r} PASSWORD ${literal(password)}`);
      f.fixed = true;
    } else if (f.check === "grants") {
      await withTransaction(db, async () => {
        for (const statement of retoolRoleGrantsMigration(settings).statements) await db.query(statement);
      });
      f.fixed = true;
    }
  }
}

export const isDrift = (f: Finding) => f.kind === "drift";
