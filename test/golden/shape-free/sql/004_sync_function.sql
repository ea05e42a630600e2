-- 004_sync_function: the sync functions of public.users: the write path, the batch path and the Retool roles' entry points
-- checksum 336cb1ce500466d172a0a4bf13d9f17834a8387f1d47c3db50d534ea15a42eee
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '5000ms';

SET LOCAL statement_timeout = '300000ms';

DO $type$
DECLARE
  v_type regtype := to_regtype('retool_sync.synced_user');
  v_fn regprocedure;
  v_detail text;
BEGIN
  IF v_type IS NOT NULL AND (
    SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = (SELECT typrelid FROM pg_catalog.pg_type WHERE oid = v_type) AND a.attnum > 0 AND NOT a.attisdropped
  ) IS DISTINCT FROM 'retool_user_id,email,first_name,last_name,active,created_at,updated_at,last_seen_at,row_key' THEN
    FOR v_fn IN
      SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
      WHERE p.pronamespace = 'retool_sync'::regnamespace
        AND (p.prorettype = v_type OR v_type = ANY (p.proallargtypes))
    LOOP
      EXECUTE format('DROP FUNCTION %s', v_fn);
    END LOOP;
    BEGIN
      EXECUTE 'DROP TYPE retool_sync.synced_user';
    EXCEPTION WHEN dependent_objects_still_exist THEN
      GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
      RAISE EXCEPTION 'this release changes the fields of retool_sync.synced_user (now: retool_user_id,email,first_name,last_name,active,created_at,updated_at,last_seen_at,row_key), and objects of your own use the type: %', v_detail
        USING HINT = 'Change or drop those objects of yours, then run pulumi up again. Nothing was changed.';
    END;
  END IF;
  IF to_regtype('retool_sync.synced_user') IS NULL THEN
    CREATE TYPE retool_sync.synced_user AS (retool_user_id text, email text, first_name text, last_name text, active boolean, created_at timestamptz, updated_at timestamptz, last_seen_at timestamptz, row_key text);
  END IF;
END
$type$;

DO $drop$
DECLARE
  v_fn regprocedure;
BEGIN
  FOREACH v_fn IN ARRAY ARRAY[to_regprocedure('retool_sync.sync_user_outcome(text, text, text, text, text, boolean)'), to_regprocedure('retool_sync.sync_user(text, text, text, text, text, boolean)')] LOOP
    IF v_fn IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_proc p
      WHERE p.oid = v_fn
        AND (p.prorettype = 'retool_sync.synced_user'::regtype OR 'retool_sync.synced_user'::regtype = ANY (p.proallargtypes))
    ) THEN
      EXECUTE format('DROP FUNCTION %s', v_fn);
    END IF;
  END LOOP;
END
$drop$;

CREATE OR REPLACE FUNCTION retool_sync.sync_user_outcome(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text,
  p_source text,
  p_active boolean DEFAULT NULL,
  OUT o_outcome text,
  OUT o_user retool_sync.synced_user
)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
SET client_min_messages = notice
AS $sync$
#variable_conflict use_column
DECLARE
  v_email text;
  v_key text;
  v_first text;
  v_last text;
  v_trusted boolean := p_source IN ('event', 'backfill', 'reconcile');
  v_link boolean := true AND (p_source IN ('event', 'backfill', 'reconcile') OR false);
  v_seen timestamptz := CASE WHEN p_source IN ('continue_page', 'event') THEN now() END;
  v_row "public"."users";
  v_row_key text;
  v_holder "public"."users";
  v_matches bigint;
