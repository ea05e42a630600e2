// The Pulumi resource for a Retool resource, backed by retoolResourceProvider.
import * as pulumi from "@pulumi/pulumi";
import type { ResourceSpec } from "../../builders/retool/resourceSpecs";
import { retoolResourceProvider } from "./retoolResourceProvider";

export interface RetoolResourceArgs {
  url: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
  rateLimitPerMinute: number;
  spec: pulumi.Input<ResourceSpec>;
  /** The password or token the resource connects with. */
  secret: pulumi.Input<string>;
  environments: string[];
}

export class RetoolResource extends pulumi.dynamic.Resource {
  declare readonly resourceId: pulumi.Output<string>;
  declare readonly configurations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RetoolResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      retoolResourceProvider,
      name,
      {
        url: args.url,
        apiToken: pulumi.secret(args.apiToken),
        rateLimitPerMinute: args.rateLimitPerMinute,
        spec: args.spec,
        secret: pulumi.secret(args.secret),
        environments: args.environments,
        resourceId: undefined,
        configurations: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiToken", "secret"] },
      "retool-user-sync",
      "RetoolResource",
    );
  }
}
