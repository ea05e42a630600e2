// Backfill's engine: Retool's users a page at a time into retool_sync.sync_users, one database
// round trip and one transaction per page, with the page's progress saved in that transaction.
import type { Client } from "pg";
import { BATCH_OUTCOMES, type BatchSource } from "../../infra/builders/sql/batchSync";
import { BATCH_FUNCTION, PROGRESS_TABLE } from "../../infra/builders/sql/syncApi";
import { withTransaction } from "../../infra/providers/pgConnection";
import { RetoolApiError } from "../../infra/providers/retool/retoolApiError";
import { type RejectedUser, type RetoolClient, RetoolStopped, type RetoolUser, type UsersPage } from "../../infra/providers/retool/retoolClient";

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
  progress?: { runKey: string; next?: string },
): Promise<BatchRow[]> {
  // Named, so Postgres parses and plans the call once per connection, not once per page.
  const r = await db.query<BatchRow>({
    name: "retool-user-sync:sync_users",
    text: `SELECT retool_user_id, outcome, error FROM ${BATCH_FUNCTION}($1::jsonb, $2, $3, $4, $5)`,
    values: [JSON.stringify(users), source, progress?.runKey ?? null, progress?.next ?? null, progress ? !progress.next : false],
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

/** Adds one page's outcomes to a summary: each counted, each failure kept with the user's email. */
export function tallyPage(summary: BatchSummary, users: RetoolUser[], rows: BatchRow[], rejected: RejectedUser[] = []): void {
  const emails = new Map(users.map((u) => [u.id, u.email]));
  for (const row of rows) {
    summary.counts[row.outcome] += 1;
    if (row.outcome === "failed") summary.failures.push({ retoolUserId: row.retool_user_id, email: emails.get(row.retool_user_id), error: row.error ?? "" });
  }
  summary.counts.failed += rejected.length;
  summary.failures.push(...rejected);
  summary.users += users.length + rejected.length;
  summary.pages += 1;
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
  onPage?: (page: UsersPage, rows: BatchRow[]) => void;
  log?: (line: string) => void;
  /** Aborted (Ctrl-C), the run ends after the database call in hand; a Retool call in flight is abandoned. */
  stop?: AbortSignal;
}

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
    try {
      yield* o.api.userPages(from);
    } catch (e) {
      // A saved cursor Retool no longer takes: every page is safe to sync twice, so start over.
      if (from && e instanceof RetoolApiError && (e.status === 400 || e.status === 422) && summary.pages === 0) {
        o.log?.("Retool no longer accepts the saved cursor; starting from the first page (pages already synced come out unchanged).");
        summary.resumed = undefined;
        summary.counts = emptyCounts();
        await clearProgress();
        yield* o.api.userPages();
      } else throw e;
    }
  };
  for await (const page of pages()) {
    // A page is one statement: one round trip, and its own transaction, which also saves the
    // page's progress. No BEGIN and COMMIT around it: each would be a round trip of its own.
    const rows = o.dryRun
      ? await withTransaction(o.db, () => syncBatch(o.db, page.users, "backfill"), { rollback: true })
      : await syncBatch(o.db, page.users, "backfill", { runKey: o.runKey, next: page.next });
    tallyPage(summary, page.users, rows, page.rejected);
    o.onPage?.(page, rows);
    if (o.stop?.aborted && page.next) {
      summary.stopped = true;
      return;
    }
  }
}
