// The attributes every function in schema retool_sync carries, written in one place because each
// is part of the trust model: it runs with its owner's rights (so a Retool role needs EXECUTE on
// its entry point and nothing on the table), and with a fixed search_path, so that no caller can
// put a function or operator of its own schema in its way.
export function securityDefiner(language: "sql" | "plpgsql", volatility: "VOLATILE" | "STABLE"): string {
  return `LANGUAGE ${language}
${volatility}
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp`;
}
