// The one client for Retool's REST API (v2), used by the resource provider and by backfill and
// reconcile. axios for HTTP, axios-retry for backoff (exponential with jitter, honouring
// Retry-After), Bottleneck for the client-side rate limit. Shapes from Retool's OpenAPI spec 2.12.
//
// The server is not trusted to end anything by itself: each attempt has a deadline for the whole
// exchange (not only for idle time), each answer a size limit, a user list a page limit, and no
// redirect is followed. The caller's stop signal aborts the request in flight. No message ever
// carries the token, even when the server echoes it back.
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from "axios";
import type { ApiTier } from "../../domain/retoolApi";
import { RetoolApiError, redactor } from "./retoolApiError";
import { checkRetoolUsers, type RejectedUser, type RetoolUser } from "./retoolUsers";

export interface RetoolClientOptions {
  /** The Retool origin, e.g. https://acme.retool.com (the client adds /api/v2). */
  url: string;
  token: string;
  /** Requests per minute; Retool's Terraform provider uses 45. 0: no limit. */
  rateLimitPerMinute?: number;
  /** Retries after the first attempt, for 429, 5xx, deadlines and dropped connections. */
  retries?: number;
  /** First backoff step in ms; each retry doubles it, plus up to 20% jitter. */
  retryBaseMs?: number;
  /** Deadline of one attempt, from sending the request to the last byte of the answer. */
  timeoutMs?: number;
  /** Deadline of a whole call, its retries and their backoff included. */
  callTimeoutMs?: number;
  /** Largest answer taken, in bytes. */
  maxResponseBytes?: number;
  /** Most pages of users read, whatever total_count says (it bounds the run further when smaller). */
  maxPages?: number;
  /** Aborting it aborts the request in flight; the call then throws RetoolStopped. */
  signal?: AbortSignal;
  /** How to fix a bad token where this client is used, e.g. "run `pulumi config set --secret retoolApiToken <token>`". */
  tokenHint?: string;
  /** The org's Retool API tier, when known: a 403 for an endpoint outside it then says so. */
  apiTier?: ApiTier;
  /** Told about each retry, for progress output. */
  onRetry?: (info: { method: string; path: string; attempt: number; reason: string }) => void;
}

