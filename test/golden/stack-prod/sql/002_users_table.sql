-- 002_users_table: create retool.users, one row per Retool user
-- checksum 7d405e7ef7cdfac2cfac5a0b100ba68a486f9c4da5fce99a97deebc757e21e80
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '5000ms';

SET LOCAL statement_timeout = '300000ms';

CREATE SCHEMA IF NOT EXISTS "retool";

CREATE TABLE IF NOT EXISTS "retool"."users" (
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
  IF to_regclass('"retool"."users_email_canonical_key"') IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT string_agg(format('%s (rows %s)', q.address, q.rows), '; ') INTO v_clashes
  FROM (SELECT retool_sync.canonical_email("email") AS address, string_agg("id"::text, ', ' ORDER BY "id") AS rows
        FROM "retool"."users" GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20) AS q;
  IF v_clashes IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool.users holds addresses that are the same address in canonical form: %s', v_clashes),
      HINT = 'Merge each pair of rows, or correct one of the addresses, then run pulumi up again. Nothing was changed (docs/database.md, Emails).';
  END IF;
END
$clashes$;

CREATE UNIQUE INDEX IF NOT EXISTS "users_email_canonical_key" ON "retool"."users" (retool_sync.canonical_email("email"));

-- Safe without CONCURRENTLY: only tables an earlier release created have this index, and this step's transaction holds the table for the index it builds anyway.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX IF EXISTS "retool"."users_email_lower_key";

COMMENT ON TABLE "retool"."users" IS 'Retool users, one row each, keyed by retool_user_id. Written through the retool_sync functions; managed by retool-user-sync.';

COMMIT;
