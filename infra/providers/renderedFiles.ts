// The Pulumi resource for the rendered artifacts: `pulumi up` writes the same files as render.
import * as pulumi from "@pulumi/pulumi";
import type { Artifact } from "../builders/stackArtifacts";
import { renderedFilesProvider } from "./renderedFilesProvider";

export interface RenderedFilesArgs {
  dir: string;
  files: pulumi.Input<Artifact[]>;
}

export class RenderedFiles extends pulumi.dynamic.Resource {
  declare readonly dir: pulumi.Output<string>;

  constructor(name: string, args: RenderedFilesArgs, opts?: pulumi.CustomResourceOptions) {
    super(renderedFilesProvider, name, { dir: args.dir, files: args.files }, opts, "retool-user-sync", "RenderedFiles");
  }
}
