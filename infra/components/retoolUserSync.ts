// Everything retool-user-sync provisions, as one component a team drops into the Pulumi program
// that already holds its database: the users table and sync functions (UsersDatabase), and the
// Retool resources and files for the plan (RetoolSync). This repository's own program is one
// caller; examples/ holds another.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../config/schema";
import { stackLayout } from "../config/syncChoices";
import { RetoolSync } from "./retoolSync";
import { checkArgs, type RetoolUserSyncArgs, resolveSettings } from "./retoolUserSyncArgs";
import { UsersDatabase } from "./usersDatabase";

export type { DatabaseArgs, RetoolArgs, RetoolUserSyncArgs } from "./retoolUserSyncArgs";

export class RetoolUserSync extends pulumi.ComponentResource {
  readonly plan: Plan;
  /** schema.table of the users table. */
  readonly usersTable: string;
  /** The admin's write path, for psql and scripts. */
  readonly syncFunction: string;
  /** The login roles the plan uses, by level of trust. */
  readonly retoolRoles: { page?: pulumi.Output<string>; trusted?: pulumi.Output<string> };
  /** Secret. */
  readonly pageRolePassword?: pulumi.Output<string>;
  /** Secret. */
  readonly trustedRolePassword?: pulumi.Output<string>;
  /** "retool-api" when the component creates the Retool resources, "hand" when an admin does. */
  readonly retoolManagedBy: "retool-api" | "hand";
  /** Each Retool resource as an admin enters it (passwords are in the secret outputs). */
  readonly retoolResources: pulumi.Output<Record<string, object>>;
  /** The ids of the Retool resources the component created. */
  readonly retoolResourceIds: { page?: pulumi.Output<string>; trusted?: pulumi.Output<string>; api?: pulumi.Output<string> };
  /** Workflow file name → workflow JSON. */
  readonly retoolWorkflows: pulumi.Output<Record<string, unknown>>;
  /** The files written under artifactsDir. */
  readonly artifacts: pulumi.Output<string[]>;
  readonly database: UsersDatabase;
  readonly retool: RetoolSync;

  constructor(name: string, args: RetoolUserSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super(): bad plain settings stop the program before anything is registered.
    const checked = checkArgs(name, args);
    super("retool-user-sync:index:RetoolUserSync", name, {}, opts);
    const settings = checked.settings;
    const resolved = resolveSettings(checked, this);
    const prefix = args.childNamePrefix ?? `${name}-`;
    const stack = pulumi.getStack();

    this.database = new UsersDatabase(`${prefix}users`, { settings, resolved, adminPassword: args.database.adminPassword }, { parent: this });
    const layout = stackLayout(settings, checked.secretsPresent);
    this.retool = new RetoolSync(
      `${prefix}retool`,
      {
        settings,
        resolved,
        layout,
        stack,
        secrets: { page: this.database.roles.page?.password, trusted: this.database.roles.trusted?.password, api: args.retoolUsersReadToken },
        retoolApiToken: args.retoolApiToken,
        // Pulumi runs a program in its own folder: out/ there, as `npm run render` writes it.
        artifactsDir: path.resolve(args.artifactsDir ?? path.join("out", stack, name)),
      },
      // The workflows call the functions the database side creates.
      { parent: this, dependsOn: [this.database] },
    );

    this.plan = settings.plan;
    this.usersTable = this.database.usersTable;
    this.syncFunction = this.database.syncFunction;
    this.retoolRoles = { page: this.database.roles.page?.name, trusted: this.database.roles.trusted?.name };
    this.pageRolePassword = this.database.roles.page?.password;
    this.trustedRolePassword = this.database.roles.trusted?.password;
    this.retoolManagedBy = layout.managed ? "retool-api" : "hand";
    this.retoolResources = this.retool.resourceConfigs;
    const ids = this.retool.resources;
    this.retoolResourceIds = { page: ids.page?.resourceId, trusted: ids.trusted?.resourceId, api: ids.api?.resourceId };
    this.retoolWorkflows = this.retool.workflows;
    this.artifacts = this.retool.files;
    this.registerOutputs(this.outputs());
  }

  /** Everything a program would export, by the names this repository's program exports them under. */
  outputs(): Record<string, unknown> {
    return {
      plan: this.plan,
      usersTable: this.usersTable,
      syncFunction: this.syncFunction,
      retoolRoles: this.retoolRoles,
      pageRolePassword: this.pageRolePassword,
      trustedRolePassword: this.trustedRolePassword,
      retoolManagedBy: this.retoolManagedBy,
      retoolResources: this.retoolResources,
      retoolResourceIds: this.retoolResourceIds,
      retoolWorkflows: this.retoolWorkflows,
      artifacts: this.artifacts,
    };
  }
}
