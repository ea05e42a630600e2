// Quoting for names that go into SQL text. Config already restricts names to lowercase
// identifiers; quoting anyway means a reserved word (user, order) is still a valid name.
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The schema that holds the sync function and the migration ledger; never the users' data. */
export const SYNC_SCHEMA = "retool_sync";
