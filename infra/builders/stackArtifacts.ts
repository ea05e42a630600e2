// Everything a stack renders to files, as (relative path, content) pairs. `npm run render` writes
// these; the program writes the same builders' output, so the files are what `pulumi up` does.
import type { StackSettings } from "../config/schema";
import type { ResourceKind, RetoolLayout } from "../domain/retoolLayout";
import { CONTINUE_PAGE_ZIP, continuePageZip } from "./retool/continuePage";
import { RESOURCE_FILES, resourceFile } from "./retool/resourceFiles";
import { type RetoolResourceRefs, syncWorkflowFiles, type WorkflowBuildContext } from "./retool/syncWorkflows";
import { migrationScript } from "./sql/migration";
import { allMigrations } from "./sql/migrations";

export interface Artifact {
  path: string;
  content: string;
  /** Binary artifacts (the Continue page ZIP) travel as base64. */
  encoding?: "base64";
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function sqlArtifacts(settings: StackSettings): Artifact[] {
  return allMigrations(settings).map((m) => ({ path: `sql/${m.id}.sql`, content: migrationScript(m) }));
}

/**
 * The resources the workflows and the page name: by the ids of the ones the program created, else
 * by the ids given in config, else by display name only.
 */
export function resourceRefs(settings: StackSettings, layout: RetoolLayout, createdIds: Partial<Record<ResourceKind, string>> = {}): RetoolResourceRefs {
  const { resources } = settings.retool;
  return Object.fromEntries(layout.resources.map((kind) => [kind, { id: createdIds[kind] ?? resources[kind].id, displayName: resources[kind].name }]));
}

export interface RetoolArtifactsArgs {
  settings: StackSettings;
  layout: RetoolLayout;
  stack: string;
  refs?: RetoolResourceRefs;
}

export function retoolArtifacts({ settings, layout, stack, refs: given }: RetoolArtifactsArgs): Artifact[] {
  const refs = given ?? resourceRefs(settings, layout);
  const ctx: WorkflowBuildContext = { settings, layout, stack, refs };
  const artifacts: Artifact[] = layout.resources.map((kind) => ({ path: RESOURCE_FILES[kind], content: json(resourceFile(settings, kind, layout, stack)) }));
  for (const w of syncWorkflowFiles(ctx)) artifacts.push({ path: w.path, content: json(w.file) });
  if (layout.continuePageApp) {
    artifacts.push({ path: CONTINUE_PAGE_ZIP, content: Buffer.from(continuePageZip(settings, layout, refs)).toString("base64"), encoding: "base64" });
  }
  return artifacts;
}

export function stackArtifacts(args: RetoolArtifactsArgs): Artifact[] {
  return [...sqlArtifacts(args.settings), ...retoolArtifacts(args)];
}
