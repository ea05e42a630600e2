// A team's own Pulumi program, which already manages its Postgres server, adds RetoolUserSync.
// The database, the admin role and its password are other resources here; the component takes
// their outputs as they are, with no value copied by hand. (With RDS the same lines read
// `host: db.address, name: db.dbName, adminUser: db.username, adminPassword: db.password`.)
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RetoolUserSync } from "retool-user-sync";

const config = new pulumi.Config();
const host = config.require("host");

// What the program had before: its server, through a superuser, and the app's database.
const server = new postgresql.Provider("server", {
  host,
  username: config.require("superuser"),
  password: config.requireSecret("superuserPassword"),
  sslmode: "require",
  superuser: false,
});
const adminPassword = new random.RandomPassword("users-sync-admin-password", { length: 40, special: false });
// The user RetoolUserSync works as: it creates the Retool login roles, so it needs CREATEROLE,
// and it owns the database, so it may create the sync schema in it.
const admin = new postgresql.Role(
  "users-sync-admin",
  { name: "users_sync_admin", login: true, createRole: true, password: adminPassword.result },
  { provider: server },
);
const app = new postgresql.Database("app", { name: "app", owner: admin.name }, { provider: server });

const sync = new RetoolUserSync("users-sync", {
  plan: "team",
  database: { host, name: app.name, adminUser: admin.name, adminPassword: adminPassword.result, sslmode: "require" },
});

// The Retool resource files tell an admin to read these outputs.
export const usersTable = sync.usersTable;
export const pageRolePassword = sync.pageRolePassword;
export const artifacts = sync.artifacts;