/** The caller's stop signal ended the call. */
export class RetoolStopped extends Error {
  constructor(readonly endpoint: string) {
    const message = `Stopped on request during ${endpoint}.`;
    super(message);
    // Set again: in a dynamic provider, Pulumi's closure serializer turns super() into
    // Error.call(this, ...), which sets no message on `this`.
    this.message = message;
    this.name = "RetoolStopped";
  }
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

export type { RejectedUser, RetoolUser };

export interface UsersPage {
  users: RetoolUser[];
  /** Records of the page that were not passed on (see retoolUsers.ts). */
  rejected: RejectedUser[];
  /** How many records the page had. */
  records: number;
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
// Module-local on purpose: an exported const would compile to `exports.X`, which Pulumi's
// closure serializer does not carry into a dynamic provider.
const DEFAULTS = { retries: 5, retryBaseMs: 500, timeoutMs: 30_000, callTimeoutMs: 120_000, maxResponseBytes: 10 * 1024 * 1024, maxPages: 10_000 } as const;

/** The whole call's signal rides on the request config, so each attempt can join it to its own deadline. */
type CallConfig = InternalAxiosRequestConfig & { callSignal?: AbortSignal };

/**
 * One attempt's signal: aborted at its deadline (reason TimeoutError), or when the whole call's
 * deadline or the caller's stop fires. Built from a controller and a timer rather than
 * AbortSignal.timeout and AbortSignal.any: AbortSignal.any holds its sources weakly, so a timeout
 * signal nothing else refers to can be collected before it fires, and the attempt then has no
 * deadline at all. The timer holds this controller until it fires; unref'd, it keeps no process
 * alive once the work is done.
 */
function attemptSignal(timeoutMs: number, parents: (AbortSignal | undefined)[]): AbortSignal {
  const attempt = new AbortController();
  const timer = setTimeout(() => attempt.abort(new DOMException(`no whole answer within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  timer.unref();
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) attempt.abort(parent.reason);
    else parent.addEventListener("abort", () => attempt.abort(parent.reason), { once: true });
  }
  attempt.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  return attempt.signal;
}

/** Why an attempt's signal fired: the deadline (retryable) or the caller's stop (final). */
const deadlineHit = (error: AxiosError) => error.code === "ERR_CANCELED" && (error.config?.signal as AbortSignal | undefined)?.reason?.name === "TimeoutError";

export class RetoolClient {
  private readonly http: AxiosInstance;
  private readonly o: Required<Pick<RetoolClientOptions, keyof typeof DEFAULTS>> & RetoolClientOptions;
  private readonly redact: (text: string) => string;

  constructor(options: RetoolClientOptions) {
    // Loaded here, not at module top: a dynamic provider is serialized into Pulumi's state and
    // resolves packages from the project's node_modules when it runs.
    const axios: import("axios").AxiosStatic = require("axios");
    const axiosRetry = (require("axios-retry") as typeof import("axios-retry")).default;
    const Bottleneck: typeof import("bottleneck").default = require("bottleneck");
    this.o = { ...DEFAULTS, ...options };
    this.redact = redactor(options.token);
    const o = this.o;
    this.http = axios.create({
      baseURL: `${options.url.replace(/\/+$/, "")}/api/v2`,
      timeout: o.timeoutMs,
      maxContentLength: o.maxResponseBytes,
      maxBodyLength: o.maxResponseBytes,
      // A redirect could carry the request, and the token, to another origin; none is followed.
      maxRedirects: 0,
      headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
      // Our own errors say what to do; axios' would carry the request config (and the token).
      validateStatus: () => true,
    });
    const perMinute = options.rateLimitPerMinute ?? 45;
    const limiter = perMinute > 0 ? new Bottleneck({ minTime: Math.ceil(60_000 / perMinute), maxConcurrent: 1 }) : undefined;
    // Per attempt (retries pass through here again): wait for the rate limit, then start the
    // attempt's deadline, tied to the caller's stop signal.
    this.http.interceptors.request.use(async (config: CallConfig) => {
      if (limiter) await limiter.schedule(async () => undefined);
      config.signal = attemptSignal(o.timeoutMs, [config.callSignal, o.signal]);
      return config;
    });
    // Statuses are errors again for axios-retry's sake, after validateStatus let them through.
    this.http.interceptors.response.use((response) => {
      if (response.status === 429 || response.status >= 500) {
        return Promise.reject(new axios.AxiosError(`status ${response.status}`, undefined, response.config, response.request, response));
      }
      return response;
    });
    axiosRetry(this.http, {
      retries: o.retries,
      // Each attempt gets a whole deadline of its own (the request interceptor above).
      shouldResetTimeout: true,
      retryDelay: (count, error) => axiosRetry.exponentialDelay(count, error, o.retryBaseMs),
      retryCondition: (error) => !o.signal?.aborted && retryable(error),
      onRetry: (count, error, config) =>
        options.onRetry?.({ method: (config.method ?? "get").toUpperCase(), path: config.url ?? "", attempt: count + 1, reason: this.reasonOf(error) }),
    });
  }

  private reasonOf(error: AxiosError): string {
    if (error.response) return `status ${error.response.status}`;
    if (deadlineHit(error)) return `no whole answer within ${this.o.timeoutMs} ms`;
    return this.redact(error.code ?? error.message);
  }

  /** One call; returns Retool's whole {success, data, ...} envelope (list endpoints carry paging fields beside data). */
  async request<T>(
    method: string,
    path: string,
    { params, body, allow404 = false }: { params?: Record<string, unknown>; body?: unknown; allow404?: boolean } = {},
  ): Promise<T | undefined> {
    const fail = (status: number | undefined, retoolMessage: string | undefined, attempts: number) =>
      new RetoolApiError({
        method,
        path,
        status,
        retoolMessage: retoolMessage && this.redact(retoolMessage),
        attempts,
        tokenHint: this.o.tokenHint ?? "update the token where you configured it",
        apiTier: this.o.apiTier,
      });
    if (this.o.signal?.aborted) throw new RetoolStopped(`${method} /api/v2${path}`);
    // The whole call's deadline: it aborts the attempt in flight and any retry after it, and the
    // call returns then even if the HTTP library were still waiting on a socket.
    const call = new AbortController();
    const overdueMessage = `no answer within the call's deadline of ${this.o.callTimeoutMs} ms, retries included`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const overdue = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        call.abort(new Error("call deadline"));
        reject(fail(undefined, overdueMessage, 1));
      }, this.o.callTimeoutMs);
    });
    overdue.catch(() => undefined);
    let response: AxiosResponse;
    try {
      const config: Partial<CallConfig> = { method, url: path, params, data: body, callSignal: call.signal };
      response = await Promise.race([this.http.request(config), overdue]);
    } catch (e) {
      if (e instanceof RetoolApiError) throw e;
      const error = e as AxiosError<unknown>;
      if (this.o.signal?.aborted) throw new RetoolStopped(`${method} /api/v2${path}`);
      const attempts = attemptsOf(error.config);
      if (call.signal.aborted) throw fail(undefined, overdueMessage, attempts);
      if (error.response) throw fail(error.response.status, messageOf(error.response.data, this.redact), attempts);
      if (error.code === "ERR_BAD_RESPONSE" && /maxContentLength/.test(error.message)) {
        throw fail(undefined, `the answer was larger than ${this.o.maxResponseBytes} bytes, so it was cut off`, attempts);
      }
      throw fail(undefined, this.reasonOf(error), attempts);
    } finally {
      clearTimeout(timer);
    }
    const attempts = attemptsOf(response.config);
    if (response.status === 404 && allow404) return undefined;
    if (response.status === 204) return undefined;
    if (response.status >= 300 && response.status < 400) {
      const to = String(response.headers.location ?? "somewhere");
      throw fail(
        response.status,
        `Retool answered with a redirect to ${to}, which this client never follows: set retool.url (or --retool-url) to the origin Retool really serves`,
        attempts,
      );
    }
    if (response.status >= 300) throw fail(response.status, messageOf(response.data, this.redact), attempts);
    const envelope = response.data as { success?: boolean; data?: unknown } | undefined;
    if (!envelope || typeof envelope !== "object" || !("data" in envelope)) {
      throw fail(response.status, `the response is not Retool's {success, data} envelope (got ${describeBody(response.data, this.redact)})`, attempts);
    }
    return envelope as T;
  }

