// Pulumi's mocks, plus a record of every registration request the program sends to the engine
// (options such as protect and retainOnDelete are only visible there).
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  type: string;
  name: string;
  protect: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
  inputs: Record<string, unknown>;
  /** The parent's URN, and the aliases the SDK sent (as alias specs or URNs). */
  parent: string;
  aliases: unknown[];
}

export const PROJECT = "retool-user-sync";

export async function startMocks(config: Record<string, unknown>, secretKeys: string[], stack = "dev", project = PROJECT): Promise<Registration[]> {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(raw, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          ...(args.type === "random:index/randomPassword:RandomPassword" ? { result: "generated-role-password" } : {}),
          // What the Retool provider would report: the id Retool gave the resource.
          ...(args.type.endsWith(":RetoolResource") ? { resourceId: `${args.name}-uuid` } : {}),
        },
      }),
      call: (args) => args.inputs,
    },
    project,
    stack,
  );
  const registrations: Registration[] = [];
  const monitor = pulumi.runtime.getMonitor();
  if (!monitor) throw new Error("setMocks installed no monitor");
  const original = monitor.registerResource.bind(monitor) as (req: any, cb: any) => any;
  (monitor as { registerResource: (req: any, cb: any) => any }).registerResource = (req: any, cb: any) => {
    const o = req.toObject();
    registrations.push({
      type: o.type,
      name: o.name,
      protect: Boolean(o.protect),
      retainOnDelete: Boolean(o.retainondelete),
      additionalSecretOutputs: o.additionalsecretoutputsList ?? [],
      parent: o.parent ?? "",
      aliases: [...(o.aliasesList ?? []), ...(o.aliasurnsList ?? [])],
      inputs: req.getObject()?.toJavaScript() ?? {},
    });
    return original(req, cb);
  };
  return registrations;
}

/**
 * An Output's value, or its failure: Outputs offer no public way to see why one failed, so this
 * reads the promise the SDK keeps inside each (internal to @pulumi/pulumi, as settle's wait is).
 */
export function outcomeOf<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

/** A stack output's value, with Outputs nested in objects resolved as the engine resolves them. */
export function resolvedValue<T>(o: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => pulumi.output(o).apply(resolve));
}

/**
 * Waits until every registration the program started has reached the mock monitor: the SDK's
 * own wait for its RPC queue to drain (internal to @pulumi/pulumi, as `disconnect` uses it).
 */
export function settle(): Promise<void> {
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
  return settings.waitForRPCs();
}
