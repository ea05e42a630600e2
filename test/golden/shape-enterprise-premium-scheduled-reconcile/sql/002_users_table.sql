-- 002_users_table: create public.users, one row per Retool user
-- checksum dd8ba7741037ff37d4f4cba6593a73519a3ae1526e3ffa6dfc369e739c0d1668
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '5000ms';

SET LOCAL statement_timeout = '300000ms';

CREATE SCHEMA IF NOT EXISTS "public";

CREATE TABLE IF NOT EXISTS "public"."users" (
  "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "retool_user_id" text CONSTRAINT "users_retool_user_id_key" UNIQUE
    CONSTRAINT "users_retool_user_id_format" CHECK ("retool_user_id" ~ '^user_[a-z0-9]+$'),
  "email" text NOT NULL CONSTRAINT "users_email_not_blank" CHECK (btrim("email") <> ''),
  "first_name" text,
  "last_name" text,
  "active" boolean NOT NULL DEFAULT true,
  "created_at" timestamptz NOT NULL DEFAULT now(),
  "updated_at" timestamptz NOT NULL DEFAULT now(),
  "last_seen_at" timestamptz
);

DO $clashes$
DECLARE
  v_clashes text;
BEGIN
  IF to_regclass('"public"."users_email_canonical_key"') IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT string_agg(format('%s (rows %s)', q.address, q.rows), '; ') INTO v_clashes
  FROM (SELECT retool_sync.canonical_email("email") AS address, string_agg("id"::text, ', ' ORDER BY "id") AS rows
        FROM "public"."users" GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20) AS q;
  IF v_clashes IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('public.users holds addresses that are the same address in canonical form: %s', v_clashes),
      HINT = 'Merge each pair of rows, or correct one of the addresses, then run pulumi up again. Nothing was changed (docs/database.md, Emails).';
  END IF;
END
$clashes$;

CREATE UNIQUE INDEX IF NOT EXISTS "users_email_canonical_key" ON "public"."users" (retool_sync.canonical_email("email"));

-- Safe without CONCURRENTLY: only tables an earlier release created have this index, and this step's transaction holds the table for the index it builds anyway.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX IF EXISTS "public"."users_email_lower_key";

COMMENT ON TABLE "public"."users" IS 'Retool users, one row each, keyed by retool_user_id. Written through the retool_sync functions; managed by retool-user-sync.';

COMMIT;
