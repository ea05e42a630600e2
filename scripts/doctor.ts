// npm run doctor -- --stack <name> [--fix] [--json]
// Checks each login role the stack made against the stack: that it logs in with the stack's
// password, that its attributes, session defaults and grants are the stack's, and what Postgres
// gives it through PUBLIC that a Retool role does not need.
import { EXIT, newCommand, runMain } from "../ops/cli/cli";
import { connectDatabase } from "../ops/postgres/database";
import { stackSettingsFromFile } from "../ops/pulumi/stackSettingsFromFile";
import { diagnose, type Finding, isDrift, repair } from "../ops/roles/doctor";
import { resolveDatabase } from "../ops/sync/syncTarget";

function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return "No findings.";
  const lines: string[] = [];
  for (const kind of ["drift", "unchecked", "exposure"] as const) {
    const some = findings.filter((f) => f.kind === kind);
    if (!some.length) continue;
    lines.push(
      {
        drift: "Drift in what the stack set (--fix puts it back):",
        unchecked: "Not checked:",
        exposure: "Exposures Postgres gives every role (for an owner to decide; --fix leaves them):",
      }[kind],
    );
    for (const f of some) {
      lines.push(`  ${f.role} ${f.check}${f.fixed ? " (fixed)" : ""}: ${f.detail}`);
      if (f.fix && !f.fixed) lines.push(...f.fix.split("\n").map((l) => `      ${l}`));
    }
  }
  return lines.join("\n");
}

if (require.main === module) {
  const program = newCommand()
    .name("doctor")
    .description("Check the stack's Retool login roles against the stack: password, attributes, session defaults, grants, and PUBLIC's defaults.")
    .requiredOption("-s, --stack <name>", "the stack whose roles to check (Pulumi.<name>.yaml)")
    .option("--database-url <url>", "the admin connection (env DATABASE_URL; else the stack's database with PGPASSWORD)")
    .option("--fix", "put back what the stack owns: password (with the role passwords given), attributes, settings, grants")
    .option("--json", "print the findings as JSON")
    .addHelpText(
      "after",
      `
Role passwords: PAGE_ROLE_PASSWORD and TRUSTED_ROLE_PASSWORD, the stack's pageRolePassword and
trustedRolePassword outputs (pulumi stack output pageRolePassword --show-secrets). Without them the
login probe is skipped and said so; no role's password can be read from Postgres.

Exit codes: 0 no drift (exposures are printed, and are not drift); ${EXIT.drift} drift found, or left after
--fix; 1 the database failed; 2 bad usage.`,
    );
  program.parse();
  const opts = program.opts();
  runMain(async () => {
    const stack = stackSettingsFromFile(opts.stack);
    const admin = resolveDatabase(opts, process.env, stack.settings);
    const passwords = { page: process.env.PAGE_ROLE_PASSWORD || undefined, trusted: process.env.TRUSTED_ROLE_PASSWORD || undefined };
    const db = await connectDatabase(admin);
    try {
      const options = { admin, passwords };
      const findings = await diagnose(db, stack.settings, options);
      if (opts.fix) await repair(db, stack.settings, findings, options);
      const after = opts.fix ? await diagnose(db, stack.settings, options) : findings;
      const drift = after.filter(isDrift).length;
      if (opts.json) console.log(JSON.stringify({ stack: opts.stack, fixed: findings.filter((f) => f.fixed), findings: after, drift }, null, 2));
      else {
        if (opts.fix) console.log(`Fixed:\n${formatFindings(findings.filter((f) => f.fixed))}\n\nAfter --fix:`);
        console.log(formatFindings(after));
      }
      return drift > 0 ? EXIT.drift : EXIT.ok;
    } finally {
      await db.end().catch(() => undefined);
    }
  });
}
