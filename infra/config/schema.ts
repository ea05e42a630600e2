// The stack settings, as one zod schema. Everything the program and the scripts read from a
// stack is described here once; secrets are not in it (they stay Pulumi secrets, see secrets.ts).
import { z } from "zod";

export const PROJECT = "retool-user-sync";

export const PLANS = ["free", "team", "business", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];
/** Plans whose Retool org has the REST API (see shared reference: retool-api.md §1). */
export const PLANS_WITH_API: readonly Plan[] = ["business", "enterprise"];

export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

// Unquoted Postgres identifiers only: lowercase, so that the names users type in psql and in
// Retool queries are the names we create, and nothing needs quoting rules to be remembered.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, {
    message: `${what} must be a lowercase Postgres identifier: a letter or _, then letters, digits or _, at most 63 characters`,
  });

const port = z.coerce.number().int().min(1).max(65535);

// Pulumi hands scalar config to the program as strings; YAML read by the scripts gives real booleans.
const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

export const databaseSchema = z.strictObject({
  host: z.string().min(1, { message: "host is required" }),
  port: port.default(5432),
  name: identifier("name"),
  adminUser: z.string().min(1, { message: "adminUser is required" }),
  sslmode: z.enum(SSL_MODES).default("require"),
});

export const usersTableSchema = z
  .strictObject({
    mode: z.enum(["create", "adopt"]).default("create"),
    schema: identifier("schema").default("public"),
    name: identifier("name").default("users"),
    primaryKey: identifier("primaryKey").default("id"),
    emailColumn: identifier("emailColumn").default("email"),
  })
  .refine((t) => t.schema !== "retool_sync", {
    message: "schema retool_sync is reserved for the sync function; put the users table in another schema",
    path: ["schema"],
  });

export const retoolRoleSchema = z.strictObject({
  name: identifier("name").default("retool_sync_app"),
  canReadUsers: bool.default(true),
});

// Retool's display names: what admins see in the resource list. Kept plain so that they are
// also safe file and block names.
const displayName = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$/, {
    message: `${what} must be 1-80 letters, digits, spaces, _ . or -, starting with a letter or digit`,
  });

const uuid = (what: string) => z.string().uuid({ message: `${what} must be a UUID, as Retool shows it in the resource's or workflow's URL` });

// Five cron fields; Retool schedules workflows with standard cron syntax.
const CRON = /^(\S+\s+){4}\S+$/;

export const retoolSchema = z.strictObject({
  /** https://<org>.retool.com or a self-hosted origin, without /api/v2. */
  url: z
    .string()
    .url({ message: "url must be a URL such as https://acme.retool.com" })
    .refine((u) => /^https?:\/\//.test(u) && !/\/api(\/v2)?\/?$/.test(u), { message: "url must be the Retool origin (https://acme.retool.com), without /api/v2" })
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),
  /** Retool environments the resource is configured in (names as in Settings > Environments). */
  environments: z.array(z.string().min(1)).min(1, { message: "environments needs at least one Retool environment name" }).default(["production"]),
  /** The database host as Retool reaches it, when it differs from database.host (e.g. a public endpoint). */
  databaseHost: z.string().min(1).optional(),
  databasePort: port.optional(),
  resourceName: displayName("resourceName").default("retool-user-sync"),
  apiResourceName: displayName("apiResourceName").default("retool-user-sync-api"),
  /** Where the Continue page sends users once their row exists: a Retool app path or URL. */
  homeAppUrl: z.string().min(1).default("/"),
  /** UUIDs of resources an admin created by hand, so rendered workflows point at them. */
  databaseResourceId: uuid("databaseResourceId").optional(),
  apiResourceId: uuid("apiResourceId").optional(),
  /** UUID of the imported Continue page workflow, so the page's query points at it. */
  continuePageWorkflowId: uuid("continuePageWorkflowId").optional(),
  /** The Retool release the workflow files claim to come from (templateData's version). */
  templateVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { message: "templateVersion must look like 3.360.0" }).default("3.360.0"),
  timezone: z.string().min(1).default("UTC"),
  /** Client-side limit on Retool API calls; Retool's Terraform provider uses 45. 0 turns it off. */
  rateLimitPerMinute: z.coerce.number().int().min(0).default(45),
  /** Cron for the scheduled reconcile workflow (business, enterprise); unset renders none. */
  reconcileSchedule: z.string().regex(CRON, { message: "reconcileSchedule must be five cron fields, e.g. \"0 * * * *\" for hourly" }).optional(),
});

export const RETOOL_DEFAULTS = retoolSchema.parse({});

/** Keys under the project namespace, without the "retool-user-sync:" prefix. */
export const stackSettingsSchema = z.strictObject({
  plan: z.enum(PLANS),
  database: databaseSchema,
  usersTable: usersTableSchema.default({
    mode: "create",
    schema: "public",
    name: "users",
    primaryKey: "id",
    emailColumn: "email",
  }),
  linkByEmail: bool.default(true),
  linkByEmailFromContinuePage: bool.default(false),
  retoolRole: retoolRoleSchema.default({ name: "retool_sync_app", canReadUsers: true }),
  retool: retoolSchema.default(RETOOL_DEFAULTS),
})
  .refine((s) => s.plan !== "enterprise" || s.retool.url !== undefined, {
    message: "the enterprise plan's User Created workflow looks users up in Retool's API, so retool.url is required (e.g. https://acme.retool.com)",
    path: ["retool", "url"],
  })
  .refine((s) => s.retool.reconcileSchedule === undefined || PLANS_WITH_API.includes(s.plan), {
    message: "the scheduled reconcile reads Retool's REST API, which only the business and enterprise plans have; remove retool.reconcileSchedule",
    path: ["retool", "reconcileSchedule"],
  });

export type StackSettings = z.infer<typeof stackSettingsSchema>;
export type DatabaseSettings = StackSettings["database"];
export type UsersTableSettings = StackSettings["usersTable"];
export type RetoolRoleSettings = StackSettings["retoolRole"];
export type RetoolSettings = StackSettings["retool"];

/** Secret keys: read only through Pulumi secrets (or, in scripts, the environment). */
export const SECRET_KEYS = ["databaseAdminPassword", "retoolApiToken", "retoolUsersReadToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/**
 * Secrets every stack needs. The Retool tokens are optional: without retoolApiToken the Retool
 * side is written to files for an admin; retoolUsersReadToken is checked in retoolSetup.ts.
 */
export const REQUIRED_SECRET_KEYS: readonly SecretKey[] = ["databaseAdminPassword"];
