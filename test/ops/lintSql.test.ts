// squawk runs over every stack's rendered SQL in `npm run lint`: the rendered files pass, and a
// finding without a squawk-ignore comment fails it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { squawk, stacksIn } from "../../ops/lintSql";

const ROOT = path.resolve(__dirname, "../..");

describe("squawk over rendered SQL", () => {
  it("knows every stack of the project", () => {
    expect(stacksIn(ROOT)).toEqual(["dev", "prod", "staging"]);
  });

  it("fails on a finding, and takes one kept with its reason", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-squawk-"));
    const bad = path.join(dir, "bad.sql");
    fs.writeFileSync(bad, "BEGIN;\nSET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '5min';\nDROP INDEX IF EXISTS public.users_x;\nCOMMIT;\n");
    const found = squawk([bad]);
    expect(found.status).not.toBe(0);
    expect(found.output).toMatch(/require-concurrent-index-deletion/);
    fs.writeFileSync(
      bad,
      fs.readFileSync(bad, "utf8").replace("DROP INDEX", "-- why it is safe here\n-- squawk-ignore require-concurrent-index-deletion\nDROP INDEX"),
    );
    expect(squawk([bad]).status).toBe(0);
  });
});
