// npm run preview -- [--stack <name>] [pulumi preview flags...]
// dev: starts the embedded Postgres, uses a local state folder, then runs `pulumi preview`.
// Other stacks: validates the stack's config, then runs `pulumi preview` with your backend.
import { EXIT, runMain } from "./lib/cli";
import { parseStackArgs, runStackCommand } from "./lib/stackCommand";

const HELP = `Usage: npm run preview -- [--stack <name>] [pulumi preview flags]

Validates Pulumi.<stack>.yaml, then runs \`pulumi preview --stack <name>\`. The stack defaults to dev,
which runs against an embedded Postgres (data in .data/postgres) with a local state folder
(.pulumi-state) and needs no account. Other flags go to pulumi as they are (e.g. --yes, --diff).

Exit codes: 0 done; 1 pulumi failed; 2 invalid stack config (nothing ran); 3 Pulumi CLI missing.`;

runMain(async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return EXIT.ok;
  }
  const { stack, rest } = parseStackArgs(argv);
  return runStackCommand("preview", stack, rest);
});
