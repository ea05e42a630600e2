// Which column holds what. A created table uses plain names; an adopted table keeps its own
// primary key and email column, and gets retool_-prefixed columns so none of its own is touched.
import type { UsersTableSettings } from "../../config/schema";
import { qualified } from "./identifiers";

export interface UsersTableColumns {
  schema: string;
  table: string;
  /** schema-qualified, quoted */
  qualifiedName: string;
  primaryKey: string;
  retoolUserId: string;
  email: string;
  firstName: string;
  lastName: string;
  active: string;
  createdAt: string;
  updatedAt: string;
  lastSeenAt: string;
}

export function usersTableColumns(table: UsersTableSettings): UsersTableColumns {
  const base = { schema: table.schema, table: table.name, qualifiedName: qualified(table.schema, table.name) };
  if (table.mode === "create") {
    return {
      ...base,
      primaryKey: "id",
      retoolUserId: "retool_user_id",
      email: "email",
      firstName: "first_name",
      lastName: "last_name",
      active: "active",
      createdAt: "created_at",
      updatedAt: "updated_at",
      lastSeenAt: "last_seen_at",
    };
  }
  return {
    ...base,
    primaryKey: table.primaryKey,
    retoolUserId: "retool_user_id",
    email: table.emailColumn,
    firstName: "retool_first_name",
    lastName: "retool_last_name",
    active: "retool_active",
    createdAt: "retool_created_at",
    updatedAt: "retool_updated_at",
    lastSeenAt: "retool_last_seen_at",
  };
}

/** Index names derived from the table name, cut to Postgres's 63-byte limit. */
export function indexName(table: string, suffix: string): string {
  return `${table.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}
