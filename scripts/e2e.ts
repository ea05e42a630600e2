// npm run e2e -- [--database-url <url>] [--keep]
// The real engine, end to end, through Pulumi's Automation API: a throwaway stack on a local file
// backend, against a Postgres it starts (or one given by URL), on a throwaway database. Each step
// is checked in the database itself. Not part of `npm test`: it needs the Pulumi CLI and its
// provider plugins, which GitHub's runners can download (the pull-request workflow runs it).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { automation } from "@pulumi/pulumi";
import { Client } from "pg";
import { ENTRY_POINTS } from "../infra/builders/sql/syncApi";
import { PROJECT } from "../infra/config/schema";
import { type PgConnection, pgClientConfig } from "../infra/providers/pgConnection";
import { EXIT, newCommand, PROJECT_DIR, runMain } from "../ops/cli/cli";
import { parseDatabaseUrl } from "../ops/postgres/databaseUrl";
import { type RunningPostgres, startEmbeddedPostgres } from "../ops/postgres/embeddedPostgres";
import { freePort } from "../ops/postgres/freePort";
import { pinnedPulumiVersion, type ResolvedPulumi, resolvePulumi } from "../ops/pulumi/pulumiCli";

/** libpq's sslmode as a stack's database.sslmode takes it (the Postgres provider knows four). */
const STACK_SSLMODE: Record<PgConnection["sslmode"], string> = {
  disable: "disable",
  allow: "disable",
  prefer: "require",
  require: "require",
  "verify-ca": "verify-ca",
  "verify-full": "verify-full",
};

/**
 * The throwaway stack's config: business with its defaults (the page's own current_user query,
 * the page role); no Retool token, so nothing is sent to Retool.
 */
export function e2eStackConfig(o: { admin: PgConnection; roles: { page: string; trusted: string }; canReadUsers: boolean }): automation.ConfigMap {
  const key = (k: string) => `${PROJECT}:${k}`;
  const plain = (v: unknown) => ({ value: typeof v === "string" ? v : JSON.stringify(v) });
  return {
    [key("plan")]: plain("business"),
    [key("database")]: plain({
      host: o.admin.host,
      port: o.admin.port,
      name: o.admin.database,
      adminUser: o.admin.user,
      sslmode: STACK_SSLMODE[o.admin.sslmode],
    }),
    [key("databaseAdminPassword")]: { value: o.admin.password, secret: true },
    [key("retoolRoles")]: plain({ page: { name: o.roles.page, canReadUsers: o.canReadUsers }, trusted: { name: o.roles.trusted } }),
    [key("retool")]: plain({ url: "https://e2e.retool.invalid" }),
  };
}

/** A step that did not come out as it should: its name and what was found. */
class StepFailed extends Error {}

const say = (line: string) => process.stderr.write(`${line}\n`);

async function query(conn: PgConnection, sql: string, values: unknown[] = []) {
  const c = new Client(pgClientConfig(conn));
  await c.connect();
  try {
    return await c.query(sql, values);
  } finally {
    await c.end();
  }
}

/** What a login role may do, tried as that role. */
async function canRun(conn: PgConnection, sql: string, values: unknown[] = []): Promise<boolean> {
  try {
    await query(conn, sql, values);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "42501") return false;
    throw e;
  }
}

function expectThat(step: string, ok: boolean, what: string): void {
  if (!ok) throw new StepFailed(`${step}: ${what}`);
  say(`  ok  ${what}`);
}

const changesBesidesSame = (summary: automation.UpdateSummary | undefined) =>
  Object.entries(summary?.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);