  private async data<T>(
    method: string,
    path: string,
    opts: { params?: Record<string, unknown>; body?: unknown; allow404?: boolean } = {},
  ): Promise<T | undefined> {
    const envelope = await this.request<{ data: T }>(method, path, opts);
    return envelope?.data;
  }

  /** For calls whose success always carries the object: an answer without one is an error, not undefined. */
  private async requiredData<T>(method: string, path: string, opts: { params?: Record<string, unknown>; body?: unknown } = {}): Promise<T> {
    const data = await this.data<T>(method, path, opts);
    if (data === undefined || data === null)
      throw new Error(`Retool API ${method} /api/v2${path} succeeded but its answer carries no data; check that retool.url points at Retool.`);
    return data;
  }

  async listEnvironments(): Promise<RetoolEnvironment[]> {
    return (await this.data<RetoolEnvironment[]>("GET", "/environments")) ?? [];
  }

  async createResource(spec: { type: string; display_name: string; options: unknown }): Promise<RetoolResource> {
    return this.requiredData<RetoolResource>("POST", "/resources", { body: spec });
  }

  async getResource(id: string): Promise<RetoolResource | undefined> {
    return this.data<RetoolResource>("GET", `/resources/${encodeURIComponent(id)}`, { allow404: true });
  }

  async renameResource(id: string, displayName: string): Promise<RetoolResource> {
    const body = { operations: [{ op: "replace", path: "/display_name", value: displayName }] };
    return this.requiredData<RetoolResource>("PATCH", `/resources/${encodeURIComponent(id)}`, { body });
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
    return this.requiredData<RetoolResourceConfiguration>("POST", "/resource_configurations", { body });
  }

  async replaceResourceConfigurationOptions(configurationId: string, options: unknown): Promise<RetoolResourceConfiguration> {
    const body = { operations: [{ op: "replace", path: "/options", value: options }] };
    return this.requiredData<RetoolResourceConfiguration>("PATCH", `/resource_configurations/${encodeURIComponent(configurationId)}`, { body });
  }

  async deleteResourceConfiguration(configurationId: string): Promise<void> {
    await this.request("DELETE", `/resource_configurations/${encodeURIComponent(configurationId)}`, { allow404: true });
  }

  async getUser(id: string): Promise<unknown> {
    return this.data<unknown>("GET", `/users/${encodeURIComponent(id)}`, { allow404: true });
  }

