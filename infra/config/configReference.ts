// The config reference (docs/config-reference.md), generated from the schema itself: every key,
// its type, its default and its description come from stackSettingsSchema (zod 4's JSON Schema
// export for the types and descriptions, a parse of a minimal stack for the defaults), so the doc
// cannot drift from what validation does. `npm run docs:config` writes it; a test compares.
import { z } from "zod";
import { PROJECT, SECRET_DESCRIPTIONS, SECRET_KEYS, stackSettingsSchema } from "./schema";

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
};

export interface ConfigKey {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

/** The smallest stack that validates: what the defaults are read from. */
const MINIMAL = { plan: "free", database: { host: "h", name: "n", adminUser: "a" } };

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (s.anyOf) {
    if (s.anyOf.some((a) => a.type === "boolean")) return "boolean";
    return s.anyOf.map(typeOf).join(" \\| ");
  }
  if (s.type === "integer") {
    const bounded = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER;
    return bounded ? `integer ${s.minimum ?? ""}–${s.maximum}` : `integer ≥ ${s.minimum ?? 0}`;
  }
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  if (s.pattern === "^[a-z_][a-z0-9_]{0,62}$") return "Postgres identifier";
  if (s.format === "uuid") return "UUID";
  if (s.format === "uri") return "URL";
  return s.type ?? "value";
}

const valueAt = (root: unknown, path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), root);

/** Every leaf key of the settings, in schema order. */
export function configKeys(): ConfigKey[] {
  const json = z.toJSONSchema(stackSettingsSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const defaults = stackSettingsSchema.parse(MINIMAL);
  const keys: ConfigKey[] = [];
  const walk = (s: JsonSchema, path: string[], required: boolean) => {
    if (s.type === "object" && s.properties) {
      for (const [k, child] of Object.entries(s.properties)) walk(child, [...path, k], required && (s.required ?? []).includes(k));
      return;
    }
    const fallback = valueAt(defaults, path);
    keys.push({ key: path.join("."), type: typeOf(s), required, default: required ? undefined : fallback, description: s.description });
  };
  walk(json, [], true);
  return keys;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The reference page, as Markdown. */
export function configReferenceMarkdown(): string {
  const rows = configKeys().map((k) => {
    const dflt = k.required ? "required" : k.default === undefined ? "unset" : `\`${JSON.stringify(k.default)}\``;
    return `| \`${k.key}\` | ${k.type} | ${dflt} | ${cell(k.description ?? "")} |`;
  });
  const secrets = SECRET_KEYS.map((k) => `| \`${k}\` | ${cell(SECRET_DESCRIPTIONS[k])} |`);
  return [
    "# Config reference",
    "",
    `<!-- Generated from infra/config/schema.ts by \`npm run docs:config\`; a test fails when this page and the schema differ. -->`,
    "",
    `Keys live under the project namespace \`${PROJECT}:\` in \`Pulumi.<stack>.yaml\` (a nested key such as`,
    "`database.host` is the `host` field of the `database` object). The same keys are the arguments of the",
    "`RetoolUserSync` component. Validation runs once, before anything is touched, and names the key, the value, what",
    "is allowed and the file to fix.",
    "",
    "| key | type | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "## Secrets",
    "",
    "Set with `pulumi config set --secret <key> <value>`; a secret given in clear is refused. The scripts read them from",
    "the environment instead (docs/operations.md, Backfill and reconcile).",
    "",
    "| key | meaning |",
    "| --- | --- |",
    ...secrets,
    "",
  ].join("\n");
}
