// The stack settings, as one zod schema. Everything the program and the scripts read from a
// stack is described here once; secrets are not in it (they stay Pulumi secrets: loadStack.ts
// reads them as such, the scripts from the environment).
import { z } from "zod";
import { EMAIL_CHARSETS } from "../domain/emailRules";
import { PLANS } from "../domain/plans";
import { API_TIERS, RESOURCE_MANAGEMENT_OPERATIONS, scopesFor } from "../domain/retoolApi";
import { CONTINUE_PAGE_CHECKS, unmetNeeds } from "../domain/syncPaths";
import { describeNeed, stackSyncPaths, syncChoicesOf } from "./syncChoices";

export type { Plan } from "../domain/plans";

export const PROJECT = "retool-user-sync";

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
  host: z.string().min(1, { message: "host is required" }).describe("Postgres host, as Pulumi reaches it"),
  port: port.default(5432).describe("Postgres port"),
  name: identifier("name").describe("the database that holds the users table"),
  adminUser: z
    .string()
    .min(1, { message: "adminUser is required" })
    .describe("the user that runs migrations and owns the sync functions: CREATE on the database, CREATEROLE, and in adopt mode ownership of the table"),
  sslmode: z
    .enum(SSL_MODES)
    .default("require")
    .describe("as libpq; verify-ca and verify-full check against the system CAs (a private CA: NODE_EXTRA_CA_CERTS)"),
});

export const usersTableSchema = z
  .strictObject({
    mode: z.enum(["create", "adopt"]).default("create").describe("make a new table, or add the Retool columns to an existing one"),
    schema: identifier("schema").default("public").describe("the table's schema (retool_sync is reserved)"),
    name: identifier("name").default("users").describe("the table's name"),
    primaryKey: identifier("primaryKey").default("id").describe("adopt mode: the existing table's primary key column"),
    emailColumn: identifier("emailColumn").default("email").describe("adopt mode: the existing table's email column"),
  })
  .refine((t) => t.schema !== "retool_sync", {
    message: "schema retool_sync is reserved for the sync function; put the users table in another schema",
    path: ["schema"],
  });

const roleSchema = (name: string) =>
  z
    .strictObject({
      name: identifier("name").default(name).describe("the login role's name"),
      canReadUsers: bool.default(false).describe("grant the role SELECT on the users table's sync columns, for its own queries in Retool"),
    })
    .prefault({});

/**
 * The login roles Retool connects as, one per level of trust (docs/trust.md). A stack creates
 * only the ones its plan uses.
 */
export const retoolRolesSchema = z
  .strictObject({
    /** The Continue page's: a signed-in user's claim, untrusted rules (free, team, business). */
    page: roleSchema("retool_sync_page"),
    /** Retool's own data (Retool Events, the scheduled reconcile): admins' workflows only (enterprise). */
    trusted: roleSchema("retool_sync_trusted"),
    connectionLimit: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(20)
      .describe("connections each role may hold at once (Retool pools them per resource and environment)"),
    statementTimeoutMs: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(3_600_000)
      .default(60_000)
      .describe("the role-level statement and idle-in-transaction timeout; a default the role itself can lift (docs/trust.md)"),
  })
  .prefault({})
  .refine((r) => r.page.name !== r.trusted.name, {
    message: "the page and trusted roles must be two roles: trust comes from which one connects",
    path: ["trusted", "name"],
  });

// Retool's display names: what admins see in the resource list. Kept plain so that they are
// also safe file and block names.
const displayName = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$/, {
    message: `${what} must be 1-80 letters, digits, spaces, _ . or -, starting with a letter or digit`,
  });

const uuid = (what: string) => z.string().uuid({ message: `${what} must be a UUID, as Retool shows it in the resource's or workflow's URL` });

/** A Retool resource: its display name, and its id when an admin created it by hand. */
const resourceSchema = (name: string) =>
  z
    .strictObject({
      name: displayName("name").default(name).describe("the resource's display name in Retool"),
      id: uuid("id").optional().describe("the resource's UUID, when an admin made it by hand: rendered workflows and the page then point at it"),
    })
    .prefault({});

// Five cron fields; Retool schedules workflows with standard cron syntax.
const CRON = /^(\S+\s+){4}\S+$/;

