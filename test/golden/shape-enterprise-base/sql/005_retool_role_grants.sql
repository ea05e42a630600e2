-- 005_retool_role_grants: privileges of the Retool roles: retool_sync_trusted (trusted)
-- checksum 821e242f2024d8be1a0cddb167badc3eb530c33b1446d9bf13813cfb66948016
-- runs in one transaction

BEGIN;

SET LOCAL lock_timeout = '5000ms';

SET LOCAL statement_timeout = '300000ms';

DO $reset$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT p.oid::regprocedure AS fn, a.grantee
    FROM pg_catalog.pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) AS a
    WHERE p.pronamespace = 'retool_sync'::regnamespace AND p.proname <> 'canonical_email' AND a.grantee <> p.proowner
  LOOP
    IF r.grantee = 0 THEN
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', r.fn);
    ELSE
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', r.fn, r.grantee::regrole);
    END IF;
  END LOOP;
  FOR r IN
    SELECT a.grantee FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
    WHERE n.nspname = 'retool_sync' AND a.grantee <> n.nspowner AND a.grantee <> 0
  LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA retool_sync FROM %s', r.grantee::regrole);
  END LOOP;
END
$reset$;

DO $role$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'retool_sync_trusted') THEN
    RAISE EXCEPTION USING ERRCODE = '42704',
      MESSAGE = 'the trusted role retool_sync_trusted does not exist',
      HINT = 'pulumi up creates it; when applying rendered SQL by hand, create it first (docs/database.md, The Retool roles).';
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), 'retool_sync_trusted');
END
$role$;

GRANT USAGE ON SCHEMA "retool_sync" TO "retool_sync_trusted";

GRANT EXECUTE ON FUNCTION retool_sync.sync_retool_user(text, text, text, text, boolean) TO "retool_sync_trusted";

REVOKE ALL ON TABLE "public"."users" FROM "retool_sync_trusted";

COMMIT;
