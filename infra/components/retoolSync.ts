// The Retool side of the sync: the resources Retool connects with (created through Retool's API
// when a management token is configured) and the workflow, page and config files for the plan.
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { resourceRefs, stackArtifacts } from "../builders/artifacts";
import { databaseResourceFile } from "../builders/retool/resourceFiles";
import { apiResourceSpec, databaseResourceSpec } from "../builders/retool/resourceSpecs";
import { RetoolLayout } from "../builders/retool/retoolLayout";
import { WORKFLOW_FILES } from "../builders/retool/syncWorkflows";
import { RetoolResource } from "../providers/retool/retoolResource";
import { RenderedFiles } from "../providers/renderedFiles";

export interface RetoolSyncArgs {
  settings: StackSettings;
  layout: RetoolLayout;
  stack: string;
  /** The Retool role's password: a secret. */
  retoolRolePassword: pulumi.Input<string>;
  /** Management token; set when layout.managed. */
  retoolApiToken?: pulumi.Input<string>;
  /** users:read token for the API resource; set when layout.createsApiResource. */
  retoolUsersReadToken?: pulumi.Input<string>;
  /** Where `pulumi up` writes the artifacts (render writes the same files). */
  artifactsDir: string;
}

export class RetoolSync extends pulumi.ComponentResource {
  readonly databaseResource?: RetoolResource;
  readonly apiResource?: RetoolResource;
  /** The database resource as an admin enters it; the password is in retoolRolePassword. */
  readonly resourceConfig: object;
  /** Workflow file name → workflow JSON, as written to artifactsDir. */
  readonly workflows: pulumi.Output<Record<string, unknown>>;
  readonly files: pulumi.Output<string[]>;

  constructor(name: string, args: RetoolSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("retool-user-sync:index:RetoolSync", name, {}, opts);
    const { settings, layout, stack } = args;
    const url = settings.retool.url;

    if (layout.managed && url && args.retoolApiToken) {
      const common = { url, apiToken: args.retoolApiToken, rateLimitPerMinute: settings.retool.rateLimitPerMinute, environments: settings.retool.environments };
      this.databaseResource = new RetoolResource(
        `${name}-database`,
        { ...common, spec: databaseResourceSpec(settings), secret: args.retoolRolePassword },
        { parent: this },
      );
      if (layout.createsApiResource && args.retoolUsersReadToken) {
        this.apiResource = new RetoolResource(`${name}-api`, { ...common, spec: apiResourceSpec(settings), secret: args.retoolUsersReadToken }, { parent: this });
      }
    }

    // Workflows name resources by id: the ones just created, else the ones given in config.
    const artifacts = pulumi
      .all([this.databaseResource?.resourceId, this.apiResource?.resourceId])
      .apply(([databaseId, apiId]) => stackArtifacts({ settings, layout, stack, refs: resourceRefs(settings, layout, { databaseId, apiId }) }));
    const rendered = new RenderedFiles(`${name}-files`, { dir: args.artifactsDir, files: artifacts }, { parent: this });

    const workflowPaths = new Set(layout.workflows.map((w) => WORKFLOW_FILES[w]));
    this.resourceConfig = databaseResourceFile(settings, layout, stack);
    this.workflows = artifacts.apply((all) => Object.fromEntries(all.filter((a) => workflowPaths.has(a.path)).map((a) => [a.path, JSON.parse(a.content)])));
    this.files = pulumi.all([artifacts, rendered.dir]).apply(([all]) => all.map((a) => a.path));
    this.registerOutputs({ resourceConfig: this.resourceConfig, workflows: this.workflows, files: this.files });
  }
}
