// The Pulumi program: config in, components wired, outputs named for what users read.

import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { retoolLayout } from "./builders/retool/retoolLayout";
import { RetoolSync } from "./components/retoolSync";
import { UsersDatabase } from "./components/usersDatabase";
import { type LoadedStack, loadStack } from "./config/loadStack";
import { ConfigError } from "./config/stackSettings";

export function retoolUserSync(): Record<string, unknown> {
  let stack: LoadedStack;
  try {
    stack = loadStack();
  } catch (e) {
    // A RunError prints its message without a stack trace: the message is the fix.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const { settings } = stack;
  const database = new UsersDatabase("users", { settings, adminPassword: stack.adminPassword });
  const layout = retoolLayout(settings, stack.secretsPresent);
  const retool = new RetoolSync(
    "retool",
    {
      settings,
      layout,
      stack: stack.stack,
      secrets: { page: database.roles.page?.password, trusted: database.roles.trusted?.password, api: stack.retoolUsersReadToken },
      retoolApiToken: stack.retoolApiToken,
      // Pulumi runs the program in the project folder: the same out/<stack> that render defaults to.
      artifactsDir: path.resolve("out", stack.stack),
    },
    // The workflows call the functions the database side creates.
    { dependsOn: [database] },
  );
  return {
    plan: settings.plan,
    usersTable: database.usersTable,
    syncFunction: database.syncFunction,
    retoolRoles: { page: database.roles.page?.name, trusted: database.roles.trusted?.name },
    pageRolePassword: database.roles.page?.password,
    trustedRolePassword: database.roles.trusted?.password,
    retoolManagedBy: layout.managed ? "retool-api" : "hand",
    retoolResources: retool.resourceConfigs,
    retoolResourceIds: { page: retool.resources.page?.resourceId, trusted: retool.resources.trusted?.resourceId, api: retool.resources.api?.resourceId },
    retoolWorkflows: retool.workflows,
    artifacts: retool.files,
  };
}
