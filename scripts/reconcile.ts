// npm run reconcile -- [--stack <name>] [--json] [--check] [--apply]
// Reports drift between Retool's users and the users table; --apply repairs it through the sync rules.
import type { Client } from "pg";
import { RetoolClient } from "../infra/providers/retool/retoolClient";
import { EXIT, newCommand, runMain, stopOnSignal, UsageError } from "../ops/cli/cli";
import { progress, progressByPage } from "../ops/cli/progress";
import { formatSummary } from "../ops/cli/summary";
import { connectDatabase } from "../ops/postgres/database";
import { type Drift, driftCount, formatDrift, readDrift, usersToRepair } from "../ops/sync/drift";
import { repairDrift } from "../ops/sync/repairDrift";
import { addTargetOptions, requireScript, resolveTarget } from "../ops/sync/syncTarget";
import { BatchRunFailed, type BatchSummary } from "../ops/sync/userBatches";

async function apply(db: Client, drift: Drift): Promise<BatchSummary> {
  const users = usersToRepair(drift);
  const bar = users.length ? progress("repairing", users.length) : undefined;
  try {
    return await repairDrift(db, users, (n) => bar?.increment(n));
  } finally {
    bar?.stop();
  }
}

const asJson = (d: Drift) => ({
  missing: d.missing.map((u) => ({ id: u.id, email: u.email })),
  orphaned: d.orphaned,
  changed: d.changed.map((c) => ({
    id: c.user.id,
    fields: c.fields,
    database: c.row,
    retool: { email: c.user.email, first_name: c.user.first_name, last_name: c.user.last_name },
  })),
  disabled: d.disabled.map((x) => ({ id: x.user.id, email: x.user.email })),
  unreadable: d.unreadable,
});

if (require.main === module) {
  const program = addTargetOptions(
    newCommand()
      .name("reconcile")
      .description(
        "Compare Retool's users with the users table and report drift per category; --apply repairs it through the sync rules (source reconcile). Never deletes a row.",
      )
      .option("--json", "print the report as JSON")
      .option("--check", `exit ${EXIT.drift} when there is drift (for cron and CI)`)
      .option("--apply", "repair: sync missing, changed and disabled users; rows unknown to Retool are only reported"),
  ).addHelpText(
    "after",
    `\nIt reads Retool's Users API (GET /users), which only Enterprise Premium has (docs.retool.com/api): on any other tier it stops
before sending anything and says what works instead.

Exit codes: 0 no drift (or repaired); ${EXIT.drift} drift found with --check, or left after --apply; 1 Retool or the database failed;
2 bad usage, or the org's API tier has no Users API.`,
  );
  program.parse();
  const opts = program.opts();
  runMain(async () => {
    if (opts.check && opts.apply) throw new UsageError("--check reports and --apply repairs: pick one.");
    const target = resolveTarget(opts);
    requireScript("reconcile", target.apiTier);
    const stop = stopOnSignal(() => console.error("\nStopping (Ctrl-C again to stop now)."));
    const api = new RetoolClient({ ...target.retool, signal: stop });
    const db = await connectDatabase(target.database);
    const read = async () => {
      const bar = progressByPage("reading Retool users");
      try {
        return await readDrift(api, db, (records, total) => bar.page(records, total));
      } finally {
        bar.stop();
      }
    };
    try {
      const before = await read();
      let after = before;
      let repaired: BatchSummary | undefined;
      if (opts.apply && driftCount(before.drift) > 0) {
        try {
          repaired = await apply(db, before.drift);
        } catch (e) {
          if (!(e instanceof BatchRunFailed)) throw e;
          console.log(formatSummary("Repair failed part way; repaired until then:", e.summary));
          throw e;
        }
        after = await read();
      }
      if (opts.json) {
        console.log(
          JSON.stringify(
            {
              retoolUsers: before.users,
              linkedRows: before.rows,
              drift: asJson(before.drift),
              ...(repaired ? { repaired, remaining: asJson(after.drift) } : {}),
            },
            null,
            2,
          ),
        );
      } else {
        console.log(`Retool users: ${before.users}. Linked rows: ${before.rows}.\n${formatDrift(before.drift)}`);
        if (repaired) console.log(`\n${formatSummary("Repaired:", repaired)}\n\nAfter repair:\n${formatDrift(after.drift)}`);
      }
      if (opts.check) return driftCount(before.drift) > 0 ? EXIT.drift : EXIT.ok;
      // After --apply, rows unknown to Retool are left for a person: only what apply could fix counts.
      if (repaired && usersToRepair(after.drift).length > 0) return EXIT.drift;
      return EXIT.ok;
    } finally {
      await db.end().catch(() => undefined);
    }
  });
}
