// Errors from Retool's REST API, worded for the person who has to fix them: which call failed,
// what Retool said, and what to do. Never includes the token or the request body.

/**
 * Removes a token from text a server sent back: the token itself, and any bearer credential,
 * since a server may echo the Authorization header in its error body.
 */
export function redactor(token: string): (text: string) => string {
  return (text) => {
    let out = text.replace(/\b(Bearer|Basic)\s+[^\s"',;()]+/gi, "$1 [redacted]");
    if (token.length >= 4) out = out.split(token).join("[redacted]");
    return out;
  };
}

/** The scope each endpoint needs (spec 2.12 operation descriptions); a 403 names it. */
export function scopeFor(method: string, path: string): string {
  const area = path.replace(/^\/+/, "").split(/[/?]/)[0];
  const write = method.toUpperCase() !== "GET";
  return `${area}:${write ? "write" : "read"}`;
}

export interface RetoolApiErrorDetails {
  method: string;
  /** Path under /api/v2, e.g. /resources/abc. */
  path: string;
  status?: number;
  /** Retool's own message ({success:false, message}), or the network error's code. */
  retoolMessage?: string;
  attempts: number;
  /** How to fix a bad token where this client is used (a config key, an env var). */
  tokenHint: string;
}

function advice(d: RetoolApiErrorDetails): string {
  switch (d.status) {
    case 401:
      return `The API token was refused: it is wrong, expired or revoked. Create one in Retool under Settings > API, then ${d.tokenHint}.`;
    case 403: {
      const scope = /scope "?([a-z_:]+)"?/i.exec(d.retoolMessage ?? "")?.[1] ?? scopeFor(d.method, d.path);
      return `The API token is missing the scope ${scope}. Add it to the token in Retool under Settings > API (or create a token with it), then ${d.tokenHint}.`;
    }
    case 404:
      return "Retool has no such object: it was deleted in Retool, or retool.url points at another org. Run `pulumi refresh` if it was deleted by hand.";
    case 409:
      return "It conflicts with something Retool already has, usually an object with the same name: rename it in the stack config (retool.resourceName / retool.apiResourceName) or delete the other one in Retool.";
    case 422:
      return "Retool did not accept the request's content. Your Retool release may not support this call or these options (creating resources needs self-hosted 3.72+ or Cloud); see README: Retool API.";
    case 429:
      return `Retool kept rate-limiting after ${d.attempts} attempts. Lower retool.rateLimitPerMinute (or --rate-limit), or try again later.`;
    case undefined:
      return `No whole answer after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}. Check retool.url and the network between here and Retool.`;
    default:
      return d.status >= 500
        ? `Retool had a server error after ${d.attempts} attempts. Check status.retool.com (or your instance's logs), then try again.`
        : "See Retool's message above.";
  }
}

export class RetoolApiError extends Error {
  readonly status?: number;
  readonly endpoint: string;

  constructor(readonly details: RetoolApiErrorDetails) {
    const endpoint = `${details.method.toUpperCase()} /api/v2${details.path}`;
    const what = details.status ? `failed with ${details.status}` : "got no usable answer";
    const said = details.retoolMessage ? `: ${details.retoolMessage}` : "";
    const message = `Retool API ${endpoint} ${what}${said}. ${advice(details)}`;
    super(message);
    // Set again: in a dynamic provider, Pulumi's closure serializer turns super() into
    // Error.call(this, ...), which sets no message on `this`.
    this.message = message;
    this.name = "RetoolApiError";
    this.status = details.status;
    this.endpoint = endpoint;
  }
}
