// What `npm run render` writes: a stack's artifacts, from the same builders `pulumi up` uses.
import { stackArtifacts } from "../infra/builders/stackArtifacts";
import { stackLayout } from "../infra/config/syncChoices";
import { writeArtifacts } from "../infra/providers/artifactWriter";
import { PROJECT_DIR } from "./projectDir";
import { stackSettingsFromFile } from "./pulumi/stackSettingsFromFile";

export interface RenderResult {
  files: string[];
  /** Secrets `pulumi up` will need that the stack does not set yet. */
  secretsMissing: string[];
}

export function renderStack(stack: string, outDir: string, projectDir = PROJECT_DIR): RenderResult {
  const { settings, secretsMissing, secretsPresent } = stackSettingsFromFile(stack, projectDir);
  const artifacts = stackArtifacts({ settings, layout: stackLayout(settings, secretsPresent), stack });
  writeArtifacts(outDir, artifacts);
  return { files: artifacts.map((a) => a.path), secretsMissing };
}
