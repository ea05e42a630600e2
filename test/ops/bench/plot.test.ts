// The scale plot's one judgement, the slope on log-log axes, and the SVG it draws.
import { describe, expect, it } from "vitest";
import { chartSvg, logSlope } from "../../../ops/bench/plot";

describe("the scale plot", () => {
  it("gives slope 1 for cost that grows in a straight line, 2 for cost that grows with the square", () => {
    expect(
      logSlope([
        [1e4, 30],
        [1e5, 300],
        [1e6, 3000],
      ]),
    ).toBeCloseTo(1, 6);
    expect(
      logSlope([
        [1e4, 1],
        [1e5, 100],
        [1e6, 10000],
      ]),
    ).toBeCloseTo(2, 6);
  });

  it("draws each series as a line with its slope in the legend", () => {
    const svg = chartSvg("t", "size", [
      {
        name: "linear",
        points: [
          [1e4, 30],
          [1e5, 300],
        ],
      },
      {
        name: "square",
        points: [
          [1e4, 1],
          [1e5, 100],
        ],
      },
    ]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("linear (slope 1.00)");
    expect(svg).toContain("square (slope 2.00)");
  });
});
