// One canonical email, the same in Postgres (index, linking, batch path) and in JavaScript (the
// workflows' claim check, the scripts): lookalikes of an address are refused or become it.
import fc from "fast-check";
import type { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canonicalEmail,
  EMAIL_CHARSETS,
  EMAIL_MAX_LENGTH,
  type EmailCharset,
  emailPattern,
  emailRulesJs,
  isValidEmail,
  REFUSED_CODE_POINTS,
  storedEmail,
  storedEmailSql,
} from "../../../infra/domain/emailRules";
import { type Provisioned, pgError, provision, syncPageUser, syncUser, tableDump } from "../../support/provisioned";
import { runCodeBlock } from "../../support/workflowCode";

/** Addresses that display as bob@corp.com, and what each must become (null: refused). */
const LOOKALIKES: { what: string; address: string; ascii: string | null; unicode: string | null }[] = [
  { what: "zero-width space appended", address: "bob@corp.com\u200b", ascii: null, unicode: null },
  { what: "no-break space appended", address: "bob@corp.com\u00a0", ascii: null, unicode: null },
  { what: "byte order mark in front", address: "\ufeffbob@corp.com", ascii: null, unicode: null },
  { what: "a right-to-left mark inside", address: "bob@\u200fcorp.com", ascii: null, unicode: null },
  { what: "a fullwidth letter", address: "\uff42ob@corp.com", ascii: null, unicode: "bob@corp.com" },
  { what: "upper case", address: "BOB@Corp.COM", ascii: "bob@corp.com", unicode: "bob@corp.com" },
  { what: "spaces around", address: "  bob@corp.com ", ascii: "bob@corp.com", unicode: "bob@corp.com" },
  // Lookalikes from another script stay distinct addresses in unicode (docs/database.md, Emails).
  { what: "a Cyrillic letter", address: "b\u043eb@corp.com", ascii: null, unicode: "b\u043eb@corp.com" },
];

/** Non-ASCII forms of one address: NFC and NFD must be one address; a dotted capital I is not an i. */
const FORMS: { what: string; address: string; ascii: string | null; unicode: string | null }[] = [
  { what: "NFC", address: "jos\u00e9@corp.com", ascii: null, unicode: "jos\u00e9@corp.com" },
  { what: "NFD", address: "jose\u0301@corp.com", ascii: null, unicode: "jos\u00e9@corp.com" },
  { what: "a dotted capital I", address: "AL\u0130CE@corp.com", ascii: null, unicode: "al\u0130ce@corp.com" },
];

async function sqlCanonical(db: Client, addresses: string[]): Promise<string[]> {
  const r = await db.query("SELECT retool_sync.canonical_email(a) AS c FROM unnest($1::text[]) WITH ORDINALITY AS t(a, n) ORDER BY n", [addresses]);
  return r.rows.map((x) => x.c);
}

async function sqlValid(db: Client, addresses: string[], charset: EmailCharset): Promise<boolean[]> {
  const r = await db.query(
    `SELECT length(s) <= ${EMAIL_MAX_LENGTH} AND s ~ $2 AS ok FROM unnest($1::text[]) WITH ORDINALITY AS t(a, n), LATERAL (SELECT ${storedEmailSql("a")} AS s) AS f ORDER BY n`,
    [addresses, emailPattern(charset, "postgres")],
  );
  return r.rows.map((x) => x.ok);
}

