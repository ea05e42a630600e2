// Runs a workflow's JavaScript the way a Retool code block runs it: its text is the body of a
// function, and the blocks before it are in scope by name, each with its result as `.data`.
import * as vm from "node:vm";

/** Blocks in scope: name -> what that block returned (its `.data`). */
export type BlockResults = Record<string, unknown>;

export function runCodeBlock(code: string, blocks: BlockResults): unknown {
  const scope = Object.fromEntries(Object.entries(blocks).map(([name, data]) => [name, { data }]));
  return vm.runInNewContext(`(function () {\n${code}\n})()`, scope, { timeout: 1000 });
}

/** Evaluates one {{ }} expression of a block's field with the blocks in scope, as Retool does. */
export function evalTemplate(template: string, blocks: BlockResults): string {
  const scope = Object.fromEntries(Object.entries(blocks).map(([name, data]) => [name, { data }]));
  return template.replace(/\{\{\s*([\s\S]+?)\s*\}\}/g, (_, expr: string) => String(vm.runInNewContext(`(${expr})`, scope, { timeout: 1000 })));
}
