// npm run render -- --stack <name> [--out <dir>] [--json]
// Writes, without the Pulumi engine, the artifacts `pulumi up` applies for a stack.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { Artifact, stackArtifacts } from "../infra/builders/artifacts";
import { retoolLayout } from "../infra/builders/retool/retoolLayout";
import { EXIT, PROJECT_DIR, runMain } from "./lib/cli";
import { stackSettingsFromFile } from "./lib/stackSettingsFromFile";

export interface RenderResult {
  files: string[];
  /** Secrets `pulumi up` will need that the stack does not set yet. */
  secretsMissing: string[];
}

// What render (and the program's RenderedFiles) own in an output folder; anything else is left alone.
const OWNED = /^(sql\/\d{3}_[a-z0-9_]+\.sql|retool-(api-)?resource\.json|workflow-[a-z0-9-]+\.json|continue-page\.zip)$/;

/** Writes artifacts into outDir, removing files an earlier render made that this one no longer makes. */
export function writeArtifacts(outDir: string, artifacts: Artifact[]): void {
  const keep = new Set(artifacts.map((a) => a.path));
  const existing = fs.existsSync(outDir) ? (fs.readdirSync(outDir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")) : [];
  for (const f of existing) if (OWNED.test(f) && !keep.has(f)) fs.rmSync(path.join(outDir, f));
  for (const a of artifacts) {
    const file = path.join(outDir, a.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(a.content, a.encoding ?? "utf8"));
  }
}

export function renderStack(stack: string, outDir: string, projectDir = PROJECT_DIR): RenderResult {
  const { settings, secretsMissing, secretsPresent } = stackSettingsFromFile(stack, projectDir);
  const artifacts = stackArtifacts({ settings, layout: retoolLayout(settings, secretsPresent), stack });
  writeArtifacts(outDir, artifacts);
  return { files: artifacts.map((a) => a.path), secretsMissing };
}

if (require.main === module) {
  const program = new Command()
    .name("render")
    .description("Write the SQL (and Retool artifacts) that `pulumi up` applies for a stack, without the Pulumi engine.")
    .requiredOption("-s, --stack <name>", "stack to render, e.g. dev (reads Pulumi.<name>.yaml)")
    .option("-o, --out <dir>", "output folder (default: out/<stack>)")
    .option("--json", "print what was written as JSON")
    .addHelpText("after", "\nExit codes: 0 written; 2 unknown stack or invalid config (nothing written); 1 other failure.")
    .parse();
  const opts = program.opts<{ stack: string; out?: string; json?: boolean }>();
  runMain(async () => {
    const outDir = path.resolve(opts.out ?? path.join(PROJECT_DIR, "out", opts.stack));
    const { files, secretsMissing } = renderStack(opts.stack, outDir);
    if (opts.json) {
      console.log(JSON.stringify({ stack: opts.stack, out: outDir, files, secretsMissing }, null, 2));
    } else {
      console.log(`Rendered stack ${opts.stack} to ${outDir}:\n${files.map((f) => `  ${f}`).join("\n")}`);
      for (const key of secretsMissing) {
        console.log(`Note: ${key} is not set yet; pulumi up needs it: pulumi config set --secret ${key} <value> --stack ${opts.stack}`);
      }
    }
    return EXIT.ok;
  });
}
