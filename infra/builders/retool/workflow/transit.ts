// Retool stores a workflow's blocks (templateData) as Transit JSON of an Immutable.js tree: ~#iR
// records, ~#iOM ordered maps, ~#iM maps, ~#iL lists, ~m dates. We write it with transit-js, the
// library Retool's own exports round-trip through byte for byte, instead of hand-writing cache codes.
import * as transit from "transit-js";

/** A value Transit writes as ["~#<tag>", rep]: iR records, iM/iOM maps, iL lists. */
export class Tagged {
  constructor(
    readonly tag: "iR" | "iM" | "iOM" | "iL",
    readonly rep: unknown,
  ) {}
}

export const record = (name: string, fields: Record<string, unknown>) => new Tagged("iR", { n: name, v: fields });
/** Immutable Map / OrderedMap: a flat [key, value, ...] array, in the order given. */
export const immutableMap = (entries: Record<string, unknown>, ordered = false) => new Tagged(ordered ? "iOM" : "iM", Object.entries(entries).flat());
export const immutableList = (items: unknown[]) => new Tagged("iL", items);

/** Plain objects become Transit maps; Dates become ~m timestamps; Tagged values keep their tag. */
function toTransit(value: unknown): unknown {
  if (value instanceof Tagged) return new Tagged(value.tag, toTransit(value.rep));
  if (Array.isArray(value)) return value.map(toTransit);
  if (value instanceof Date || value === null || typeof value !== "object") return value;
  const m = transit.map();
  for (const [k, v] of Object.entries(value)) m.set(k, toTransit(v));
  return m;
}

export function encodeTransit(tree: unknown): string {
  const writer = transit.writer("json", {
    handlers: transit.map([Tagged, transit.makeWriteHandler({ tag: (v: Tagged) => v.tag, rep: (v: Tagged) => v.rep, stringRep: () => null })]),
  });
  return writer.write(toTransit(tree));
}

/** Decodes back to plain JSON, tags kept as {"~#tag": rep}, for reading a rendered file back. */
export function decodeTransit(text: string): unknown {
  const tagged = (tag: string) => (rep: unknown) => ({ [`~#${tag}`]: rep });
  const reader = transit.reader("json", {
    handlers: { iR: tagged("iR"), iM: tagged("iM"), iOM: tagged("iOM"), iL: tagged("iL") } as never,
    mapBuilder: {
      init: () => ({}),
      add: (m: Record<string, unknown>, k: unknown, v: unknown) => {
        m[String(k)] = v;
        return m;
      },
      finalize: (m: Record<string, unknown>) => m,
    },
  } as never);
  return reader.read(text);
}
