// Where backfill and reconcile read from and write to: Retool's API and the database, from flags,
// the environment or the stack (--stack), in that order. Secrets come only from flags or the
// environment: the stack file holds them encrypted, and only `pulumi` can decrypt them.
import { type Command, Option } from "commander";
import type { StackSettings } from "../../infra/config/schema";
import { apiTierOf } from "../../infra/config/syncChoices";
import {
  API_ACCESS_DOCS,
  API_OPERATIONS,
  API_TIER_LABELS,
  API_TIERS,
  type ApiTier,
  ENDPOINT_GROUP_LABELS,
  smallestTierWith,
} from "../../infra/domain/retoolApi";
import { type ApiScript, SCRIPT_OPERATIONS, scriptWorks } from "../../infra/domain/syncPaths";
import { describeConnection, type PgConnection } from "../../infra/providers/pgConnection";
import type { RetoolClientOptions } from "../../infra/providers/retool/retoolClient";
import { PROJECT_DIR, UsageError, wholeNumber } from "../cli/cli";
import { parseDatabaseUrl } from "../postgres/databaseUrl";
import { stackSettingsFromFile } from "../pulumi/stackSettingsFromFile";

export interface SyncTargetOptions {
  stack?: string;
  retoolUrl?: string;
  retoolToken?: string;
  databaseUrl?: string;
  /** Already parsed by the option's wholeNumber(0). */
  rateLimit?: number;
  apiTier?: ApiTier;
}

export interface SyncTarget {
  retool: RetoolClientOptions;
  database: PgConnection;
  /** For messages and the progress key: never a secret. */
  retoolUrl: string;
  databaseLabel: string;
  /** The org's Retool API tier: from --api-tier, RETOOL_API_TIER, or the stack (its setting or its plan's smallest). */
  apiTier: ApiTier;
}

/** The scope backfill and reconcile need: they read Retool's user list. */
const USERS_READ = API_OPERATIONS["GET /users"].scope;

/** The flags both commands take. */
export function addTargetOptions(program: Command): Command {
  return program
    .option("-s, --stack <name>", "read the Retool URL and database from Pulumi.<name>.yaml")
    .option("--retool-url <url>", "Retool origin, e.g. https://acme.retool.com (env RETOOL_URL)")
    .option("--retool-token <token>", `Retool API token with ${USERS_READ} (env RETOOL_API_TOKEN; prefer the env var, flags show in ps)`)
    .option("--database-url <url>", "postgres://user:password@host:port/db?sslmode=require (env DATABASE_URL)")
    .option("--rate-limit <perMinute>", "Retool API requests per minute; 0 for none (default: the stack's retool.rateLimitPerMinute, else 45)", wholeNumber(0))
    .addOption(
      new Option("--api-tier <tier>", "the org's Retool API tier (env RETOOL_API_TIER; default: the stack's retool.apiTier, else its plan's smallest)").choices(
        API_TIERS,
      ),
    );
}

/**
 * The admin connection: --database-url, else DATABASE_URL, else the stack's database with
 * PGPASSWORD (the stack file holds the admin password encrypted; only `pulumi` decrypts it).
 */
export function resolveDatabase(o: { databaseUrl?: string }, env: NodeJS.ProcessEnv, settings?: StackSettings): PgConnection {
  if (o.databaseUrl) return parseDatabaseUrl(o.databaseUrl, "--database-url");
  if (env.DATABASE_URL) return parseDatabaseUrl(env.DATABASE_URL, "DATABASE_URL");
  if (settings) {
    const password = env.PGPASSWORD;
    if (!password) throw new UsageError(`No database password: set PGPASSWORD for ${settings.database.adminUser}, or pass DATABASE_URL.`);
    const d = settings.database;
    return { host: d.host, port: d.port, database: d.name, user: d.adminUser, password, sslmode: d.sslmode };
  }
  throw new UsageError("No database: pass --database-url, set DATABASE_URL, or use --stack.");
}

/** Flags win over the environment, which wins over the stack file. */
export function resolveTarget(o: SyncTargetOptions, env: NodeJS.ProcessEnv = process.env, projectDir = PROJECT_DIR): SyncTarget {
  const settings = o.stack ? stackSettingsFromFile(o.stack, projectDir).settings : undefined;
  const retoolUrl = (o.retoolUrl ?? env.RETOOL_URL ?? settings?.retool.url)?.replace(/\/+$/, "");
  if (!retoolUrl) throw new UsageError("No Retool URL: pass --retool-url, set RETOOL_URL, or use --stack with retool.url set.");
  const token = o.retoolToken ?? env.RETOOL_API_TOKEN;
  if (!token) throw new UsageError(`No Retool API token: set RETOOL_API_TOKEN (a token with the ${USERS_READ} scope, from Settings > API).`);
  const database = resolveDatabase(o, env, settings);
  const rate = o.rateLimit ?? settings?.retool.rateLimitPerMinute ?? 45;
  const apiTier = o.apiTier ?? apiTierFromEnv(env) ?? (settings ? apiTierOf(settings) : undefined);
  if (!apiTier) {
    throw new UsageError(
      `Which Retool API tier is the org on? Pass --stack, or --api-tier (or RETOOL_API_TIER) with one of ${API_TIERS.join(", ")}. Reading users needs enterprise-premium (${API_ACCESS_DOCS}).`,
    );
  }
  return {
    retool: { url: retoolUrl, token, rateLimitPerMinute: rate, tokenHint: `set RETOOL_API_TOKEN to a token with the ${USERS_READ} scope`, apiTier },
    database,
    retoolUrl,
    databaseLabel: describeConnection(database),
    apiTier,
  };
}

function apiTierFromEnv(env: NodeJS.ProcessEnv): ApiTier | undefined {
  const value = env.RETOOL_API_TIER;
  if (value === undefined || value === "") return undefined;
  if (!(API_TIERS as readonly string[]).includes(value))
    throw new UsageError(`RETOOL_API_TIER is ${JSON.stringify(value)}; it must be one of ${API_TIERS.join(", ")}.`);
  return value as ApiTier;
}

/** The script cannot run on this tier: said before any request, with what works instead. */
export class PlanUnavailable extends UsageError {}

/**
 * Stops a script before it sends anything when the org's tier lacks what it reads, naming the
 * endpoint group, the tier that has it, and what works on this plan instead.
 */
export function requireScript(script: ApiScript, tier: ApiTier, usersTable = "the users table"): void {
  if (scriptWorks(script, tier)) return;
  const op = SCRIPT_OPERATIONS[script];
  const group = API_OPERATIONS[op].group;
  const needs = smallestTierWith(group);
  throw new PlanUnavailable(
    [
      `${script} cannot run on this org: it reads Retool's users with ${op}, one of the ${ENDPOINT_GROUP_LABELS[group]} endpoints, which only ${API_TIER_LABELS[needs]} has (${API_ACCESS_DOCS}); this org's API tier is ${API_TIER_LABELS[tier]}. Nothing was sent to Retool.`,
      "What works on this plan instead: every user syncs at sign-in (the Continue page, or Retool Events' Login Attempted on Enterprise), so a user who signs in gets a row.",
      `The drift and last-seen report can be built from ${usersTable} itself: rows with no retool_user_id have never signed in, and last_seen_at says when each user last did (docs/plans.md).`,
      `If the org is on ${API_TIER_LABELS[needs]}, say so: --api-tier ${needs}, RETOOL_API_TIER=${needs}, or retool.apiTier in the stack.`,
    ].join("\n"),
  );
}