BEGIN
  IF coalesce(octet_length(p_retool_user_id) > 64, false)
    OR coalesce(octet_length(p_email) > 1024, false)
    OR coalesce(octet_length(p_first_name) > 1024, false)
    OR coalesce(octet_length(p_last_name) > 1024, false) THEN
    IF octet_length(p_retool_user_id) > 64 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is %s bytes long', octet_length(p_retool_user_id)),
      HINT = 'A Retool User ID has at most 64 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_email) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s bytes long', octet_length(p_email)),
      HINT = 'An email address has at most 254 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_first_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name is %s bytes long', octet_length(p_first_name)),
      HINT = 'A Retool first name has at most 36 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_last_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name is %s bytes long', octet_length(p_last_name)),
      HINT = 'A Retool last name has at most 36 characters; refused before any work was done on it.';
    END IF;
  END IF;
  v_email := normalize(btrim(p_email, ' '), NFC);
  v_first := nullif(btrim(p_first_name, ' '), '');
  v_last := nullif(btrim(p_last_name, ' '), '');
  IF coalesce(p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile'), false)
    OR coalesce(p_retool_user_id IS NULL OR p_retool_user_id = '', false)
    OR coalesce(length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$', false)
    OR coalesce(v_email IS NULL OR v_email = '', false)
    OR coalesce(length(v_email) > 254, false)
    OR coalesce(v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$', false)
    OR coalesce(char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL, false) THEN
    IF p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile') THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_source %s is not a known source', coalesce(quote_literal(left(p_source, 80)), 'NULL')),
      HINT = 'Use one of: continue_page, event, backfill, reconcile; the entry point each Retool role may call sets it.';
    END IF;
    IF p_retool_user_id IS NULL OR p_retool_user_id = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is required'),
      HINT = 'Pass the Retool User ID (current_user.sid in apps, id in the REST API).';
    END IF;
    IF length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id %s is not a Retool User ID', coalesce(quote_literal(left(p_retool_user_id, 80)), 'NULL')),
      HINT = 'Expected user_ followed by lowercase letters and digits, at most 64 characters: current_user.sid, not current_user.id.';
    END IF;
    IF v_email IS NULL OR v_email = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is required'),
      HINT = 'Pass the user''s email address (current_user.email).';
    END IF;
    IF length(v_email) > 254 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s characters long', length(v_email)),
      HINT = 'An email address has at most 254 characters.';
    END IF;
    IF v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email %s is not an email address', coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Expected one @, a dot in the domain, and printable ASCII characters only (emailCharacters: ascii).';
    END IF;
    IF char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_first, 80)), 'NULL'), 36),
      HINT = 'Retool first names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_last, 80)), 'NULL'), 36),
      HINT = 'Retool last names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_active can only be set by a trusted source, not by %s', p_source),
      HINT = 'Only event, backfill, reconcile may change whether a user is active.';
    END IF;
  END IF;
  IF v_seen IS NOT NULL THEN
    IF v_trusted THEN
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    ELSE
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    END IF;
    IF FOUND THEN
      o_outcome := 'unchanged';
      RETURN;
    END IF;
  END IF;
  v_key := retool_sync.canonical_email(v_email);
  FOR v_attempt IN 1..3 LOOP
    IF v_trusted THEN
      SELECT * INTO v_row FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id FOR UPDATE;
      IF FOUND THEN
        v_row_key := retool_sync.canonical_email(v_row."email"); -- NFKC once, not once per comparison
        IF v_row_key IS DISTINCT FROM v_key THEN
          SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "id" <> v_row."id" LIMIT 1;
          IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: row %s (Retool id %s) holds that address', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."id", coalesce(v_holder."retool_user_id", 'none')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END IF;
        END IF;
        o_outcome := CASE
          WHEN v_row."active" IS DISTINCT FROM false AND p_active = false THEN 'deactivated'
          WHEN (v_row."email", v_row."first_name", v_row."last_name", v_row."active") IS DISTINCT FROM (v_email, coalesce(v_first, v_row."first_name"), coalesce(v_last, v_row."last_name"), coalesce(p_active, v_row."active", true)) THEN 'updated'
          ELSE 'unchanged' END;
        IF v_row_key IS DISTINCT FROM v_key THEN
          -- A new address: the unique index on it (over linked rows, in adopt mode) arbitrates
          -- with a concurrent first sign-in of that address, and the loser is told plainly.
          BEGIN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
          EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: another row took that address meanwhile', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END;
        ELSIF o_outcome <> 'unchanged' OR v_seen IS NOT NULL THEN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
        END IF;
        o_outcome := o_outcome;
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN;
      END IF;
    ELSE
      UPDATE "public"."users" SET
        ("first_name", "last_name", "active") = ROW(coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)),
        "updated_at" = CASE WHEN ("first_name", "last_name", "active") IS DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)) THEN now() ELSE "updated_at" END,
        "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND retool_sync.canonical_email("email") = v_key
      RETURNING * INTO v_row;
      IF FOUND THEN
        o_outcome := 'unchanged';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN;
      END IF;
      SELECT * INTO v_holder FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
      IF FOUND THEN
        IF retool_sync.canonical_email(v_holder."email") = v_key THEN
          CONTINUE; -- an identical call committed this row after the UPDATE looked: go round and take it
        END IF;
        RAISE LOG 'retool_sync refused a % call for %: the row of that id has another email (row %)', p_source, p_retool_user_id, v_holder."id";
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
    END IF;
    IF v_link THEN
      SELECT * INTO v_row FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "retool_user_id" IS NULL LIMIT 1 FOR UPDATE;
      IF FOUND THEN
        BEGIN
        UPDATE "public"."users" SET "retool_user_id" = p_retool_user_id,
          "email" = CASE WHEN v_trusted THEN v_email ELSE "email" END,
          "first_name" = CASE WHEN v_trusted THEN coalesce(v_first, "first_name") ELSE coalesce("first_name", v_first) END,
          "last_name" = CASE WHEN v_trusted THEN coalesce(v_last, "last_name") ELSE coalesce("last_name", v_last) END,
          "active" = coalesce(p_active, "active", true),
          "created_at" = coalesce("created_at", now()),
          "updated_at" = now(),
          "last_seen_at" = coalesce(v_seen, "last_seen_at")
        WHERE "id" = v_row."id" AND "retool_user_id" IS NULL
        RETURNING * INTO v_row;
        EXCEPTION WHEN unique_violation THEN
          CONTINUE; -- another row was linked to this address meanwhile: go round, and the conflict is settled below
        END;
        IF FOUND THEN
        o_outcome := 'linked';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN;
        END IF;
      END IF;
    END IF;
    INSERT INTO "public"."users" ("retool_user_id", "email", "first_name", "last_name", "active", "created_at", "updated_at", "last_seen_at")
    VALUES (p_retool_user_id, v_email, v_first, v_last, coalesce(p_active, true), now(), now(), v_seen)
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN
        o_outcome := 'created';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN;
    END IF;
    PERFORM 1 FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
    IF FOUND THEN
      CONTINUE; -- a concurrent first call for the same user won; go round and update that row
    END IF;
    SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key ORDER BY "retool_user_id" NULLS LAST LIMIT 1;
    IF FOUND THEN
      IF v_holder."retool_user_id" IS NULL AND v_link THEN
        CONTINUE; -- the row appeared after we looked; go round and link it
      END IF;
      IF NOT v_trusted THEN
        RAISE LOG 'retool_sync refused a % call for %: the email belongs to row % (Retool id %)', p_source, p_retool_user_id, v_holder."id", coalesce(v_holder."retool_user_id", 'none');
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
      IF v_holder."retool_user_id" IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: row %s has the email %s but no Retool id, and a %s call may not link it to %s', v_holder."id", coalesce(quote_literal(left(v_email, 80)), 'NULL'), p_source, p_retool_user_id),
      HINT = 'The Continue page''s data comes from the browser, so it may not claim an existing row by email. Link it with a trusted source (`npm run backfill`), or set retool_user_id on that row by hand.';
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: the email %s already belongs to Retool user %s (row %s), not to %s', coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."retool_user_id", v_holder."id", p_retool_user_id),
      HINT = 'Retool emails are unique, so that row is out of date or this call is forged: run `npm run reconcile` to see which, then retry.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: inserting %s conflicted with a unique constraint of %s other than the Retool id and email', p_retool_user_id, 'public.users'),
      HINT = 'Check the table''s other unique indexes; sync_user only fills the Retool columns.';
  END LOOP;
  RAISE EXCEPTION USING ERRCODE = '40001',
      MESSAGE = format('retool_sync.sync_user_outcome: could not settle %s after 3 attempts under concurrent changes', p_retool_user_id),
      HINT = 'Retry the call.';
END
$sync$;

CREATE OR REPLACE FUNCTION retool_sync.sync_user(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text,
  p_source text,
  p_active boolean DEFAULT NULL
)
RETURNS retool_sync.synced_user
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $wrap$
  SELECT (s.o_user).* FROM retool_sync.sync_user_outcome(p_retool_user_id, p_email, p_first_name, p_last_name, p_source, p_active) AS s
$wrap$;

