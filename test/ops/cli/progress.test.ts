// Progress as CI logs show it (no terminal): plain lines, and a paged bar that starts at its first page.
import { describe, expect, it } from "vitest";
import { progressByPage } from "../../../ops/cli/progress";

function logStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(...s.trimEnd().split("\n")) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

describe("progressByPage", () => {
  it("says nothing until a page comes, and nothing at stop if none came", () => {
    const { lines, stream } = logStream();
    progressByPage("users", stream).stop();
    expect(lines).toEqual([]);
  });

  it("takes its total from the first page, reports every tenth, and ends with the count done", () => {
    const { lines, stream } = logStream();
    const bar = progressByPage("users", stream);
    for (let i = 0; i < 10; i++) bar.page(25, 250);
    bar.stop();
    expect(lines[0]).toBe("users: 0/250");
    expect(lines.filter((l) => /^users: \d+\/250 \(\d+%, ETA \d+ s\)$/.test(l))).toHaveLength(9);
    expect(lines.at(-1)).toMatch(/^users: 250\/250 done in \d+\.\d s$/);
  });

  it("without a total, the first page's size stands in for it", () => {
    const { lines, stream } = logStream();
    const bar = progressByPage("reading Retool users", stream);
    bar.page(40, undefined);
    bar.stop();
    expect(lines).toEqual([expect.stringMatching(/^reading Retool users: 0\/40$/), expect.stringMatching(/^reading Retool users: 40\/40 done in/)]);
  });
});
