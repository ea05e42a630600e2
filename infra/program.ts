// The Pulumi program: config in, components wired, outputs named for what users read.
import * as pulumi from "@pulumi/pulumi";
import { UsersDatabase } from "./components/usersDatabase";
import { loadStack } from "./config/loadStack";
import { ConfigError } from "./config/stackSettings";

export function retoolUserSync(): Record<string, unknown> {
  let stack;
  try {
    stack = loadStack();
  } catch (e) {
    // A RunError prints its message without a stack trace: the message is the fix.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const { settings } = stack;
  const database = new UsersDatabase("users", { settings, adminPassword: stack.adminPassword });
  return {
    plan: settings.plan,
    usersTable: database.usersTable,
    syncFunction: database.syncFunction,
    retoolRoleName: database.retoolRoleName,
    retoolRolePassword: database.retoolRolePassword,
  };
}
