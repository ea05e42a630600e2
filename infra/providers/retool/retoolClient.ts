// The one client for Retool's REST API (v2), used by the resource provider and by backfill and
// reconcile. axios for HTTP, axios-retry for backoff (exponential with jitter, honouring
// Retry-After), Bottleneck for the client-side rate limit. Shapes from Retool's OpenAPI spec 2.12.
import type { AxiosError, AxiosInstance } from "axios";
import { RetoolApiError } from "./retoolApiError";

export interface RetoolClientOptions {
  /** The Retool origin, e.g. https://acme.retool.com (the client adds /api/v2). */
  url: string;
  token: string;
  /** Requests per minute; Retool's Terraform provider uses 45. 0 or undefined-with-0: no limit. */
  rateLimitPerMinute?: number;
  /** Retries after the first attempt, for 429, 5xx and dropped connections. */
  retries?: number;
  /** First backoff step in ms; each retry doubles it, plus up to 20% jitter. */
  retryBaseMs?: number;
  timeoutMs?: number;
  /** How to fix a bad token where this client is used, e.g. "run `pulumi config set --secret retoolApiToken <token>`". */
  tokenHint?: string;
  /** Told about each retry, for progress output. */
  onRetry?: (info: { method: string; path: string; attempt: number; reason: string }) => void;
}

export interface RetoolEnvironment {
  id: string;
  name: string;
  default: boolean;
}

export interface RetoolResource {
  id: string;
  type: string;
  display_name: string;
  folder_id?: string | null;
}

export interface RetoolResourceConfiguration {
  id: string;
  resource: { id: string };
  environment: { id: string; name: string };
}

export interface RetoolUser {
  id: string;
  email: string;
  active: boolean;
  first_name: string | null;
  last_name: string | null;
  last_active?: string | null;
  created_at?: string;
  [key: string]: unknown;
}

export interface UsersPage {
  users: RetoolUser[];
  /** The cursor that fetched this page (undefined for the first). */
  cursor?: string;
  /** The cursor for the next page; undefined on the last. */
  next?: string;
  /** Retool's total_count, when it sends one. */
  total?: number;
}

/** How list endpoints page: spec 2.12 (limit + next_token), the older usage guide (next), or none. */
type CursorParam = "next_token" | "next";

const PAGE_SIZE = 100;

export class RetoolClient {
  private readonly http: AxiosInstance;
  readonly retries: number;

  constructor(private readonly options: RetoolClientOptions) {
    // Loaded here, not at module top: a dynamic provider is serialized into Pulumi's state and
    // resolves packages from the project's node_modules when it runs.
    const axios: import("axios").AxiosStatic = require("axios");
    const axiosRetry = (require("axios-retry") as typeof import("axios-retry")).default;
    const Bottleneck: typeof import("bottleneck").default = require("bottleneck");
    this.retries = options.retries ?? 5;
    this.http = axios.create({
      baseURL: `${options.url.replace(/\/+$/, "")}/api/v2`,
      timeout: options.timeoutMs ?? 30_000,
      headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
      // Our own errors say what to do; axios' would carry the request config (and the token).
      validateStatus: () => true,
    });
    const perMinute = options.rateLimitPerMinute ?? 45;
    if (perMinute > 0) {
      const limiter = new Bottleneck({ minTime: Math.ceil(60_000 / perMinute), maxConcurrent: 1 });
      // A request interceptor, so that retries wait their turn too.
      this.http.interceptors.request.use((config) => limiter.schedule(async () => config));
    }
    // Statuses are errors again for axios-retry's sake, after validateStatus let them through.
    this.http.interceptors.response.use((response) => {
      if (response.status === 429 || response.status >= 500) {
        const error = new (axios.AxiosError)(`status ${response.status}`, undefined, response.config, response.request, response);
        return Promise.reject(error);
      }
      return response;
    });
    axiosRetry(this.http, {
      retries: this.retries,
      retryDelay: (count, error) => axiosRetry.exponentialDelay(count, error, options.retryBaseMs ?? 500),
      retryCondition: (error) => retryable(error),
      onRetry: (count, error, config) =>
        options.onRetry?.({ method: (config.method ?? "get").toUpperCase(), path: config.url ?? "", attempt: count, reason: error.response ? `status ${error.response.status}` : (error.code ?? error.message) }),
    });
  }

  /** One call; returns Retool's whole {success, data, ...} envelope (list endpoints carry paging fields beside data). */
  async request<T>(method: string, path: string, { params, body, allow404 = false }: { params?: Record<string, unknown>; body?: unknown; allow404?: boolean } = {}): Promise<T | undefined> {
    const fail = (status: number | undefined, retoolMessage: string | undefined, attempts: number) =>
      new RetoolApiError({ method, path, status, retoolMessage, attempts, tokenHint: this.options.tokenHint ?? "update the token where you configured it" });
    let response;
    try {
      response = await this.http.request({ method, url: path, params, data: body });
    } catch (e) {
      const error = e as AxiosError<{ message?: string }>;
      const attempts = this.retries + 1;
      if (error.response) throw fail(error.response.status, messageOf(error.response.data), attempts);
      throw fail(undefined, error.code ?? error.message, attempts);
    }
    if (response.status === 404 && allow404) return undefined;
    if (response.status === 204) return undefined;
    if (response.status >= 300) throw fail(response.status, messageOf(response.data), 1);
    const envelope = response.data as { success?: boolean; data?: unknown } | undefined;
    if (!envelope || typeof envelope !== "object" || !("data" in envelope)) {
      throw fail(response.status, `the response is not Retool's {success, data} envelope (got ${describeBody(response.data)})`, 1);
    }
    return envelope as T;
  }

