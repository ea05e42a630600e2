// The security-critical JavaScript inside the rendered workflows, executed the way a Retool code
// block runs it (node:vm, the earlier blocks' results in scope), taken from the rendered files.
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retoolArtifacts } from "../../../../infra/builders/stackArtifacts";
import { stackLayout } from "../../../../infra/config/syncChoices";
import { connect } from "../../../support/database";
import { type Provisioned, provision } from "../../../support/provisioned";
import { readWorkflow } from "../../../support/retoolWorkflow";
import { settingsFor } from "../../../support/settings";
import { RETOOL_URL } from "../../../support/stackShapes";
import { type BlockResults, columnWise, evalTemplate, evalValue, runCodeBlock } from "../../../support/workflowCode";

function renderedWorkflow(plan: "enterprise", file: string, retool: Record<string, unknown> = {}) {
  const settings = settingsFor("app", { plan, retool: { url: RETOOL_URL, ...retool } });
  const artifact = retoolArtifacts({ settings, layout: stackLayout(settings, []), stack: "ci" }).find((a) => a.path === file)!;
  return readWorkflow(artifact.content);
}

/** A user as Retool's API returns it (spec 2.12: every field present). */
const retoolUser = (o: Record<string, unknown> = {}) => ({
  id: "user_0123456789abcdef0123456789abcdef",
  legacy_id: 7,
  email: "jo@example.com",
  active: true,
  created_at: "2025-01-01T00:00:00.000Z",
  last_active: null,
  first_name: "Jo",
  last_name: "Doe",
  metadata: {},
  is_admin: false,
  user_type: "default",
  two_factor_auth_enabled: false,
  ...o,
});

describe("enterprise: writing the row's key back to a user attribute", () => {
  const event = { id: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Jo", lastName: "Doe", active: true };
  let db: Provisioned;
  let trusted: Client;
  beforeAll(async () => {
    db = await provision({ plan: "enterprise", retool: { url: RETOOL_URL, rowKeyAttribute: "db_user_id" } });
    trusted = await connect(db.roleConn.trusted);
  });
  afterAll(async () => {
    await Promise.all([trusted.end(), db.admin.end()]);
  });

  /** The API calls a rendered workflow makes after its sync block ran, each evaluated as Retool would. */
  async function callsAfterSync(retool: Record<string, unknown>, file: string) {
    const { blocks, template } = renderedWorkflow("enterprise", file, retool);
    const sql = template("syncUser").query as string;
    // The sync block's own statement, its {{ }} parameters bound the way Retool binds them.
    const params: unknown[] = [];
    const statement = sql.replace(/\{\{\s*([\s\S]+?)\s*\}\}/g, (_m, expr: string) => {
      params.push(evalValue(expr, { startTrigger: event }));
      return `$${params.length}`;
    });
    const synced = await trusted.query(statement, params);
    const results = { startTrigger: event, syncUser: columnWise(synced.rows) };
    const rest = blocks.filter((b) => b.editorType === "RESTQuery" && b.pluginId !== "lookupUser");
    return {
      rowKey: synced.rows[0].row_key,
      calls: rest.map((b) => {
        const t = template(b.pluginId);
        const body = JSON.parse(t.body as string) as { key: string; value: string }[];
        return {
          method: t.type,
          path: evalTemplate(t.query as string, results),
          body: Object.fromEntries(body.map((kv) => [kv.key, evalTemplate(kv.value, results)])),
          bodyType: t.bodyType,
        };
      }),
    };
  }

  it("Login Attempted makes exactly one user-attribute call, with the synced row's key", async () => {
    const { rowKey, calls } = await callsAfterSync({ rowKeyAttribute: "db_user_id" }, "workflow-retool-event-login-attempted.json");
    const stored = await db.admin.query("SELECT id::text FROM public.users WHERE retool_user_id = $1", [event.id]);
    expect(rowKey).toBe(stored.rows[0].id);
    expect(calls).toEqual([
      { method: "POST", path: `users/${event.id}/user_attributes`, body: { name: "db_user_id", value: stored.rows[0].id }, bodyType: "json" },
    ]);
  });

  it("makes none when the option is off", async () => {
    const { calls } = await callsAfterSync({}, "workflow-retool-event-login-attempted.json");
    expect(calls).toEqual([]);
  });

  it("puts only a Retool User ID into the attribute call's path", () => {
    const { template } = renderedWorkflow("enterprise", "workflow-retool-event-login-attempted.json", { rowKeyAttribute: "db_user_id" });
    const path = (id: unknown) => evalTemplate(template("writeBackRowKey").query as string, { syncUser: { retool_user_id: [id], row_key: ["1"] } });
    expect(path("user_0123abc")).toBe("users/user_0123abc/user_attributes");
    for (const forged of ["../resources", "user_ABC", "user_1/../../environments", "12345", "user_1?email=a", ""]) {
      expect(path(forged)).toBe("users/invalid-retool-user-id/user_attributes");
    }
  });
});

describe("enterprise (Users API): User Created's pick of exactly one user", () => {
  const { template } = renderedWorkflow("enterprise", "workflow-retool-event-user-created.json", { apiTier: "enterprise-premium" });
  const pick = template("pickUser").query as string;
  const found = (email: unknown, users: unknown): BlockResults => ({ startTrigger: { userEmail: email }, lookupUser: { success: true, data: users } });

  it("picks the one user with the address, in any case", () => {
    expect(runCodeBlock(pick, found("JO@example.com", [retoolUser(), retoolUser({ id: "user_2", email: "other@example.com" })]))).toEqual({
      retoolUserId: "user_0123456789abcdef0123456789abcdef",
      email: "jo@example.com",
      firstName: "Jo",
      lastName: "Doe",
      active: true,
    });
  });

  it.each([
    ["no match", "jo@example.com", [retoolUser({ email: "other@example.com" })], /found 0/],
    ["two matches", "jo@example.com", [retoolUser(), retoolUser({ id: "user_2", email: "Jo@Example.com" })], /found 2/],
    ["an id of another shape", "jo@example.com", [retoolUser({ id: "12345" })], /has no Retool User ID/],
    ["an event without a valid email", "jo@example\u200b.com", [retoolUser()], /sent no valid email/],
    ["an event without an email", undefined, [retoolUser()], /sent no valid email/],
    ["an answer that is not a list", "jo@example.com", "nope", /found 0/],
  ])("refuses %s", (_what, email, users, error) => {
    expect(() => runCodeBlock(pick, found(email, users))).toThrow(error);
  });
});
