// The database side of the sync: the users table, the sync functions, and one login role per level
// of trust the plan uses, each with just enough privilege to call its entry point.
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loginRoles } from "../builders/loginRoles";
import { accessMigrations, tableMigrations } from "../builders/sql/migrations";
import { type RoleKind, SYNC_FUNCTION } from "../builders/sql/syncApi";
import type { StackSettings } from "../config/schema";
import { MigrationSet } from "../providers/migrationSet";
import type { MigrationTarget } from "../providers/migrationSetProvider";

export interface UsersDatabaseArgs {
  /** Validated settings (infra/config); their connection values may be stand-ins, see `resolved`. */
  settings: StackSettings;
  /** The same settings with the connection values resolved: where to connect. */
  resolved: pulumi.Input<StackSettings>;
  /** The admin user's password; kept a Pulumi secret. */
  adminPassword: pulumi.Input<string>;
}

export interface LoginRole {
  name: pulumi.Output<string>;
  /** Secret. */
  password: pulumi.Output<string>;
}

export class UsersDatabase extends pulumi.ComponentResource {
  /** schema.table of the users table. */
  readonly usersTable: string;
  /** The admin's write path (the Retool roles call their own entry points). */
  readonly syncFunction: string;
  /** The login roles the plan uses, by trust level. */
  readonly roles: Partial<Record<RoleKind, LoginRole>> = {};
  readonly tableMigrations: MigrationSet;
  readonly accessMigrations: MigrationSet;

  constructor(name: string, args: UsersDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("retool-user-sync:index:UsersDatabase", name, {}, opts);
    const { settings } = args;
    const db = pulumi.output(args.resolved).database;
    const adminPassword = pulumi.secret(args.adminPassword);

    const admin = new postgresql.Provider(
      `${name}-admin`,
      {
        host: db.host,
        port: db.port,
        database: db.name,
        username: db.adminUser,
        password: adminPassword,
        sslmode: db.sslmode,
        // Managed Postgres (RDS, Cloud SQL) admins are not superusers; this keeps the provider
        // from reading pg_authid, which they may not.
        superuser: false,
      },
      { parent: this },
    );

    const roles: postgresql.Role[] = [];
    for (const spec of loginRoles(settings)) {
      const password = new random.RandomPassword(`${name}-${spec.kind}-role-password`, { length: 40, special: false }, { parent: this });
      const role = new postgresql.Role(
        `${name}-${spec.kind}-role`,
        {
          name: spec.name,
          login: true,
          password: password.result,
          connectionLimit: spec.connectionLimit,
          statementTimeout: spec.statementTimeoutMs,
          idleInTransactionSessionTimeout: spec.idleInTransactionSessionTimeoutMs,
          createDatabase: false,
          createRole: false,
          superuser: false,
          replication: false,
          bypassRowLevelSecurity: false,
        },
        { parent: this, provider: admin },
      );
      roles.push(role);
      this.roles[spec.kind] = { name: role.name, password: pulumi.secret(password.result) };
    }

    const target: pulumi.Output<MigrationTarget> = db.apply((d) => ({ host: d.host, port: d.port, database: d.name, user: d.adminUser, sslmode: d.sslmode }));

    // The table holds the team's data: protected against destroy and replacement, and even if
    // protection is lifted, removing it from the stack leaves the table and rows in place.
    this.tableMigrations = new MigrationSet(
      `${name}-users-table`,
      { setName: "users-table", target, adminPassword, migrations: tableMigrations(settings) },
      { parent: this, protect: true, retainOnDelete: true },
    );

    // The grants name the roles, so the roles come first.
    this.accessMigrations = new MigrationSet(
      `${name}-sync-access`,
      { setName: "sync-access", target, adminPassword, migrations: accessMigrations(settings) },
      { parent: this, dependsOn: [this.tableMigrations, ...roles], retainOnDelete: true },
    );

    this.usersTable = `${settings.usersTable.schema}.${settings.usersTable.name}`;
    this.syncFunction = SYNC_FUNCTION;
    this.registerOutputs({ usersTable: this.usersTable, syncFunction: this.syncFunction });
  }
}
