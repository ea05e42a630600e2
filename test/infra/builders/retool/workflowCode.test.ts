// The security-critical JavaScript inside the rendered workflows, executed the way a Retool code
// block runs it (node:vm, the earlier blocks' results in scope), taken from the rendered files.
import { describe, expect, it } from "vitest";
import { retoolArtifacts } from "../../../../infra/builders/stackArtifacts";
import { retoolLayout } from "../../../../infra/domain/retoolLayout";
import { readWorkflow } from "../../../support/retoolWorkflow";
import { settingsFor } from "../../../support/settings";
import { type BlockResults, evalTemplate, runCodeBlock } from "../../../support/workflowCode";

function renderedWorkflow(plan: "business" | "enterprise", file: string) {
  const settings = settingsFor("app", { plan, retool: { url: "https://acme.retool.com" } });
  const artifact = retoolArtifacts({ settings, layout: retoolLayout(settings, []), stack: "ci" }).find((a) => a.path === file)!;
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

describe("business: the Continue page workflow's claim check", () => {
  const { template } = renderedWorkflow("business", "workflow-continue-page.json");
  const verify = template("verifyClaim").query as string;
  const lookupPath = template("lookupUser").query as string;
  const check = (claimed: Record<string, unknown>, found: unknown): BlockResults => ({ startTrigger: claimed, lookupUser: { success: true, data: found } });
  const claim = { retoolUserId: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Forged", lastName: "Name" };

  it("passes on what Retool says, never what the browser sent", () => {
    expect(runCodeBlock(verify, check(claim, retoolUser()))).toEqual({
      retoolUserId: "user_0123456789abcdef0123456789abcdef",
      email: "jo@example.com",
      firstName: "Jo",
      lastName: "Doe",
      active: true,
    });
  });

  it("takes the claimed email in another case or Unicode form as the same address", () => {
    expect(runCodeBlock(verify, check({ ...claim, email: "JO@Example.COM" }, retoolUser()))).toMatchObject({ email: "jo@example.com" });
    expect(runCodeBlock(verify, check({ ...claim, email: "ｊo@example.com" }, retoolUser()))).toMatchObject({ email: "jo@example.com" });
  });

  it.each([
    ["a forged email", { ...claim, email: "mallory@example.com" }, retoolUser(), /is not the one Retool has/],
    ["a lookalike email with a zero-width space", { ...claim, email: "jo@example.com\u200b" }, retoolUser(), /is not the one Retool has/],
    ["a disabled user", claim, retoolUser({ active: false }), /is disabled/],
    ["a user whose active is not true", claim, retoolUser({ active: "yes" }), /is disabled/],
    ["no such user", claim, undefined, /Retool has no user/],
    ["another user than the one claimed", claim, retoolUser({ id: "user_ffff" }), /Retool has no user/],
    ["a claim without an email", { ...claim, email: undefined }, retoolUser(), /is not the one Retool has/],
    ["an answer that is not a user", claim, "user_0123456789abcdef0123456789abcdef", /Retool has no user/],
  ])("refuses %s", (_what, claimed, found, error) => {
    expect(() => runCodeBlock(verify, check(claimed, found))).toThrow(error);
  });

  it("puts only a Retool User ID into the API path", () => {
    const path = (id: unknown) => evalTemplate(lookupPath, { startTrigger: { ...claim, retoolUserId: id } });
    expect(path("user_0123abc")).toBe("users/user_0123abc");
    for (const forged of ["../resources", "user_ABC", "user_1/../../environments", "12345", "user_1?email=a", ""]) {
      expect(path(forged)).toBe("users/invalid-retool-user-id");
    }
  });
});

describe("enterprise: User Created's pick of exactly one user", () => {
  const { template } = renderedWorkflow("enterprise", "workflow-retool-event-user-created.json");
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
