// Figures the README states that the repository itself decides: they must stay true when it changes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { installRoot, pinnedPulumiVersion } from "../ops/pulumi/pulumiCli";

const ROOT = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const operations = fs.readFileSync(path.join(ROOT, "docs/operations.md"), "utf8");
const locked = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages[`node_modules/${name}`].version as string;

describe("the README and docs", () => {
  it("keeps the README a front page, and every relative link in it and in docs/ leads to a file", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(300);
    for (const file of [
      "README.md",
      ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ]) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
        expect(fs.existsSync(path.resolve(ROOT, path.dirname(file), target)), `${file} links to ${target}`).toBe(true);
      }
    }
  });

  it("names the pinned Pulumi CLI and where the first run keeps it", () => {
    const version = pinnedPulumiVersion(ROOT);
    expect(operations).toContain(`(\`${version}\`, the version of the \`@pulumi/pulumi\` SDK in the lockfile)`);
    expect(operations).toContain(`into \`~/.pulumi/versions/${version}/\``);
    expect(installRoot(version, {})).toBe(path.join(os.homedir(), ".pulumi", "versions", version));
  });

  it("gives the plugin versions the lockfile installs", () => {
    for (const [plugin, pkg] of [
      ["postgresql", "@pulumi/postgresql"],
      ["random", "@pulumi/random"],
    ]) {
      const version = locked(pkg);
      expect(operations).toContain(`pulumi plugin install resource ${plugin} ${version} --file pulumi-resource-${plugin}-v${version}-linux-amd64.tar.gz`);
      expect(operations).toContain(`\`${plugin}\` ${version}`);
    }
  });

  it("names the Node versions package.json supports", () => {
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node;
    expect(engines).toBe("^22.12.0 || ^24.0.0");
    expect(readme).toContain("Node.js: **22 and 24**");
  });
});
