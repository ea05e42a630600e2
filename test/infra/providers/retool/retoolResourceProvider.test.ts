// The Retool resource provider's create/diff/update/read/delete, called directly against the fake.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeRetool } from "../../../../fakeRetool/fakeRetool";
import { resourceSpec } from "../../../../infra/builders/retool/resourceSpecs";
import {
  retoolResourceProvider as provider,
  type RetoolResourceInputs,
  type RetoolResourceOutputs,
} from "../../../../infra/providers/retool/retoolResourceProvider";
import { runSerializedProvider } from "../../../support/serializedProvider";
import { settingsFor } from "../../../support/settings";

const TOKEN = "rtk_manage";
const PASSWORD = "role-password-that-must-stay-write-only";
let fake: FakeRetool;

function inputs(overrides: Partial<RetoolResourceInputs> = {}): RetoolResourceInputs {
  const settings = settingsFor("app", { plan: "business", retool: { url: fake.url } });
  return {
    url: fake.url,
    apiToken: TOKEN,
    rateLimitPerMinute: 0,
    spec: resourceSpec(settings, "trusted"),
    secret: PASSWORD,
    environments: ["production", "staging"],
    ...overrides,
  };
}

async function create(i = inputs()): Promise<RetoolResourceOutputs> {
  const r = await provider.create!(i);
  return r.outs as RetoolResourceOutputs;
}

beforeEach(async () => {
  fake = await new FakeRetool({ token: TOKEN }).start();
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.stop();
});

