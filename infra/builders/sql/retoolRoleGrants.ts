// What the Retool login role may do: call the sync function and, when configured, read the
// users table's sync columns. Nothing else: no other table, no DDL, no direct writes.
import { StackSettings } from "../../config/schema";
import { SYNC_SCHEMA, ident, literal } from "./identifiers";
import { Migration } from "./migration";
import { SYNC_FUNCTION_SIGNATURE } from "./syncFunction";
import { usersTableColumns } from "./usersTableColumns";

export function retoolRoleGrantsMigration(settings: StackSettings): Migration {
  const role = ident(settings.retoolRole.name);
  const c = usersTableColumns(settings.usersTable);
  // Column grants, not a table grant: on an adopted table the team's own columns stay private.
  const readable = [c.primaryKey, c.retoolUserId, c.email, c.firstName, c.lastName, c.active, c.createdAt, c.updatedAt, c.lastSeenAt];
  const read = settings.retoolRole.canReadUsers
    ? [
        `GRANT USAGE ON SCHEMA ${ident(c.schema)} TO ${role}`,
        `GRANT SELECT (${readable.map(ident).join(", ")}) ON TABLE ${c.qualifiedName} TO ${role}`,
      ]
    : [`REVOKE SELECT ON TABLE ${c.qualifiedName} FROM ${role}`];
  return {
    id: "005_retool_role_grants",
    description: `privileges of the Retool role ${settings.retoolRole.name}`,
    transactional: true,
    statements: [
      `DO $grant$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${literal(settings.retoolRole.name)}) THEN
    RAISE EXCEPTION USING ERRCODE = '42704',
      MESSAGE = ${literal(`the Retool role ${settings.retoolRole.name} does not exist`)},
      HINT = 'pulumi up creates it; when applying rendered SQL by hand, create it first: CREATE ROLE ... LOGIN PASSWORD ...';
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${literal(settings.retoolRole.name)});
END
$grant$`,
      `GRANT USAGE ON SCHEMA ${ident(SYNC_SCHEMA)} TO ${role}`,
      `GRANT EXECUTE ON FUNCTION ${SYNC_FUNCTION_SIGNATURE} TO ${role}`,
      ...read,
    ],
  };
}
