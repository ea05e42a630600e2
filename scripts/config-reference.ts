// npm run docs:config [-- --check]
// Writes docs/config-reference.md from the stack schema; --check exits 1 when the file is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { configReferenceMarkdown } from "../infra/config/configReference";
import { EXIT, newCommand, PROJECT_DIR, runMain } from "../ops/cli/cli";

export const CONFIG_REFERENCE = "docs/config-reference.md";

if (require.main === module) {
  const program = newCommand()
    .name("docs:config")
    .description(`Write ${CONFIG_REFERENCE} from the stack schema (infra/config/schema.ts).`)
    .option("--check", "write nothing; exit 1 when the file differs from the schema");
  program.parse();
  const opts = program.opts();
  runMain(async () => {
    const file = path.join(PROJECT_DIR, CONFIG_REFERENCE);
    const text = configReferenceMarkdown();
    if (opts.check) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      if (current === text) return EXIT.ok;
      console.error(`${CONFIG_REFERENCE} is stale: run npm run docs:config.`);
      return EXIT.failed;
    }
    fs.writeFileSync(file, text);
    console.error(`wrote ${CONFIG_REFERENCE}`);
    return EXIT.ok;
  });
}
