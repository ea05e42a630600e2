// Retool's users as the client hands them on: each checked and reduced to the fields the sync
// rules read, so that one bad record (a null entry, a NUL character, a lone UTF-16 surrogate,
// which Postgres's jsonb refuses for the whole page) is reported alone and the rest of its page
// is synced. What the database's own rules refuse (a malformed id or address) it reports itself.

/** A Retool user as the sync rules read it. */
export interface RetoolUser {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  /** Absent when Retool does not say; the row's own value then stays. */
  active?: boolean;
}

/** A record of Retool's list that was not passed on, and why. */
export interface RejectedUser {
  /** The record's id when it has a string one, else its place in the page ("#3"). */
  retoolUserId: string;
  email?: string;
  error: string;
}

export type CheckedUser = { user: RetoolUser } | { rejected: RejectedUser };

/** What Postgres cannot hold in text or jsonb: NUL, and UTF-16 surrogates without their pair. */
function unstorable(value: string): string | undefined {
  if (value.includes("\u0000")) return "holds a NUL character";
  if (!value.isWellFormed()) return "holds a lone UTF-16 surrogate";
  return undefined;
}

/** One record of GET /api/v2/users; `position` is its place in the page, for records without an id. */
export function checkRetoolUser(raw: unknown, position: number): CheckedUser {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      rejected: {
        retoolUserId: `#${position}`,
        error: `entry ${position} of the page is not a user object (got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw})`,
      },
    };
  }
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === "string" && unstorable(r.id) === undefined ? r.id : undefined;
  const email = typeof r.email === "string" && unstorable(r.email) === undefined ? r.email : undefined;
  const reject = (error: string): CheckedUser => ({ rejected: { retoolUserId: id ?? `#${position}`, email, error } });
  for (const field of ["id", "email"] as const) {
    if (typeof r[field] !== "string") return reject(`${field} is not a string (got ${r[field] === null ? "null" : typeof r[field]})`);
  }
  for (const field of ["id", "email", "first_name", "last_name"] as const) {
    const value = r[field];
    if (value !== undefined && value !== null && typeof value !== "string") return reject(`${field} is not a string (got ${typeof value})`);
    const problem = typeof value === "string" ? unstorable(value) : undefined;
    if (problem) return reject(`${field} ${problem}`);
  }
  if (r.active !== undefined && r.active !== null && typeof r.active !== "boolean")
    return reject(`active is not true or false (got ${JSON.stringify(r.active)})`);
  const user: RetoolUser = {
    id: r.id as string,
    email: r.email as string,
    first_name: (r.first_name as string | null | undefined) ?? null,
    last_name: (r.last_name as string | null | undefined) ?? null,
  };
  if (typeof r.active === "boolean") user.active = r.active;
  return { user };
}

/** A page's records, split into the users passed on and the records rejected. */
export function checkRetoolUsers(raw: unknown[]): { users: RetoolUser[]; rejected: RejectedUser[] } {
  const users: RetoolUser[] = [];
  const rejected: RejectedUser[] = [];
  raw.forEach((r, i) => {
    const checked = checkRetoolUser(r, i + 1);
    if ("user" in checked) users.push(checked.user);
    else rejected.push(checked.rejected);
  });
  return { users, rejected };
}