CREATE TABLE IF NOT EXISTS retool_sync.batch_progress (
  run_key text PRIMARY KEY,
  next_cursor text,
  pages bigint NOT NULL DEFAULT 0,
  counts jsonb NOT NULL DEFAULT '{}',
  finished boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

DROP FUNCTION IF EXISTS retool_sync.sync_users(jsonb, text, text, text, boolean);

CREATE OR REPLACE FUNCTION retool_sync.sync_users(
  p_users jsonb,
  p_source text,
  p_run_key text DEFAULT NULL,
  p_next_cursor text DEFAULT NULL,
  p_last_page boolean DEFAULT false,
  p_pages integer DEFAULT 1
)
RETURNS TABLE (retool_user_id text, outcome text, error text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
SET client_min_messages = notice
AS $batch$
#variable_conflict use_variable
DECLARE
  v_user jsonb;
  v_counts jsonb := '{}';
  v_created text[] := '{}';
  v_rest bigint[]; -- page positions that go one by one; NULL: all of them
BEGIN
  IF p_source IS NULL OR p_source NOT IN ('backfill', 'reconcile') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('retool_sync.sync_users: p_source %s is not a batch source', coalesce(quote_literal(p_source), 'NULL')),
      HINT = 'Use backfill or reconcile: batches carry Retool''s own user list.';
  END IF;
  IF p_pages IS NULL OR p_pages < 1 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('retool_sync.sync_users: p_pages %s is not a number of Retool pages', coalesce(p_pages::text, 'NULL')),
      HINT = 'Pass how many Retool pages p_users holds: 1 or more.';
  END IF;
  IF jsonb_typeof(p_users) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'retool_sync.sync_users: p_users must be a JSON array of Retool users',
      HINT = 'Pass the data array of GET /api/v2/users as it is.';
  END IF;
  -- The set-based attempt is a guess: when a row it meets is held by another session, it gives
  -- up fast, and the users go one by one, where a held row is skipped and reported.
  PERFORM pg_catalog.set_config('lock_timeout', '100ms', true);
  BEGIN
    BEGIN
      WITH p AS (
        SELECT p.*, NOT (coalesce(p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile'), false)
      OR coalesce(p.id IS NULL OR p.id = '', false)
      OR coalesce(length(p.id) > 64 OR p.id !~ '^user_[a-z0-9]+$', false)
      OR coalesce(p.email IS NULL OR p.email = '', false)
      OR coalesce(length(p.email) > 254, false)
      OR coalesce(p.email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$', false)
      OR coalesce(char_length(p.first) > 36 OR p.first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
      OR coalesce(char_length(p.last) > 36 OR p.last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
      OR coalesce(NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p.active IS NOT NULL, false)) AS fresh
        FROM (SELECT p.*
        FROM (SELECT e.ord, e.u->>'id' AS id, CASE WHEN e.bounded THEN normalize(btrim(e.u->>'email', ' '), NFC) END AS email,
                     CASE WHEN e.bounded THEN nullif(btrim(e.u->>'first_name', ' '), '') END AS first, CASE WHEN e.bounded THEN nullif(btrim(e.u->>'last_name', ' '), '') END AS last, CASE jsonb_typeof(e.u->'active') WHEN 'boolean' THEN (e.u->>'active')::boolean END AS active
              FROM (SELECT e.*, CASE
        WHEN jsonb_typeof(e.u) IS DISTINCT FROM 'object' THEN 'the record is not a user object'
        WHEN jsonb_typeof(e.u->'id') IS DISTINCT FROM 'string' THEN 'id is not a string'
        WHEN jsonb_typeof(e.u->'email') IS DISTINCT FROM 'string' THEN 'email is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'first_name'), 'null') NOT IN ('string', 'null') THEN 'first_name is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'last_name'), 'null') NOT IN ('string', 'null') THEN 'last_name is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'active'), 'null') NOT IN ('boolean', 'null') THEN 'active is not true or false'
      END IS NULL AND NOT (coalesce(octet_length(e.u->>'id') > 64, false)
      OR coalesce(octet_length(e.u->>'email') > 1024, false)
      OR coalesce(octet_length(e.u->>'first_name') > 1024, false)
      OR coalesce(octet_length(e.u->>'last_name') > 1024, false)) AS bounded
                    FROM jsonb_array_elements(p_users) WITH ORDINALITY AS e(u, ord)
                    OFFSET 0) AS e
              OFFSET 0) AS p
        OFFSET 0) AS p
      ), inserted AS (
        INSERT INTO "public"."users" ("retool_user_id", "email", "first_name", "last_name", "active", "created_at", "updated_at", "last_seen_at")
        SELECT p.id, p.email, p.first, p.last, coalesce(p.active, true), now(), now(), CASE WHEN p_source IN ('continue_page', 'event') THEN now() END
        FROM p WHERE p.fresh
        ORDER BY p.id
      )
      SELECT coalesce(array_agg(p.id) FILTER (WHERE p.fresh), '{}'), coalesce(array_agg(p.ord ORDER BY p.ord) FILTER (WHERE NOT p.fresh), '{}')
      INTO v_created, v_rest FROM p;
    EXCEPTION WHEN unique_violation THEN
      WITH p AS (
        SELECT p.*, (p.ids = 1 AND p.emails = 1 AND by_id.hit IS NULL AND by_email.hit IS NULL AND NOT (coalesce(p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile'), false)
      OR coalesce(p.id IS NULL OR p.id = '', false)
      OR coalesce(length(p.id) > 64 OR p.id !~ '^user_[a-z0-9]+$', false)
      OR coalesce(p.email IS NULL OR p.email = '', false)
      OR coalesce(length(p.email) > 254, false)
      OR coalesce(p.email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$', false)
      OR coalesce(char_length(p.first) > 36 OR p.first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
      OR coalesce(char_length(p.last) > 36 OR p.last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
      OR coalesce(NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p.active IS NOT NULL, false))) AS fresh
        FROM (SELECT p.*, count(*) OVER (PARTITION BY p.id) AS ids, count(*) OVER (PARTITION BY p.key) AS emails
              FROM (SELECT p.*, retool_sync.canonical_email(p.email) AS key
        FROM (SELECT e.ord, e.u->>'id' AS id, CASE WHEN e.bounded THEN normalize(btrim(e.u->>'email', ' '), NFC) END AS email,
                     CASE WHEN e.bounded THEN nullif(btrim(e.u->>'first_name', ' '), '') END AS first, CASE WHEN e.bounded THEN nullif(btrim(e.u->>'last_name', ' '), '') END AS last, CASE jsonb_typeof(e.u->'active') WHEN 'boolean' THEN (e.u->>'active')::boolean END AS active
              FROM (SELECT e.*, CASE
        WHEN jsonb_typeof(e.u) IS DISTINCT FROM 'object' THEN 'the record is not a user object'
        WHEN jsonb_typeof(e.u->'id') IS DISTINCT FROM 'string' THEN 'id is not a string'
        WHEN jsonb_typeof(e.u->'email') IS DISTINCT FROM 'string' THEN 'email is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'first_name'), 'null') NOT IN ('string', 'null') THEN 'first_name is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'last_name'), 'null') NOT IN ('string', 'null') THEN 'last_name is not a string'
        WHEN coalesce(jsonb_typeof(e.u->'active'), 'null') NOT IN ('boolean', 'null') THEN 'active is not true or false'
      END IS NULL AND NOT (coalesce(octet_length(e.u->>'id') > 64, false)
      OR coalesce(octet_length(e.u->>'email') > 1024, false)
      OR coalesce(octet_length(e.u->>'first_name') > 1024, false)
      OR coalesce(octet_length(e.u->>'last_name') > 1024, false)) AS bounded
                    FROM jsonb_array_elements(p_users) WITH ORDINALITY AS e(u, ord)
                    OFFSET 0) AS e
              OFFSET 0) AS p
        OFFSET 0) AS p) AS p
        LEFT JOIN LATERAL (SELECT true AS hit FROM "public"."users" t WHERE t."retool_user_id" = p.id LIMIT 1) AS by_id ON true
        LEFT JOIN LATERAL (SELECT true AS hit FROM "public"."users" t WHERE retool_sync.canonical_email(t."email") = p.key LIMIT 1) AS by_email ON true
      ), inserted AS (
        INSERT INTO "public"."users" ("retool_user_id", "email", "first_name", "last_name", "active", "created_at", "updated_at", "last_seen_at")
        SELECT p.id, p.email, p.first, p.last, coalesce(p.active, true), now(), now(), CASE WHEN p_source IN ('continue_page', 'event') THEN now() END
        FROM p WHERE p.fresh
        ORDER BY p.id
      )
      SELECT coalesce(array_agg(p.id) FILTER (WHERE p.fresh), '{}'), coalesce(array_agg(p.ord ORDER BY p.ord) FILTER (WHERE NOT p.fresh), '{}')
      INTO v_created, v_rest FROM p;
    END;
  EXCEPTION WHEN OTHERS THEN
    -- The table refused the set (a user already there, a trigger, another constraint of an
    -- adopted table): nothing of it stays, and every user goes one by one, reporting its own error.
    v_created := '{}';
    v_rest := NULL;
  END;
  PERFORM pg_catalog.set_config('lock_timeout', '2s', true);
  IF cardinality(v_created) > 0 THEN
    v_counts := jsonb_build_object('created', cardinality(v_created));
    RETURN QUERY SELECT unnest(v_created), 'created'::text, NULL::text;
  END IF;
  FOR v_user IN
    SELECT e.value FROM jsonb_array_elements(p_users) AS e WHERE v_rest IS NULL
    UNION ALL
    SELECT p_users->(r.ord::int - 1) FROM unnest(v_rest) AS r(ord)
  LOOP
    retool_user_id := v_user->>'id';
    error := CASE
      WHEN jsonb_typeof(v_user) IS DISTINCT FROM 'object' THEN 'the record is not a user object'
      WHEN jsonb_typeof(v_user->'id') IS DISTINCT FROM 'string' THEN 'id is not a string'
      WHEN jsonb_typeof(v_user->'email') IS DISTINCT FROM 'string' THEN 'email is not a string'
      WHEN coalesce(jsonb_typeof(v_user->'first_name'), 'null') NOT IN ('string', 'null') THEN 'first_name is not a string'
      WHEN coalesce(jsonb_typeof(v_user->'last_name'), 'null') NOT IN ('string', 'null') THEN 'last_name is not a string'
      WHEN coalesce(jsonb_typeof(v_user->'active'), 'null') NOT IN ('boolean', 'null') THEN 'active is not true or false'
    END;
    IF error IS NOT NULL THEN
      outcome := 'failed';
      error := 'retool_sync.sync_users: ' || error || ' (22023)';
    END IF;
    IF error IS NULL THEN
      -- Columns qualified: retool_user_id is also this function's output variable, which wins here.
      PERFORM 1 FROM "public"."users" AS t WHERE t."retool_user_id" = v_user->>'id' FOR UPDATE SKIP LOCKED;
      IF NOT FOUND AND EXISTS (SELECT 1 FROM "public"."users" AS t WHERE t."retool_user_id" = v_user->>'id') THEN
        -- Another session holds this user's row (a sign-in in flight, or a Retool role keeping a
        -- transaction open): skip it rather than wait; a rerun syncs it.
        outcome := 'failed';
        error := 'retool_sync.sync_users: the row of this user is held by another session; skipped rather than waited for, run again to sync it (55P03)';
      END IF;
    END IF;
    IF error IS NULL THEN
      BEGIN
        SELECT s.o_outcome INTO outcome
        FROM retool_sync.sync_user_outcome(v_user->>'id', v_user->>'email', v_user->>'first_name', v_user->>'last_name', p_source, CASE jsonb_typeof(v_user->'active') WHEN 'boolean' THEN (v_user->>'active')::boolean END) AS s;
      EXCEPTION WHEN OTHERS THEN
        outcome := 'failed';
        error := SQLERRM || ' (' || SQLSTATE || ')';
      END;
    END IF;
    v_counts := jsonb_set(v_counts, ARRAY[outcome], to_jsonb(coalesce((v_counts->>outcome)::int, 0) + 1));
    RETURN NEXT;
  END LOOP;
  IF p_run_key IS NOT NULL THEN
    IF NOT p_last_page THEN
      PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
    END IF;
    INSERT INTO retool_sync.batch_progress AS b (run_key, next_cursor, pages, counts, finished, updated_at)
    VALUES (p_run_key, p_next_cursor, p_pages, v_counts, p_last_page, now())
    ON CONFLICT (run_key) DO UPDATE SET
      next_cursor = EXCLUDED.next_cursor,
      pages = b.pages + p_pages,
      counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((b.counts->>k)::int, 0) + coalesce((EXCLUDED.counts->>k)::int, 0)), '{}')
                FROM (SELECT jsonb_object_keys(b.counts) UNION SELECT jsonb_object_keys(EXCLUDED.counts)) AS keys(k)),
      finished = EXCLUDED.finished,
      updated_at = now();
  END IF;
END
$batch$;

CREATE OR REPLACE FUNCTION retool_sync.users_snapshot()
RETURNS TABLE (retool_user_id text, email text, first_name text, last_name text, active boolean)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $snap$
  SELECT "retool_user_id"::text, "email"::text, "first_name"::text, "last_name"::text, "active"
  FROM "public"."users"
  WHERE "retool_user_id" IS NOT NULL
$snap$;

CREATE OR REPLACE FUNCTION retool_sync.sync_page_user(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text
)
RETURNS retool_sync.synced_user
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
SET client_min_messages = notice
AS $sync$
#variable_conflict use_column
DECLARE
  p_source CONSTANT text := 'continue_page';
  p_active CONSTANT boolean := NULL;
  o_outcome text;
  o_user retool_sync.synced_user;
  v_email text;
  v_key text;
  v_first text;
  v_last text;
  v_trusted boolean := p_source IN ('event', 'backfill', 'reconcile');
  v_link boolean := true AND (p_source IN ('event', 'backfill', 'reconcile') OR false);
  v_seen timestamptz := CASE WHEN p_source IN ('continue_page', 'event') THEN now() END;
  v_row "public"."users";
  v_row_key text;
  v_holder "public"."users";
  v_matches bigint;
BEGIN
  IF coalesce(octet_length(p_retool_user_id) > 64, false)
    OR coalesce(octet_length(p_email) > 1024, false)
    OR coalesce(octet_length(p_first_name) > 1024, false)
    OR coalesce(octet_length(p_last_name) > 1024, false) THEN
    IF octet_length(p_retool_user_id) > 64 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is %s bytes long', octet_length(p_retool_user_id)),
      HINT = 'A Retool User ID has at most 64 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_email) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s bytes long', octet_length(p_email)),
      HINT = 'An email address has at most 254 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_first_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name is %s bytes long', octet_length(p_first_name)),
      HINT = 'A Retool first name has at most 36 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_last_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name is %s bytes long', octet_length(p_last_name)),
      HINT = 'A Retool last name has at most 36 characters; refused before any work was done on it.';
    END IF;
  END IF;
  v_email := normalize(btrim(p_email, ' '), NFC);
  v_first := nullif(btrim(p_first_name, ' '), '');
  v_last := nullif(btrim(p_last_name, ' '), '');
  IF coalesce(p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile'), false)
    OR coalesce(p_retool_user_id IS NULL OR p_retool_user_id = '', false)
    OR coalesce(length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$', false)
    OR coalesce(v_email IS NULL OR v_email = '', false)
    OR coalesce(length(v_email) > 254, false)
    OR coalesce(v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$', false)
    OR coalesce(char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL, false) THEN
    IF p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile') THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_source %s is not a known source', coalesce(quote_literal(left(p_source, 80)), 'NULL')),
      HINT = 'Use one of: continue_page, event, backfill, reconcile; the entry point each Retool role may call sets it.';
    END IF;
    IF p_retool_user_id IS NULL OR p_retool_user_id = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is required'),
      HINT = 'Pass the Retool User ID (current_user.sid in apps, id in the REST API).';
    END IF;
    IF length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id %s is not a Retool User ID', coalesce(quote_literal(left(p_retool_user_id, 80)), 'NULL')),
      HINT = 'Expected user_ followed by lowercase letters and digits, at most 64 characters: current_user.sid, not current_user.id.';
    END IF;
    IF v_email IS NULL OR v_email = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is required'),
      HINT = 'Pass the user''s email address (current_user.email).';
    END IF;
    IF length(v_email) > 254 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s characters long', length(v_email)),
      HINT = 'An email address has at most 254 characters.';
    END IF;
    IF v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email %s is not an email address', coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Expected one @, a dot in the domain, and printable ASCII characters only (emailCharacters: ascii).';
    END IF;
    IF char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_first, 80)), 'NULL'), 36),
      HINT = 'Retool first names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_last, 80)), 'NULL'), 36),
      HINT = 'Retool last names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_active can only be set by a trusted source, not by %s', p_source),
      HINT = 'Only event, backfill, reconcile may change whether a user is active.';
    END IF;
  END IF;
  IF v_seen IS NOT NULL THEN
    IF v_trusted THEN
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    ELSE
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    END IF;
    IF FOUND THEN
      o_outcome := 'unchanged';
      RETURN o_user;
    END IF;
  END IF;
  v_key := retool_sync.canonical_email(v_email);
  FOR v_attempt IN 1..3 LOOP
    IF v_trusted THEN
      SELECT * INTO v_row FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id FOR UPDATE;
      IF FOUND THEN
        v_row_key := retool_sync.canonical_email(v_row."email"); -- NFKC once, not once per comparison
        IF v_row_key IS DISTINCT FROM v_key THEN
          SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "id" <> v_row."id" LIMIT 1;
          IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: row %s (Retool id %s) holds that address', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."id", coalesce(v_holder."retool_user_id", 'none')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END IF;
        END IF;
        o_outcome := CASE
          WHEN v_row."active" IS DISTINCT FROM false AND p_active = false THEN 'deactivated'
          WHEN (v_row."email", v_row."first_name", v_row."last_name", v_row."active") IS DISTINCT FROM (v_email, coalesce(v_first, v_row."first_name"), coalesce(v_last, v_row."last_name"), coalesce(p_active, v_row."active", true)) THEN 'updated'
          ELSE 'unchanged' END;
        IF v_row_key IS DISTINCT FROM v_key THEN
          -- A new address: the unique index on it (over linked rows, in adopt mode) arbitrates
          -- with a concurrent first sign-in of that address, and the loser is told plainly.
          BEGIN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
          EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: another row took that address meanwhile', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END;
        ELSIF o_outcome <> 'unchanged' OR v_seen IS NOT NULL THEN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
        END IF;
        o_outcome := o_outcome;
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
      END IF;
    ELSE
      UPDATE "public"."users" SET
        ("first_name", "last_name", "active") = ROW(coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)),
        "updated_at" = CASE WHEN ("first_name", "last_name", "active") IS DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)) THEN now() ELSE "updated_at" END,
        "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND retool_sync.canonical_email("email") = v_key
      RETURNING * INTO v_row;
      IF FOUND THEN
        o_outcome := 'unchanged';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
      END IF;
      SELECT * INTO v_holder FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
      IF FOUND THEN
        IF retool_sync.canonical_email(v_holder."email") = v_key THEN
          CONTINUE; -- an identical call committed this row after the UPDATE looked: go round and take it
        END IF;
        RAISE LOG 'retool_sync refused a % call for %: the row of that id has another email (row %)', p_source, p_retool_user_id, v_holder."id";
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
    END IF;
    IF v_link THEN
      SELECT * INTO v_row FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "retool_user_id" IS NULL LIMIT 1 FOR UPDATE;
      IF FOUND THEN
        BEGIN
        UPDATE "public"."users" SET "retool_user_id" = p_retool_user_id,
          "email" = CASE WHEN v_trusted THEN v_email ELSE "email" END,
          "first_name" = CASE WHEN v_trusted THEN coalesce(v_first, "first_name") ELSE coalesce("first_name", v_first) END,
          "last_name" = CASE WHEN v_trusted THEN coalesce(v_last, "last_name") ELSE coalesce("last_name", v_last) END,
          "active" = coalesce(p_active, "active", true),
          "created_at" = coalesce("created_at", now()),
          "updated_at" = now(),
          "last_seen_at" = coalesce(v_seen, "last_seen_at")
        WHERE "id" = v_row."id" AND "retool_user_id" IS NULL
        RETURNING * INTO v_row;
        EXCEPTION WHEN unique_violation THEN
          CONTINUE; -- another row was linked to this address meanwhile: go round, and the conflict is settled below
        END;
        IF FOUND THEN
        o_outcome := 'linked';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
        END IF;
      END IF;
    END IF;
    INSERT INTO "public"."users" ("retool_user_id", "email", "first_name", "last_name", "active", "created_at", "updated_at", "last_seen_at")
    VALUES (p_retool_user_id, v_email, v_first, v_last, coalesce(p_active, true), now(), now(), v_seen)
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN
        o_outcome := 'created';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
    END IF;
    PERFORM 1 FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
    IF FOUND THEN
      CONTINUE; -- a concurrent first call for the same user won; go round and update that row
    END IF;
    SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key ORDER BY "retool_user_id" NULLS LAST LIMIT 1;
    IF FOUND THEN
      IF v_holder."retool_user_id" IS NULL AND v_link THEN
        CONTINUE; -- the row appeared after we looked; go round and link it
      END IF;
      IF NOT v_trusted THEN
        RAISE LOG 'retool_sync refused a % call for %: the email belongs to row % (Retool id %)', p_source, p_retool_user_id, v_holder."id", coalesce(v_holder."retool_user_id", 'none');
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
      IF v_holder."retool_user_id" IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: row %s has the email %s but no Retool id, and a %s call may not link it to %s', v_holder."id", coalesce(quote_literal(left(v_email, 80)), 'NULL'), p_source, p_retool_user_id),
      HINT = 'The Continue page''s data comes from the browser, so it may not claim an existing row by email. Link it with a trusted source (`npm run backfill`), or set retool_user_id on that row by hand.';
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: the email %s already belongs to Retool user %s (row %s), not to %s', coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."retool_user_id", v_holder."id", p_retool_user_id),
      HINT = 'Retool emails are unique, so that row is out of date or this call is forged: run `npm run reconcile` to see which, then retry.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: inserting %s conflicted with a unique constraint of %s other than the Retool id and email', p_retool_user_id, 'public.users'),
      HINT = 'Check the table''s other unique indexes; sync_user only fills the Retool columns.';
  END LOOP;
  RAISE EXCEPTION USING ERRCODE = '40001',
      MESSAGE = format('retool_sync.sync_user_outcome: could not settle %s after 3 attempts under concurrent changes', p_retool_user_id),
      HINT = 'Retry the call.';
