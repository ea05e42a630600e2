// Where settings came from, so that every problem names the key as its writer wrote it and says
// where to fix it: a stack file (`retool-user-sync:plan` in Pulumi.dev.yaml) or the arguments a
// program passed to the RetoolUserSync component (`plan`).
import { PROJECT, type SecretKey } from "./schema";

export interface SettingsSource {
  /** A setting's name as its writer knows it, from its path in the schema ("retool.url") or a secret key. */
  key(path: string): string;
  /** The first line of an error. */
  heading: string;
  /** The last line: where to fix. */
  footer: string;
  /** How to set a secret that is missing or set in clear. */
  setSecret(key: SecretKey): string;
  /** How to remove a secret that is set but has no use. */
  removeSecret(key: SecretKey): string;
}

/** Where the stack-file readers (the program, the scripts) say their settings came from. */
export interface ConfigOrigin {
  stack: string;
  file: string;
}

export function stackFileSource(origin: ConfigOrigin): SettingsSource {
  return {
    key: (path) => `${PROJECT}:${path}`,
    heading: `Invalid stack config for stack "${origin.stack}":`,
    footer: `Fix these keys in ${origin.file} (or with \`pulumi config set [--secret] <key> <value> --stack ${origin.stack}\`), then run again.`,
    setSecret: (key) => `\`pulumi config set --secret ${key} <value> --stack ${origin.stack}\``,
    removeSecret: (key) => `\`pulumi config rm ${key} --stack ${origin.stack}\``,
  };
}

/** The component's arguments call the admin password database.adminPassword; the rest keep their stack names. */
const ARGUMENT_NAMES: Record<string, string> = { databaseAdminPassword: "database.adminPassword" };

export function componentArgsSource(name: string): SettingsSource {
  return {
    key: (path) => ARGUMENT_NAMES[path] ?? path,
    heading: `Invalid arguments for RetoolUserSync "${name}":`,
    footer: `Fix these arguments where your program creates RetoolUserSync "${name}", then run again.`,
    setSecret: (key) => `pass ${ARGUMENT_NAMES[key] ?? key} (any pulumi.Input<string>; it is kept secret)`,
    removeSecret: (key) => `leave ${ARGUMENT_NAMES[key] ?? key} unset`,
  };
}
