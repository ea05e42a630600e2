// A stand-in for the Pulumi CLI (which cannot be installed here), run as `pulumi` through a small
// shell wrapper. It logs every call (args, backend, whether a passphrase was given, stdin) and
// answers what `npm run up` and the Automation API ask: version, stack select/init/rm, config,
// stack history/output/export. With STANDIN_ENGINE=1 its up and destroy also do to the database
// what the program's resources would, through the program's own builders (roles, migrations), so
// that e2e's checks can be met; it is a test double, not an engine.

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { Client } from "pg";
import { loginRoles } from "../../infra/builders/loginRoles";
import { withChecksums } from "../../infra/builders/sql/migration";
import { allMigrations } from "../../infra/builders/sql/migrations";
import { parseStackConfig } from "../../infra/config/stackSettings";
import { applyMigrations } from "../../infra/providers/migrationRunner";
import { pgClientConfig } from "../../infra/providers/pgConnection";
import { createLoginRoles } from "../../ops/postgres/loginRoles";

interface StackState {
  config: Record<string, { value: string; secret: boolean }>;
  history: { kind: string; result: string; resourceChanges: Record<string, number>; config: unknown }[];
  outputs: Record<string, { value: string; secret: boolean }>;
  lastConfig?: string;
  resources: string[];
}
type State = Record<string, StackState>;

const stateFile = process.env.STANDIN_STATE!;
const args = process.argv.slice(2);
const load = (): State => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {});
const save = (s: State) => fs.writeFileSync(stateFile, JSON.stringify(s));
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const has = (name: string) => args.includes(name);
const print = (v: unknown): void => {
  process.stdout.write(`${typeof v === "string" ? v : JSON.stringify(v)}\n`);
};
const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(255);
};

function logCall(stdin: string): void {
  if (!process.env.STANDIN_LOG) return;
  const words = args.filter((a) => a !== "--non-interactive");
  fs.appendFileSync(
    process.env.STANDIN_LOG,
    `args=${words.join(" ")} backend=${process.env.PULUMI_BACKEND_URL ?? ""} passphrase_set=${process.env.PULUMI_CONFIG_PASSPHRASE ? "yes" : ""} stdin=${stdin}\n`,
  );
}

const RESOURCES = ["users-users-table", "users-sync-access", "users-admin", "users-page-role", "users-trusted-role", "retool-files", "users", "retool"];

async function database(s: StackState) {
  const raw = Object.fromEntries(Object.entries(s.config).map(([k, v]) => [k, v.secret ? "[secret]" : tryJson(v.value)]));
  const secretKeys = Object.entries(s.config)
    .filter(([, v]) => v.secret)
    .map(([k]) => k);
  const { settings } = parseStackConfig(raw, { stack: "standin", file: "Pulumi.standin.yaml" }, secretKeys);
  const d = settings.database;
  const client = new Client(
    pgClientConfig({
      host: d.host,
      port: d.port,
      database: d.name,
      user: d.adminUser,
      password: s.config["retool-user-sync:databaseAdminPassword"].value,
      sslmode: d.sslmode,
    }),
  );
  await client.connect();
  return { settings, client };
}

function tryJson(text: string): unknown {
  try {
    return /^\s*[[{]/.test(text) ? JSON.parse(text) : text;
  } catch {
    return text;
  }
}

async function up(s: StackState): Promise<Record<string, number>> {
  const configNow = JSON.stringify(s.config);
  const changes: Record<string, number> =
    s.lastConfig === undefined
      ? { create: RESOURCES.length }
      : s.lastConfig === configNow
        ? { same: RESOURCES.length }
        : { update: 1, same: RESOURCES.length - 1 };
  if (process.env.STANDIN_ENGINE === "1") {
    const { settings, client } = await database(s);
    try {
      const password = s.outputs.pageRolePassword?.value ?? randomBytes(12).toString("hex");
      await createLoginRoles(client, settings, password);
      await applyMigrations(client, withChecksums(allMigrations(settings)));
      for (const spec of loginRoles(settings)) s.outputs[`${spec.kind}RolePassword`] = { value: password, secret: true };
    } finally {
      await client.end();
    }
  }
  s.lastConfig = configNow;
  s.resources = RESOURCES;
  return changes;
}

async function destroy(s: StackState): Promise<Record<string, number>> {
  if (process.env.STANDIN_ENGINE === "1") {
    const { settings, client } = await database(s);
    try {
      // As @pulumi/postgresql's Role delete does.
      for (const spec of loginRoles(settings))
        await client.query(`REASSIGN OWNED BY "${spec.name}" TO CURRENT_USER; DROP OWNED BY "${spec.name}"; DROP ROLE "${spec.name}"`);
    } finally {
      await client.end();
    }
  }
  s.resources = has("--exclude-protected") ? ["users-users-table"] : [];
  return { delete: RESOURCES.length - s.resources.length };
}

async function main(): Promise<void> {
  const stdin = args[0] === "config" && args[1] === "set" ? fs.readFileSync(0, "utf8") : "";
  logCall(stdin);
  const state = load();
  const name = flag("--stack") ?? args[args.length - 1];
  const stack = () => state[name] ?? fail(`no stack named '${name}' found`);
  const [a, b] = args;
  if (a === "version") {
    print("v3.276.0");
    return;
  }
  if (a === "stack" && b === "select") {
    if (!state[name] && !has("--create")) fail(`no stack named '${name}' found`);
    state[name] ??= { config: {}, history: [], outputs: {}, resources: [] };
  } else if (a === "stack" && b === "init") {
    state[args[2]] = { config: {}, history: [], outputs: {}, resources: [] };
  } else if (a === "stack" && b === "rm") {
    delete state[args.filter((x) => !x.startsWith("-")).pop()!];
  } else if (a === "config" && b === "set-all") {
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--plaintext" || args[i] === "--secret") {
        const eq = args[i + 1].indexOf("=");
        stack().config[args[i + 1].slice(0, eq)] = { value: args[i + 1].slice(eq + 1), secret: args[i] === "--secret" };
      }
    }
  } else if (a === "config" && b === "set") {
    stack().config[`retool-user-sync:${args[args.indexOf("set") + (has("--secret") ? 2 : 1)]}`] = { value: stdin, secret: has("--secret") };
  } else if (a === "up" || a === "refresh" || a === "destroy" || a === "preview") {
    const s = stack();
    const resourceChanges = a === "up" ? await up(s) : a === "destroy" ? await destroy(s) : { same: s.resources.length };
    if (a !== "preview") s.history.unshift({ kind: a === "up" ? "update" : a, result: "succeeded", resourceChanges, config: s.config });
    print(`${a}: ${JSON.stringify(resourceChanges)}`);
  } else if (a === "stack" && b === "history") {
    print(
      stack()
        .history.slice(0, Number(flag("--page-size") ?? 1))
        .map((h) => ({ ...h, startTime: new Date().toISOString(), endTime: new Date().toISOString(), version: 1, message: "", environment: {} })),
    );
  } else if (a === "stack" && b === "output") {
    print(Object.fromEntries(Object.entries(stack().outputs).map(([k, o]) => [k, o.secret && !has("--show-secrets") ? "[secret]" : o.value])));
  } else if (a === "stack" && b === "export") {
    print({ version: 3, deployment: { resources: stack().resources.map((r) => ({ urn: `urn:pulumi:${name}::retool-user-sync::standin::${r}` })) } });
  }
  save(state);
}

main().catch((e) => fail((e as Error).message));
