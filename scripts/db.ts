// npm run db: runs the dev stack's embedded Postgres in the foreground until Ctrl-C, for psql or
// a local Retool to connect to.
import { EXIT, newCommand, runMain } from "../ops/cli/cli";
import { DEV_ADMIN_PASSWORD, startDevDatabase } from "../ops/postgres/devDatabase";
import { stackSettingsFromFile } from "../ops/pulumi/stackSettingsFromFile";

if (require.main === module) {
  newCommand()
    .name("db")
    .description("Runs the dev stack's embedded Postgres (port, database and admin user from Pulumi.dev.yaml) until Ctrl-C.")
    .addHelpText(
      "after",
      "\nThe admin password is the dev-only one in ops/postgres/devDatabase.ts.\n\nExit codes: 0 stopped by Ctrl-C; 1 Postgres did not start (the message says why); 2 invalid Pulumi.dev.yaml.",
    )
    .parse();
  runMain(async () => {
    const { settings } = stackSettingsFromFile("dev");
    const db = await startDevDatabase(settings, (l) => console.error(l));
    const d = settings.database;
    console.log(`psql postgresql://${d.adminUser}:${DEV_ADMIN_PASSWORD}@127.0.0.1:${d.port}/${d.name}   (Ctrl-C stops it)`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    await db.stop();
    return EXIT.ok;
  });
}
