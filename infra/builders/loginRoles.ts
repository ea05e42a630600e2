// The login roles Retool connects as, with the limits we can set on our own roles: a connection
// limit, a statement timeout and an idle-in-transaction timeout, so that a query written in
// Retool cannot hold the database's connections or locks for long. `pulumi up` creates them with
// @pulumi/postgresql; createRoleSql is the same role for a database set up by hand (and the tests).
import type { StackSettings } from "../config/schema";
import { stackSyncPaths } from "../config/syncChoices";
import { ident, literal } from "./sql/identifiers";
import type { RoleKind } from "./sql/syncApi";

export interface LoginRoleSpec {
  kind: RoleKind;
  name: string;
  connectionLimit: number;
  statementTimeoutMs: number;
  idleInTransactionSessionTimeoutMs: number;
}

/** The roles the stack's plan uses (see syncPaths), with their limits. */
export function loginRoles(settings: StackSettings): LoginRoleSpec[] {
  const r = settings.retoolRoles;
  return stackSyncPaths(settings).roles.map((kind) => ({
    kind,
    name: r[kind].name,
    connectionLimit: r.connectionLimit,
    statementTimeoutMs: r.statementTimeoutMs,
    idleInTransactionSessionTimeoutMs: r.statementTimeoutMs,
  }));
}

/** The same role as plain SQL: CREATE, then its attributes and limits (which also fit an existing role). */
export function createRoleSql(spec: LoginRoleSpec, password: string): string[] {
  const role = ident(spec.name);
  return [
    `CREATE ROLE ${role} LOGIN PASSWORD ${literal(password)}`,
    `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${spec.connectionLimit}`,
    `ALTER ROLE ${role} SET statement_timeout = ${spec.statementTimeoutMs}`,
    `ALTER ROLE ${role} SET idle_in_transaction_session_timeout = ${spec.idleInTransactionSessionTimeoutMs}`,
  ];
}
