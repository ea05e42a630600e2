// The Pulumi resource for a migration set, backed by migrationSetProvider.
import * as pulumi from "@pulumi/pulumi";
import { type Migration, withChecksums } from "../builders/sql/migration";
import { type MigrationTarget, migrationSetProvider } from "./migrationSetProvider";

export interface MigrationSetArgs {
  setName: string;
  target: pulumi.Input<MigrationTarget>;
  adminPassword: pulumi.Input<string>;
  migrations: Migration[];
}

export class MigrationSet extends pulumi.dynamic.Resource {
  declare readonly lastApplied: pulumi.Output<string[]>;
  declare readonly migrations: pulumi.Output<{ id: string; checksum: string }[]>;

  constructor(name: string, args: MigrationSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      migrationSetProvider,
      name,
      {
        setName: args.setName,
        target: args.target,
        adminPassword: pulumi.secret(args.adminPassword),
        migrations: withChecksums(args.migrations),
        lastApplied: undefined,
      },
      { ...opts, additionalSecretOutputs: ["adminPassword"] },
      "retool-user-sync",
      "MigrationSet",
    );
  }
}
