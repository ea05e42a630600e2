// Regenerates retoolApiSpec.json, the endpoints we call, copied out of Retool's OpenAPI spec
// (MIT, tryretool/terraform-provider-retool internal/sdk/openAPISpec.json, version 2.12.0):
//   npx tsx scripts/lib/fakeRetool/extractSpecSubset.ts <path to openAPISpec.json>
// The tests hold the subset, so they keep checking requests against the spec without it.
import * as fs from "node:fs";
import * as path from "node:path";

export const OPERATIONS: [string, string][] = [
  ["get", "/environments"],
  ["post", "/resources"],
  ["get", "/resources/{resourceId}"],
  ["patch", "/resources/{resourceId}"],
  ["delete", "/resources/{resourceId}"],
  ["get", "/resource_configurations"],
  ["post", "/resource_configurations"],
  ["patch", "/resource_configurations/{configurationId}"],
  ["delete", "/resource_configurations/{configurationId}"],
  ["get", "/users"],
  ["get", "/users/{userId}"],
];

if (require.main === module) {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const subset: Record<string, unknown> = {
    source: `Retool OpenAPI spec ${spec.info.version} (MIT), from tryretool/terraform-provider-retool`,
    operations: {},
  };
  for (const [method, p] of OPERATIONS) {
    const op = spec.paths[p][method];
    const ok = Object.keys(op.responses).find((c) => c.startsWith("2"))!;
    (subset.operations as Record<string, unknown>)[`${method.toUpperCase()} ${p}`] = {
      parameters: (op.parameters ?? []).map((x: { name: string; in: string; required?: boolean; schema: unknown }) => ({
        name: x.name,
        in: x.in,
        required: Boolean(x.required),
        schema: x.schema,
      })),
      requestBody: op.requestBody?.content?.["application/json"]?.schema ?? null,
      successStatus: Number(ok),
      response: op.responses[ok].content?.["application/json"]?.schema ?? null,
    };
  }
  fs.writeFileSync(path.join(__dirname, "retoolApiSpec.json"), `${JSON.stringify(subset, null, 1)}\n`);
}
