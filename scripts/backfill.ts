// npm run backfill -- [--stack <name>] [--dry-run] [--json] [--restart]
// Brings every Retool user into the users table through the sync rules (source backfill).
import { RetoolClient } from "../infra/providers/retool/retoolClient";
import { EXIT, newCommand, runMain, stopOnSignal } from "../ops/cli/cli";
import { progressByPage } from "../ops/cli/progress";
import { formatSummary } from "../ops/cli/summary";
import { connectDatabase } from "../ops/postgres/database";
import { addTargetOptions, requireScript, resolveTarget } from "../ops/sync/syncTarget";
import { BatchRunFailed, type BatchSummary, backfill } from "../ops/sync/userBatches";

if (require.main === module) {
  const program = addTargetOptions(
    newCommand()
      .name("backfill")
      .description("Sync every Retool user into the users table (source backfill): one Retool page and one database round trip at a time. Never deletes a row.")
      .option("--dry-run", "show what would change, write nothing (each page runs in a transaction that is rolled back)")
      .option("--restart", "ignore an interrupted run's saved progress and start from the first page")
      .option("--json", "print the summary as JSON"),
  ).addHelpText(
    "after",
    `
Interrupted (Ctrl-C, kill, network loss, the database going away), run it again: it resumes after the
last page it committed. The first Ctrl-C or SIGTERM abandons a Retool request in flight, lets a database
call in hand commit, and prints the summary; a second one stops at once.

It reads Retool's Users API (GET /users), which only Enterprise Premium has (docs.retool.com/api):
on any other tier it stops before sending anything and says what works instead.

Exit codes: 0 done, every user synced; 1 done but some users failed, or Retool/the database failed
(progress up to the last committed page is kept, and the summary so far is printed); 2 bad usage, or
the org's API tier has no Users API (nothing was changed); 130 stopped by Ctrl-C or SIGTERM (rerun to resume).`,
  );
  program.parse();
  const opts = program.opts();
  runMain(async () => {
    const target = resolveTarget(opts);
    requireScript("backfill", target.apiTier);
    const stop = stopOnSignal(() => console.error("\nStopping: the database call in hand commits, then the summary (Ctrl-C again to stop now)."));
    const api = new RetoolClient({
      ...target.retool,
      signal: stop,
      onRetry: (i) => console.error(`retrying ${i.method} ${i.path} (${i.reason}), attempt ${i.attempt}`),
    });
    const db = await connectDatabase(target.database);
    const bar = progressByPage("users");
    const report = (title: string, summary: BatchSummary, extra: Record<string, unknown> = {}) => {
      bar.stop();
      if (opts.json) console.log(JSON.stringify({ dryRun: Boolean(opts.dryRun), ...summary, ...extra }, null, 2));
      else console.log(formatSummary(title, summary));
    };
    try {
      console.error(`Backfill${opts.dryRun ? " (dry run)" : ""}: ${target.retoolUrl} -> ${target.databaseLabel}`);
      const summary = await backfill({
        api,
        db,
        runKey: `backfill ${target.retoolUrl}`,
        dryRun: opts.dryRun,
        restart: opts.restart,
        log: (line) => console.error(line),
        stop,
        onPage: (page) => bar.page(page.records, page.total),
      });
      report(opts.dryRun ? "Dry run: would have" : summary.stopped ? "Backfill stopped:" : "Backfill done:", summary);
      if (summary.stopped) return EXIT.interrupted;
      return summary.counts.failed > 0 ? EXIT.failed : EXIT.ok;
    } catch (e) {
      if (!(e instanceof BatchRunFailed)) throw e;
      report(`Backfill failed after ${e.summary.pages} pages this run:`, e.summary, { error: e.message });
      console.error(`${e.message}\nPages committed so far are kept: run the backfill again to resume after the last one.`);
      return EXIT.failed;
    } finally {
      await db.end().catch(() => undefined);
    }
  });
}