END
$sync$;

CREATE OR REPLACE FUNCTION retool_sync.sync_retool_user(
  p_retool_user_id text,
  p_email text,
  p_first_name text,
  p_last_name text,
  p_active boolean DEFAULT NULL
)
RETURNS retool_sync.synced_user
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
SET client_min_messages = notice
AS $sync$
#variable_conflict use_column
DECLARE
  p_source CONSTANT text := 'event';
  o_outcome text;
  o_user retool_sync.synced_user;
  v_email text;
  v_key text;
  v_first text;
  v_last text;
  v_trusted boolean := p_source IN ('event', 'backfill', 'reconcile');
  v_link boolean := true AND (p_source IN ('event', 'backfill', 'reconcile') OR false);
  v_seen timestamptz := CASE WHEN p_source IN ('continue_page', 'event') THEN now() END;
  v_row "public"."users";
  v_row_key text;
  v_holder "public"."users";
  v_matches bigint;
BEGIN
  IF coalesce(octet_length(p_retool_user_id) > 64, false)
    OR coalesce(octet_length(p_email) > 1024, false)
    OR coalesce(octet_length(p_first_name) > 1024, false)
    OR coalesce(octet_length(p_last_name) > 1024, false) THEN
    IF octet_length(p_retool_user_id) > 64 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is %s bytes long', octet_length(p_retool_user_id)),
      HINT = 'A Retool User ID has at most 64 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_email) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s bytes long', octet_length(p_email)),
      HINT = 'An email address has at most 254 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_first_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name is %s bytes long', octet_length(p_first_name)),
      HINT = 'A Retool first name has at most 36 characters; refused before any work was done on it.';
    END IF;
    IF octet_length(p_last_name) > 1024 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name is %s bytes long', octet_length(p_last_name)),
      HINT = 'A Retool last name has at most 36 characters; refused before any work was done on it.';
    END IF;
  END IF;
  v_email := normalize(btrim(p_email, ' '), NFC);
  v_first := nullif(btrim(p_first_name, ' '), '');
  v_last := nullif(btrim(p_last_name, ' '), '');
  IF coalesce(p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile'), false)
    OR coalesce(p_retool_user_id IS NULL OR p_retool_user_id = '', false)
    OR coalesce(length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$', false)
    OR coalesce(v_email IS NULL OR v_email = '', false)
    OR coalesce(length(v_email) > 254, false)
    OR coalesce(v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$', false)
    OR coalesce(char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false)
    OR coalesce(NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL, false) THEN
    IF p_source IS NULL OR p_source NOT IN ('continue_page', 'event', 'backfill', 'reconcile') THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_source %s is not a known source', coalesce(quote_literal(left(p_source, 80)), 'NULL')),
      HINT = 'Use one of: continue_page, event, backfill, reconcile; the entry point each Retool role may call sets it.';
    END IF;
    IF p_retool_user_id IS NULL OR p_retool_user_id = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id is required'),
      HINT = 'Pass the Retool User ID (current_user.sid in apps, id in the REST API).';
    END IF;
    IF length(p_retool_user_id) > 64 OR p_retool_user_id !~ '^user_[a-z0-9]+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_retool_user_id %s is not a Retool User ID', coalesce(quote_literal(left(p_retool_user_id, 80)), 'NULL')),
      HINT = 'Expected user_ followed by lowercase letters and digits, at most 64 characters: current_user.sid, not current_user.id.';
    END IF;
    IF v_email IS NULL OR v_email = '' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is required'),
      HINT = 'Pass the user''s email address (current_user.email).';
    END IF;
    IF length(v_email) > 254 THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email is %s characters long', length(v_email)),
      HINT = 'An email address has at most 254 characters.';
    END IF;
    IF v_email !~ '^[\x21-\x3f\x41-\x7e]+@[\x21-\x2d\x2f-\x3f\x41-\x7e]+(\.[\x21-\x2d\x2f-\x3f\x41-\x7e]+)+$' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_email %s is not an email address', coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Expected one @, a dot in the domain, and printable ASCII characters only (emailCharacters: ascii).';
    END IF;
    IF char_length(v_first) > 36 OR v_first ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_first_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_first, 80)), 'NULL'), 36),
      HINT = 'Retool first names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF char_length(v_last) > 36 OR v_last ~ '[\x01-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]' THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_last_name %s is longer than %s characters or has control or bidirectional formatting characters', coalesce(quote_literal(left(v_last, 80)), 'NULL'), 36),
      HINT = 'Retool last names have at most 36 characters, and no control characters or bidi overrides (docs/database.md).';
    END IF;
    IF NOT (p_source IN ('event', 'backfill', 'reconcile')) AND p_active IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('retool_sync.sync_user_outcome: p_active can only be set by a trusted source, not by %s', p_source),
      HINT = 'Only event, backfill, reconcile may change whether a user is active.';
    END IF;
  END IF;
  IF v_seen IS NOT NULL THEN
    IF v_trusted THEN
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    ELSE
      UPDATE "public"."users" AS u SET "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND "email" = v_email
        AND ("first_name", "last_name", "active") IS NOT DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true))
      RETURNING u."retool_user_id"::text, u."email"::text, u."first_name"::text, u."last_name"::text, u."active"::boolean, u."created_at"::timestamptz, u."updated_at"::timestamptz, u."last_seen_at"::timestamptz, u."id"::text INTO o_user;
    END IF;
    IF FOUND THEN
      o_outcome := 'unchanged';
      RETURN o_user;
    END IF;
  END IF;
  v_key := retool_sync.canonical_email(v_email);
  FOR v_attempt IN 1..3 LOOP
    IF v_trusted THEN
      SELECT * INTO v_row FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id FOR UPDATE;
      IF FOUND THEN
        v_row_key := retool_sync.canonical_email(v_row."email"); -- NFKC once, not once per comparison
        IF v_row_key IS DISTINCT FROM v_key THEN
          SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "id" <> v_row."id" LIMIT 1;
          IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: row %s (Retool id %s) holds that address', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."id", coalesce(v_holder."retool_user_id", 'none')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END IF;
        END IF;
        o_outcome := CASE
          WHEN v_row."active" IS DISTINCT FROM false AND p_active = false THEN 'deactivated'
          WHEN (v_row."email", v_row."first_name", v_row."last_name", v_row."active") IS DISTINCT FROM (v_email, coalesce(v_first, v_row."first_name"), coalesce(v_last, v_row."last_name"), coalesce(p_active, v_row."active", true)) THEN 'updated'
          ELSE 'unchanged' END;
        IF v_row_key IS DISTINCT FROM v_key THEN
          -- A new address: the unique index on it (over linked rows, in adopt mode) arbitrates
          -- with a concurrent first sign-in of that address, and the loser is told plainly.
          BEGIN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
          EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: cannot change the email of %s to %s: another row took that address meanwhile', p_retool_user_id, coalesce(quote_literal(left(v_email, 80)), 'NULL')),
      HINT = 'Retool emails are unique, so that row is out of date: run `npm run reconcile -- --apply`, or fix that row by hand, then retry.';
          END;
        ELSIF o_outcome <> 'unchanged' OR v_seen IS NOT NULL THEN
          UPDATE "public"."users" SET
            "email" = v_email,
            ("first_name", "last_name", "active") = ROW(coalesce(v_first, "first_name"), coalesce(v_last, "last_name"), coalesce(p_active, "active", true)),
            "updated_at" = CASE WHEN o_outcome <> 'unchanged' THEN now() ELSE "updated_at" END,
            "last_seen_at" = coalesce(v_seen, "last_seen_at")
          WHERE "id" = v_row."id"
          RETURNING * INTO v_row;
        END IF;
        o_outcome := o_outcome;
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
      END IF;
    ELSE
      UPDATE "public"."users" SET
        ("first_name", "last_name", "active") = ROW(coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)),
        "updated_at" = CASE WHEN ("first_name", "last_name", "active") IS DISTINCT FROM (coalesce("first_name", v_first), coalesce("last_name", v_last), coalesce("active", true)) THEN now() ELSE "updated_at" END,
        "last_seen_at" = v_seen
      WHERE "retool_user_id" = p_retool_user_id AND retool_sync.canonical_email("email") = v_key
      RETURNING * INTO v_row;
      IF FOUND THEN
        o_outcome := 'unchanged';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
      END IF;
      SELECT * INTO v_holder FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
      IF FOUND THEN
        IF retool_sync.canonical_email(v_holder."email") = v_key THEN
          CONTINUE; -- an identical call committed this row after the UPDATE looked: go round and take it
        END IF;
        RAISE LOG 'retool_sync refused a % call for %: the row of that id has another email (row %)', p_source, p_retool_user_id, v_holder."id";
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
    END IF;
    IF v_link THEN
      SELECT * INTO v_row FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key AND "retool_user_id" IS NULL LIMIT 1 FOR UPDATE;
      IF FOUND THEN
        BEGIN
        UPDATE "public"."users" SET "retool_user_id" = p_retool_user_id,
          "email" = CASE WHEN v_trusted THEN v_email ELSE "email" END,
          "first_name" = CASE WHEN v_trusted THEN coalesce(v_first, "first_name") ELSE coalesce("first_name", v_first) END,
          "last_name" = CASE WHEN v_trusted THEN coalesce(v_last, "last_name") ELSE coalesce("last_name", v_last) END,
          "active" = coalesce(p_active, "active", true),
          "created_at" = coalesce("created_at", now()),
          "updated_at" = now(),
          "last_seen_at" = coalesce(v_seen, "last_seen_at")
        WHERE "id" = v_row."id" AND "retool_user_id" IS NULL
        RETURNING * INTO v_row;
        EXCEPTION WHEN unique_violation THEN
          CONTINUE; -- another row was linked to this address meanwhile: go round, and the conflict is settled below
        END;
        IF FOUND THEN
        o_outcome := 'linked';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
        END IF;
      END IF;
    END IF;
    INSERT INTO "public"."users" ("retool_user_id", "email", "first_name", "last_name", "active", "created_at", "updated_at", "last_seen_at")
    VALUES (p_retool_user_id, v_email, v_first, v_last, coalesce(p_active, true), now(), now(), v_seen)
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_row;
    IF FOUND THEN
        o_outcome := 'created';
        o_user := ROW(v_row."retool_user_id"::text, v_row."email"::text, v_row."first_name"::text, v_row."last_name"::text, v_row."active"::boolean, v_row."created_at"::timestamptz, v_row."updated_at"::timestamptz, v_row."last_seen_at"::timestamptz, v_row."id"::text)::retool_sync.synced_user;
        RETURN o_user;
    END IF;
    PERFORM 1 FROM "public"."users" WHERE "retool_user_id" = p_retool_user_id;
    IF FOUND THEN
      CONTINUE; -- a concurrent first call for the same user won; go round and update that row
    END IF;
    SELECT * INTO v_holder FROM "public"."users" WHERE retool_sync.canonical_email("email") = v_key ORDER BY "retool_user_id" NULLS LAST LIMIT 1;
    IF FOUND THEN
      IF v_holder."retool_user_id" IS NULL AND v_link THEN
        CONTINUE; -- the row appeared after we looked; go round and link it
      END IF;
      IF NOT v_trusted THEN
        RAISE LOG 'retool_sync refused a % call for %: the email belongs to row % (Retool id %)', p_source, p_retool_user_id, v_holder."id", coalesce(v_holder."retool_user_id", 'none');
        RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'retool_sync.sync_user_outcome: this Retool user id or email address already belongs to another row, so this sign-in cannot be synced', HINT = 'Ask a Retool admin: they can see the details in the database server''s log (retool_sync refused), and repair the row with npm run reconcile -- --apply or by hand.';
      END IF;
      IF v_holder."retool_user_id" IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: row %s has the email %s but no Retool id, and a %s call may not link it to %s', v_holder."id", coalesce(quote_literal(left(v_email, 80)), 'NULL'), p_source, p_retool_user_id),
      HINT = 'The Continue page''s data comes from the browser, so it may not claim an existing row by email. Link it with a trusted source (`npm run backfill`), or set retool_user_id on that row by hand.';
      END IF;
      RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: the email %s already belongs to Retool user %s (row %s), not to %s', coalesce(quote_literal(left(v_email, 80)), 'NULL'), v_holder."retool_user_id", v_holder."id", p_retool_user_id),
      HINT = 'Retool emails are unique, so that row is out of date or this call is forged: run `npm run reconcile` to see which, then retry.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23505',
      MESSAGE = format('retool_sync.sync_user_outcome: inserting %s conflicted with a unique constraint of %s other than the Retool id and email', p_retool_user_id, 'public.users'),
      HINT = 'Check the table''s other unique indexes; sync_user only fills the Retool columns.';
  END LOOP;
  RAISE EXCEPTION USING ERRCODE = '40001',
      MESSAGE = format('retool_sync.sync_user_outcome: could not settle %s after 3 attempts under concurrent changes', p_retool_user_id),
      HINT = 'Retry the call.';
