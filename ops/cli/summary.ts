// The end-of-run summary backfill and reconcile --apply print.
import type { BatchSummary } from "../sync/userBatches";

const LABELS: Record<string, string> = {
  created: "created",
  linked: "linked by email",
  updated: "updated",
  unchanged: "unchanged",
  deactivated: "deactivated",
  failed: "failed",
};

export function formatSummary(title: string, s: BatchSummary): string {
  const lines = [title];
  for (const [k, label] of Object.entries(LABELS)) lines.push(`  ${label.padEnd(16)} ${s.counts[k as keyof BatchSummary["counts"]] ?? 0}`);
  if (s.resumed) lines.push(`  (resumed after ${s.resumed.pages} pages synced by an interrupted run; their counts are included)`);
  if (s.stopped) lines.push(`  (stopped on request after ${s.pages} pages this run; run it again to resume from there)`);
  for (const f of s.failures.slice(0, 50)) lines.push(`  ! ${f.retoolUserId} ${f.email ?? ""}: ${f.error}`);
  if (s.failures.length > 50) lines.push(`  ... and ${s.failures.length - 50} more failures (use --json for all)`);
  return lines.join("\n");
}
