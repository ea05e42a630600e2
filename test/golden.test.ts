// Golden files: every rendered file of every stack (the example stacks and every stack shape), as
// users import it into Retool or apply it to their database, kept in test/golden/. A change to any
// of them fails here until `npx vitest run test/golden.test.ts -u` writes the new version, so the
// change shows in review as a diff of the files themselves. The behaviour tests stay the judges
// of what is right; these only make every change visible.
import * as path from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { type Artifact, stackArtifacts } from "../infra/builders/stackArtifacts";
import { stackLayout } from "../infra/config/syncChoices";
import { stacksIn } from "../ops/lintSql";
import { stackSettingsFromFile } from "../ops/pulumi/stackSettingsFromFile";
import { settingsFor } from "./support/settings";
import { RETOOL_URL, STACK_SHAPES } from "./support/stackShapes";

const ROOT = path.resolve(__dirname, "..");
const slug = (name: string) =>
  name
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();

/** A stack's files as text: the ZIP as its entries, each a file of its own. */
function goldenFiles(artifacts: Artifact[]): [string, string][] {
  return artifacts.flatMap((a): [string, string][] => {
    if (a.encoding !== "base64") return [[a.path, a.content]];
    const entries = unzipSync(Buffer.from(a.content, "base64"));
    return Object.keys(entries)
      .sort()
      .map((name) => [`${a.path}/${name}`, Buffer.from(entries[name]).toString("utf8")]);
  });
}

const stacks: [string, Artifact[]][] = [
  ...stacksIn(ROOT).map((stack): [string, Artifact[]] => {
    const { settings, secretsPresent } = stackSettingsFromFile(stack, ROOT);
    return [`stack-${stack}`, stackArtifacts({ settings, layout: stackLayout(settings, secretsPresent), stack })];
  }),
  ...STACK_SHAPES.map((shape): [string, Artifact[]] => {
    const settings = settingsFor("app", { plan: shape.plan, retool: { url: RETOOL_URL, ...shape.retool } });
    return [`shape-${slug(shape.name)}`, stackArtifacts({ settings, layout: stackLayout(settings, []), stack: "golden" })];
  }),
];

describe.each(stacks)("the golden files of %s", (name, artifacts) => {
  it.each(goldenFiles(artifacts))("%s", async (file, content) => {
    await expect(content).toMatchFileSnapshot(path.join(__dirname, "golden", name, file));
  });
});
