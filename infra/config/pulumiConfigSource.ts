// Reads the running stack's config out of the Pulumi engine as raw values for parseStackConfig.
// Nothing else in the program reads pulumi.Config for settings; loadStack reads the secrets.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_KEYS } from "./schema";
import type { RawConfig } from "./stackSettings";

// The engine parses YAML objects into JSON strings; scalars arrive as their text.
function parseValue(text: string): unknown {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

type SecretCheck = (fullKey: string) => boolean;

const KNOWN_SECRETS = new Set<string>(SECRET_KEYS.map((k) => `${PROJECT}:${k}`));

/**
 * Which keys the engine holds as secrets. `isConfigSecret` is internal to @pulumi/pulumi (it
 * reads the list the engine passes in PULUMI_CONFIG_SECRET_KEYS); when a release drops it, the
 * program falls back to the keys it knows to be secret. It then cannot tell a secret from a
 * clear-text value for those keys, so a password typed in clear is caught by the CLI's own
 * warning instead of by our validation; every other key still reads as its value.
 */
export function secretCheck(runtimeConfig: { isConfigSecret?: unknown } = require("@pulumi/pulumi/runtime/config")): SecretCheck {
  const internal = runtimeConfig.isConfigSecret;
  if (typeof internal === "function") return (key) => Boolean(internal(key));
  return (key) => KNOWN_SECRETS.has(key);
}

export function readPulumiConfig(isSecret: SecretCheck = secretCheck()): { raw: RawConfig; secretKeys: string[]; stack: string } {
  const raw: RawConfig = {};
  const secretKeys: string[] = [];
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (isSecret(key)) {
      secretKeys.push(key);
      raw[key] = "[secret]"; // the value is never needed here, only its presence
    } else {
      raw[key] = parseValue(text);
    }
  }
  return { raw, secretKeys, stack: pulumi.getStack() };
}
