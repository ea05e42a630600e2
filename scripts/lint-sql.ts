// npm run lint:sql
// squawk (a Postgres migration linter whose rules come from production outages) over the SQL
// every stack renders: what a team applies by hand with psql, and what `pulumi up` applies.
// A finding fails the lint unless the rendered file keeps it with a squawk-ignore comment that
// says why it is safe there.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, newCommand, PROJECT_DIR, runMain } from "../ops/cli/cli";
import { squawk, stacksIn } from "../ops/lintSql";
import { renderStack } from "../ops/render";

if (require.main === module) {
  newCommand()
    .name("lint:sql")
    .description("Render every stack's SQL and lint it with squawk; exit 1 on any finding not kept with a squawk-ignore comment.")
    .parse();
  runMain(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "rus-lint-sql-"));
    try {
      const files: string[] = [];
      for (const stack of stacksIn(PROJECT_DIR)) {
        const dir = path.join(out, stack);
        for (const f of renderStack(stack, dir).files.filter((x) => x.endsWith(".sql"))) files.push(path.join(dir, f));
      }
      const { status, output } = squawk(files);
      process.stdout.write(output.split(out).join("<rendered>"));
      return status === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
}
