// retool-resource.json (and retool-api-resource.json): the Retool resources as an admin enters them
// by hand, or, when the program manages them, a record of what it created. Secrets are never in
// them: the password field says which secret output to read instead.
import { StackSettings } from "../../config/schema";
import { RetoolLayout } from "./retoolLayout";
import { ResourceSpec, apiResourceSpec, databaseResourceSpec } from "./resourceSpecs";

export const RESOURCE_FILE = "retool-resource.json";
export const API_RESOURCE_FILE = "retool-api-resource.json";

/** Stack outputs the program exports, so the files can point at them. */
export const SECRET_OUTPUTS = { rolePassword: "retoolRolePassword" } as const;

function fileFor(spec: ResourceSpec, secretNote: string, steps: string[], settings: StackSettings, managed: boolean) {
  const options =
    spec.type === "postgresql"
      ? { database_options: { ...spec.options.database_options, password: secretNote } }
      : { ...spec.options, authentication_options: { ...spec.options.authentication_options, bearer_token: secretNote } };
  return {
    managedBy: managed ? "pulumi (retool-user-sync creates and updates this resource through Retool's API)" : "hand (create it in Retool as below)",
    environments: settings.retool.environments,
    resource: { ...spec, options },
    steps: managed ? ["Nothing to do: `pulumi up` keeps this resource in step with the stack."] : steps,
  };
}

export function databaseResourceFile(settings: StackSettings, layout: RetoolLayout, stack: string): object {
  const spec = databaseResourceSpec(settings);
  const o = spec.type === "postgresql" ? spec.options.database_options : undefined!;
  return fileFor(
    spec,
    `<secret: pulumi stack output ${SECRET_OUTPUTS.rolePassword} --show-secrets --stack ${stack}>`,
    [
      "In Retool: Resources > Create new > Resource > PostgreSQL.",
      `Name: ${spec.display_name}. Host: ${o.host}. Port: ${o.port}. Database name: ${o.name}. Database username: ${o.username}.`,
      `Database password: the output of \`pulumi stack output ${SECRET_OUTPUTS.rolePassword} --show-secrets --stack ${stack}\` (never paste it into a file).`,
      `Connect using SSL: ${o.ssl_settings.enabled ? "on" : "off"}.${settings.database.sslmode === "verify-full" || settings.database.sslmode === "verify-ca" ? " Add your server's CA certificate so Retool verifies it." : ""}`,
      `Repeat the credentials for each environment: ${settings.retool.environments.join(", ")}. Save, then put the resource's id (from its URL) into retool.databaseResourceId and render again so the workflow files point at it.`,
    ],
    settings,
    layout.managed,
  );
}

export function apiResourceFile(settings: StackSettings, layout: RetoolLayout): object {
  const spec = apiResourceSpec(settings);
  const base = spec.type === "restapi" ? spec.options.base_url : "";
  return fileFor(
    spec,
    "<secret: a Retool API token with only the users:read scope (Settings > API); pulumi config retoolUsersReadToken holds it when the program manages this resource>",
    [
      "In Retool: Settings > API > Create new token, scope Users: Read (users:read) and nothing else.",
      `Resources > Create new > Resource > REST API. Name: ${spec.display_name}. Base URL: ${base}. Authentication: Bearer token, the token above.`,
      "Save, then put the resource's id into retool.apiResourceId and render again.",
    ],
    settings,
    layout.createsApiResource,
  );
}
