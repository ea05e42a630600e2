// A Pulumi dynamic provider for one Retool resource and its configuration in each configured
// Retool environment, over Retool's REST API. As in Retool's Terraform provider, diff compares
// the stack's old and new inputs only (a preview makes no Retool call), and drift is found by
// read (`pulumi refresh`, `pulumi up --refresh`): what can be read back replaces the state (the
// resource, its name, which environments it is configured in; connection options are write-only
// in that API), and a resource deleted in Retool leaves the state so the next up creates it.
// Delete removes the Retool resource only: the database it points at, and its data, are never touched.
import type * as pulumi from "@pulumi/pulumi";
import { type ResourceSpec, withSecret } from "../../builders/retool/resourceSpecs";
import { RetoolClient } from "./retoolClient";

export interface RetoolResourceInputs {
  /** Retool origin, e.g. https://acme.retool.com. */
  url: string;
  /** Management token (resources:write, resource_configurations:write, environments:read). Secret. */
  apiToken: string;
  rateLimitPerMinute: number;
  /** The resource without its secret. */
  spec: ResourceSpec;
  /** The role's password or the users:read token. Secret. */
  secret: string;
  /** Retool environment names to configure it in. */
  environments: string[];
}

export interface RetoolResourceOutputs extends RetoolResourceInputs {
  resourceId: string;
  /** Environment name → resource configuration id. */
  configurations: Record<string, string>;
}

const TOKEN_HINT = "run `pulumi config set --secret retoolApiToken <token>`";

function client(s: RetoolResourceInputs): RetoolClient {
  return new RetoolClient({ url: s.url, token: s.apiToken, rateLimitPerMinute: s.rateLimitPerMinute, tokenHint: TOKEN_HINT });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (xs: string[]) => [...xs].sort();

/** The stack's environments, in its order, with their Retool ids; a name Retool does not have is an error. */
async function environmentIds(api: RetoolClient, s: RetoolResourceInputs): Promise<[name: string, id: string][]> {
  const all = await api.listEnvironments();
  const found = s.environments.map((name) => [name, all.find((e) => e.name === name)?.id] as const);
  const unknown = found.filter(([, id]) => id === undefined).map(([name]) => name);
  if (unknown.length) {
    throw new Error(
      `retool.environments names ${unknown.join(", ")}, which Retool at ${s.url} does not have (it has: ${all.map((e) => e.name).join(", ") || "none"}). Fix retool.environments in the stack config.`,
    );
  }
  return found.flatMap(([name, id]) => (id === undefined ? [] : [[name, id] as [string, string]]));
}

/** Makes the resource's configurations match s.environments; returns env name → configuration id. */
async function syncConfigurations(
  api: RetoolClient,
  id: string,
  s: RetoolResourceInputs,
  optionsChanged: boolean,
  remove: string[],
): Promise<Record<string, string>> {
  const envs = await environmentIds(api, s);
  const existing = new Map((await api.listResourceConfigurations(id)).map((c) => [c.environment.name, c.id]));
  const options = withSecret(s.spec, s.secret).options;
  const result: Record<string, string> = {};
  for (const [name, environmentId] of envs) {
    const current = existing.get(name);
    if (!current) result[name] = (await api.createResourceConfiguration(id, environmentId, options)).id;
    else {
      if (optionsChanged) await api.replaceResourceConfigurationOptions(current, options);
      result[name] = current;
    }
  }
  for (const name of remove) {
    const gone = existing.get(name);
    if (gone && !s.environments.includes(name)) await api.deleteResourceConfiguration(gone);
  }
  return result;
}

/** What the stack's own inputs say changed; pure, so `pulumi preview` makes no Retool call. */
export function diffInputs(olds: RetoolResourceOutputs, news: RetoolResourceInputs): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  if (olds.url !== news.url) replaces.push("url");
  if (olds.spec.type !== news.spec.type) replaces.push("spec");
  const changes =
    replaces.length > 0 ||
    !same(olds.spec, news.spec) ||
    olds.secret !== news.secret ||
    olds.apiToken !== news.apiToken ||
    olds.rateLimitPerMinute !== news.rateLimitPerMinute ||
    !same(sorted(olds.environments), sorted(news.environments));
  // Retool names are unique in an org: the old one must go before a new one can take its name.
  return { changes, replaces, deleteBeforeReplace: true };
}

export const retoolResourceProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: RetoolResourceInputs, news: RetoolResourceInputs) {
    const failures = [];
    if (!news.environments?.length) failures.push({ property: "environments", reason: "configure at least one Retool environment" });
    if (!news.apiToken) failures.push({ property: "apiToken", reason: "a Retool API token is needed to manage resources" });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: RetoolResourceOutputs, news: RetoolResourceInputs) {
    return diffInputs(olds, news);
  },

  async create(inputs: RetoolResourceInputs) {
    const api = client(inputs);
    await environmentIds(api, inputs); // a wrong environment name fails before anything is made
    const created = await api.createResource(withSecret(inputs.spec, inputs.secret));
    try {
      const configurations = await syncConfigurations(api, created.id, inputs, false, []);
      const outs: RetoolResourceOutputs = { ...inputs, resourceId: created.id, configurations };
      return { id: created.id, outs };
    } catch (e) {
      // Half-made resources would block the next attempt with a name conflict.
      try {
        await api.deleteResource(created.id);
      } catch (cleanup) {
        throw new Error(
          `${(e as Error).message}. Removing the half-made Retool resource ${created.id} ("${inputs.spec.display_name}") failed too: ${(cleanup as Error).message}. ` +
            "Delete it in Retool (Resources) before the next `pulumi up`, or that run will find its name taken.",
        );
      }
      throw e;
    }
  },

  /** `pulumi refresh`: Retool's view replaces the state's; a resource gone from Retool leaves the state. */
  async read(id: string, props: RetoolResourceOutputs) {
    const api = client(props);
    const live = await api.getResource(id);
    if (!live) return {};
    const configs = await api.listResourceConfigurations(id);
    const configurations = Object.fromEntries(configs.map((c) => [c.environment.name, c.id]));
    // Options are write-only: what is readable replaces the state, the rest stays as deployed.
    return {
      id,
      props: { ...props, spec: { ...props.spec, display_name: live.display_name }, environments: Object.keys(configurations), configurations },
    };
  },

  async update(id: string, olds: RetoolResourceOutputs, news: RetoolResourceInputs) {
    const api = client(news);
    const live = await api.getResource(id);
    if (!live)
      throw new Error(
        `Retool resource ${id} (${olds.spec.display_name}) no longer exists in Retool; run \`pulumi refresh\`, then \`pulumi up\` creates it again.`,
      );
    if (live.display_name !== news.spec.display_name) await api.renameResource(id, news.spec.display_name);
    const optionsChanged = !same(olds.spec.options, news.spec.options) || olds.secret !== news.secret;
    const configurations = await syncConfigurations(api, id, news, optionsChanged, olds.environments);
    const outs: RetoolResourceOutputs = { ...news, resourceId: id, configurations };
    return { outs };
  },

  async delete(id: string, props: RetoolResourceOutputs) {
    await client(props).deleteResource(id);
  },
};
