// retool-resource-<kind>.json: each Retool resource as an admin enters it by hand, or, when the
// program manages it, a record of what it created. Secrets are never in them: the password field
// says which secret output to read instead. Each file also says who in Retool may use the
// resource, since that, not any argument, is what the database trusts.
import type { StackSettings } from "../../config/schema";
import { PLAN_CAPABILITIES } from "../../domain/plans";
import { scopesFor } from "../../domain/retoolApi";
import type { ResourceKind, RetoolLayout } from "../../domain/retoolLayout";
import { databaseResourceSpec, type ResourceSpec, resourceSpec } from "./resourceSpecs";

export const RESOURCE_FILES: Record<ResourceKind, string> = {
  page: "retool-resource-page.json",
  trusted: "retool-resource-trusted.json",
  api: "retool-resource-api.json",
};

/** Stack outputs that hold each database role's password. */
export const SECRET_OUTPUTS = { page: "pageRolePassword", trusted: "trustedRolePassword" } as const;

/** Who in Retool may use the resource: what the plan's permission groups allow. */
function permissions(settings: StackSettings, kind: ResourceKind): string {
  if (kind !== "page") {
    return `Permissions (Settings > Permissions > Resources): admins only; no Use for other groups. ${
      kind === "api"
        ? "Its token acts on Retool's users."
        : "The database takes what arrives here as Retool's own word about users: whoever can query it can rewrite any user's row."
    }`;
  }
  if (PLAN_CAPABILITIES[settings.plan].permissionGroups) {
    return "Permissions: Use for the groups that land on the Continue page; Edit on apps only for people you trust. Anyone who can write a query on this resource can send any values, so only users who cannot edit queries are checked by Retool (docs/trust.md).";
  }
  return "Free and Team have no resource permissions: every user is an editor and can write any query on this resource, so the table's emails are what users claim (docs/trust.md).";
}

function fileFor(spec: ResourceSpec, secretNote: string, steps: string[], settings: StackSettings, managed: boolean) {
  const options =
    spec.type === "postgresql"
      ? { database_options: { ...spec.options.database_options, password: secretNote } }
      : { ...spec.options, authentication_options: { ...spec.options.authentication_options, bearer_token: secretNote } };
  return {
    managedBy: managed ? "pulumi (retool-user-sync creates and updates this resource through Retool's API)" : "hand (create it in Retool as below)",
    environments: settings.retool.environments,
    resource: { ...spec, options },
    steps: managed ? ["Nothing to create: `pulumi up` keeps this resource in step with the stack.", steps[steps.length - 1]] : steps,
  };
}

function databaseResourceFile(settings: StackSettings, kind: "page" | "trusted", layout: RetoolLayout, stack: string): object {
  const spec = databaseResourceSpec(settings, kind);
  const o = spec.options.database_options;
  const password = `pulumi stack output ${SECRET_OUTPUTS[kind]} --show-secrets --stack ${stack}`;
  const verify =
    settings.database.sslmode === "verify-full" || settings.database.sslmode === "verify-ca" ? " Add your server's CA certificate so Retool verifies it." : "";
  return fileFor(
    spec,
    `<secret: ${password}>`,
    [
      "In Retool: Resources > Create new > Resource > PostgreSQL.",
      `Name: ${spec.display_name}. Host: ${o.host}. Port: ${o.port}. Database name: ${o.name}. Database username: ${o.username}.`,
      `Database password: the output of \`${password}\` (never paste it into a file).`,
      `Connect using SSL: ${o.ssl_settings.enabled ? "on" : "off"}.${verify}`,
      `Repeat the credentials for each environment: ${settings.retool.environments.join(", ")}. Save, then put the resource's id (from its URL) into retool.resources.${kind}.id and render again so the workflow files and the page point at it.`,
      permissions(settings, kind),
    ],
    settings,
    layout.created.includes(kind),
  );
}

function apiResourceFile(settings: StackSettings, layout: RetoolLayout): object {
  const spec = resourceSpec(settings, "api");
  const base = spec.type === "restapi" ? spec.options.base_url : "";
  const scopes = scopesFor(layout.apiOperations).join(", ");
  return fileFor(
    spec,
    `<secret: a Retool API token with only the scopes ${scopes} (Settings > API); pulumi config retoolUsersReadToken holds it when the program manages this resource>`,
    [
      `In Retool: Settings > API > Create new token with the scopes ${scopes} and nothing else (the workflows call ${layout.apiOperations.join(", ")}).`,
      `Resources > Create new > Resource > REST API. Name: ${spec.display_name}. Base URL: ${base}. Authentication: Bearer token, the token above.`,
      "Save, then put the resource's id into retool.resources.api.id and render again.",
      permissions(settings, "api"),
    ],
    settings,
    layout.created.includes("api"),
  );
}

export function resourceFile(settings: StackSettings, kind: ResourceKind, layout: RetoolLayout, stack: string): object {
  return kind === "api" ? apiResourceFile(settings, layout) : databaseResourceFile(settings, kind, layout, stack);
}
