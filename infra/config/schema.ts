// The stack settings, as one zod schema. Everything the program and the scripts read from a
// stack is described here once; secrets are not in it (they stay Pulumi secrets, see secrets.ts).
import { z } from "zod";

export const PROJECT = "retool-user-sync";

export const PLANS = ["free", "team", "business", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];

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
});

export type StackSettings = z.infer<typeof stackSettingsSchema>;
export type DatabaseSettings = StackSettings["database"];
export type UsersTableSettings = StackSettings["usersTable"];
export type RetoolRoleSettings = StackSettings["retoolRole"];

/** Secret keys: read only through Pulumi secrets (or, in scripts, the environment). */
export const SECRET_KEYS = ["databaseAdminPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
