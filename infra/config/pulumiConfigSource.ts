// Reads the running stack's config out of the Pulumi engine as raw values for parseStackConfig.
// Nothing else in the program reads pulumi.Config for settings; secrets are read in secrets.ts.
import * as pulumi from "@pulumi/pulumi";
import { RawConfig } from "./stackSettings";

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

// isConfigSecret is internal to @pulumi/pulumi; without it every key counts as secret, so a
// clear-text password is then caught only by the CLI's own warning, not by us.
function secretCheck(): (key: string) => boolean {
  const internal = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  return typeof internal.isConfigSecret === "function" ? internal.isConfigSecret : () => true;
}

export function readPulumiConfig(): { raw: RawConfig; secretKeys: string[]; stack: string } {
  const all = pulumi.runtime.allConfig();
  const isSecret = secretCheck();
  const raw: RawConfig = {};
  const secretKeys: string[] = [];
  for (const [key, text] of Object.entries(all)) {
    if (isSecret(key)) {
      secretKeys.push(key);
      raw[key] = "[secret]"; // the value is never needed here, only its presence
    } else {
      raw[key] = parseValue(text);
    }
  }
  return { raw, secretKeys, stack: pulumi.getStack() };
}
