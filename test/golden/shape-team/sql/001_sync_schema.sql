-- 001_sync_schema: schema retool_sync, its ledger of applied migrations, and retool_sync.canonical_email
-- checksum d7557873bd120dc56fdb8ccf8aa7950290f8a19f9deca764069171c4498b44c4
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '5000ms';

SET LOCAL statement_timeout = '300000ms';

DO $utf8$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION USING ERRCODE = '22021',
      MESSAGE = format('retool-user-sync needs a UTF8 database; %s is %s', current_database(), current_setting('server_encoding')),
      HINT = 'Email addresses are compared in Unicode normal form, which Postgres computes only in UTF8 databases. Use a database created with ENCODING ''UTF8''.';
  END IF;
END
$utf8$;

CREATE SCHEMA IF NOT EXISTS "retool_sync";

REVOKE ALL ON SCHEMA "retool_sync" FROM PUBLIC;

CREATE TABLE IF NOT EXISTS retool_sync.schema_migrations (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  description text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION retool_sync.canonical_email(text) RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $canonical$ SELECT translate(btrim(normalize($1, NFKC), ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $canonical$;

COMMENT ON FUNCTION retool_sync.canonical_email(text) IS 'The form email addresses are compared by: NFKC, surrounding spaces removed, A-Z folded to a-z. See docs/database.md, Emails.';

COMMENT ON SCHEMA "retool_sync" IS 'retool-user-sync: the sync functions and the migration ledger. User data lives in the users table, not here.';

COMMIT;
