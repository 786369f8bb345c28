use sea_orm_migration::prelude::*;

/// Preferences → Team (issue 26 item 5): an admin adds technicians (a login role with a password
/// Keydesk generates), changes their rights and scopes, and disables them — through functions
/// owned by the schema's owner, so that the database, not the app, decides who may:
///
/// - `keydesk_owner` gets CREATEROLE (to create and alter the technicians' login roles) and
///   `pg_signal_backend` (to end a disabled technician's sessions). Only these functions use
///   them, and only an admin may call the functions (EXECUTE granted to `keydesk_admin` alone,
///   and each checks again).
/// - A password never reaches the server in clear: the app sends PostgreSQL's SCRAM-SHA-256
///   verifier (what `\password` in psql sends), which a statement log may show harmlessly.
/// - They act only on the team's technicians (rows of `technicians`), never on a superuser,
///   and refuse to leave the team without an admin who can log in.
///
/// Granting the owner these attributes needs a superuser, once, like the team's rights.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::on_postgres_only(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::on_postgres_only(manager, DOWN).await
    }
}

const UP: &str = r#"
-- Store::migrate runs later migrations as keydesk_owner; granting it attributes needs the
-- superuser who logged in.
DO $check$
BEGIN
  IF NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) THEN
    RAISE EXCEPTION 'This update lets a team''s admins add technicians from Keydesk and needs a PostgreSQL superuser, once: run keydesk-server migrate as one (for example as postgres).'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$check$;
RESET ROLE;
-- Roles are the cluster's: stores migrated at the same moment (the tests' do) meet on the same
-- role row ("tuple concurrently updated"), and whichever comes second finds it done.
DO $owner_rights$
BEGIN
  IF NOT (SELECT rolcreaterole FROM pg_roles WHERE rolname = 'keydesk_owner') THEN
    BEGIN
      ALTER ROLE keydesk_owner CREATEROLE;
    EXCEPTION WHEN internal_error OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role('keydesk_owner', 'pg_signal_backend', 'MEMBER') THEN
    BEGIN
      GRANT pg_signal_backend TO keydesk_owner;
    EXCEPTION WHEN internal_error OR unique_violation THEN NULL;
    END;
  END IF;
  -- PostgreSQL 16 lets a CREATEROLE role grant only the roles it holds WITH ADMIN OPTION.
  IF current_setting('server_version_num')::int >= 160000 THEN
    BEGIN
      EXECUTE 'GRANT keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint '
           || 'TO keydesk_owner WITH ADMIN OPTION';
    EXCEPTION WHEN internal_error OR unique_violation THEN NULL;
    END;
  END IF;
END
$owner_rights$;

-- Last activity per technician (the Team page), without reading the whole activity.
CREATE INDEX audit_events_actor_at ON audit_events (actor, at);

CREATE FUNCTION keydesk_require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT (pg_has_role(session_user, 'keydesk_admin', 'MEMBER')
          OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)) THEN
    RAISE EXCEPTION 'Only the team''s admins manage technicians, so nothing was changed.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

-- The technician `login` may be managed here: one of the team's, and not a superuser.
CREATE FUNCTION keydesk_require_technician(login text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM technicians t WHERE t.login = keydesk_require_technician.login) THEN
    RAISE EXCEPTION '% is not one of this team''s technicians.', login
      USING ERRCODE = 'no_data_found';
  END IF;
  IF coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = login), false) THEN
    RAISE EXCEPTION '% is a PostgreSQL superuser: their rights are changed on the server, not in Keydesk.', login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

