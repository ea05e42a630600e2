// The Retool client against a server that does not play fair: each bound ends the call within it,
// with a clear error, and no message carries the token.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RetoolApiError } from "../../../../infra/providers/retool/retoolApiError";
import { RetoolClient, type RetoolClientOptions, RetoolStopped } from "../../../../infra/providers/retool/retoolClient";
import { until } from "../../../support/until";

const TOKEN = "rtk_hostile_test_token_value";
const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const client = (url: string, o: Partial<RetoolClientOptions> = {}) =>
  new RetoolClient({ url, token: TOKEN, rateLimitPerMinute: 0, retries: 1, retryBaseMs: 1, ...o });

/** Runs the call, expecting it to fail; returns the error and how long it took. */
async function failing(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e) => e as Error,
  );
  expect(error.message).not.toContain(TOKEN);
  return { error, ms: Date.now() - started };
}

const pages = async (api: RetoolClient) => {
  const seen = [];
  for await (const p of api.userPages()) seen.push(p);
  return seen;
};

describe("RetoolClient against a hostile server", () => {
  // With a stop signal too, as backfill and reconcile run it: an attempt's deadline joined to
  // another signal must still fire.
  it.each([
    ["alone", undefined],
    ["beside a stop signal", new AbortController().signal],
  ])("gives up on a server that drips one byte at a time, at the deadline of each whole attempt (%s)", async (_how, signal) => {
    const { url, hits } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const drip = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(drip));
    });
    const { error, ms } = await failing(() => client(url, { timeoutMs: 700, signal }).listEnvironments());
    expect(error).toBeInstanceOf(RetoolApiError);
    expect(error.message).toMatch(/GET \/api\/v2\/environments got no usable answer: no whole answer within 700 ms\. No whole answer after 2 attempts/);
    expect(hits()).toBe(2);
    expect(ms).toBeLessThan(4000);
  });

  it("stops reading an endless body at the size limit", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk)) {
          /* keep the socket full */
        }
      };
      res.on("drain", pump);
      pump();
    });
    const before = process.memoryUsage().rss;
    const { error, ms } = await failing(() => client(url, { maxResponseBytes: 2 * 1024 * 1024 }).listEnvironments());
    expect(error.message).toMatch(/the answer was larger than 2097152 bytes, so it was cut off/);
    expect(ms).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("stops when the pages run past what total_count implies", async () => {
    let n = 0;
    const { url, hits } = await serve((_req, res) => {
      n++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, data: [], total_count: 250, next_token: `cursor-${n}`, has_more: true }));
    });
    const { error } = await failing(() => pages(client(url)));
    expect(error.message).toMatch(/its total_count of 250 users fills at most 3; stopping rather than reading without end/);
    expect(hits()).toBe(4);
  });

  it("stops at maxPages when the server sends cursors and no total_count", async () => {
    let n = 0;
    const { url, hits } = await serve((_req, res) => {
      n++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, data: [], next_token: `cursor-${n}` }));
    });
    const { error } = await failing(() => pages(client(url, { maxPages: 5 })));
    expect(error.message).toMatch(/kept sending cursors past 5 pages \(maxPages, and no total_count\)/);
    expect(hits()).toBe(5);
  });

  it("stops at maxPages whatever total_count says, a total of 1e15 and an always-new cursor included", async () => {
    let n = 0;
    const { url, hits } = await serve((_req, res) => {
      n++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, data: [], total_count: 1e15, next_token: `cursor-${n}` }));
    });
    const { error } = await failing(() => pages(client(url, { maxPages: 20 })));
    expect(error.message).toMatch(/kept sending cursors past 20 pages \(maxPages, whatever its total_count of 1000000000000000 says\)/);
    expect(hits()).toBe(20);
  });

  it("ends the whole call at its deadline, retries included, however the server drips", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const drip = setInterval(() => res.write(" "), 200);
      res.on("close", () => clearInterval(drip));
    });
    // Each attempt alone would be allowed 10 s, and there are three of them.
    const { error, ms } = await failing(() => client(url, { timeoutMs: 10_000, retries: 2, callTimeoutMs: 800 }).listEnvironments());
    expect(error.message).toMatch(/no answer within the call's deadline of 800 ms, retries included/);
    expect(ms).toBeLessThan(2_000);
  });

  it.each([20, 41, 42, 300])("never shows a %s-character token echoed without Bearer, in any run of 12 of its characters", async (length) => {
    const token = Array.from({ length }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36]).join("");
    const runs = Array.from({ length: length - 11 }, (_, i) => token.slice(i, i + 12));
    const shapes: [number, (t: string) => string, string][] = [
      // Retool's envelope, the token placed where a 300-character cut falls inside it.
      [401, (t) => JSON.stringify({ success: false, message: `${"x".repeat(280)} token=${t} rest` }), "application/json"],
      [500, (t) => JSON.stringify({ success: false, message: `the token ${t} is not valid` }), "application/json"],
      // Plain text, cut at 120 characters for the message.
      [502, (t) => `${"y".repeat(100)}${t}${"z".repeat(100)}`, "text/plain"],
      // Not Retool's envelope at all.
      [200, (t) => JSON.stringify({ echoed: `${"w".repeat(90)}${t}` }), "application/json"],
    ];
    for (const [status, body, type] of shapes) {
      const { url } = await serve((_req, res) => {
        res.writeHead(status, { "content-type": type });
        res.end(body(token));
      });
      const { error } = await failing(() => new RetoolClient({ url, token, rateLimitPerMinute: 0, retries: 0 }).listEnvironments());
      const printed = runs.filter((r) => error.message.includes(r));
      expect(printed, `${status}: ${error.message}`).toEqual([]);
    }
  });

  it("never shows the token, even when the server echoes the Authorization header", async () => {
    for (const status of [401, 500, 400]) {
      const { url } = await serve((req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ success: false, message: `bad header: ${req.headers.authorization} (token ${TOKEN})` }));
      });
      const { error } = await failing(() => client(url).listEnvironments());
      expect(error.message).toContain(`failed with ${status}: bad header: Bearer [redacted] (token [redacted])`);
    }
  });

  it("follows no redirect, so the token never reaches another origin", async () => {
    const elsewhere = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: true, data: [{ id: "user_evil", email: "evil@example.com" }] }));
    });
    const { url } = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/api/v2/users` });
      res.end();
    });
    const { error } = await failing(() => pages(client(url)));
    expect(error.message).toMatch(
      /failed with 302: Retool answered with a redirect to http:\/\/127\.0\.0\.1:\d+\/api\/v2\/users, which this client never follows/,
    );
    expect(elsewhere.hits()).toBe(0);
  });

  it("aborts the request in flight when its stop signal fires", async () => {
    const { url, hits } = await serve(() => {
      /* never answers */
    });
    const stop = new AbortController();
    const { error, ms } = await failing(async () => {
      const call = client(url, { signal: stop.signal, timeoutMs: 30_000 }).listEnvironments();
      await until("the request to reach the server", () => hits() > 0);
      stop.abort();
      return call;
    });
    expect(error).toBeInstanceOf(RetoolStopped);
    expect(ms).toBeLessThan(2000);
  });

  it("says how many attempts were really made", async () => {
    let n = 0;
    const { url } = await serve((_req, res) => {
      n++;
      // A 500, then a 404 the client does not retry: two attempts, not retries + 1.
      res.writeHead(n === 1 ? 500 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: false, message: n === 1 ? "boom" : "gone" }));
    });
    const { error } = await failing(() => client(url, { retries: 4 }).listEnvironments());
    expect((error as RetoolApiError).details.attempts).toBe(2);
    expect(error.message).toMatch(/failed with 404: gone/);
  });
});
