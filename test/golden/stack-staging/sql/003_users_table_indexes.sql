-- 003_users_table_indexes: index public.customers by Retool id (unique), by canonical email, and by canonical email of linked rows (unique), built concurrently so writers are not blocked
-- checksum f8f8d25173764c5a3c40617b37c111f1daa22673fe1e0718840e9e503a9f34a8
-- runs outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside one)

SET lock_timeout = '600000ms';

SET statement_timeout = '3600000ms';

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "customers_retool_user_id_key" ON "public"."customers" ("retool_user_id");

CREATE INDEX CONCURRENTLY IF NOT EXISTS "customers_email_canonical_idx" ON "public"."customers" (retool_sync.canonical_email("email"));

DO $clashes$
DECLARE
  v_clashes text;
BEGIN
  IF to_regclass('"public"."customers_email_linked_key"') IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT string_agg(format('%s (rows %s)', q.address, q.rows), '; ') INTO v_clashes
  FROM (SELECT retool_sync.canonical_email("email") AS address, string_agg("id"::text, ', ' ORDER BY "id") AS rows
        FROM "public"."customers" WHERE "retool_user_id" IS NOT NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 20) AS q;
  IF v_clashes IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('public.customers holds linked rows (with a Retool id) whose addresses are the same address in canonical form: %s', v_clashes),
      HINT = 'Merge each pair of rows, or correct one of the addresses, then run pulumi up again. Nothing was changed (docs/database.md, Emails).';
  END IF;
END
$clashes$;

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "customers_email_linked_key" ON "public"."customers" (retool_sync.canonical_email("email")) WHERE "retool_user_id" IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS "public"."customers_email_lower_idx";
