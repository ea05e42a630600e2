// The RetoolUserSync component's arguments: the stack settings' own schema, with each connection
// value open to a pulumi.Input so that it can come from another resource (an RDS instance's
// address, a Neon project's password). Plain values are validated before anything is registered;
// values known only at apply time are checked when they resolve, by the same schema, with the
// same words.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { databaseSchema, retoolSchema, type StackSettings, type stackSettingsSchema } from "../config/schema";
import { componentArgsSource, type SettingsSource } from "../config/settingsSource";
import { ConfigError, problemsOf, validateSettings } from "../config/stackSettings";

/** The stack settings as the schema takes them: what a stack file may say, defaults optional. */
type SettingsInput = z.input<typeof stackSettingsSchema>;

export interface DatabaseArgs {
  /** Where Pulumi reaches the database, e.g. an RDS instance's `address`. */
  host: pulumi.Input<string>;
  /** Default 5432. */
  port?: pulumi.Input<number>;
  /** The database the users table lives in: a lowercase Postgres identifier. */
  name: pulumi.Input<string>;
  /** A user that may create roles, schemas and tables (not necessarily a superuser). */
  adminUser: pulumi.Input<string>;
  /** Its password; kept a Pulumi secret whatever it is passed as. */
  adminPassword: pulumi.Input<string>;
  /** As libpq; default require. */
  sslmode?: SettingsInput["database"]["sslmode"];
}

export type RetoolArgs = Omit<NonNullable<SettingsInput["retool"]>, "url"> & {
  /** The Retool origin, e.g. https://acme.retool.com. */
  url?: pulumi.Input<string>;
};

export type RetoolUserSyncArgs = Omit<SettingsInput, "database" | "retool"> & {
  database: DatabaseArgs;
  retool?: RetoolArgs;
  /** Retool API token that manages resources; with it the component creates the Retool resources. Kept secret. */
  retoolApiToken?: pulumi.Input<string>;
  /** Retool API token with only users:read, carried by the API resource it creates. Kept secret. */
  retoolUsersReadToken?: pulumi.Input<string>;
  /** Where `pulumi up` writes the SQL and Retool files; default out/<stack>/<name>, beside the program. */
  artifactsDir?: string;
  /** Put before every child resource's name; default "<name>-", so two instances never collide. */
  childNamePrefix?: string;
};

/** The connection values that may be known only at apply time, by their path in the settings. */
const CONNECTION_FIELDS = [
  { path: ["database", "host"], schema: databaseSchema.shape.host, standIn: "known-at-apply-time.invalid" },
  { path: ["database", "port"], schema: databaseSchema.shape.port, standIn: 5432 },
  { path: ["database", "name"], schema: databaseSchema.shape.name, standIn: "known_at_apply_time" },
  { path: ["database", "adminUser"], schema: databaseSchema.shape.adminUser, standIn: "known_at_apply_time" },
  { path: ["retool", "url"], schema: retoolSchema.shape.url, standIn: "https://known-at-apply-time.invalid" },
] as const;

export type ConnectionField = (typeof CONNECTION_FIELDS)[number];

/** A value the program has now (a string or number), as against an Output or a Promise. */
const isPlain = (v: unknown) => v === undefined || v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

const get = (o: Record<string, unknown> | undefined, [a, b]: readonly [string, string]) => (o?.[a] as Record<string, unknown> | undefined)?.[b];

/** A copy of `o` with the value at a two-level path replaced. */
function withValue<T extends object>(o: T, [a, b]: readonly [string, string], value: unknown): T {
  const section = (o as Record<string, unknown>)[a] as Record<string, unknown> | undefined;
  return { ...o, [a]: { ...section, [b]: value } };
}

export interface CheckedArgs {
  /** Validated settings. A connection value known only at apply time holds a stand-in here: builders that write one use resolveSettings. */
  settings: StackSettings;
  secretsPresent: string[];
  /** The fields that resolve at apply time, with what the program passed for them. */
  later: { field: ConnectionField; value: pulumi.Input<string | number> }[];
  source: SettingsSource;
}

/** Validates every plain value now, as a stack file is validated; throws ConfigError before anything is registered. */
export function checkArgs(name: string, args: RetoolUserSyncArgs): CheckedArgs {
  const { database, retoolApiToken, retoolUsersReadToken, artifactsDir: _dir, childNamePrefix: _prefix, ...rest } = args;
  const { adminPassword, ...databaseRest } = database ?? {};
  let own: Record<string, unknown> = { ...rest, database: databaseRest };
  const later: CheckedArgs["later"] = [];
  for (const field of CONNECTION_FIELDS) {
    const value = get(own, field.path);
    if (isPlain(value)) continue;
    later.push({ field, value: value as pulumi.Input<string | number> });
    own = withValue(own, field.path, field.standIn);
  }
  const secretsPresent = [
    ...(adminPassword !== undefined ? ["databaseAdminPassword"] : []),
    ...(retoolApiToken !== undefined ? ["retoolApiToken"] : []),
    ...(retoolUsersReadToken !== undefined ? ["retoolUsersReadToken"] : []),
  ];
  const source = componentArgsSource(name);
  const { settings } = validateSettings(own, source, secretsPresent);
  return { settings, secretsPresent, later, source };
}

/** One connection value checked by its own schema; a bad one fails the deployment on `parent`, naming key and value. */
export function checkLater(field: ConnectionField, value: unknown, source: SettingsSource, parent: pulumi.Resource): unknown {
  const [a, b] = field.path;
  const input = { [a]: { [b]: value } };
  const parsed = z.object({ [a]: z.object({ [b]: field.schema }) }).safeParse(input);
  if (parsed.success) return (parsed.data as Record<string, Record<string, unknown>>)[a][b];
  throw new pulumi.ResourceError(new ConfigError(source, problemsOf(parsed.error, input, source)).message, parent);
}

/** The settings with every connection value resolved and checked: what the builders that write them use. */
export function resolveSettings(checked: CheckedArgs, parent: pulumi.Resource): pulumi.Output<StackSettings> {
  const values = checked.later.map(({ field, value }) => pulumi.output(value).apply((v) => checkLater(field, v, checked.source, parent)));
  // The later values in place of their stand-ins.
  return pulumi.all(values).apply((resolved) => checked.later.reduce((s, { field }, i) => withValue(s, field.path, resolved[i]), checked.settings));
}
