// A local stand-in for Retool's REST API (v2). It checks every request against the endpoints'
// schemas copied from Retool's OpenAPI spec (retoolApiSpec.json), answers in Retool's
// {success, data} envelope, keeps connection options write-only, and injects faults on demand.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import spec from "./retoolApiSpec.json";

type Json = any;
interface Operation {
  parameters: { name: string; in: string; required: boolean; schema: Json }[];
  requestBody: Json;
  successStatus: number;
  response: Json;
}
const OPERATIONS = (spec as { operations: Record<string, Operation> }).operations;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Json;
  operation?: string;
}

export type Fault = { status: number; body?: Json; headers?: Record<string, string> } | { drop: true } | { malformed: true };

/**
 * The scope each operation needs, written out by hand (Retool's spec has no per-operation scopes;
 * the names are the token scopes of Retool's Terraform provider docs), so the client's own rule
 * for naming a missing scope is checked against something it did not produce.
 */
const SCOPES: Record<string, string> = {
  "GET /users": "users:read",
  "GET /users/{userId}": "users:read",
  "GET /environments": "environments:read",
  "GET /resources": "resources:read",
  "GET /resources/{resourceId}": "resources:read",
  "POST /resources": "resources:write",
  "PATCH /resources/{resourceId}": "resources:write",
  "DELETE /resources/{resourceId}": "resources:write",
  "GET /resource_configurations": "resource_configurations:read",
  "GET /resource_configurations/{configurationId}": "resource_configurations:read",
  "POST /resource_configurations": "resource_configurations:write",
  "PATCH /resource_configurations/{configurationId}": "resource_configurations:write",
  "DELETE /resource_configurations/{configurationId}": "resource_configurations:write",
};

/**
 * The smallest API tier with each operation, written out by hand from Retool's API docs
 * (docs.retool.com/api, "Access scope" and each endpoint page's banner), so the project's own tier
 * rules are checked against something they did not produce.
 */
const TIER_OF: Record<string, "business" | "enterprise-base" | "enterprise-premium"> = {
  "POST /users/{userId}/user_attributes": "business",
};
const TIER_ORDER = ["business", "enterprise-base", "enterprise-premium"];

export interface FakeRetoolOptions {
  token?: string;
  /** Answer as an org on this API tier does: 403 for every endpoint outside it. Default: Enterprise Premium. */
  tier?: "business" | "enterprise-base" | "enterprise-premium";
  /** Scopes the token has; a call needing another gets Retool's 403. Default: all. */
  scopes?: string[];
  users?: Json[];
  /** spec: limit + next_token; legacy: ignores limit's cursor name and answers with next/has_more; all: ignores limit. */
  pagination?: "spec" | "legacy" | "all";
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

/** OpenAPI 3.0's `nullable` in JSON Schema terms: a "null" type, or nothing when any value goes. */
function jsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) if (k !== "nullable" && k !== "example") out[k] = jsonSchema(v);
  if (schema.nullable === true) {
    if (typeof schema.type === "string") out.type = [schema.type, "null"];
    if (out.enum) out.enum = [...out.enum, null];
  }
  return out;
}

function validator(schema: Json) {
  return schema ? ajv.compile(jsonSchema(schema)) : undefined;
}
const compiled = new Map<string, { body?: ReturnType<typeof validator>; response?: ReturnType<typeof validator> }>();
for (const [key, op] of Object.entries(OPERATIONS)) compiled.set(key, { body: validator(op.requestBody), response: validator(op.response) });

function matchOperation(method: string, path: string): { key: string; params: Record<string, string> } | undefined {
  for (const key of Object.keys(OPERATIONS)) {
    const [m, template] = key.split(" ");
    if (m !== method) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${template.replace(/\{(\w+)\}/g, (_, n) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    const hit = re.exec(path);
    if (hit) return { key, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(hit[i + 1])])) };
  }
  return undefined;
}