describe.each(EMAIL_CHARSETS)("emails with emailCharacters: %s", (charset) => {
  let db: Provisioned;
  beforeAll(async () => {
    db = await provision({ plan: "team", emailCharacters: charset, linkByEmailFromContinuePage: true });
    await syncUser(db.admin, { id: "user_bob1", email: "bob@corp.com", source: "event" });
    await syncUser(db.admin, { id: "user_alice1", email: "alice@corp.com", source: "event" });
  });
  afterAll(async () => {
    await db.admin.end();
  });

  it.each([...LOOKALIKES, ...FORMS])("$what: refused, or mapped to the one canonical form, alike in SQL and JavaScript", async (c) => {
    const expected = c[charset];
    const [sqlKey] = await sqlCanonical(db.admin, [c.address]);
    const [sqlOk] = await sqlValid(db.admin, [c.address], charset);
    expect(isValidEmail(c.address, charset)).toBe(expected !== null);
    expect(sqlOk).toBe(expected !== null);
    if (expected !== null) {
      expect(canonicalEmail(c.address)).toBe(expected);
      expect(sqlKey).toBe(expected);
    }
    // The workflow's copy of the rules, run as a code block, says the same.
    const inWorkflow = runCodeBlock(`${emailRulesJs(charset)}\nreturn [isValidEmail(startTrigger.data), canonicalEmail(startTrigger.data)];`, {
      startTrigger: c.address,
    });
    expect(inWorkflow).toEqual([expected !== null, canonicalEmail(c.address)]);
  });

  // Lookalikes that this charset keeps as another address altogether are not bob's (docs/database.md, Emails).
  const posingAsBob = LOOKALIKES.filter((c) => c[charset] === null || c[charset] === "bob@corp.com");
  it.each(posingAsBob)("a page call with $what is refused, or is bob's address and changes nothing", async (c) => {
    const expected = c[charset];
    const before = await tableDump(db.admin, "public.users");
    const err = await pgError(() => syncPageUser(db.admin, { id: "user_mallory1", email: c.address }));
    expect(err.code).toBe(expected === null ? "22023" : "23505");
    expect(await tableDump(db.admin, "public.users")).toBe(before);
  });

  it("a trusted call for a dotted capital I neither links nor rewrites alice's row", async () => {
    const before = (await db.admin.query("SELECT retool_user_id, email FROM public.users WHERE retool_user_id = 'user_alice1'")).rows;
    await syncUser(db.admin, { id: "user_alice2", email: "AL\u0130CE@corp.com", source: "backfill" }).catch(() => undefined);
    await syncUser(db.admin, { id: "user_alice1", email: "AL\u0130CE@corp.com", source: "reconcile" }).catch(() => undefined);
    expect((await db.admin.query("SELECT retool_user_id, email FROM public.users WHERE retool_user_id = 'user_alice1'")).rows).toEqual(before);
    expect(before).toEqual([{ retool_user_id: "user_alice1", email: "alice@corp.com" }]);
  });

  it("NFC and NFD forms of one address are one user (in ascii, neither is accepted)", async () => {
    const nfc = () => syncUser(db.admin, { id: "user_jose1", email: "jos\u00e9@corp.com", source: "event" });
    const nfd = () => syncUser(db.admin, { id: "user_jose2", email: "jose\u0301@corp.com", source: "event" });
    if (charset === "unicode") {
      await nfc();
      expect((await pgError(nfd)).code).toBe("23505");
    } else {
      expect([(await pgError(nfc)).code, (await pgError(nfd)).code]).toEqual(["22023", "22023"]);
    }
    const rows = await db.admin.query("SELECT retool_user_id FROM public.users WHERE retool_user_id IN ('user_jose1', 'user_jose2') ORDER BY 1");
    expect(rows.rows.map((r) => r.retool_user_id)).toEqual(charset === "unicode" ? ["user_jose1"] : []);
  });

  it("for any string, JavaScript's canonical form and validity are the database's", async () => {
    // Fixed seed: Postgres and Node may ship different Unicode versions, so a random draw could
    // one day land on a newly assigned character; the same draws every run keep the suite stable.
    const strings = fc
      .sample(fc.oneof(fc.string({ unit: "binary", maxLength: 24 }), fc.emailAddress(), fc.constantFrom(...LOOKALIKES.map((l) => l.address))), {
        numRuns: 2000,
        seed: 20261129,
      })
      .filter((s) => !s.includes("\u0000") && s.isWellFormed());
    expect(await sqlCanonical(db.admin, strings)).toEqual(strings.map(canonicalEmail));
    expect(await sqlValid(db.admin, strings, charset)).toEqual(strings.map((s) => isValidEmail(s, charset)));
    expect(strings.map(storedEmail).every((s) => s === s.normalize("NFC"))).toBe(true);
  });
});

/** Every code point of a Unicode property, as this Node knows it. */
function codePointsOf(property: RegExp): number[] {
  const out: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) if (!(cp >= 0xd800 && cp <= 0xdfff) && property.test(String.fromCodePoint(cp))) out.push(cp);
  return out;
}

describe("invisible and format characters, from the Unicode properties", () => {
  const FORMAT = codePointsOf(/\p{Cf}/u);
  let db: Provisioned;
  beforeAll(async () => {
    db = await provision({ plan: "team", emailCharacters: "unicode" });
  });
  afterAll(async () => {
    await db.admin.end();
  });

  it("the refused table holds every code point of Cc, Cf, Zs, Zl, Zp, Co and Default_Ignorable_Code_Point in this Node's Unicode", () => {
    const table = /[\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}\p{Co}\p{Default_Ignorable_Code_Point}]/u;
    const missing = codePointsOf(table).filter((cp) => !REFUSED_CODE_POINTS.some(([a, b]) => cp >= a && cp <= b));
    expect(missing.map((cp) => cp.toString(16))).toEqual([]);
  });

  it(`every Cf code point (${FORMAT.length} of them) is refused, alike in SQL and in JavaScript, inside an address and at its ends`, async () => {
    expect(FORMAT.length).toBeGreaterThan(150);
    for (const cp of [0x1d173, 0xe0001, 0x13430]) expect(FORMAT).toContain(cp);
    const addresses = FORMAT.flatMap((cp) => {
      const c = String.fromCodePoint(cp);
      return [`bo${c}b@corp.com`, `bob@corp.com${c}`, `${c}bob@corp.com`];
    });
    const js = addresses.map((a) => isValidEmail(a, "unicode"));
    const sql = await sqlValid(db.admin, addresses, "unicode");
    expect(sql).toEqual(js);
    expect(js.filter(Boolean)).toEqual([]);
  });
});
