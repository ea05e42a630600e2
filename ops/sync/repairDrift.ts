// reconcile --apply's repair: the users drift says Retool has and the table lacks or has
// otherwise, sent through the sync rules a bounded number at a time.
import type { Client } from "pg";
import type { RetoolUser } from "../../infra/providers/retool/retoolClient";
import { BatchRunFailed, type BatchSummary, emptySummary, syncBatch, tallyPages } from "./userBatches";

/** Users per sync_users call: the size of a backfill page, so one call's locks and work stay bounded. */
const CHUNK = 100;

/** Sends the users apply can repair (usersToRepair) through the sync rules, CHUNK per statement; onChunk hears of each. */
export async function repairDrift(db: Client, users: RetoolUser[], onChunk?: (users: number) => void): Promise<BatchSummary> {
  const summary = emptySummary();
  try {
    for (let i = 0; i < users.length; i += CHUNK) {
      const chunk = users.slice(i, i + CHUNK);
      tallyPages(summary, [{ users: chunk }], await syncBatch(db, chunk, "reconcile"));
      onChunk?.(chunk.length);
    }
  } catch (e) {
    throw new BatchRunFailed(summary, e);
  }
  return summary;
}
