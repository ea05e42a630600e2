// npm run db: runs the dev stack's embedded Postgres in the foreground until Ctrl-C, for psql or
// a local Retool to connect to.
import { EXIT, runMain } from "./lib/cli";
import { DEV_ADMIN_PASSWORD, startDevDatabase } from "./lib/devDatabase";
import { stackSettingsFromFile } from "./lib/stackSettingsFromFile";

runMain(async () => {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log("Usage: npm run db\n\nRuns the dev stack's embedded Postgres until Ctrl-C. Admin password: the dev-only one in scripts/lib/devDatabase.ts.");
    return EXIT.ok;
  }
  const { settings } = stackSettingsFromFile("dev");
  const db = await startDevDatabase(settings, (l) => console.error(l));
  const d = settings.database;
  console.log(`psql postgresql://${d.adminUser}:${DEV_ADMIN_PASSWORD}@127.0.0.1:${d.port}/${d.name}   (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  await db.stop();
  return EXIT.ok;
});
