// The Retool side of the sync: the resources Retool connects with (created through Retool's API
// when a management token is configured), one per database role plus Retool's own API, and the
// workflow, page and config files for the plan.
import * as pulumi from "@pulumi/pulumi";
import { resourceFile } from "../builders/retool/resourceFiles";
import { resourceSpec } from "../builders/retool/resourceSpecs";
import { WORKFLOW_FILES } from "../builders/retool/syncWorkflows";
import { resourceRefs, stackArtifacts } from "../builders/stackArtifacts";
import type { StackSettings } from "../config/schema";
import type { ResourceKind, RetoolLayout } from "../domain/retoolLayout";
import { RenderedFiles } from "../providers/renderedFiles";
import { RetoolResource } from "../providers/retool/retoolResource";

export interface RetoolSyncArgs {
  /** Validated settings; their connection values may be stand-ins, see `resolved`. */
  settings: StackSettings;
  /** The same settings with the connection values resolved: what the resources and files are built from. */
  resolved: pulumi.Output<StackSettings>;
  layout: RetoolLayout;
  stack: string;
  /** What each created resource connects with: the database roles' passwords, the users:read token. Secrets. */
  secrets: Partial<Record<ResourceKind, pulumi.Input<string>>>;
  /** Management token; set when layout.managed. */
  retoolApiToken?: pulumi.Input<string>;
  /** Where `pulumi up` writes the artifacts (render writes the same files). */
  artifactsDir: string;
}

export class RetoolSync extends pulumi.ComponentResource {
  /** The resources created through Retool's API, by kind. */
  readonly resources: Partial<Record<ResourceKind, RetoolResource>> = {};
  /** Each resource as an admin enters it (or as it was created); passwords are in secret outputs. */
  readonly resourceConfigs: pulumi.Output<Record<string, object>>;
  /** Workflow file name → workflow JSON, as written to artifactsDir. */
  readonly workflows: pulumi.Output<Record<string, unknown>>;
  readonly files: pulumi.Output<string[]>;

  constructor(name: string, args: RetoolSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("retool-user-sync:index:RetoolSync", name, {}, opts);
    const { settings, resolved, layout, stack } = args;

    if (layout.managed && settings.retool.url && args.retoolApiToken) {
      for (const kind of layout.created) {
        const secret = args.secrets[kind];
        if (secret === undefined) continue;
        this.resources[kind] = new RetoolResource(
          `${name}-${kind}`,
          {
            url: resolved.apply((s) => s.retool.url ?? ""),
            apiToken: args.retoolApiToken,
            rateLimitPerMinute: settings.retool.rateLimitPerMinute,
            environments: settings.retool.environments,
            spec: resolved.apply((s) => resourceSpec(s, kind)),
            secret,
          },
          { parent: this },
        );
      }
    }

    // Workflows name resources by id: the ones just created, else the ones given in config.
    const created = Object.entries(this.resources).flatMap(([kind, r]) => (r ? [r.resourceId.apply((id) => [kind, id] as const)] : []));
    const artifacts = pulumi
      .all([resolved, pulumi.all(created)])
      .apply(([s, ids]) => stackArtifacts({ settings: s, layout, stack, refs: resourceRefs(s, layout, Object.fromEntries(ids)) }));
    const rendered = new RenderedFiles(`${name}-files`, { dir: args.artifactsDir, files: artifacts }, { parent: this });

    const workflowPaths = new Set(layout.workflows.map((w) => WORKFLOW_FILES[w]));
    this.resourceConfigs = resolved.apply((s) => Object.fromEntries(layout.resources.map((kind) => [kind, resourceFile(s, kind, layout, stack)])));
    this.workflows = artifacts.apply((all) => Object.fromEntries(all.filter((a) => workflowPaths.has(a.path)).map((a) => [a.path, JSON.parse(a.content)])));
    this.files = pulumi.all([artifacts, rendered.dir]).apply(([all]) => all.map((a) => a.path));
    this.registerOutputs({ resourceConfigs: this.resourceConfigs, workflows: this.workflows, files: this.files });
  }
}
