// docs/config-reference.md is the schema's own account of itself: regenerated, it is the same file,
// and every key the schema has is in it with a description.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { configKeys, configReferenceMarkdown } from "../../../infra/config/configReference";
import { SECRET_KEYS } from "../../../infra/config/schema";

const FILE = path.resolve(__dirname, "../../../docs/config-reference.md");

describe("the config reference", () => {
  it("is what the schema generates (run npm run docs:config after changing the schema)", () => {
    expect(fs.readFileSync(FILE, "utf8")).toBe(configReferenceMarkdown());
  });

  it("describes every key and secret, with its default", () => {
    const keys = configKeys();
    expect(keys.length).toBeGreaterThan(30);
    for (const k of keys) expect(k.description, k.key).toBeTruthy();
    const doc = fs.readFileSync(FILE, "utf8");
    for (const k of [...keys.map((x) => x.key), ...SECRET_KEYS]) expect(doc).toContain(`| \`${k}\` |`);
    expect(keys.find((k) => k.key === "retoolRoles.connectionLimit")).toMatchObject({ default: 20, required: false });
    expect(keys.find((k) => k.key === "linkByEmail")).toMatchObject({ default: true, type: "boolean" });
    expect(keys.find((k) => k.key === "plan")).toMatchObject({ required: true });
  });
});
