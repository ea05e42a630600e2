// What `npm run up` and `npm run preview` share: validate the stack, start the embedded database
// for dev, find (or fetch) the Pulumi CLI, make sure the stack exists (dev only), then hand over.
import { EXIT, newCommand, runMain, UsageError } from "../cli/cli";
import { DEV_ADMIN_PASSWORD, isEmbeddedTarget, startDevDatabase } from "../postgres/devDatabase";
import { pinnedPulumiVersion, pulumiEnv, resolvePulumi, runPulumi } from "./pulumiCli";
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
  const cli = await resolvePulumi({ version: pinnedPulumiVersion(), env, log });
  const db = embedded ? await startDevDatabase(settings, log) : undefined;
  try {
    if (stack === "dev") {
      if ((await runPulumi(cli, ["stack", "select", "--create", "dev"], env, { quiet: true })) !== 0) return EXIT.failed;
      if (embedded && secretsMissing.includes("databaseAdminPassword")) {
        // Read from stdin so the password never shows in a process list.
        const code = await runPulumi(cli, ["config", "set", "--secret", "databaseAdminPassword", "--stack", "dev"], env, {
          quiet: true,
          input: DEV_ADMIN_PASSWORD,
        });
        if (code !== 0) return EXIT.failed;
      }
    }
    const code = await runPulumi(cli, [command, "--stack", stack, ...passThrough], env);
    return code === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await db?.stop();
  }
}

/** The whole of scripts/up.ts and scripts/preview.ts. */
export function stackCommandMain(command: "up" | "preview"): void {
  const program = newCommand()
    .name(command)
    .usage(`[--stack <name>] [pulumi ${command} flags]`)
    .description(
      `Validates Pulumi.<stack>.yaml, then runs \`pulumi ${command} --stack <name>\`. The stack defaults to dev, which runs against an embedded Postgres with a local state folder (.pulumi-state) and needs no account.`,
    )
    .option("-s, --stack <name>", "the stack (reads Pulumi.<name>.yaml)", "dev")
    // Every other flag is pulumi's (--yes, --diff, --target ...), passed on as it is.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      "after",
      `
The Pulumi CLI: the one on PATH, else the version in .pulumi.version, downloaded once into
~/.pulumi/versions/<version> (RUS_PULUMI_ROOT moves it; RUS_PULUMI_DOWNLOAD=never forbids it).

Exit codes: 0 done; 1 pulumi failed; 2 invalid stack config or usage (nothing ran); 3 the Pulumi CLI
is missing and could not be downloaded.`,
    );
  program.parse();
  const { stack } = program.opts<{ stack: string }>();
  runMain(async () => {
    if (!stack) throw new UsageError("--stack needs a stack name, e.g. --stack dev");
    return runStackCommand(command, stack, program.args);
  });
}
