// Runs a dynamic provider the way Pulumi's provider host does: serialized (under ts-node, as
// `pulumi up` compiles the program), then loaded from that text in a plain Node process.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const ROOT = path.resolve(__dirname, "../..");

/**
 * `script` is the body of an async function with `provider` and `inputs` in scope; what it
 * returns comes back parsed from JSON. What it throws comes back as { thrown: message }, as the
 * provider host would report it.
 */
export async function runSerializedProvider(modulePath: string, exportName: string, inputs: unknown, script: string): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-serialized-"));
  try {
    const serialized = path.join(dir, "provider.js");
    execFileSync(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        `const { ${exportName} } = require(${JSON.stringify(modulePath)});
         require("@pulumi/pulumi/runtime").serializeFunction(() => ${exportName}, { allowSecrets: true })
           .then((sf) => require("fs").writeFileSync(${JSON.stringify(serialized)}, sf.text));`,
      ],
      { cwd: ROOT, stdio: "pipe", env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } },
    );
    const inputsFile = path.join(dir, "inputs.json");
    fs.writeFileSync(inputsFile, JSON.stringify(inputs));
    // What cmd/dynamic-provider does: requireFromString(text).handler(), then the CRUD calls.
    // Async: the test's own fake servers must keep answering while the child runs.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "-e",
        `const requireFromString = require("require-from-string");
         const fs = require("fs");
         const provider = requireFromString(fs.readFileSync(${JSON.stringify(serialized)}, "utf8")).handler();
         const inputs = JSON.parse(fs.readFileSync(${JSON.stringify(inputsFile)}, "utf8"));
         (async () => { ${script} })().then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ thrown: String(e && e.message) })));`,
      ],
      { cwd: ROOT },
    );
    return JSON.parse(stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