const now = () => new Date().toISOString();
let counter = 0;
const uuid = () => {
  const n = (++counter).toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${n}`;
};

/** Strips the write-only secrets Retool never returns. */
function readable(options: Json): Json {
  const copy = JSON.parse(JSON.stringify(options ?? {}));
  if (copy.database_options) delete copy.database_options.password;
  if (copy.authentication_options) delete copy.authentication_options.bearer_token;
  return copy;
}

export class FakeRetool {
  readonly requests: RecordedRequest[] = [];
  /** Requests or responses that do not match the spec: a test expects this to stay empty. */
  readonly violations: string[] = [];
  readonly faults: { match: (r: RecordedRequest) => boolean; fault: Fault }[] = [];
  readonly environments = [
    { id: uuid(), name: "production", description: null, color: "#3C92DC", default: true, created_at: now(), updated_at: now() },
    { id: uuid(), name: "staging", description: "Staging", color: "#E9AB11", default: false, created_at: now(), updated_at: now() },
  ];
  readonly resources = new Map<string, Json>();
  /** Everything Retool stored, secrets included (what the tests check was sent). */
  readonly configurations = new Map<string, { resource_id: string; environment_id: string; options: Json; created_at: string; updated_at: string }>();
  users: Json[];
  private server?: http.Server;
  url = "";

  constructor(private readonly options: FakeRetoolOptions = {}) {
    this.users = options.users ?? [];
  }

  /** The next request matching `match` gets `fault` instead of an answer (once per call). */
  inject(match: (r: RecordedRequest) => boolean, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ match, fault });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const path = url.pathname.replace(/^\/api\/v2/, "");
      const body = raw ? JSON.parse(raw) : undefined;
      const record: RecordedRequest = { method: req.method ?? "GET", path, query: Object.fromEntries(url.searchParams), body };
      const op = matchOperation(record.method, path);
      record.operation = op?.key;
      this.requests.push(record);
      const send = (status: number, payload?: Json, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      const fail = (status: number, message: string) => send(status, { success: false, message });

      const faultAt = this.faults.findIndex((f) => f.match(record));
      if (faultAt >= 0) {
        const [{ fault }] = this.faults.splice(faultAt, 1);
        if ("drop" in fault) return void req.socket.destroy();
        if ("malformed" in fault) {
          res.writeHead(200, { "content-type": "application/json" });
          return void res.end('{"success": true, "data": [');
        }
        return send(fault.status, fault.body ?? { success: false, message: `injected ${fault.status}` }, fault.headers);
      }
      if (req.headers.authorization !== `Bearer ${this.options.token ?? "test-token"}`) return fail(401, "Authentication failure");
      if (!op) {
        this.violations.push(`${record.method} ${path}: not an endpoint of the spec subset`);
        return fail(404, "Not found");
      }
      const needs = TIER_OF[op.key] ?? "enterprise-premium";
      if (TIER_ORDER.indexOf(needs) > TIER_ORDER.indexOf(this.options.tier ?? "enterprise-premium")) {
        return fail(403, "Your organization's plan does not include access to this API endpoint.");
      }
      const scope = SCOPES[op.key];
      if (!scope) this.violations.push(`${op.key}: the fake does not know which scope it needs`);
      else if (this.options.scopes && !this.options.scopes.includes(scope) && !this.options.scopes.includes(scope.replace(":read", ":write"))) {
        return fail(403, `Forbidden: API token is missing scope "${scope}"`);
      }
      this.checkRequest(op.key, record);
      const answer = this.answer(op.key, op.params, record);
      // The older form predates spec 2.12, so its list answer is not held to it.
      const olderForm = this.options.pagination === "legacy" && op.key === "GET /users";
      if (answer.status < 300 && answer.payload !== undefined && !olderForm) {
        const check = compiled.get(op.key)!.response;
        if (check && !check(answer.payload)) this.violations.push(`${op.key} response: ${ajv.errorsText(check.errors)}`);
      }
      send(answer.status, answer.payload);
    });
  }

  private checkRequest(key: string, r: RecordedRequest): void {
    const op = OPERATIONS[key];
    for (const p of op.parameters.filter((x) => x.in === "query")) {
      const value = r.query[p.name];
      if (value === undefined) {
        if (p.required) this.violations.push(`${key}: missing query parameter ${p.name}`);
        continue;
      }
      const typed = p.schema.type === "integer" ? Number(value) : p.schema.type === "boolean" ? value === "true" : value;
      const check = ajv.compile(jsonSchema(p.schema));
      if (!check(typed)) this.violations.push(`${key}: query ${p.name}=${value}: ${ajv.errorsText(check.errors)}`);
    }
    const known = new Set(op.parameters.filter((x) => x.in === "query").map((x) => x.name));
    // The older usage guide's cursor is not in spec 2.12: allowed only when serving that form.
    if (this.options.pagination === "legacy") known.add("next");
    for (const name of Object.keys(r.query)) if (!known.has(name)) this.violations.push(`${key}: unknown query parameter ${name}`);
    const check = compiled.get(key)!.body;
    if (check && !check(r.body)) this.violations.push(`${key} body: ${ajv.errorsText(check.errors)}`);
    if (!check && r.body !== undefined) this.violations.push(`${key}: sends a body the spec does not take`);
  }

  private resourceView(id: string) {
    const r = this.resources.get(id);
    return { id, type: r.type, display_name: r.display_name, folder_id: null, protected: false, created_at: r.created_at, updated_at: r.updated_at };
  }

  private configurationView(id: string) {
    const c = this.configurations.get(id)!;
    const env = this.environments.find((e) => e.id === c.environment_id)!;
    return {
      id,
      resource: this.resourceView(c.resource_id),
      environment: env,
      options: readable(c.options),
      created_at: c.created_at,
      updated_at: c.updated_at,
    };
  }

  private answer(key: string, params: Record<string, string>, r: RecordedRequest): { status: number; payload?: Json } {
    const ok = (data: Json) => ({ status: 200, payload: { success: true, data } });
    const list = (data: Json[]) => ({ status: 200, payload: { success: true, data, total_count: data.length, next_token: null, has_more: false } });
    const missing = (what: string) => ({ status: 404, payload: { success: false, message: `${what} not found` } });
    switch (key) {
      case "GET /environments":
        return list(this.environments);
      case "POST /resources": {
        if ([...this.resources.values()].some((x) => x.display_name === r.body.display_name)) {
          return { status: 409, payload: { success: false, message: `Resource with name "${r.body.display_name}" already exists` } };
        }
        const id = uuid();
        this.resources.set(id, { type: r.body.type, display_name: r.body.display_name, created_at: now(), updated_at: now() });
        // Creating a resource configures it for the default environment (v1 reference).
        const env = this.environments.find((e) => e.default)!;
        this.configurations.set(uuid(), { resource_id: id, environment_id: env.id, options: r.body.options, created_at: now(), updated_at: now() });
        return ok(this.resourceView(id));
      }
      case "GET /resources/{resourceId}":
        return this.resources.has(params.resourceId) ? ok(this.resourceView(params.resourceId)) : missing("Resource");
      case "PATCH /resources/{resourceId}": {
        const res = this.resources.get(params.resourceId);
        if (!res) return missing("Resource");
        for (const o of r.body.operations) if (o.path === "/display_name") res.display_name = o.value;
        res.updated_at = now();
        return ok(this.resourceView(params.resourceId));
      }
      case "DELETE /resources/{resourceId}": {
        if (!this.resources.delete(params.resourceId)) return missing("Resource");
        for (const [id, c] of this.configurations) if (c.resource_id === params.resourceId) this.configurations.delete(id);
        return { status: 204 };
      }
      case "GET /resource_configurations": {
        const ids = [...this.configurations.entries()].filter(([, c]) => !r.query.resource_id || c.resource_id === r.query.resource_id).map(([id]) => id);
        return list(ids.map((id) => this.configurationView(id)));
      }
      case "POST /resource_configurations": {
        if (!this.resources.has(r.body.resource_id)) return missing("Resource");
        if (!this.environments.some((e) => e.id === r.body.environment_id)) {
          return { status: 400, payload: { success: false, message: `Environment with id "${r.body.environment_id}" does not exist` } };
        }
        const id = uuid();
        this.configurations.set(id, {
          resource_id: r.body.resource_id,
          environment_id: r.body.environment_id,
          options: r.body.options,
          created_at: now(),
          updated_at: now(),
        });
        return ok(this.configurationView(id));
      }
      case "PATCH /resource_configurations/{configurationId}": {
        const c = this.configurations.get(params.configurationId);
        if (!c) return missing("Resource configuration");
        for (const o of r.body.operations) if (o.path === "/options") c.options = o.value;
        c.updated_at = now();
        return ok(this.configurationView(params.configurationId));
      }
      case "DELETE /resource_configurations/{configurationId}":
        return this.configurations.delete(params.configurationId) ? { status: 204 } : missing("Resource configuration");
      case "GET /users/{userId}": {
        const u = this.users.find((x) => x.id === params.userId);
        return u ? ok(u) : missing("User");
      }
      case "GET /users":
        return this.usersPage(r.query);
    }
    return { status: 500, payload: { success: false, message: "unhandled" } };
  }

  private usersPage(q: Record<string, string>): { status: number; payload: Json } {
    let users = this.users;
    if (q.email) users = users.filter((u) => u.email.toLowerCase() === q.email.toLowerCase());
    const mode = this.options.pagination ?? "spec";
    if (mode === "all" || !q.limit)
      return { status: 200, payload: { success: true, data: users, total_count: users.length, next_token: null, has_more: false } };
    const limit = Number(q.limit);
    const cursor = mode === "spec" ? q.next_token : q.next;
    const start = cursor ? Number(Buffer.from(cursor, "base64url").toString()) : 0;
    const page = users.slice(start, start + limit);
    const more = start + limit < users.length;
    const token = more ? Buffer.from(String(start + limit)).toString("base64url") : null;
    const payload =
      mode === "spec"
        ? { success: true, data: page, total_count: users.length, next_token: token, has_more: more }
        : { success: true, data: page, total_count: users.length, next: token, has_more: more };
    return { status: 200, payload };
  }
}

/** A Retool user as the spec describes it (every field present). */
export function retoolUser(n: number, overrides: Json = {}): Json {
  return {
    id: `user_${n.toString(16).padStart(32, "0")}`,
    legacy_id: n,
    email: `user${n}@example.com`,
    active: true,
    created_at: "2025-01-01T00:00:00.000Z",
    last_active: null,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    metadata: {},
    is_admin: false,
    user_type: "default",
    two_factor_auth_enabled: false,
    ...overrides,
  };
}
