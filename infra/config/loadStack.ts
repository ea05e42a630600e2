// The program's one read of its stack: validated settings plus secrets that stay secret.
import * as pulumi from "@pulumi/pulumi";
import { readPulumiConfig } from "./pulumiConfigSource";
import type { StackSettings } from "./schema";
import { parseStackConfig } from "./stackSettings";

export interface LoadedStack {
  stack: string;
  settings: StackSettings;
  adminPassword: pulumi.Output<string>;
  /** Secret keys the stack sets (the Retool layout depends on which tokens are there). */
  secretsPresent: string[];
  retoolApiToken?: pulumi.Output<string>;
  retoolUsersReadToken?: pulumi.Output<string>;
}

export function loadStack(): LoadedStack {
  const { raw, secretKeys, stack } = readPulumiConfig();
  const { settings, secretsPresent } = parseStackConfig(raw, { stack, file: `Pulumi.${stack}.yaml` }, secretKeys);
  const config = new pulumi.Config();
  return {
    stack,
    settings,
    secretsPresent,
    adminPassword: config.requireSecret("databaseAdminPassword"),
    retoolApiToken: config.getSecret("retoolApiToken"),
    retoolUsersReadToken: config.getSecret("retoolUsersReadToken"),
  };
}
