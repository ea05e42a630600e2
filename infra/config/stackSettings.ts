// Validates a stack's raw config once and returns one typed object. Both the Pulumi program and
// the scripts come through here, so a stack that `render` accepts is a stack `pulumi up` accepts.
import type { z } from "zod";
import { syncPaths, unmetNeeds } from "../domain/syncPaths";
import { PROJECT, REQUIRED_SECRET_KEYS, SECRET_KEYS, type SecretKey, type StackSettings, stackSettingsSchema } from "./schema";
import { type ConfigOrigin, type SettingsSource, stackFileSource } from "./settingsSource";
import { describeNeed, RESOURCES_BY_HAND, stackLayout, syncChoicesOf } from "./syncChoices";

export type { ConfigOrigin } from "./settingsSource";

export class ConfigError extends Error {
  constructor(
    readonly source: SettingsSource,
    readonly problems: string[],
  ) {
    super([source.heading, ...problems.map((p) => `  - ${p}`), source.footer].join("\n"));
    this.name = "ConfigError";
  }
}

/** Raw config keyed as Pulumi keys it ("retool-user-sync:plan"), values already parsed. */
export type RawConfig = Record<string, unknown>;

const PREFIX = `${PROJECT}:`;

/** Keys that belong to other namespaces (postgresql:, pulumi:, aws:) are not ours to judge. */
function ownKeys(raw: RawConfig): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(PREFIX)) own[key.slice(PREFIX.length)] = value;
  }
  return own;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let cursor: unknown = root;
  for (const part of path) {
    if (cursor === null || typeof cursor !== "object") return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[part];
  }
  return cursor;
}

/** Keys of earlier releases, and where their settings went. */
const RENAMED: Record<string, string> = {
  retoolRole: "retoolRoles.page and retoolRoles.trusted (one role per level of trust; docs/database.md, The Retool roles)",
  "retool.resourceName": "retool.resources.page.name and retool.resources.trusted.name",
  "retool.apiResourceName": "retool.resources.api.name",
  "retool.databaseResourceId": "retool.resources.page.id or retool.resources.trusted.id",
  "retool.apiResourceId": "retool.resources.api.id",
};

/** Each of zod's issues as one line: the key, the value it got, and what is allowed. */
export function problemsOf(error: z.ZodError, input: unknown, source: SettingsSource): string[] {
  return error.issues.flatMap((issue) => {
    const key = source.key(issue.path.map(String).join("."));
    if (issue.code === "unrecognized_keys") {
      const where = issue.path.length ? `${issue.path.join(".")}.` : "";
      return issue.keys.map((k) =>
        RENAMED[where + k]
          ? `${source.key(where + k)}: replaced by ${RENAMED[where + k]}; move the setting there`
          : `${source.key(where + k)}: unknown key (check the spelling against docs/config-reference.md)`,
      );
    }
    return [`${key}: got ${describe(valueAt(input, issue.path))}; ${issue.message}`];
  });
}

export interface ParsedStackConfig {
  settings: StackSettings;
  /** Secret keys that are present, encrypted, in the stack. */
  secretsPresent: string[];
  /** Secret keys the stack needs but does not set yet (only when secrets are not required). */
  secretsMissing: string[];
}

/** Secrets that depend on other settings: the Retool tokens only make sense with an API to call. */
function retoolSecretProblems(settings: StackSettings, present: string[], source: SettingsSource): string[] {
  const problems: string[] = [];
  const choices = syncChoicesOf(settings);
  const paths = syncPaths(choices);
  const remove = (key: SecretKey) => `remove it: ${source.removeSecret(key)}`;
  if (present.includes("retoolApiToken")) {
    const need = unmetNeeds(choices, { createsResources: true }).find((n) => n.setting === "retoolApiToken");
    const fix = `${remove("retoolApiToken")}, and ${RESOURCES_BY_HAND}`;
    if (need) problems.push(`${source.key("retoolApiToken")}: is set, but ${describeNeed(need, choices, fix)}`);
  }
  if (present.includes("retoolUsersReadToken") && !paths.usesApi) {
    problems.push(
      `${source.key("retoolUsersReadToken")}: is set, but no workflow of this stack calls Retool's API (it is carried by the API resource, which only workflows that call the API use); ${remove("retoolUsersReadToken")}`,
    );
  }
  for (const key of ["retoolApiToken", "retoolUsersReadToken"] as const) {
    if (present.includes(key) && !settings.retool.url && problems.length === 0) {
      problems.push(`${source.key(key)}: is set, but ${source.key("retool.url")} is not; set retool.url to your Retool origin, e.g. https://acme.retool.com`);
    }
  }
  return problems;
}

/**
 * The secrets `pulumi up` needs for these settings. Where the program creates the Retool
 * resources itself (retoolApiToken on a tier with the Resources endpoints) and a workflow calls
 * Retool's API, it also needs the token that the API resource carries (unless an admin made that
 * resource: retool.resources.api.id).
 */
export function requiredSecrets(settings: StackSettings, present: string[]): SecretKey[] {
  const required: SecretKey[] = [...REQUIRED_SECRET_KEYS];
  const layout = stackLayout(settings, present);
  if (layout.managed && layout.usesApi && !settings.retool.resources.api.id) required.push("retoolUsersReadToken");
  return required;
}

/**
 * Validates settings (keys as in the schema, secrets left out) from any source: the checks, and
 * the words of each problem, are the same for a stack file and for the component's arguments.
 * `problems` holds what the caller already found (a secret in clear).
 */
export function validateSettings(
  own: Record<string, unknown>,
  source: SettingsSource,
  secretsPresent: string[],
  { requireSecrets = true, problems = [] }: { requireSecrets?: boolean; problems?: string[] } = {},
): ParsedStackConfig {
  const parsed = stackSettingsSchema.safeParse(own);
  if (!parsed.success) throw new ConfigError(source, [...problems, ...problemsOf(parsed.error, own, source)]);
  const found = [...problems, ...retoolSecretProblems(parsed.data, secretsPresent, source)];
  const secretsMissing = requiredSecrets(parsed.data, secretsPresent).filter((k) => !secretsPresent.includes(k));
  for (const key of requireSecrets ? secretsMissing : []) {
    if (!found.some((p) => p.startsWith(source.key(key)))) found.push(`${source.key(key)}: missing; set it with ${source.setSecret(key)}`);
  }
  if (found.length > 0) throw new ConfigError(source, found);
  return { settings: parsed.data, secretsPresent, secretsMissing };
}

/**
 * Parses and validates a stack's config. `secretKeys` lists the keys the source knows to be
 * secret; a secret key given in clear is an error, because it would then sit in a plain file.
 * Scripts that need no secret (render) pass requireSecrets: false; the program always needs them.
 */
export function parseStackConfig(
  raw: RawConfig,
  origin: ConfigOrigin,
  secretKeys: string[],
  { requireSecrets = true }: { requireSecrets?: boolean } = {},
): ParsedStackConfig {
  const source = stackFileSource(origin);
  const own = ownKeys(raw);
  const problems: string[] = [];
  const secretsPresent: string[] = [];
  for (const key of SECRET_KEYS) {
    if (!(key in own)) continue;
    if (secretKeys.includes(PREFIX + key)) secretsPresent.push(key);
    else problems.push(`${source.key(key)}: is set in clear; it must be a secret: ${source.setSecret(key)}`);
    delete own[key];
  }
  return validateSettings(own, source, secretsPresent, { requireSecrets, problems });
}
