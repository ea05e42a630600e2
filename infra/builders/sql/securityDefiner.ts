// The attributes every function in schema retool_sync carries, written in one place because each
// is part of the trust model: it runs with its owner's rights (so a Retool role needs EXECUTE on
// its entry point and nothing on the table), and with a fixed search_path, so that no caller can
// put a function or operator of its own schema in its way.
//
// The sync paths (the core and the batch) also fix two settings whatever the caller set: a lock
// timeout, so that a session holding a row (a Retool role can, through its own entry point, in an
// open transaction) makes others wait at most that long before a clear, retryable 55P03 "lock
// timeout", and client_min_messages, so that the LOG lines the core writes for admins (the
// specifics of a refused claim) are never sent to the caller, who could otherwise ask for them.
// A function's SET clause holds for its own run and is put back on exit.

/** How long a sync path waits for any one lock before giving up with 55P03. */
export const SYNC_LOCK_TIMEOUT = "2s";

export function securityDefiner(language: "sql" | "plpgsql", volatility: "VOLATILE" | "STABLE", { syncPath = false }: { syncPath?: boolean } = {}): string {
  return `LANGUAGE ${language}
${volatility}
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp${
    syncPath
      ? `
SET lock_timeout = ${SYNC_LOCK_TIMEOUT.replace(/^|$/g, "'")}
SET client_min_messages = notice`
      : ""
  }`;
}
