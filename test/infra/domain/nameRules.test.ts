// One rule for names, the same in Postgres (the sync rules) and in JavaScript (reconcile's drift
// report): which form a name is kept in, and which characters are refused.
import fc from "fast-check";
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRefusedNameCharacters, NAME_REFUSED_CHARACTERS, storedName, storedNameSql } from "../../../infra/domain/nameRules";
import { findDrift } from "../../../ops/sync/drift";
import { connect, freshDatabase } from "../../support/database";

// Spaces of every kind, bidi controls, joiners, controls and letters: what names' edges hold.
const PIECES = [" ", "  ", "\u00a0", "\t", "\u200b", "\u200c", "\u200d", "\u202e", "\u2066", "\u0007", "A", "é", "李", "Zoë"];

describe("names, alike in SQL and JavaScript", () => {
  let db: Client;
  beforeAll(async () => {
    db = await connect(await freshDatabase("names"));
  });
  afterAll(async () => {
    await db.end();
  });

  it("keep the same form and refuse the same characters, on 2,000 generated names", async () => {
    const names = fc.sample(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((p) => p.join("")),
      { numRuns: 2000, seed: 19 },
    );
    const r = await db.query(`SELECT ${storedNameSql("n")} AS kept, n ~ $2 AS refused FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i`, [
      names,
      NAME_REFUSED_CHARACTERS,
    ]);
    expect(r.rows.map((x) => x.kept)).toEqual(names.map(storedName));
    expect(r.rows.map((x) => x.refused)).toEqual(names.map(hasRefusedNameCharacters));
  });

  it("trims ASCII spaces only, refuses bidi overrides and controls, and keeps joiners", () => {
    expect(storedName("  Zoë  ")).toBe("Zoë");
    expect(storedName("\u00a0Zoë")).toBe("\u00a0Zoë");
    expect(storedName("   ")).toBeNull();
    expect(hasRefusedNameCharacters("Ann\u202eeva")).toBe(true);
    expect(hasRefusedNameCharacters("Bell\u0007")).toBe(true);
    expect(hasRefusedNameCharacters("می\u200cخواهم")).toBe(false);
  });

  it("so reconcile sees a no-break space Retool added to a name as a change, as the sync rules would store it", () => {
    const user = { id: "user_1", email: "a@corp.com", first_name: "\u00a0Ann", last_name: "Lee", active: true };
    const row = { retool_user_id: "user_1", email: "a@corp.com", first_name: "Ann", last_name: "Lee  ", active: true };
    expect(findDrift([user], [row]).changed.map((c) => c.fields)).toEqual([["first_name"]]);
  });
});
