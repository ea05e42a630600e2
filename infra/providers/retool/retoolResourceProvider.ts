// A Pulumi dynamic provider for one Retool resource and its configuration in each configured
// Retool environment, over Retool's REST API. Connection options are write-only in that API, so
// drift is what can be read back (the resource, its name, which environments it is configured
// in); option changes are found by comparing the stack's old and new inputs. Delete removes the
// Retool resource only: the database it points at, and its data, are never touched.
import type * as pulumi from "@pulumi/pulumi";
import { ResourceSpec, withSecret } from "../../builders/retool/resourceSpecs";
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

async function environmentIds(api: RetoolClient, s: RetoolResourceInputs): Promise<Map<string, string>> {
  const all = await api.listEnvironments();
  const byName = new Map(all.map((e) => [e.name, e.id]));
  const unknown = s.environments.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new Error(
      `retool.environments names ${unknown.join(", ")}, which Retool at ${s.url} does not have (it has: ${all.map((e) => e.name).join(", ") || "none"}). Fix retool.environments in the stack config.`,
    );
  }
  return byName;
}

/** Makes the resource's configurations match s.environments; returns env name → configuration id. */
async function syncConfigurations(api: RetoolClient, id: string, s: RetoolResourceInputs, optionsChanged: boolean, remove: string[]): Promise<Record<string, string>> {
  const envs = await environmentIds(api, s);
  const existing = new Map((await api.listResourceConfigurations(id)).map((c) => [c.environment.name, c.id]));
  const options = withSecret(s.spec, s.secret).options;
  const result: Record<string, string> = {};
  for (const name of s.environments) {
    const current = existing.get(name);
    if (!current) result[name] = (await api.createResourceConfiguration(id, envs.get(name)!, options)).id;
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

/** Pure part of diff: what the stack's own inputs say changed. */
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

/** Drift: what Retool has now that the state does not say. */
export async function liveDrift(olds: RetoolResourceOutputs): Promise<{ gone: boolean; renamed: boolean; missingEnvironments: string[] }> {
  const api = client(olds);
  const live = await api.getResource(olds.resourceId);
  if (!live) return { gone: true, renamed: false, missingEnvironments: [] };
  const configured = new Set((await api.listResourceConfigurations(olds.resourceId)).map((c) => c.environment.name));
  return { gone: false, renamed: live.display_name !== olds.spec.display_name, missingEnvironments: olds.environments.filter((e) => !configured.has(e)) };
}

export const retoolResourceProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: RetoolResourceInputs, news: RetoolResourceInputs) {
    const failures = [];
    if (!news.environments?.length) failures.push({ property: "environments", reason: "configure at least one Retool environment" });
    if (!news.apiToken) failures.push({ property: "apiToken", reason: "a Retool API token is needed to manage resources" });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: RetoolResourceOutputs, news: RetoolResourceInputs) {
    const fromInputs = diffInputs(olds, news);
    if (fromInputs.replaces?.length) return fromInputs;
    const drift = await liveDrift(olds);
    if (drift.gone) return { changes: true, replaces: ["resourceId"], deleteBeforeReplace: true };
    return { ...fromInputs, changes: fromInputs.changes || drift.renamed || drift.missingEnvironments.length > 0 };
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
      await api.deleteResource(created.id).catch(() => undefined);
      throw e;
    }
  },

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
    if (!live) throw new Error(`Retool resource ${id} (${olds.spec.display_name}) no longer exists in Retool; run \`pulumi refresh\`, then \`pulumi up\` creates it again.`);
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
