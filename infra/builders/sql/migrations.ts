// Stack settings -> the ordered list of migrations. `pulumi up` applies this list and `render`
// writes it, so the two can never disagree.
import type { StackSettings } from "../../config/schema";
import { functionsMigration } from "./functionsMigration";
import type { Migration } from "./migration";
import { retoolRoleGrantsMigration } from "./retoolRoleGrants";
import { syncSchemaMigration } from "./syncSchema";
import { usersTableMigrations } from "./usersTable";

/** The migrations that own the users table: protected, and never deleted with the stack. */
export function tableMigrations(settings: StackSettings): Migration[] {
  return [syncSchemaMigration(), ...usersTableMigrations(settings.usersTable)];
}

/** The sync functions and the Retool roles' privileges. */
export function accessMigrations(settings: StackSettings): Migration[] {
  return [functionsMigration(settings), retoolRoleGrantsMigration(settings)];
}

export function allMigrations(settings: StackSettings): Migration[] {
  return [...tableMigrations(settings), ...accessMigrations(settings)];
}
