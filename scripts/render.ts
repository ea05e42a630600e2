// npm run render -- --stack <name> [--out <dir>] [--json]
// Writes, without the Pulumi engine, the artifacts `pulumi up` applies for a stack.
import * as path from "node:path";
import { EXIT, newCommand, PROJECT_DIR, runMain } from "../ops/cli/cli";
import { renderStack } from "../ops/render";

if (require.main === module) {
  const program = newCommand()
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
