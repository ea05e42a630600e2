// This repository's Pulumi program: the stack file in, the RetoolUserSync component out, and its
// outputs exported under the names the README gives. Teams with their own program use the
// component directly (examples/).
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RetoolUserSync } from "./components/retoolUserSync";
import { type LoadedStack, loadStack } from "./config/loadStack";
import { ConfigError } from "./config/stackSettings";

/** The component's type: its children were once the program's own top-level resources. */
const COMPONENT_CHILDREN = ["retool-user-sync:index:UsersDatabase", "retool-user-sync:index:RetoolSync"];

/**
 * Stacks deployed before the component existed hold UsersDatabase and RetoolSync at the top level.
 * An alias to that place lets them keep every resource (the protected table included) instead of
 * Pulumi replacing them; their own children follow through their parents' aliases.
 */
const keepTopLevelUrns: pulumi.ResourceTransformation = ({ type, props, opts }) =>
  COMPONENT_CHILDREN.includes(type) ? { props, opts: pulumi.mergeOptions(opts, { aliases: [{ parent: pulumi.rootStackResource }] }) } : undefined;

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
  const sync = new RetoolUserSync(
    "retool-user-sync",
    {
      ...settings,
      database: { ...settings.database, adminPassword: stack.adminPassword },
      retoolApiToken: stack.retoolApiToken,
      retoolUsersReadToken: stack.retoolUsersReadToken,
      // The same out/<stack> that `npm run render` defaults to.
      artifactsDir: path.join("out", stack.stack),
      // The names its stacks were created with.
      childNamePrefix: "",
    },
    { transformations: [keepTopLevelUrns] },
  );
  return sync.outputs();
}
