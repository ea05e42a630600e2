// Reads Pulumi.<stack>.yaml straight from disk, for the scripts that run without the Pulumi engine
// (render, backfill). Encrypted values (`secure:`) are reported as present but never decrypted;
// a placeholder (`secure: <set with ...>`) counts as not set.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { ConfigOrigin, RawConfig } from "./stackSettings";

export interface StackFile {
  origin: ConfigOrigin;
  raw: RawConfig;
  secretKeys: string[];
}

export function stackFilePath(stack: string, projectDir: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(stack: string, projectDir: string): StackFile {
  const file = stackFilePath(stack, projectDir);
  const origin = { stack, file: path.basename(file) };
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(projectDir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
    throw new Error(`No stack file ${origin.file} in ${projectDir}. Stacks here: ${known.join(", ") || "none"}.`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${origin.file} is not valid YAML: ${(e as Error).message}`);
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const raw: RawConfig = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const isSecure = value !== null && typeof value === "object" && "secure" in (value as object);
    // The example stacks ship `secure: <set with ...>`: a placeholder, not a ciphertext.
    const isPlaceholder = isSecure && /^\s*</.test(String((value as { secure: unknown }).secure));
    if (isPlaceholder) {
    } else if (isSecure) {
      secretKeys.push(key);
      raw[key] = "[secret]";
    } else {
      raw[key] = value;
    }
  }
  return { origin, raw, secretKeys };
}
