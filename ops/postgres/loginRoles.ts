// The stack's Retool login roles made by hand, as `pulumi up` makes them, for a throwaway database
// (the benches, the tests). Roles are cluster-wide: one that exists already is left as it is.
import type { Client } from "pg";
import { createRoleSql, loginRoles } from "../../infra/builders/loginRoles";
import { literal } from "../../infra/builders/sql/identifiers";
import type { StackSettings } from "../../infra/config/schema";

export async function createLoginRoles(admin: Client, settings: StackSettings, password: string): Promise<void> {
  for (const spec of loginRoles(settings)) {
    // One block: a role made here gets its limits in the same transaction, and when another
    // process made it first, nothing here touches it (two ALTER ROLEs at once fail in Postgres).
    const statements = createRoleSql(spec, password).map((s) => `EXECUTE ${literal(s)};`);
    await admin.query(`DO $r$ BEGIN ${statements.join(" ")} EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $r$`);
  }
}
