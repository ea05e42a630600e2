// Reads a rendered workflow file back the way Retool would: blockData as JSON, templateData decoded
// from Transit with transit-js, each plugin's template as a plain object.
import { decodeTransit } from "../../infra/builders/retool/workflow/transit";

export type Block = {
  uuid: string;
  pluginId: string;
  blockType: string;
  editorType: string;
  resourceName: string;
  incomingOnSuccessEdges: string[];
  options?: Record<string, unknown>;
};
type Tree = Record<string, any>;

export function readWorkflow(content: string) {
  const file = JSON.parse(content);
  const tree = decodeTransit(file.templateData) as Tree;
  const app = tree["~#iR"];
  const flat = app.v.plugins["~#iOM"] as unknown[];
  const plugins: Record<string, Tree> = {};
  for (let i = 0; i < flat.length; i += 2) plugins[flat[i] as string] = (flat[i + 1] as Tree)["~#iR"];
  const template = (id: string): Record<string, unknown> => {
    const kv = plugins[id].v.template["~#iM"] as unknown[];
    return Object.fromEntries(Array.from({ length: kv.length / 2 }, (_, i) => [kv[2 * i], kv[2 * i + 1]]));
  };
  return { file, app, plugins, template, blocks: file.blockData as Block[] };
}

/** The block graph as "parent -> child" pluginIds, from the uuids in incomingOnSuccessEdges. */
export function edges(blocks: Block[]): string[] {
  const byUuid = Object.fromEntries(blocks.map((b) => [b.uuid, b.pluginId]));
  return blocks.flatMap((b) => b.incomingOnSuccessEdges.map((u) => `${byUuid[u]} -> ${b.pluginId}`));
}
