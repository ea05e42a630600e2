-- 002_users_table: add the Retool columns to the existing table public.customers (no rewrite, no defaults, existing rows untouched)
-- checksum 86422c1802e18b32f4af436c159f1a555f66eb31ff0ffa2cb917ce7492d7b9bf
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '30ms';

SET LOCAL statement_timeout = '300000ms';

DO $adopt$
BEGIN
  IF to_regclass('"public"."customers"') IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42P01',
      MESSAGE = 'usersTable.mode is adopt, but table public.customers does not exist',
      HINT = 'Fix usersTable.schema and usersTable.name in the stack file, or use usersTable.mode: create.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                 WHERE attrelid = '"public"."customers"'::regclass AND attname = 'id' AND NOT attisdropped) THEN
    RAISE EXCEPTION USING ERRCODE = '42703',
      MESSAGE = 'usersTable.mode is adopt, but public.customers has no column id',
      HINT = 'Set usersTable.primaryKey to the existing column''s name in the stack file.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                 WHERE attrelid = '"public"."customers"'::regclass AND attname = 'email' AND NOT attisdropped) THEN
    RAISE EXCEPTION USING ERRCODE = '42703',
      MESSAGE = 'usersTable.mode is adopt, but public.customers has no column email',
      HINT = 'Set usersTable.emailColumn to the existing column''s name in the stack file.';
  END IF;
END
$adopt$;

ALTER TABLE "public"."customers"
  ADD COLUMN IF NOT EXISTS "retool_user_id" text,
  ADD COLUMN IF NOT EXISTS "retool_first_name" text,
  ADD COLUMN IF NOT EXISTS "retool_last_name" text,
  ADD COLUMN IF NOT EXISTS "retool_active" boolean,
  ADD COLUMN IF NOT EXISTS "retool_created_at" timestamptz,
  ADD COLUMN IF NOT EXISTS "retool_updated_at" timestamptz,
  ADD COLUMN IF NOT EXISTS "retool_last_seen_at" timestamptz;

COMMIT;
