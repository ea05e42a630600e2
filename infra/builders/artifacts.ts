// Everything a stack renders to files, as (relative path, content) pairs. `npm run render` writes
// these; the program applies the same builders, so the files are what `pulumi up` does.
import { StackSettings } from "../config/schema";
import { migrationScript } from "./sql/migration";
import { allMigrations } from "./sql/migrations";

export interface Artifact {
  path: string;
  content: string;
}

export function sqlArtifacts(settings: StackSettings): Artifact[] {
  return allMigrations(settings).map((m) => ({ path: `sql/${m.id}.sql`, content: migrationScript(m) }));
}

export function stackArtifacts(settings: StackSettings): Artifact[] {
  return [...sqlArtifacts(settings)];
}
