// Writes rendered artifacts into a folder: used by `npm run render` and, through RenderedFiles,
// by `pulumi up`, so both leave the same files behind.
import type * as pulumi from "@pulumi/pulumi";
import type { Artifact } from "../builders/artifacts";

// What we own in an output folder; anything else there is left alone.
const OWNED = /^(sql\/\d{3}_[a-z0-9_]+\.sql|retool-(api-)?resource\.json|workflow-[a-z0-9-]+\.json|continue-page\.zip)$/;

/** Writes artifacts into outDir, removing files an earlier render made that this one no longer makes. */
export function writeArtifacts(outDir: string, artifacts: Artifact[]): void {
  // Required here, not imported: this runs inside a serialized dynamic provider too.
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const keep = new Set(artifacts.map((a) => a.path));
  const existing = fs.existsSync(outDir) ? (fs.readdirSync(outDir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")) : [];
  for (const f of existing) if (OWNED.test(f) && !keep.has(f)) fs.rmSync(path.join(outDir, f));
  for (const a of artifacts) {
    const file = path.join(outDir, a.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(a.content, a.encoding ?? "utf8"));
  }
}

export interface RenderedFilesInputs {
  dir: string;
  files: Artifact[];
}

/** A dynamic provider whose create and update write the files; delete leaves them (they hold no data, and may be under review). */
export const renderedFilesProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: RenderedFilesInputs) {
    writeArtifacts(inputs.dir, inputs.files);
    return { id: inputs.dir, outs: inputs };
  },
  async update(_id: string, _olds: RenderedFilesInputs, news: RenderedFilesInputs) {
    writeArtifacts(news.dir, news.files);
    return { outs: news };
  },
};