-- Whether another of the team's admins (a row of technicians) can still log in: no change may
-- leave the team without one. The server's superusers do not count: they are the DBA's.
CREATE FUNCTION keydesk_other_admin(login text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (
    SELECT 1 FROM technicians t JOIN pg_roles r ON r.rolname = t.login
     WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> login
       AND pg_has_role(r.oid, 'keydesk_admin', 'MEMBER'))
$$;

-- Grants exactly one of the group roles.
CREATE FUNCTION keydesk_grant_role(login text, role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  r text;
BEGIN
  IF role NOT IN ('admin', 'technician', 'viewer', 'endpoint') THEN
    RAISE EXCEPTION 'A technician''s role is admin, technician, viewer or endpoint, not %.', role
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH r IN ARRAY ARRAY['admin', 'technician', 'viewer', 'endpoint'] LOOP
    IF r <> role AND EXISTS (
        SELECT 1 FROM pg_auth_members m
          JOIN pg_roles g ON g.oid = m.roleid
          JOIN pg_roles u ON u.oid = m.member
         WHERE g.rolname = 'keydesk_' || r AND u.rolname = login) THEN
      EXECUTE format('REVOKE %I FROM %I', 'keydesk_' || r, login);
    END IF;
  END LOOP;
  EXECUTE format('GRANT %I TO %I', 'keydesk_' || role, login);
END
$$;

CREATE FUNCTION keydesk_set_scope(login text, all_accounts boolean, tags text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE technicians t SET all_accounts = keydesk_set_scope.all_accounts
   WHERE t.login = keydesk_set_scope.login;
  DELETE FROM technician_scopes s WHERE s.login = keydesk_set_scope.login;
  INSERT INTO technician_scopes (login, tag)
    SELECT DISTINCT keydesk_set_scope.login, tag FROM unnest(tags) AS tag;
END
$$;

CREATE FUNCTION keydesk_add_technician(login text, display_name text, role text,
    verifier text, all_accounts boolean, tags text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM keydesk_require_admin();
  IF login !~ '^[a-z_][a-z0-9_.-]{0,62}$' THEN
    RAISE EXCEPTION 'A login is lower-case letters, digits, _, . or -, starts with a letter or _, and has at most 63 characters.'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF verifier !~ '^SCRAM-SHA-256\$' THEN
    RAISE EXCEPTION 'A password reaches the server only as a SCRAM-SHA-256 verifier.'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
    RAISE EXCEPTION 'The login % exists already on this server.', login
      USING ERRCODE = 'duplicate_object';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier);
  PERFORM keydesk_grant_role(login, role);
  INSERT INTO technicians (login, display_name) VALUES (login, display_name);
  PERFORM keydesk_set_scope(login, all_accounts, tags);
END
$$;

CREATE FUNCTION keydesk_change_technician(login text, display_name text, role text,
    all_accounts boolean, tags text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM keydesk_require_admin();
  PERFORM keydesk_require_technician(login);
  IF role <> 'admin' AND pg_has_role(login, 'keydesk_admin', 'MEMBER')
     AND NOT keydesk_other_admin(login) THEN
    RAISE EXCEPTION '% is the team''s only admin who can log in: make someone else an admin first.', login
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM keydesk_grant_role(login, role);
  UPDATE technicians t SET display_name = keydesk_change_technician.display_name
   WHERE t.login = keydesk_change_technician.login;
  PERFORM keydesk_set_scope(login, all_accounts, tags);
END
$$;

-- Disable: the login can no longer connect, and its open sessions end now. Enable undoes it.
CREATE FUNCTION keydesk_set_login_enabled(login text, enabled boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  ended integer := 0;
  session integer;
BEGIN
  PERFORM keydesk_require_admin();
  PERFORM keydesk_require_technician(login);
  IF NOT enabled THEN
    IF login = session_user THEN
      RAISE EXCEPTION 'You cannot disable your own login; another admin can.'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF pg_has_role(login, 'keydesk_admin', 'MEMBER') AND NOT keydesk_other_admin(login) THEN
      RAISE EXCEPTION '% is the team''s only admin who can log in: make someone else an admin first.', login
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', login);
    -- One by one: in a WHERE clause the planner may call pg_terminate_backend on any row
    -- before the name test.
    FOR session IN SELECT a.pid FROM pg_stat_activity a
                    WHERE a.usename = login AND a.pid <> pg_backend_pid() LOOP
      IF pg_terminate_backend(session) THEN ended := ended + 1; END IF;
    END LOOP;
  ELSE
    EXECUTE format('ALTER ROLE %I LOGIN', login);
  END IF;
  RETURN ended;
END
$$;

DO $owner$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
      'keydesk_require_admin()', 'keydesk_require_technician(text)',
      'keydesk_other_admin(text)', 'keydesk_grant_role(text, text)',
      'keydesk_set_scope(text, boolean, text[])',
      'keydesk_add_technician(text, text, text, text, boolean, text[])',
      'keydesk_change_technician(text, text, text, boolean, text[])',
      'keydesk_set_login_enabled(text, boolean)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO keydesk_owner', f);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
  -- Only admins call in; the helpers run inside the functions with the owner's rights.
  GRANT EXECUTE ON FUNCTION keydesk_add_technician(text, text, text, text, boolean, text[]),
    keydesk_change_technician(text, text, text, boolean, text[]),
    keydesk_set_login_enabled(text, boolean) TO keydesk_admin;
END
$owner$;
SET LOCAL ROLE keydesk_owner;
"#;

const DOWN: &str = r#"
RESET ROLE;
DROP FUNCTION keydesk_set_login_enabled(text, boolean);
DROP FUNCTION keydesk_change_technician(text, text, text, boolean, text[]);
DROP FUNCTION keydesk_add_technician(text, text, text, text, boolean, text[]);
DROP FUNCTION keydesk_set_scope(text, boolean, text[]);
DROP FUNCTION keydesk_grant_role(text, text);
DROP FUNCTION keydesk_other_admin(text);
DROP FUNCTION keydesk_require_technician(text);
DROP FUNCTION keydesk_require_admin();
DROP INDEX audit_events_actor_at;
REVOKE pg_signal_backend FROM keydesk_owner;
ALTER ROLE keydesk_owner NOCREATEROLE;
"#;
