// The scripts' way to a stack's settings: the stack file, validated like the program validates.
import { readStackFile, type StackFile } from "../../infra/config/stackFile";
import { type ParsedStackConfig, parseStackConfig } from "../../infra/config/stackSettings";
import { PROJECT_DIR, UsageError } from "../cli/cli";

/** Secrets are checked for being secret, not for being set: only `pulumi up` decrypts them. */
export function stackSettingsFromFile(stack: string, projectDir = PROJECT_DIR): ParsedStackConfig {
  let file: StackFile;
  try {
    file = readStackFile(stack, projectDir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return parseStackConfig(file.raw, file.origin, file.secretKeys, { requireSecrets: false });
}
