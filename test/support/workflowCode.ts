// Runs a workflow's JavaScript the way a Retool code block runs it: its text is the body of a
// function, and the blocks before it are in scope by name, each with its result as `.data`.
import * as vm from "node:vm";

/** Blocks in scope: name -> what that block returned (its `.data`). */
export type BlockResults = Record<string, unknown>;

export function runCodeBlock(code: string, blocks: BlockResults): unknown {
  const scope = Object.fromEntries(Object.entries(blocks).map(([name, data]) => [name, { data }]));
  return vm.runInNewContext(`(function () {\n${code}\n})()`, scope, { timeout: 1000 });
}

/** Retool's helper that turns a SQL block's column-wise result into rows. */
export function formatDataAsArray(data: Record<string, unknown[]>): Record<string, unknown>[] {
  const columns = Object.keys(data);
  const rows = columns.length ? data[columns[0]].length : 0;
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(columns.map((c) => [c, data[c][i]])));
}

/** A SQL result as Retool hands it to later blocks: column-wise. */
export const columnWise = (rows: Record<string, unknown>[]): Record<string, unknown[]> =>
  Object.fromEntries(Object.keys(rows[0] ?? {}).map((c) => [c, rows.map((r) => r[c])]));

/** Evaluates one {{ }} expression of a block's field with the blocks in scope, as Retool does. */
export function evalTemplate(template: string, blocks: BlockResults): string {
  const scope = { formatDataAsArray, ...Object.fromEntries(Object.entries(blocks).map(([name, data]) => [name, { data }])) };
  return template.replace(/\{\{\s*([\s\S]+?)\s*\}\}/g, (_, expr: string) => String(vm.runInNewContext(`(${expr})`, scope, { timeout: 1000 })));
}

/** The value of one {{ }} expression itself (a SQL parameter), not its text. */
export function evalValue(expr: string, blocks: BlockResults): unknown {
  const scope = { formatDataAsArray, ...Object.fromEntries(Object.entries(blocks).map(([name, data]) => [name, { data }])) };
  return vm.runInNewContext(`(${expr})`, scope, { timeout: 1000 });
}
