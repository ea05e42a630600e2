// Backfill's engine: Retool's users into retool_sync.sync_users, one database round trip and one
// transaction per statement, with the progress saved in that transaction. Retool's pages are read
// ahead while the database writes, and a statement carries every page that arrived meanwhile.
import type { Client } from "pg";
import { BATCH_OUTCOMES, type BatchSource } from "../../infra/builders/sql/batchSync";
import { BATCH_FUNCTION, PROGRESS_TABLE } from "../../infra/builders/sql/syncApi";
import { withTransaction } from "../../infra/providers/pgConnection";
import { RetoolApiError } from "../../infra/providers/retool/retoolApiError";
import { type RejectedUser, type RetoolClient, RetoolStopped, type RetoolUser, type UsersPage } from "../../infra/providers/retool/retoolClient";
import { ReadAhead } from "./readAhead";

export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];
export interface BatchRow {
  retool_user_id: string;
  outcome: BatchOutcome;
  error: string | null;
}

/**
 * A user as sync_users reads it from JSON: Retool's record. The SQL checks every field itself (the
 * scheduled reconcile hands it Retool's answer unfiltered), so a field of the wrong type fails
 * that user, not the page; hence `unknown` beside the id.
 */
export type BatchUser = Pick<RetoolUser, "id"> & { [K in "email" | "first_name" | "last_name" | "active"]?: unknown };

export async function syncBatch(
  db: Client,
  users: readonly BatchUser[],
  source: BatchSource,
  progress?: { runKey: string; next?: string; pages?: number },
): Promise<BatchRow[]> {
  // Named, so Postgres parses and plans the call once per connection, not once per page.
  const r = await db.query<BatchRow>({
    name: "retool-user-sync:sync_users",
    text: `SELECT retool_user_id, outcome, error FROM ${BATCH_FUNCTION}($1::jsonb, $2, $3, $4, $5, $6)`,
    values: [JSON.stringify(users), source, progress?.runKey ?? null, progress?.next ?? null, progress ? !progress.next : false, progress?.pages ?? 1],
  });
  return r.rows;
}

export interface BatchSummary {
  counts: Record<BatchOutcome, number>;
  failures: { retoolUserId: string; email?: string; error: string }[];
  pages: number;
  users: number;
  /** Set when this run picked up an interrupted one. */
  resumed?: { pages: number };
  /** Set when `stop` ended the run early: a rerun resumes after the last committed page. */
  stopped?: boolean;
}

export const emptyCounts = (): Record<BatchOutcome, number> => Object.fromEntries(BATCH_OUTCOMES.map((o) => [o, 0])) as Record<BatchOutcome, number>;

export const emptySummary = (): BatchSummary => ({ counts: emptyCounts(), failures: [], pages: 0, users: 0 });

/** Adds one statement's outcomes to a summary: each counted, each failure kept with the user's email. */
export function tallyPages(summary: BatchSummary, pages: { users: RetoolUser[]; rejected?: RejectedUser[] }[], rows: BatchRow[]): void {
  const emails = new Map(pages.flatMap((p) => p.users.map((u) => [u.id, u.email] as const)));
  for (const row of rows) {
    summary.counts[row.outcome] += 1;
    if (row.outcome === "failed") summary.failures.push({ retoolUserId: row.retool_user_id, email: emails.get(row.retool_user_id), error: row.error ?? "" });
  }
  for (const p of pages) {
    const rejected = p.rejected ?? [];
    summary.counts.failed += rejected.length;
    summary.failures.push(...rejected);
    summary.users += p.users.length + rejected.length;
    summary.pages += 1;
  }
}

/** The run failed part way: what was done until then comes with it. */
export class BatchRunFailed extends Error {
  constructor(
    readonly summary: BatchSummary,
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "BatchRunFailed";
  }
}