export async function runE2e(o: { cli: ResolvedPulumi; admin: PgConnection; keep?: boolean }): Promise<void> {
  const { automation } = await import("@pulumi/pulumi");
  const id = randomBytes(4).toString("hex");
  const database = `rus_e2e_${id}`;
  const stackName = `e2e-${id}`;
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "rus-e2e-state-"));
  const roles = { page: `e2e_${id}_page`, trusted: `e2e_${id}_trusted` };
  await query(o.admin, `CREATE DATABASE "${database}"`);
  const admin = { ...o.admin, database };
  const pulumiCommand = await automation.PulumiCommand.get(o.cli.from === "path" ? {} : { root: path.dirname(path.dirname(o.cli.command)) });
  const stack = await automation.LocalWorkspace.createOrSelectStack(
    { stackName, workDir: PROJECT_DIR },
    {
      pulumiCommand,
      envVars: { PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase-not-a-secret", PULUMI_SKIP_UPDATE_CHECK: "true" },
    },
  );
  const configure = (canReadUsers: boolean) => stack.setAllConfig(e2eStackConfig({ admin, roles, canReadUsers }));
  const as = async (kind: "page"): Promise<PgConnection> => {
    const outputs = await stack.outputs();
    return { ...admin, user: roles[kind], password: String(outputs[`${kind}RolePassword`]?.value ?? "") };
  };
  const out = (step: string) => ({ onOutput: (text: string) => process.stderr.write(text.replace(/^/gm, `    ${step} | `)) });
  try {
    say(`[1/7] pulumi up: a stack ${stackName} on database ${database}`);
    await configure(false);
    const first = await stack.up(out("up"));
    expectThat("up", first.summary.result === "succeeded", "the first up succeeded");
    const tables = await query(admin, "SELECT to_regclass('public.users') IS NOT NULL AS users, to_regprocedure($1) IS NOT NULL AS page", [
      ENTRY_POINTS.page.signature,
    ]);
    expectThat("up", tables.rows[0].users && tables.rows[0].page, "the users table and the entry points exist");
    const page = await as("page");
    const row = await query(page, `SELECT * FROM ${ENTRY_POINTS.page.name}('user_e2e1', 'e2e@example.com', 'End', 'ToEnd')`);
    expectThat("up", row.rows[0]?.retool_user_id === "user_e2e1", "the page role logs in with its stack-output password and syncs a user");
    await query(page, `SELECT * FROM ${ENTRY_POINTS.page.name}('user_e2e2', 'e2e2@example.com', NULL, NULL)`);
    expectThat(
      "up",
      !(await canRun(page, `SELECT * FROM ${ENTRY_POINTS.retoolUser.name}('user_e2e1', 'x@example.com', NULL, NULL, false)`)),
      "the page role may not call the trusted entry point",
    );

    say("[2/7] pulumi up again: no changes");
    const second = await stack.up(out("up"));
    expectThat("up again", changesBesidesSame(second.summary).length === 0, `no resource changed (${JSON.stringify(second.summary.resourceChanges)})`);

    say("[3/7] pulumi refresh: no drift");
    await stack.refresh({ ...out("refresh"), expectNoChanges: true });
    expectThat("refresh", true, "refresh found nothing to change");

    say("[4/7] config change: retoolRoles.page.canReadUsers true");
    await configure(true);
    await stack.up(out("up"));
    expectThat("config change", await canRun(page, "SELECT retool_user_id, email FROM public.users"), "the page role reads the users table's sync columns");

    say("[5/7] config change reverted");
    await configure(false);
    await stack.up(out("up"));
    expectThat("revert", !(await canRun(page, "SELECT retool_user_id FROM public.users")), "the page role no longer reads the users table");

    say("[6/7] pulumi destroy --exclude-protected: the table and its rows stay");
    const destroyed = await stack.destroy({ ...out("destroy"), excludeProtected: true });
    expectThat("destroy", destroyed.summary.result === "succeeded", "destroy succeeded");
    const kept = await query(admin, "SELECT count(*)::int AS n FROM public.users");
    expectThat("destroy", kept.rows[0].n === 2, "the users table and its 2 rows are still there");
    const left = (await stack.exportStack()).deployment.resources?.map((r: { urn: string }) => r.urn) ?? [];
    expectThat(
      "destroy",
      left.some((urn: string) => urn.endsWith("users-users-table")),
      "the protected table resource is left in the stack, not removed",
    );
    const gone = await query(admin, "SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)", [[roles.page, roles.trusted]]);
    expectThat("destroy", gone.rows[0].n === 0, "the login roles were dropped");

    say("[7/7] done: every step came out as it should");
  } finally {
    if (o.keep) say(`Kept for a look: stack ${stackName} (backend file://${state}), database ${database}.`);
    else {
      await stack.workspace.removeStack(stackName, { force: true }).catch((e) => say(`(could not remove the stack: ${(e as Error).message})`));
      fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${stackName}.yaml`), { force: true });
      fs.rmSync(path.join(PROJECT_DIR, "out", stackName), { recursive: true, force: true });
      fs.rmSync(state, { recursive: true, force: true });
      await query(o.admin, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((e) => say(`(could not drop ${database}: ${(e as Error).message})`));
      await query(o.admin, `DROP ROLE IF EXISTS "${roles.page}"; DROP ROLE IF EXISTS "${roles.trusted}"`).catch(() => undefined);
    }
  }
}

if (require.main === module) {
  const program = newCommand()
    .name("e2e")
    .description(
      "Runs the real Pulumi engine end to end on a throwaway stack and database: up, up again (no changes), refresh (no drift), a config change and its revert, destroy (the table and rows stay).",
    )
    .option("--database-url <url>", "a Postgres to use, as a user that may create databases and roles (default: an embedded Postgres of its own)")
    .option("--keep", "keep the stack, its state and the database afterwards, for a look")
    .addHelpText(
      "after",
      "\nNeeds the Pulumi CLI (as npm run up finds or downloads it) and its provider plugins.\n\nExit codes: 0 every step as it should be; 1 a step was not (the message names it); 2 bad usage; 3 no Pulumi CLI.",
    )
    .parse();
  const opts = program.opts<{ databaseUrl?: string; keep?: boolean }>();
  runMain(async () => {
    const cli = await resolvePulumi({ version: pinnedPulumiVersion(), log: say });
    let pg: RunningPostgres | undefined;
    try {
      let admin: PgConnection;
      if (opts.databaseUrl) admin = parseDatabaseUrl(opts.databaseUrl, "--database-url");
      else {
        pg = await startEmbeddedPostgres({ port: await freePort(), password: "e2e-admin" });
        admin = pg.connection;
      }
      await runE2e({ cli, admin, keep: opts.keep });
      return EXIT.ok;
    } finally {
      await pg?.stop();
    }
  });
}
