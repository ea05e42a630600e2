// The Retool API client against a local server that checks requests against Retool's spec.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeRetool, type FakeRetoolOptions, retoolUser } from "../../../../fakeRetool/fakeRetool";
import { RetoolApiError } from "../../../../infra/providers/retool/retoolApiError";
import { RetoolClient, type RetoolClientOptions } from "../../../../infra/providers/retool/retoolClient";

const TOKEN = "rtk_secret-token-value";
let fake: FakeRetool;

async function start(options: FakeRetoolOptions = {}) {
  fake = await new FakeRetool({ token: TOKEN, ...options }).start();
  return fake;
}

const client = (o: Partial<RetoolClientOptions> = {}) =>
  new RetoolClient({ url: fake.url, token: TOKEN, rateLimitPerMinute: 0, retries: 3, retryBaseMs: 1, tokenHint: "set RETOOL_API_TOKEN", ...o });

async function failure(p: Promise<unknown>): Promise<RetoolApiError> {
  const e = await p.then(
    () => undefined,
    (err) => err,
  );
  expect(e).toBeInstanceOf(RetoolApiError);
  expect((e as Error).message).not.toContain(TOKEN);
  return e as RetoolApiError;
}

afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.stop();
});

describe("RetoolClient errors", () => {
  beforeEach(() => start({ users: [retoolUser(1)] }));

  it("401 says the token was refused and how to replace it", async () => {
    const e = await failure(new RetoolClient({ url: fake.url, token: "wrong", rateLimitPerMinute: 0, tokenHint: "set RETOOL_API_TOKEN" }).listEnvironments());
    expect(e.status).toBe(401);
    expect(e.message).toMatch(
      /GET \/api\/v2\/environments failed with 401: Authentication failure\. The API token was refused.*Settings > API, then set RETOOL_API_TOKEN/,
    );
  });

  it("403 names the missing scope from Retool's message", async () => {
    await fake.stop();
    await start({ scopes: ["resources:write"] });
    const e = await failure(client().listEnvironments());
    expect(e.message).toMatch(/GET \/api\/v2\/environments failed with 403.*missing the scope environments:read\. Add it to the token/);
  });

  it.each([
    ["GET /users/{userId}", (c: RetoolClient) => c.getUser("user_1"), "users:read"],
    ["GET /resource_configurations", (c: RetoolClient) => c.listResourceConfigurations("r1"), "resource_configurations:read"],
    ["PATCH /resources/{resourceId}", (c: RetoolClient) => c.renameResource("r1", "x"), "resources:write"],
    ["DELETE /resource_configurations/{configurationId}", (c: RetoolClient) => c.deleteResourceConfiguration("c1"), "resource_configurations:write"],
  ])("a 403 that names no scope still says which one %s needs", async (operation, call, scope) => {
    fake.inject((r) => r.operation === operation, { status: 403, body: { success: false, message: "Forbidden" } });
    const e = await failure(call(client()));
    expect(e.message).toContain(`failed with 403: Forbidden.`);
    expect(e.message).toContain(`missing the scope ${scope}. Add it to the token`);
  });

  it("a success that carries no object is an error, not an undefined resource", async () => {
    fake.inject((r) => r.operation === "POST /resources", { status: 200, body: { success: true, data: null } });
    const e = await client()
      .createResource({ type: "postgresql", display_name: "x", options: { database_options: { host: "h", port: "5432" } } })
      .catch((err) => err);
    expect(e.message).toBe("Retool API POST /api/v2/resources succeeded but its answer carries no data; check that retool.url points at Retool.");
  });

  it.each([
    [404, /Retool has no such object/],
    [409, /conflicts with something Retool already has.*retool\.resources\.<page\|trusted\|api>\.name/],
    [422, /did not accept the request's content/],
  ])("%s names the endpoint and what to do, without retrying", async (status, advice) => {
    fake.inject((r) => r.operation === "POST /resources", { status, body: { success: false, message: `Retool says ${status}` } });
    const before = fake.requests.length;
    const e = await failure(client().createResource({ type: "postgresql", display_name: "x", options: { database_options: { host: "h", port: "5432" } } }));
    expect(e.message).toContain(`POST /api/v2/resources failed with ${status}: Retool says ${status}.`);
    expect(e.message).toMatch(advice);
    expect(fake.requests.length - before).toBe(1);
  });

  it("retries 429 and 500 a bounded number of times, then says so", async () => {
    fake.inject(() => true, { status: 429 }, 10);
    const e429 = await failure(client().listEnvironments());
    expect(e429.message).toMatch(/failed with 429.*rate-limiting after 4 attempts.*rateLimitPerMinute/);
    expect(fake.requests).toHaveLength(4);
    fake.faults.length = 0;
    fake.inject(() => true, { status: 500 }, 10);
    const e500 = await failure(client().getUser("user_1"));
    expect(e500.message).toMatch(/GET \/api\/v2\/users\/user_1 failed with 500.*server error after 4 attempts/);
    expect(fake.requests).toHaveLength(8);
  });

  it("recovers when the retries outlast the fault, and honours Retry-After", async () => {
    fake.inject(() => true, { status: 429, headers: { "retry-after": "1" } });
    fake.inject(() => true, { status: 503 });
    const started = Date.now();
    const retries: string[] = [];
    const envs = await client({ onRetry: (i) => retries.push(i.reason) }).listEnvironments();
    expect(envs.map((e) => e.name)).toEqual(["production", "staging"]);
    expect(retries).toEqual(["status 429", "status 503"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("does not retry a POST that failed on the server (it may have been applied)", async () => {
    fake.inject(() => true, { status: 500 }, 3);
    await failure(client().createResource({ type: "postgresql", display_name: "x", options: { database_options: { host: "h", port: "5432" } } }));
    expect(fake.requests).toHaveLength(1);
  });

  it("retries a dropped connection on a GET", async () => {
    fake.inject(() => true, { drop: true });
    expect(await client().getUser(retoolUser(1).id)).toMatchObject({ email: "user1@example.com" });
    expect(fake.requests).toHaveLength(2);
  });

  it("reports a body that is not Retool's envelope", async () => {
    fake.inject(() => true, { malformed: true });
    const e = await failure(client().listEnvironments());
    expect(e.message).toMatch(/not Retool's \{success, data\} envelope/);
  });

  it("spaces requests to the rate limit", async () => {
    const api = client({ rateLimitPerMinute: 600 }); // one per 100 ms
    const started = Date.now();
    await Promise.all([api.listEnvironments(), api.listEnvironments(), api.listEnvironments(), api.listEnvironments()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("RetoolClient.userPages", () => {
  const users = Array.from({ length: 250 }, (_, i) => retoolUser(i + 1));
  const collect = async (api: RetoolClient, from?: string) => {
    const pages = [];
    for await (const p of api.userPages(from)) pages.push(p);
    return pages;
  };

  it("pages with limit=100 and next_token (spec 2.12)", async () => {
    await start({ users });
    const pages = await collect(client());
    expect(pages.map((p) => p.users.length)).toEqual([100, 100, 50]);
    expect(fake.requests.map((r) => r.query.limit)).toEqual(["100", "100", "100"]);
    expect(fake.requests[1].query.next_token).toBe(pages[0].next);
    // Resuming at a saved cursor fetches only the rest.
    const rest = await collect(client(), pages[1].cursor);
    expect(rest.flatMap((p) => p.users).map((u) => u.id)).toEqual(users.slice(100).map((u) => u.id));
  });

  it("follows the older next / has_more form", async () => {
    await start({ users, pagination: "legacy" });
    const pages = await collect(client());
    expect(pages.flatMap((p) => p.users)).toHaveLength(250);
    expect(fake.requests.slice(1).every((r) => r.query.next !== undefined)).toBe(true);
  });

  it("takes the whole list from a server that ignores limit", async () => {
    await start({ users, pagination: "all" });
    const pages = await collect(client());
    expect(pages).toHaveLength(1);
    expect(pages[0].users).toHaveLength(250);
  });
});
