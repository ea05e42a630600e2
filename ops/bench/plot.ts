// Time against size for the benches' scale runs, as a plain SVG line chart on log-log axes: on
// such axes a cost that grows in a straight line with size is a line of slope 1, so a glance (and
// the slope printed beside each series) says whether it does.

export interface Series {
  name: string;
  /** [size, milliseconds], size ascending. */
  points: [number, number][];
}

/** The slope of log(time) against log(size), least squares: 1 is linear, above 1 worse. */
export function logSlope(points: [number, number][]): number {
  const xs = points.map(([x]) => Math.log10(x));
  const ys = points.map(([, y]) => Math.log10(y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
const xmlText = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function chartSvg(title: string, xLabel: string, series: Series[]): string {
  const W = 860;
  const H = 420;
  const pad = { left: 70, right: 300, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const lx = all.map(([x]) => Math.log10(x));
  const ly = all.map(([, y]) => Math.log10(y));
  const [x0, x1] = [Math.floor(Math.min(...lx)), Math.ceil(Math.max(...lx))];
  const [y0, y1] = [Math.floor(Math.min(...ly)), Math.ceil(Math.max(...ly))];
  const sx = (x: number) => pad.left + ((Math.log10(x) - x0) / Math.max(1, x1 - x0)) * (W - pad.left - pad.right);
  const sy = (y: number) => H - pad.bottom - ((Math.log10(y) - y0) / Math.max(1, y1 - y0)) * (H - pad.top - pad.bottom);
  const parts: string[] = [];
  for (let e = x0; e <= x1; e++) {
    const x = sx(10 ** e);
    parts.push(`<line x1="${x}" y1="${pad.top}" x2="${x}" y2="${H - pad.bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${H - pad.bottom + 18}" text-anchor="middle" font-size="12">${(10 ** e).toLocaleString("en-US")}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = sy(10 ** e);
    parts.push(`<line x1="${pad.left}" y1="${y}" x2="${W - pad.right}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${pad.left - 8}" y="${y + 4}" text-anchor="end" font-size="12">${(10 ** e).toLocaleString("en-US")} ms</text>`);
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points.map(([x, y], j) => `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    const slope = logSlope(s.points);
    parts.push(
      `<text x="${W - pad.right + 12}" y="${pad.top + 18 + i * 20}" font-size="12" fill="${colour}">${xmlText(s.name)} (slope ${slope.toFixed(2)})</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<title>${xmlText(title)}</title>
<rect width="${W}" height="${H}" fill="white"/>
<text x="${pad.left}" y="24" font-size="15" font-weight="bold">${xmlText(title)}</text>
<text x="${(pad.left + W - pad.right) / 2}" y="${H - 12}" text-anchor="middle" font-size="13">${xmlText(xLabel)} (log scale)</text>
${parts.join("\n")}
</svg>
`;
}