END
$sync$;

DROP FUNCTION IF EXISTS retool_sync.reconcile_users(jsonb);

CREATE OR REPLACE FUNCTION retool_sync.reconcile_users(p_users json)
RETURNS TABLE (retool_user_id text, outcome text, error text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $reconcile$
DECLARE
  v_users jsonb;
  v_one jsonb;
  v_elem json;
  v_ord bigint;
BEGIN
  IF json_typeof(p_users) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'retool_sync.reconcile_users: p_users must be a JSON array of Retool users',
      HINT = 'Pass the data array of GET /api/v2/users as it is.';
  END IF;
  BEGIN
    v_users := p_users::jsonb;
  EXCEPTION WHEN OTHERS THEN
    -- One record or more Postgres cannot store: keep the others, report those.
    v_users := '[]';
    FOR v_elem, v_ord IN SELECT e, n FROM json_array_elements(p_users) WITH ORDINALITY AS t(e, n) LOOP
      BEGIN
        v_one := v_elem::jsonb;
        v_users := v_users || jsonb_build_array(v_one);
      EXCEPTION WHEN OTHERS THEN
        -- ->> would de-escape the whole record, the bad text too: read a plain id from the raw JSON.
        retool_user_id := coalesce(substring(v_elem::text FROM '"id"s*:s*"([A-Za-z0-9_]{1,64})"'), '#' || v_ord);
        outcome := 'failed';
        error := 'retool_sync.reconcile_users: record ' || v_ord || ' holds text Postgres cannot store (' || SQLERRM || ') (22P05)';
        RETURN NEXT;
      END;
    END LOOP;
  END;
  RETURN QUERY SELECT * FROM retool_sync.sync_users(v_users, 'reconcile');
END
$reconcile$;

REVOKE ALL ON FUNCTION retool_sync.sync_user_outcome(text, text, text, text, text, boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.sync_user(text, text, text, text, text, boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.sync_users(jsonb, text, text, text, boolean, integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.users_snapshot() FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.sync_page_user(text, text, text, text) FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.sync_retool_user(text, text, text, text, boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION retool_sync.reconcile_users(json) FROM PUBLIC;

COMMENT ON TYPE retool_sync.synced_user IS 'What every entry point returns: the sync columns of one row, never other columns of the users table.';

COMMENT ON FUNCTION retool_sync.sync_user_outcome(text, text, text, text, text, boolean) IS 'The one write path: creates, links or updates one Retool user''s row under the rules of p_source. The admin''s only.';

COMMENT ON FUNCTION retool_sync.sync_user(text, text, text, text, text, boolean) IS 'sync_user_outcome without the outcome, for the admin''s own use.';

COMMENT ON FUNCTION retool_sync.sync_users(jsonb, text, text, text, boolean, integer) IS 'A page of Retool users (backfill, reconcile) with the backfill''s saved progress. The admin''s only.';

COMMENT ON FUNCTION retool_sync.sync_page_user(text, text, text, text) IS 'The Continue page''s call, on behalf of a signed-in user: a claim, so it may only create its own row or fill a missing name. For the page role.';

COMMENT ON FUNCTION retool_sync.sync_retool_user(text, text, text, text, boolean) IS 'What Retool itself says about one user (Retool Events, an API-checked Continue page): email, names and active follow it. For the trusted role.';

COMMENT ON FUNCTION retool_sync.reconcile_users(json) IS 'Retool''s whole user list, from the scheduled reconcile workflow. For the trusted role.';

COMMIT;