  /**
   * Every Retool user, a page at a time, each record checked (retoolUsers.ts). Asks for pages of
   * 100 with next_token (spec 2.12); follows `next` when the server answers in the older form;
   * takes the whole list when it ignores limit. `from` resumes at a cursor an earlier run saved.
   * Stops with an error when the pages run past what total_count implies (or past maxPages).
   */
  async *userPages(from?: string): AsyncGenerator<UsersPage> {
    let cursor = from;
    let cursorParam: CursorParam = "next_token";
    const seen = new Set<string>();
    let largestTotal: number | undefined;
    const endless = (why: string) =>
      new RetoolApiError({ method: "GET", path: "/users", status: 200, retoolMessage: this.redact(why), attempts: 1, tokenHint: "" });
    for (let pages = 1; ; pages++) {
      const params: Record<string, unknown> = { limit: PAGE_SIZE };
      if (cursor) params[cursorParam] = cursor;
      const body = await this.request<{ data: unknown; next_token?: unknown; next?: unknown; has_more?: boolean; total_count?: unknown }>("GET", "/users", {
        params,
      });
      if (!Array.isArray(body?.data)) throw endless("the users list has no data array");
      const total = typeof body.total_count === "number" && Number.isInteger(body.total_count) && body.total_count >= 0 ? body.total_count : undefined;
      if (total !== undefined) largestTotal = Math.max(largestTotal ?? 0, total);
      let next: string | undefined;
      if (typeof body.next_token === "string" && body.next_token) next = body.next_token;
      else if (typeof body.next === "string" && body.next && body.has_more !== false) {
        next = body.next;
        cursorParam = "next";
      }
      const { users, rejected } = checkRetoolUsers(body.data);
      yield { users, rejected, records: body.data.length, cursor, next, total };
      if (!next) return;
      // One page more than total_count implies allows for a user added during the run; maxPages
      // holds whatever total_count says.
      const limit = Math.min(this.o.maxPages, largestTotal !== undefined ? Math.ceil(largestTotal / PAGE_SIZE) + 1 : this.o.maxPages);
      if (pages >= limit) {
        throw endless(
          largestTotal !== undefined && limit < this.o.maxPages
            ? `Retool sent a cursor for page ${pages + 1}, but its total_count of ${largestTotal} users fills at most ${limit - 1}; stopping rather than reading without end`
            : `Retool kept sending cursors past ${limit} pages (maxPages${largestTotal !== undefined ? `, whatever its total_count of ${largestTotal} says` : ", and no total_count"}); stopping rather than reading without end`,
        );
      }
      if (seen.has(next)) throw endless(`the cursor ${this.redact(next).slice(0, 40)} came back twice; stopping rather than looping`);
      seen.add(next);
      cursor = next;
    }
  }
}

/** Attempts made for a request: axios-retry counts the retries in its own corner of the config. */
function attemptsOf(config: unknown): number {
  return ((config as { "axios-retry"?: { retryCount?: number } } | undefined)?.["axios-retry"]?.retryCount ?? 0) + 1;
}

function retryable(error: AxiosError): boolean {
  const method = (error.config?.method ?? "get").toLowerCase();
  const status = error.response?.status;
  if (status === 429) return true; // not processed: safe for any method
  // A POST that got a 5xx, lost its connection or ran out of time may have been applied;
  // retrying could make a second resource. GET, PATCH (replace) and DELETE are idempotent.
  if (method === "post") return !error.response && ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(error.code ?? "");
  if (status !== undefined) return status >= 500;
  if (error.code === "ERR_BAD_RESPONSE" && /maxContentLength/.test(error.message)) return false; // the next answer would be as big
  return error.code !== "ERR_CANCELED" || deadlineHit(error);
}

// Every text a server sent is redacted before it is cut: a cut copy of the token is no longer
// the token, and would pass the redaction.
function messageOf(data: unknown, redact: (text: string) => string): string | undefined {
  if (data && typeof data === "object" && typeof (data as { message?: unknown }).message === "string")
    return redact((data as { message: string }).message).slice(0, 300);
  return typeof data === "string" && data.length > 0 ? describeBody(data, redact) : undefined;
}

function describeBody(data: unknown, redact: (text: string) => string): string {
  const raw = typeof data === "string" ? data : JSON.stringify(data);
  if (raw === undefined) return "nothing";
  const text = redact(raw);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
