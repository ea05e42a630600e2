// What each Retool login role may do: execute its one entry point and, when configured, read the
// users table's sync columns. Nothing else: no other function, no other table, no DDL, no direct
// writes. Every run first takes back whatever any role was granted on retool_sync's functions and
// schema, so the grants are exactly what the stack says, whatever an earlier config granted.
import type { StackSettings } from "../../config/schema";
import { stackSyncPaths } from "../../config/syncChoices";
import { ident, literal, SYNC_SCHEMA } from "./identifiers";
import type { Migration } from "./migration";
import { ENTRY_POINTS, type RoleKind } from "./syncApi";
import { usersTableColumns } from "./usersTableColumns";

export interface GrantedRole {
  kind: RoleKind;
  name: string;
  canReadUsers: boolean;
  /** The entry points it may execute. */
  entryPoints: string[];
}

/** The roles this stack uses and what each may call. */
export function grantedRoles(settings: StackSettings): GrantedRole[] {
  const paths = stackSyncPaths(settings);
  return paths.roles.map((kind) => ({
    kind,
    name: settings.retoolRoles[kind].name,
    canReadUsers: settings.retoolRoles[kind].canReadUsers,
    entryPoints: Object.values(ENTRY_POINTS)
      .filter((e) => e.role === kind && (e !== ENTRY_POINTS.reconcile || paths.scheduledReconcile))
      .map((e) => e.signature),
  }));
}

// canonical_email keeps its default grant to PUBLIC: an adopted table's index calls it on every
// write, as whichever role writes.
const RESET = `DO $reset$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT p.oid::regprocedure AS fn, a.grantee
    FROM pg_catalog.pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) AS a
    WHERE p.pronamespace = ${literal(SYNC_SCHEMA)}::regnamespace AND p.proname <> 'canonical_email' AND a.grantee <> p.proowner
  LOOP
    IF r.grantee = 0 THEN
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', r.fn);
    ELSE
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', r.fn, r.grantee::regrole);
    END IF;
  END LOOP;
  FOR r IN
    SELECT a.grantee FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
    WHERE n.nspname = ${literal(SYNC_SCHEMA)} AND a.grantee <> n.nspowner AND a.grantee <> 0
  LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA ${SYNC_SCHEMA} FROM %s', r.grantee::regrole);
  END LOOP;
END
$reset$`;

function mustExist(role: GrantedRole): string {
  return `DO $role$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${literal(role.name)}) THEN
    RAISE EXCEPTION USING ERRCODE = '42704',
      MESSAGE = ${literal(`the ${role.kind} role ${role.name} does not exist`)},
      HINT = 'pulumi up creates it; when applying rendered SQL by hand, create it first (docs/database.md, The Retool roles).';
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${literal(role.name)});
END
$role$`;
}

export function retoolRoleGrantsMigration(settings: StackSettings): Migration {
  const c = usersTableColumns(settings.usersTable);
  // Column grants, not a table grant: on an adopted table the team's own columns stay private.
  const readable = [c.primaryKey, c.retoolUserId, c.email, c.firstName, c.lastName, c.active, c.createdAt, c.updatedAt, c.lastSeenAt].map(ident).join(", ");
  const roles = grantedRoles(settings);
  const perRole = roles.flatMap((role) => {
    const r = ident(role.name);
    return [
      mustExist(role),
      `GRANT USAGE ON SCHEMA ${ident(SYNC_SCHEMA)} TO ${r}`,
      ...role.entryPoints.map((e) => `GRANT EXECUTE ON FUNCTION ${e} TO ${r}`),
      // REVOKE ... ON TABLE takes back column grants too.
      `REVOKE ALL ON TABLE ${c.qualifiedName} FROM ${r}`,
      ...(role.canReadUsers
        ? [`GRANT USAGE ON SCHEMA ${ident(c.schema)} TO ${r}`, `GRANT SELECT (${readable}) ON TABLE ${c.qualifiedName} TO ${r}`]
        : c.schema === "public"
          ? []
          : [`REVOKE USAGE ON SCHEMA ${ident(c.schema)} FROM ${r}`]),
    ];
  });
  return {
    id: "005_retool_role_grants",
    description: `privileges of the Retool roles: ${roles.map((r) => `${r.name} (${r.kind})`).join(", ") || "none on this plan"}`,
    transactional: true,
    statements: [RESET, ...perRole],
  };
}
