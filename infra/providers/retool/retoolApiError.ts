// Errors from Retool's REST API, worded for the person who has to fix them: which call failed,
// what Retool said, and what to do. Never includes the token or the request body.
import { API_ACCESS_DOCS, API_TIER_LABELS, type ApiTier, ENDPOINT_GROUP_LABELS, operationOf, smallestTierWith, tierHas } from "../../domain/retoolApi";

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

/** The scope an endpoint needs (domain/retoolApi.ts's table; by its path's area for one not there); a 403 names it. */
export function scopeFor(method: string, path: string): string {
  const known = operationOf(method, path);
  if (known) return known.scope;
  const area = path.replace(/^\/+/, "").split(/[/?]/)[0];
  return `${area}:${method.toUpperCase() !== "GET" ? "write" : "read"}`;
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
  /** The org's Retool API tier, where the caller knows it (docs/plans.md). */
  apiTier?: ApiTier;
}

/**
 * A 403 for an endpoint outside the org's tier: no scope can help, so say which tier has it. When
 * the tier is not known, the scope advice also says which tier the endpoint needs.
 */
function tierAdvice(d: RetoolApiErrorDetails): { outside: boolean; text: string } | undefined {
  const op = operationOf(d.method, d.path);
  if (!op) return undefined;
  const needs = smallestTierWith(op.group);
  const where = `${op.key} is one of Retool's ${ENDPOINT_GROUP_LABELS[op.group]} endpoints, which only the ${API_TIER_LABELS[needs]} API tier and above have (${API_ACCESS_DOCS})`;
  if (d.apiTier && !tierHas(d.apiTier, op.group)) {
    return {
      outside: true,
      text: `${where}; this org's tier is ${API_TIER_LABELS[d.apiTier]}, so no token scope can help. See docs/plans.md for what works on this plan.`,
    };
  }
  return { outside: false, text: `If the org is not on ${API_TIER_LABELS[needs]}, no scope helps: ${where}.` };
}

function advice(d: RetoolApiErrorDetails): string {
  switch (d.status) {
    case 401:
      return `The API token was refused: it is wrong, expired or revoked. Create one in Retool under Settings > API, then ${d.tokenHint}.`;
    case 403: {
      const tier = tierAdvice(d);
      if (tier?.outside) return tier.text;
      const scope = /scope "?([a-z_:]+)"?/i.exec(d.retoolMessage ?? "")?.[1] ?? scopeFor(d.method, d.path);
      return `The API token is missing the scope ${scope}. Add it to the token in Retool under Settings > API (or create a token with it), then ${d.tokenHint}.${tier ? ` ${tier.text}` : ""}`;
    }
    case 404:
      return "Retool has no such object: it was deleted in Retool, or retool.url points at another org. Run `pulumi refresh` if it was deleted by hand.";
    case 409:
      return "It conflicts with something Retool already has, usually an object with the same name: rename it in the stack config (retool.resources.<page|trusted|api>.name) or delete the other one in Retool.";
    case 422:
      return "Retool did not accept the request's content. Your Retool release may not support this call or these options (creating resources needs self-hosted 3.72+ or Cloud); see docs/retool-files.md.";
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
