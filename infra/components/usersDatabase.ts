// The database side of the sync: the users table, the sync function, and the Retool login role
// with just enough privilege to call it.
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackSettings } from "../config/schema";
import { accessMigrations, tableMigrations } from "../builders/sql/migrations";
import { SYNC_FUNCTION } from "../builders/sql/syncFunction";
import { MigrationSet } from "../providers/migrationSet";
import { MigrationTarget } from "../providers/migrationSetProvider";

export interface UsersDatabaseArgs {
  /** Validated stack settings (infra/config). */
  settings: StackSettings;
  /** The admin user's password: a Pulumi secret. */
  adminPassword: pulumi.Input<string>;
}

export class UsersDatabase extends pulumi.ComponentResource {
  /** schema.table of the users table. */
  readonly usersTable: string;
  /** What Retool workflows call. */
  readonly syncFunction: string;
  readonly retoolRoleName: pulumi.Output<string>;
  /** Secret. */
  readonly retoolRolePassword: pulumi.Output<string>;
  readonly tableMigrations: MigrationSet;
  readonly accessMigrations: MigrationSet;

  constructor(name: string, args: UsersDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("retool-user-sync:index:UsersDatabase", name, {}, opts);
    const { settings } = args;
    const db = settings.database;

    const admin = new postgresql.Provider(
      `${name}-admin`,
      {
        host: db.host,
        port: db.port,
        database: db.name,
        username: db.adminUser,
        password: args.adminPassword,
        sslmode: db.sslmode,
        // Managed Postgres (RDS, Cloud SQL) admins are not superusers; this keeps the provider
        // from reading pg_authid, which they may not.
        superuser: false,
      },
      { parent: this },
    );

    const password = new random.RandomPassword(`${name}-retool-role-password`, { length: 40, special: false }, { parent: this });

    const role = new postgresql.Role(
      `${name}-retool-role`,
      {
        name: settings.retoolRole.name,
        login: true,
        password: password.result,
        createDatabase: false,
        createRole: false,
        superuser: false,
        replication: false,
        bypassRowLevelSecurity: false,
      },
      { parent: this, provider: admin },
    );

    const target: MigrationTarget = { host: db.host, port: db.port, database: db.name, user: db.adminUser, sslmode: db.sslmode };

    // The table holds the team's data: protected against destroy and replacement, and even if
    // protection is lifted, removing it from the stack leaves the table and rows in place.
    this.tableMigrations = new MigrationSet(
      `${name}-users-table`,
      { setName: "users-table", target, adminPassword: args.adminPassword, migrations: tableMigrations(settings) },
      { parent: this, protect: true, retainOnDelete: true },
    );

    this.accessMigrations = new MigrationSet(
      `${name}-sync-access`,
      { setName: "sync-access", target, adminPassword: args.adminPassword, migrations: accessMigrations(settings) },
      { parent: this, dependsOn: [this.tableMigrations, role], retainOnDelete: true },
    );

    this.usersTable = `${settings.usersTable.schema}.${settings.usersTable.name}`;
    this.syncFunction = SYNC_FUNCTION;
    this.retoolRoleName = role.name;
    this.retoolRolePassword = pulumi.secret(password.result);
    this.registerOutputs({
      usersTable: this.usersTable,
      syncFunction: this.syncFunction,
      retoolRoleName: this.retoolRoleName,
      retoolRolePassword: this.retoolRolePassword,
    });
  }
}
