// Everything a stack renders to files, as (relative path, content) pairs. `npm run render` writes
// these; the program writes the same builders' output, so the files are what `pulumi up` does.
import { StackSettings } from "../config/schema";
import { CONTINUE_PAGE_ZIP, continuePageZip } from "./retool/continuePage";
import { RetoolLayout } from "./retool/retoolLayout";
import { API_RESOURCE_FILE, RESOURCE_FILE, apiResourceFile, databaseResourceFile } from "./retool/resourceFiles";
import { RetoolResourceRefs, WorkflowBuildContext, syncWorkflowFiles } from "./retool/syncWorkflows";
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
 * The resources the workflows name: by the ids of the ones the program created, else by the ids
 * given in config, else by display name only.
 */
export function resourceRefs(settings: StackSettings, layout: RetoolLayout, created: { databaseId?: string; apiId?: string } = {}): RetoolResourceRefs {
  const { retool } = settings;
  return {
    database: { id: created.databaseId ?? retool.databaseResourceId, displayName: retool.resourceName },
    ...(layout.usesApi ? { api: { id: created.apiId ?? retool.apiResourceId, displayName: retool.apiResourceName } } : {}),
  };
}

export interface RetoolArtifactsArgs {
  settings: StackSettings;
  layout: RetoolLayout;
  stack: string;
  refs?: RetoolResourceRefs;
}

export function retoolArtifacts({ settings, layout, stack, refs }: RetoolArtifactsArgs): Artifact[] {
  const ctx: WorkflowBuildContext = { settings, layout, stack, refs: refs ?? resourceRefs(settings, layout) };
  const artifacts: Artifact[] = [{ path: RESOURCE_FILE, content: json(databaseResourceFile(settings, layout, stack)) }];
  if (layout.usesApi) artifacts.push({ path: API_RESOURCE_FILE, content: json(apiResourceFile(settings, layout)) });
  for (const w of syncWorkflowFiles(ctx)) artifacts.push({ path: w.path, content: json(w.file) });
  if (layout.continuePage) artifacts.push({ path: CONTINUE_PAGE_ZIP, content: Buffer.from(continuePageZip(settings)).toString("base64"), encoding: "base64" });
  return artifacts;
}

export function stackArtifacts(args: RetoolArtifactsArgs): Artifact[] {
  return [...sqlArtifacts(args.settings), ...retoolArtifacts(args)];
}