describe("retoolResourceProvider", () => {
  it("creates the resource and one configuration per environment, sending the password only to Retool", async () => {
    const outs = await create();
    expect(Object.keys(outs.configurations).sort()).toEqual(["production", "staging"]);
    const stored = [...fake.configurations.values()];
    expect(stored).toHaveLength(2);
    for (const c of stored) expect(c.options.database_options).toMatchObject({ username: "retool_sync_trusted", password: PASSWORD, port: "5432" });
    // What Retool gives back never has it.
    const readBack = JSON.stringify((await provider.read!(outs.resourceId, outs)).props);
    expect(readBack.match(new RegExp(PASSWORD, "g"))?.length ?? 0).toBe(1); // only the state's own secret input
    expect(fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/resource_configurations")).every((r) => r.query.resource_id)).toBe(true);
  });

  it("refuses an environment Retool does not have before creating anything", async () => {
    const e = await provider.create!(inputs({ environments: ["production", "qa"] })).catch((err) => err);
    expect(e.message).toMatch(/retool.environments names qa, which Retool at .* does not have \(it has: production, staging\)/);
    expect(fake.resources.size).toBe(0);
  });

  it("diff compares inputs only, without a call to Retool, and sees each kind of change", async () => {
    const outs = await create();
    const before = fake.requests.length;
    expect((await provider.diff!(outs.resourceId, outs, inputs())).changes).toBe(false);
    expect(await provider.diff!(outs.resourceId, outs, inputs({ secret: "rotated" }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!(outs.resourceId, outs, inputs({ environments: ["production"] }))).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!(outs.resourceId, outs, inputs({ apiToken: "rtk_rotated" }))).toMatchObject({ changes: true, replaces: [] });
    const moved = await provider.diff!(outs.resourceId, outs, inputs({ url: "https://other.retool.com" }));
    expect(moved).toEqual({ changes: true, replaces: ["url"], deleteBeforeReplace: true });
    const settings = settingsFor("app", { plan: "enterprise", retool: { url: fake.url } });
    const retyped = await provider.diff!(outs.resourceId, outs, inputs({ spec: resourceSpec(settings, "api") }));
    expect(retyped).toEqual({ changes: true, replaces: ["spec"], deleteBeforeReplace: true });
    // Drift in Retool is refresh's to find, not diff's: a preview stays offline.
    fake.resources.get(outs.resourceId).display_name = "renamed-by-hand";
    expect((await provider.diff!(outs.resourceId, outs, inputs())).changes).toBe(false);
    expect(fake.requests.length).toBe(before);
  });

  it("refresh finds the drift it can read (a rename, a removed configuration) and the next update repairs it", async () => {
    const outs = await create();
    fake.resources.get(outs.resourceId).display_name = "renamed-by-hand";
    fake.configurations.delete(outs.configurations.staging);
    const refreshed = (await provider.read!(outs.resourceId, outs)).props as RetoolResourceOutputs;
    expect(refreshed.spec.display_name).toBe("renamed-by-hand");
    expect(refreshed.environments).toEqual(["production"]);
    expect(await provider.diff!(outs.resourceId, refreshed, inputs())).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    const repaired = (await provider.update!(outs.resourceId, refreshed, inputs())).outs as RetoolResourceOutputs;
    expect(fake.resources.get(outs.resourceId).display_name).toBe(outs.spec.display_name);
    expect(Object.keys(repaired.configurations).sort()).toEqual(["production", "staging"]);
    expect([...fake.configurations.values()].map((c) => c.options.database_options.password)).toEqual([PASSWORD, PASSWORD]);
  });

  it("update on a resource deleted in Retool says to refresh, and refresh drops it so up creates it again", async () => {
    const outs = await create();
    fake.resources.delete(outs.resourceId);
    const e = await provider.update!(outs.resourceId, outs, inputs({ secret: "rotated" })).catch((err) => err);
    expect(e.message).toBe(
      `Retool resource ${outs.resourceId} (${outs.spec.display_name}) no longer exists in Retool; run \`pulumi refresh\`, then \`pulumi up\` creates it again.`,
    );
    expect(fake.resources.size).toBe(0);
    expect(await provider.read!(outs.resourceId, outs)).toEqual({});
  });

  it("update changes only what changed", async () => {
    const outs = await create();
    let mark = fake.requests.length;
    const renamed = inputs({ spec: { ...outs.spec, display_name: "sync-db" } });
    const r1 = (await provider.update!(outs.resourceId, outs, renamed)).outs as RetoolResourceOutputs;
    const writes = () =>
      fake.requests
        .slice(mark)
        .filter((r) => r.method !== "GET")
        .map((r) => r.operation);
    expect(writes()).toEqual(["PATCH /resources/{resourceId}"]);
    expect(fake.resources.get(outs.resourceId).display_name).toBe("sync-db");

    mark = fake.requests.length;
    const r2 = (await provider.update!(outs.resourceId, r1, { ...renamed, secret: "rotated-password" })).outs as RetoolResourceOutputs;
    expect(writes()).toEqual(["PATCH /resource_configurations/{configurationId}", "PATCH /resource_configurations/{configurationId}"]);
    for (const c of fake.configurations.values()) expect(c.options.database_options.password).toBe("rotated-password");

    mark = fake.requests.length;
    await provider.update!(outs.resourceId, r2, { ...renamed, secret: "rotated-password", environments: ["production"] });
    expect(writes()).toEqual(["DELETE /resource_configurations/{configurationId}"]);
    expect(fake.configurations.size).toBe(1);
  });

  it("read reports what Retool has; a resource deleted in Retool reads as gone", async () => {
    const outs = await create();
    fake.resources.get(outs.resourceId).display_name = "renamed-by-hand";
    const read = await provider.read!(outs.resourceId, outs);
    expect(read.props.spec.display_name).toBe("renamed-by-hand");
    fake.resources.delete(outs.resourceId);
    expect(await provider.read!(outs.resourceId, outs)).toEqual({});
  });

  it("delete removes the Retool resource and tolerates one already gone", async () => {
    const outs = await create();
    const before = fake.requests.length;
    await provider.delete!(outs.resourceId, outs);
    expect(fake.resources.size).toBe(0);
    expect(fake.configurations.size).toBe(0);
    expect(fake.requests.slice(before).map((r) => r.operation)).toEqual(["DELETE /resources/{resourceId}"]);
    await provider.delete!(outs.resourceId, outs);
  });

  it("rolls back a half-made resource, so the next attempt does not hit a name conflict", async () => {
    fake.inject((r) => r.operation === "POST /resource_configurations", { status: 422, body: { success: false, message: "bad options" } });
    const e = await provider.create!(inputs()).catch((err) => err);
    expect(e.message).toMatch(/POST \/api\/v2\/resource_configurations failed with 422: bad options/);
    expect(fake.resources.size).toBe(0);
    await create();
  });

  it("says so when the rollback itself fails, naming the resource left behind", async () => {
    fake.inject((r) => r.operation === "POST /resource_configurations", { status: 422, body: { success: false, message: "bad options" } });
    fake.inject((r) => r.operation === "DELETE /resources/{resourceId}", { status: 403, body: { success: false, message: "not yours" } });
    const e = await provider.create!(inputs()).catch((err) => err);
    const [left] = [...fake.resources.keys()];
    expect(e.message).toMatch(/^Retool API POST \/api\/v2\/resource_configurations failed with 422: bad options/);
    expect(e.message).toContain(
      `Removing the half-made Retool resource ${left} ("${inputs().spec.display_name}") failed too: Retool API DELETE /api/v2/resources/${left} failed with 403: not yours`,
    );
    expect(e.message).toContain("Delete it in Retool (Resources) before the next `pulumi up`");
  });

  it("creates Retool's own API as a REST resource with a bearer token", async () => {
    const settings = settingsFor("app", { plan: "enterprise", retool: { url: "https://acme.retool.com" } });
    const outs = await create(inputs({ spec: resourceSpec(settings, "api"), secret: "users-read-token", environments: ["production"] }));
    const [config] = fake.configurations.values();
    expect(config.options).toEqual({
      base_url: "https://acme.retool.com/api/v2",
      authentication_options: { authentication_type: "bearer", bearer_token: "users-read-token" },
    });
    expect(fake.resources.get(outs.resourceId).type).toBe("restapi");
  });
});

describe("retoolResourceProvider as Pulumi's provider host runs it", () => {
  it("serializes under ts-node and creates, diffs and deletes from plain Node", async () => {
    const out = await runSerializedProvider(
      "./infra/providers/retool/retoolResourceProvider",
      "retoolResourceProvider",
      inputs(),
      `const created = await provider.create(inputs);
       const diff = await provider.diff(created.id, created.outs, inputs);
       await provider.delete(created.id, created.outs);
       return { environments: Object.keys(created.outs.configurations).sort(), changes: diff.changes };`,
    );
    expect(out).toEqual({ environments: ["production", "staging"], changes: false });
    expect(fake.resources.size).toBe(0);
    expect(fake.requests.some((r) => r.operation === "DELETE /resources/{resourceId}")).toBe(true);
  });

  it("reports Retool's refusal with its whole message, and never the token", async () => {
    const out = await runSerializedProvider(
      "./infra/providers/retool/retoolResourceProvider",
      "retoolResourceProvider",
      inputs({ apiToken: "rtk_wrong_token_value" }),
      "return provider.create(inputs);",
    );
    expect(out).toEqual({
      thrown: expect.stringMatching(/^Retool API GET \/api\/v2\/environments failed with 401: Authentication failure\. The API token was refused/),
    });
    expect(JSON.stringify(out)).not.toContain("rtk_wrong_token_value");
  });
});