  private async data<T>(method: string, path: string, opts: { params?: Record<string, unknown>; body?: unknown; allow404?: boolean } = {}): Promise<T | undefined> {
    const envelope = await this.request<{ data: T }>(method, path, opts);
    return envelope?.data;
  }

  async listEnvironments(): Promise<RetoolEnvironment[]> {
    return (await this.data<RetoolEnvironment[]>("GET", "/environments")) ?? [];
  }

  async createResource(spec: { type: string; display_name: string; options: unknown }): Promise<RetoolResource> {
    return (await this.data<RetoolResource>("POST", "/resources", { body: spec }))!;
  }

  async getResource(id: string): Promise<RetoolResource | undefined> {
    return this.data<RetoolResource>("GET", `/resources/${encodeURIComponent(id)}`, { allow404: true });
  }

  async renameResource(id: string, displayName: string): Promise<RetoolResource> {
    const body = { operations: [{ op: "replace", path: "/display_name", value: displayName }] };
    return (await this.data<RetoolResource>("PATCH", `/resources/${encodeURIComponent(id)}`, { body }))!;
  }

  /** One already gone is not an error. Deleting a Retool resource never touches the database it points at. */
  async deleteResource(id: string): Promise<void> {
    await this.request("DELETE", `/resources/${encodeURIComponent(id)}`, { allow404: true });
  }

  async listResourceConfigurations(resourceId: string): Promise<RetoolResourceConfiguration[]> {
    return (await this.data<RetoolResourceConfiguration[]>("GET", "/resource_configurations", { params: { resource_id: resourceId } })) ?? [];
  }

  async createResourceConfiguration(resourceId: string, environmentId: string, options: unknown): Promise<RetoolResourceConfiguration> {
    const body = { resource_id: resourceId, environment_id: environmentId, options };
    return (await this.data<RetoolResourceConfiguration>("POST", "/resource_configurations", { body }))!;
  }

  async replaceResourceConfigurationOptions(configurationId: string, options: unknown): Promise<RetoolResourceConfiguration> {
    const body = { operations: [{ op: "replace", path: "/options", value: options }] };
    return (await this.data<RetoolResourceConfiguration>("PATCH", `/resource_configurations/${encodeURIComponent(configurationId)}`, { body }))!;
  }

  async deleteResourceConfiguration(configurationId: string): Promise<void> {
    await this.request("DELETE", `/resource_configurations/${encodeURIComponent(configurationId)}`, { allow404: true });
  }

  async getUser(id: string): Promise<RetoolUser | undefined> {
    return this.data<RetoolUser>("GET", `/users/${encodeURIComponent(id)}`, { allow404: true });
  }

  /**
   * Every Retool user, a page at a time. Asks for pages of 100 with next_token (spec 2.12); follows
   * `next` when the server answers in the older form; takes the whole list when it ignores limit.
   * `from` resumes at a cursor an earlier run saved.
   */
  async *userPages(from?: string): AsyncGenerator<UsersPage> {
    let cursor = from;
    let cursorParam: CursorParam = "next_token";
    const seen = new Set<string>();
    for (;;) {
      const params: Record<string, unknown> = { limit: PAGE_SIZE };
      if (cursor) params[cursorParam] = cursor;
      const body = await this.request<{ data: RetoolUser[]; next_token?: string | null; next?: string | null; has_more?: boolean; total_count?: number }>("GET", "/users", { params });
      if (!Array.isArray(body?.data)) {
        throw new RetoolApiError({ method: "GET", path: "/users", status: 200, retoolMessage: "the users list has no data array", attempts: 1, tokenHint: "" });
      }
      let next: string | undefined;
      if (body!.next_token) next = body!.next_token;
      else if (body!.next && body!.has_more !== false) {
        next = body!.next;
        cursorParam = "next";
      }
      yield { users: body!.data, cursor, next, total: typeof body!.total_count === "number" ? body!.total_count : undefined };
      if (!next) return;
      if (seen.has(next)) throw new RetoolApiError({ method: "GET", path: "/users", status: 200, retoolMessage: `the cursor ${next} came back twice; stopping rather than looping`, attempts: 1, tokenHint: "" });
      seen.add(next);
      cursor = next;
    }
  }
}

function retryable(error: AxiosError): boolean {
  const method = (error.config?.method ?? "get").toLowerCase();
  const status = error.response?.status;
  if (status === 429) return true; // not processed: safe for any method
  // A POST that got a 5xx or lost its connection may have been applied; retrying could make a
  // second resource. GET, PATCH (replace) and DELETE are idempotent.
  if (method === "post") return !error.response && ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(error.code ?? "");
  if (status !== undefined) return status >= 500;
  return error.code !== "ERR_CANCELED";
}

function messageOf(data: unknown): string | undefined {
  if (data && typeof data === "object" && typeof (data as { message?: unknown }).message === "string") return (data as { message: string }).message;
  return typeof data === "string" && data.length > 0 ? describeBody(data) : undefined;
}

function describeBody(data: unknown): string {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return text === undefined ? "nothing" : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
