// The Retool resources as Retool's REST API takes them (POST /api/v2/resources, spec 2.12 "Postgres
// Options" and "Rest API Options"), built without their secrets. The secret (a role's password,
// the users:read token) is added only where it is sent, by the provider, so that every other use
// of these specs (files, outputs, diffs) cannot leak it.
import type { StackSettings } from "../../config/schema";
import type { ResourceKind } from "../../domain/retoolLayout";

export interface PostgresOptions {
  database_options: {
    host: string;
    /** A string in Retool's API. */
    port: string;
    name: string;
    username: string;
    password?: string;
    ssl_settings: { enabled: boolean };
  };
}

export interface RestApiOptions {
  base_url: string;
  authentication_options: { authentication_type: "bearer"; bearer_token?: string };
}

export type PostgresResourceSpec = { type: "postgresql"; display_name: string; options: PostgresOptions };
export type ResourceSpec = PostgresResourceSpec | { type: "restapi"; display_name: string; options: RestApiOptions };

/**
 * A database resource connects as its own login role, never as the admin: which role a query
 * runs as is what decides how far its data is trusted.
 */
export function databaseResourceSpec(settings: StackSettings, role: "page" | "trusted"): PostgresResourceSpec {
  const { database, retool, retoolRoles } = settings;
  return {
    type: "postgresql",
    display_name: retool.resources[role].name,
    options: {
      database_options: {
        host: retool.databaseHost ?? database.host,
        port: String(retool.databasePort ?? database.port),
        name: database.name,
        username: retoolRoles[role].name,
        ssl_settings: { enabled: database.sslmode !== "disable" },
      },
    },
  };
}

/** Retool's own REST API as a resource, for the workflow blocks that look users up. */
function apiResourceSpec(settings: StackSettings): ResourceSpec {
  if (!settings.retool.url) throw new Error("the API resource needs retool.url");
  return {
    type: "restapi",
    display_name: settings.retool.resources.api.name,
    options: { base_url: `${settings.retool.url}/api/v2`, authentication_options: { authentication_type: "bearer" } },
  };
}

export function resourceSpec(settings: StackSettings, kind: ResourceKind): ResourceSpec {
  return kind === "api" ? apiResourceSpec(settings) : databaseResourceSpec(settings, kind);
}

/** The spec with its secret filled in: only the provider calls this, just before sending. */
export function withSecret(spec: ResourceSpec, secret: string): ResourceSpec {
  if (spec.type === "postgresql") {
    return { ...spec, options: { database_options: { ...spec.options.database_options, password: secret } } };
  }
  return { ...spec, options: { ...spec.options, authentication_options: { ...spec.options.authentication_options, bearer_token: secret } } };
}