export interface BackfillOptions {
  api: RetoolClient;
  db: Client;
  /** Names this run's progress row: one per Retool org and database. */
  runKey: string;
  dryRun?: boolean;
  /** Ignore an interrupted run's progress and start from the first page. */
  restart?: boolean;
  /** Hears of each page once it is written. */
  onPage?: (page: UsersPage) => void;
  log?: (line: string) => void;
  /** Aborted (Ctrl-C), the run ends after the database call in hand; a Retool call in flight is abandoned. */
  stop?: AbortSignal;
  /** The most Retool pages one statement carries (default PAGES_PER_STATEMENT). */
  pagesPerStatement?: number;
}

/**
 * The most Retool pages of 100 one sync_users statement carries: about 130 KB of JSON, and a
 * transaction of some 50 ms holding the rows it writes. Ten already takes nine in ten round trips,
 * commits and progress saves away; more would mostly lengthen the transaction.
 */
export const PAGES_PER_STATEMENT = 10;

async function savedProgress(db: Client, runKey: string): Promise<{ cursor: string | null; pages: number; counts: Record<string, number> } | undefined> {
  const r = await db.query(`SELECT next_cursor, pages, counts, finished FROM ${PROGRESS_TABLE} WHERE run_key = $1`, [runKey]);
  const row = r.rows[0];
  return row && !row.finished ? { cursor: row.next_cursor, pages: Number(row.pages), counts: row.counts } : undefined;
}

/** Every Retool user into the table (source backfill); throws BatchRunFailed with the summary so far. */
export async function backfill(o: BackfillOptions): Promise<BatchSummary> {
  const summary = emptySummary();
  try {
    await backfillPages(o, summary);
  } catch (e) {
    if (e instanceof RetoolStopped) summary.stopped = true;
    else throw new BatchRunFailed(summary, e);
  }
  return summary;
}

async function backfillPages(o: BackfillOptions, summary: BatchSummary): Promise<void> {
  let from: string | undefined;
  const clearProgress = () => o.db.query(`DELETE FROM ${PROGRESS_TABLE} WHERE run_key = $1`, [o.runKey]);
  if (!o.dryRun) {
    const saved = o.restart ? undefined : await savedProgress(o.db, o.runKey);
    if (saved?.cursor) {
      from = saved.cursor;
      summary.resumed = { pages: saved.pages };
      for (const [k, v] of Object.entries(saved.counts)) summary.counts[k as BatchOutcome] += v;
      o.log?.(`Resuming an interrupted backfill after ${saved.pages} pages.`);
    } else {
      await clearProgress();
    }
  }
  const pages = async function* () {
    let read = 0;
    try {
      for await (const page of o.api.userPages(from)) {
        read += 1;
        yield page;
      }
    } catch (e) {
      // A saved cursor Retool no longer takes: every page is safe to sync twice, so start over.
      if (from && e instanceof RetoolApiError && (e.status === 400 || e.status === 422) && read === 0) {
        o.log?.("Retool no longer accepts the saved cursor; starting from the first page (pages already synced come out unchanged).");
        summary.resumed = undefined;
        summary.counts = emptyCounts();
        await clearProgress();
        yield* o.api.userPages();
      } else throw e;
    }
  };
  const ahead = new ReadAhead(pages(), o.pagesPerStatement ?? PAGES_PER_STATEMENT);
  try {
    for (let group = await ahead.take(); group; group = await ahead.take()) {
      // One statement: one round trip, and its own transaction, which also saves the progress:
      // the cursor after its last page, so a rerun resumes exactly there. No BEGIN and COMMIT
      // around it: each would be a round trip of its own.
      const users = group.flatMap((p) => p.users);
      const last = group[group.length - 1];
      const rows = o.dryRun
        ? await withTransaction(o.db, () => syncBatch(o.db, users, "backfill"), { rollback: true })
        : await syncBatch(o.db, users, "backfill", { runKey: o.runKey, next: last.next, pages: group.length });
      tallyPages(summary, group, rows);
      for (const page of group) o.onPage?.(page);
      if (o.stop?.aborted && last.next) {
        summary.stopped = true;
        return;
      }
    }
  } finally {
    ahead.close();
  }
}
