// What `npm run up` and `npm run preview` share: validate the stack, start the embedded database
// for dev, make sure the stack exists (dev only), then hand over to the Pulumi CLI.
import { EXIT, UsageError, runMain } from "./cli";
import { DEV_ADMIN_PASSWORD, isEmbeddedTarget, startDevDatabase } from "./devDatabase";
import { PULUMI_MISSING, pulumi, pulumiAvailable, pulumiEnv } from "./pulumiCli";
import { stackSettingsFromFile } from "./stackSettingsFromFile";

export async function runStackCommand(command: "up" | "preview", stack: string, passThrough: string[]): Promise<number> {
  // Invalid config fails here, with the config error, before any engine or provider runs.
  const { settings, secretsMissing } = stackSettingsFromFile(stack);
  const embedded = stack === "dev" && isEmbeddedTarget(settings);
  if (stack !== "dev" && secretsMissing.length) {
    throw new UsageError(
      `Stack ${stack} does not set ${secretsMissing.join(", ")}. Set it: pulumi config set --secret ${secretsMissing[0]} <value> --stack ${stack}`,
    );
  }
  const env = pulumiEnv(stack);
  const log = (line: string) => console.error(line);
  const db = embedded ? await startDevDatabase(settings, log) : undefined;
  try {
    if (!pulumiAvailable(env)) {
      console.error(PULUMI_MISSING);
      return EXIT.missingTool;
    }
    if (stack === "dev") {
      if ((await pulumi(["stack", "select", "--create", "dev"], env, { quiet: true })) !== 0) return EXIT.failed;
      if (embedded && secretsMissing.includes("databaseAdminPassword")) {
        // Read from stdin so the password never shows in a process list.
        const code = await pulumi(["config", "set", "--secret", "databaseAdminPassword", "--stack", "dev"], env, { quiet: true, input: DEV_ADMIN_PASSWORD });
        if (code !== 0) return EXIT.failed;
      }
    }
    const code = await pulumi([command, "--stack", stack, ...passThrough], env);
    return code === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await db?.stop();
  }
}

export function parseStackArgs(argv: string[]): { stack: string; rest: string[] } {
  const rest: string[] = [];
  let stack = "dev";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack" || argv[i] === "-s") stack = argv[++i] ?? "";
    else if (argv[i].startsWith("--stack=")) stack = argv[i].slice("--stack=".length);
    else rest.push(argv[i]);
  }
  if (!stack) throw new UsageError("--stack needs a stack name, e.g. --stack dev");
  return { stack, rest };
}

function help(command: "up" | "preview"): string {
  return `Usage: npm run ${command} -- [--stack <name>] [pulumi ${command} flags]

Validates Pulumi.<stack>.yaml, then runs \`pulumi ${command} --stack <name>\`. The stack defaults to dev,
which runs against an embedded Postgres (data in .data/postgres) with a local state folder
(.pulumi-state) and needs no account. Other flags go to pulumi as they are (e.g. --yes, --diff).

Exit codes: 0 done; 1 pulumi failed; 2 invalid stack config or usage (nothing ran); 3 Pulumi CLI missing.`;
}

/** The whole of scripts/up.ts and scripts/preview.ts. */
export function stackCommandMain(command: "up" | "preview"): void {
  runMain(async () => {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
      console.log(help(command));
      return EXIT.ok;
    }
    const { stack, rest } = parseStackArgs(argv);
    return runStackCommand(command, stack, rest);
  });
}
