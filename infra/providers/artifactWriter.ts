// Writes rendered artifacts into a folder: `npm run render` calls it, and so does `pulumi up`
// (through RenderedFiles), so both leave the same files behind.
import type { Artifact } from "../builders/stackArtifacts";

// The files this tool writes or has written (earlier releases' names too, so an upgrade tidies
// them away). Nothing else in an output folder is ours: a team's own notes, SQL or workflows
// there stay. A test holds this list to every file the builders make. (An array, not a Set:
// Pulumi's closure serializer captures it into the provider.)
const OWNED_FILES: readonly string[] = [
  "sql/001_sync_schema.sql",
  "sql/002_users_table.sql",
  "sql/003_users_table_indexes.sql",
  "sql/004_sync_function.sql",
  "sql/005_retool_role_grants.sql",
  "sql/006_batch_sync.sql",
  "retool-resource.json",
  "retool-api-resource.json",
  "retool-resource-page.json",
  "retool-resource-trusted.json",
  "retool-resource-api.json",
  "workflow-continue-page.json",
  "workflow-retool-event-login-attempted.json",
  "workflow-retool-event-user-created.json",
  "workflow-schedule-reconcile.json",
  "continue-page.zip",
];

/** Whether a path (relative, with forward slashes) in an output folder is one this tool writes. */
export function isOwnedFile(relativePath: string): boolean {
  return OWNED_FILES.includes(relativePath);
}

/** Writes artifacts into outDir, removing files of ours that an earlier render made and this one does not. */
export function writeArtifacts(outDir: string, artifacts: Artifact[]): void {
  // Required here, not imported: this runs inside a serialized dynamic provider too.
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const keep = new Set(artifacts.map((a) => a.path));
  for (const a of artifacts) {
    if (!OWNED_FILES.includes(a.path)) throw new Error(`Refusing to write ${a.path}: not a file this tool owns (add it to OWNED_FILES in artifactWriter.ts).`);
  }
  for (const owned of OWNED_FILES) {
    const file = path.join(outDir, owned);
    if (!keep.has(owned) && fs.existsSync(file)) fs.rmSync(file);
  }
  for (const a of artifacts) {
    const file = path.join(outDir, a.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(a.content, a.encoding ?? "utf8"));
  }
}