export const retoolSchema = z.strictObject({
  url: z
    .string()
    .url({ message: "url must be a URL such as https://acme.retool.com" })
    .refine((u) => /^https?:\/\//.test(u) && !/\/api(\/v2)?\/?$/.test(u), {
      message: "url must be the Retool origin (https://acme.retool.com), without /api/v2",
    })
    .transform((u) => u.replace(/\/+$/, ""))
    .optional()
    .describe("your Retool origin, e.g. https://acme.retool.com (no /api/v2); required when a workflow calls Retool's API"),
  environments: z
    .array(z.string().min(1))
    .min(1, { message: "environments needs at least one Retool environment name" })
    .default(["production"])
    .describe("Retool environments the resources are configured in (names as in Settings > Environments)"),
  databaseHost: z.string().min(1).optional().describe("the database host as Retool reaches it, when it differs from database.host"),
  databasePort: port.optional().describe("the database port as Retool reaches it, when it differs from database.port"),
  /** The Retool resources: one per database role, and Retool's own API. */
  resources: z
    .strictObject({
      page: resourceSchema("retool-user-sync-page"),
      trusted: resourceSchema("retool-user-sync-trusted"),
      api: resourceSchema("retool-user-sync-api"),
    })
    .prefault({}),
  /**
   * The org's Retool API tier, where the plan has several (enterprise: enterprise-base or
   * enterprise-premium). Default: the smallest the plan guarantees (docs.retool.com/api).
   */
  apiTier: z
    .enum(API_TIERS)
    .optional()
    .describe("the org's Retool API tier (enterprise: enterprise-base or enterprise-premium); default: the smallest the plan guarantees"),
  /**
   * business: current-user (the only check, and the default) syncs from the page's own query on
   * current_user. retool-api is refused: it needs the Users API, which only Enterprise Premium has.
   */
  continuePageCheck: z
    .enum(CONTINUE_PAGE_CHECKS)
    .optional()
    .describe("business: current-user, the default and only check; retool-api is refused (it needs the Users API, Enterprise Premium only)"),
  /**
   * enterprise: the user attribute (defined in Settings > User attributes) that the event
   * workflows set to the row's key, for queries on current_user.metadata. Unset: no write-back.
   */
  rowKeyAttribute: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: "rowKeyAttribute must be a user attribute name: a letter or _, then letters, digits or _" })
    .optional()
    .describe("enterprise: the user attribute the event workflows set to the row's key (current_user.metadata in apps); unset: no write-back"),
  homeAppUrl: z.string().min(1).default("/").describe("where the Continue page sends users once their row exists: a Retool app path or URL"),
  continuePageWorkflowId: uuid("continuePageWorkflowId").optional().describe("the imported Continue page workflow's UUID: the page's query then points at it"),
  templateVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, { message: "templateVersion must look like 3.360.0" })
    .default("3.360.0")
    .describe("the Retool release the workflow files say they come from"),
  timezone: z.string().min(1).default("UTC").describe("the workflows' timezone"),
  rateLimitPerMinute: z.coerce
    .number()
    .int()
    .min(0)
    .default(45)
    .describe("client-side limit on Retool API calls (Retool's Terraform provider uses 45); 0 for none"),
  reconcileSchedule: z
    .string()
    .regex(CRON, { message: 'reconcileSchedule must be five cron fields, e.g. "0 * * * *" for hourly' })
    .optional()
    .describe("cron for a scheduled reconcile workflow; needs the Users API (Enterprise Premium)"),
});

/** Keys under the project namespace, without the "retool-user-sync:" prefix. */
export const stackSettingsSchema = z
  .strictObject({
    plan: z.enum(PLANS).describe("your Retool plan: picks how users sync (docs/plans.md)"),
    database: databaseSchema,
    usersTable: usersTableSchema.prefault({}),
    linkByEmail: bool.default(true).describe("link an existing row that has no Retool id yet by email (canonical form), on trusted paths"),
    linkByEmailFromContinuePage: bool.default(false).describe("also let the Continue page link by email; read docs/trust.md first"),
    emailCharacters: z.enum(EMAIL_CHARSETS).default("ascii").describe("which addresses are accepted: ascii, or unicode (docs/trust.md: emails)"),
    retoolRoles: retoolRolesSchema,
    retool: retoolSchema.prefault({}),
  })
  .superRefine((s, ctx) => {
    // What the plan and tier cannot serve (domain/syncPaths.ts decides, syncChoices.ts words it).
    const choices = syncChoicesOf(s);
    for (const need of unmetNeeds(choices)) {
      if (need.setting === "retoolApiToken") continue; // a secret: stackSettings.ts judges it with the other secrets
      ctx.addIssue({ code: "custom", path: need.setting.split("."), message: describeNeed(need, choices) });
    }
    const paths = stackSyncPaths(s);
    if (paths.usesApi && !s.retool.url) {
      ctx.addIssue({
        code: "custom",
        path: ["retool", "url"],
        message: `this stack's workflows call Retool's REST API (${paths.apiOperations.join(", ")}), so retool.url is required (e.g. https://acme.retool.com)`,
      });
    }
  });

export type StackSettings = z.infer<typeof stackSettingsSchema>;
export type UsersTableSettings = StackSettings["usersTable"];

/** Secret keys: read only through Pulumi secrets (or, in scripts, the environment). */
export const SECRET_KEYS = ["databaseAdminPassword", "retoolApiToken", "retoolUsersReadToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** What each secret is, for the config reference. */
export const SECRET_DESCRIPTIONS: Record<SecretKey, string> = {
  databaseAdminPassword: "required: database.adminUser's password; `pulumi config set --secret databaseAdminPassword <value>`",
  retoolApiToken: `Enterprise Premium only: a management token (${scopesFor(RESOURCE_MANAGEMENT_OPERATIONS).join(", ")}); with it \`pulumi up\` creates the Retool resources`,
  retoolUsersReadToken:
    "the token the API resource carries, with only the scopes its workflows need (the resource file lists them); required with retoolApiToken when a workflow calls Retool's API",
};
/**
 * Secrets every stack needs. The Retool tokens are optional: without retoolApiToken the Retool
 * side is written to files for an admin; when retoolUsersReadToken is needed is decided by
 * requiredSecrets (stackSettings.ts).
 */
export const REQUIRED_SECRET_KEYS: readonly SecretKey[] = ["databaseAdminPassword"];
