// A throwaway project folder holding one stack file, Pulumi.ci.yaml, for scripts run with --stack ci
// (pointed at it with RUS_PROJECT_DIR).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function projectWithStack(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rus-project-"));
  fs.writeFileSync(path.join(dir, "Pulumi.ci.yaml"), yaml);
  return dir;
}
