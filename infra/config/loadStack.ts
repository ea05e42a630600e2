// The program's one read of its stack: validated settings plus secrets that stay secret.
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "./schema";
import { readPulumiConfig } from "./pulumiConfigSource";
import { parseStackConfig } from "./stackSettings";

export interface LoadedStack {
  stack: string;
  settings: StackSettings;
  adminPassword: pulumi.Output<string>;
}

export function loadStack(): LoadedStack {
  const { raw, secretKeys, stack } = readPulumiConfig();
  const { settings } = parseStackConfig(raw, { stack, file: `Pulumi.${stack}.yaml` }, secretKeys);
  const config = new pulumi.Config();
  return { stack, settings, adminPassword: config.requireSecret("databaseAdminPassword") };
}
