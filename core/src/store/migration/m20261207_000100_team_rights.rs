use sea_orm_migration::prelude::*;

/// A team store's rights, enforced by PostgreSQL itself (issue 26), so they hold for every
/// client of the store — the app, keydesk-server, the command line and `psql` typed by hand:
///
/// - Four group roles a technician's login role is granted one of: `keydesk_admin`,
///   `keydesk_technician`, `keydesk_viewer`, `keydesk_endpoint` (what keydesk-server needs).
///   The schema belongs to `keydesk_owner` (NOLOGIN); only a superuser or a member of it
///   migrates (`Store::open` refuses anyone else a newer schema, naming `keydesk-server migrate`).
/// - Customer scopes: `technicians` (login → display name, every account or not) and
///   `technician_scopes` (login → tag). Row-level security, forced, on every table that holds
///   account data; the policies read `session_user` (who logged in), never a setting a client
///   can change.
/// - The activity is append-only: no UPDATE, DELETE or TRUNCATE for anyone (a trigger refuses
///   them even to the owner), and its "who" is the login role, stamped by a trigger.
///
/// On SQLite (one person, one computer) nothing changes. Roles are the cluster's, not the
/// database's: one team store per PostgreSQL cluster.
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
DO $check$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'Setting up a team store''s rights needs a PostgreSQL superuser, once: run keydesk-server migrate as one (for example as postgres).'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$check$;

-- Concurrent creations (two stores migrated at once on one cluster) meet as unique_violation.
DO $roles$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['keydesk_admin', 'keydesk_technician', 'keydesk_viewer', 'keydesk_endpoint'] LOOP
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END LOOP;
  BEGIN
    -- BYPASSRLS: the policies' own look-ups (SECURITY DEFINER, owned by it) read the scope
    -- tables without meeting the policies again.
    CREATE ROLE keydesk_owner NOLOGIN BYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$roles$;

ALTER TABLE accounts ADD COLUMN created_by text NOT NULL DEFAULT session_user;
CREATE INDEX accounts_created_by ON accounts (created_by);

CREATE TABLE technicians (
  login text PRIMARY KEY,
  display_name text NOT NULL CHECK (btrim(display_name) <> ''),
  all_accounts boolean NOT NULL DEFAULT false
);
CREATE TABLE technician_scopes (
  login text NOT NULL REFERENCES technicians (login) ON DELETE CASCADE,
  tag text NOT NULL,
  PRIMARY KEY (login, tag)
);
CREATE INDEX account_tags_tag ON account_tags (tag, account_id);

-- Sees every account: an admin, the endpoint, the owner, or a technician granted everything.
CREATE FUNCTION keydesk_sees_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT pg_has_role(session_user, 'keydesk_admin', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_endpoint', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_owner', 'MEMBER')
      OR EXISTS (SELECT 1 FROM technicians WHERE login = session_user AND all_accounts)
$$;

-- The accounts the person who logged in sees: those carrying one of their tags, and those they
-- created that carry no tag yet (an account is born before its first tag).
CREATE FUNCTION keydesk_visible_accounts() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT t.account_id FROM account_tags t
    JOIN technician_scopes s ON s.tag = t.tag AND s.login = session_user
  UNION
  SELECT a.id FROM accounts a
   WHERE a.created_by = session_user
     AND NOT EXISTS (SELECT 1 FROM account_tags t WHERE t.account_id = a.id)
$$;

-- Whether an account carries no tag at all (read with the owner's rights: tags the person
-- cannot see still count).
CREATE FUNCTION keydesk_untagged(account integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT NOT EXISTS (SELECT 1 FROM account_tags WHERE account_id = account)
$$;

-- Whether an account is still there (read with the owner's rights): the activity of an account
-- deleted in the same transaction is still appended.
CREATE FUNCTION keydesk_account_exists(account integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM accounts WHERE id = account)
$$;

DO $policies$
DECLARE
  t record;
  sees text := '(SELECT keydesk_sees_all()) OR %s IN (SELECT keydesk_visible_accounts())';
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('contact_information', 'account_id'),
      ('billing_information', 'account_id'),
      ('credentials', 'account_id'),
      ('account_tags', 'account_id'),
      ('account_search', 'account_id'),
      ('keyring_entries', 'account_id')) AS v(name, account)
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t.name);
    EXECUTE format('CREATE POLICY scope ON %I USING (%s)', t.name, format(sees, t.account));
  END LOOP;
  -- Rows tied to a credential or a secret follow it.
  FOR t IN SELECT * FROM (VALUES
      ('credential_secrets', 'credential_id IN (SELECT id FROM credentials)'),
      ('access_tokens', 'credential_id IN (SELECT id FROM credentials)'),
      ('reminders_sent', 'secret_id IN (SELECT id FROM credential_secrets)')) AS v(name, cond)
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t.name);
    EXECUTE format('CREATE POLICY scope ON %I USING ((SELECT keydesk_sees_all()) OR %s)', t.name, t.cond);
  END LOOP;
  -- A new account is checked by who creates it (its first tag comes after it).
  ALTER TABLE accounts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  -- The row itself too: an INSERT … RETURNING reads the new account back before any query
  -- (keydesk_visible_accounts included) can see it.
  EXECUTE format('CREATE POLICY scope_read ON accounts FOR SELECT USING (%s OR '
    || '(created_by = session_user AND keydesk_untagged(id)))', format(sees, 'id'));
  EXECUTE format('CREATE POLICY scope_update ON accounts FOR UPDATE USING (%s)', format(sees, 'id'));
  EXECUTE format('CREATE POLICY scope_delete ON accounts FOR DELETE USING (%s)', format(sees, 'id'));
  CREATE POLICY scope_insert ON accounts FOR INSERT
    WITH CHECK ((SELECT keydesk_sees_all()) OR created_by = session_user);
  -- The activity: read within scope; appended by anyone with the right (its "who" is stamped
  -- below, so an appended row cannot name someone else). No UPDATE or DELETE policy.
  ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  EXECUTE format('CREATE POLICY scope_read ON audit_events FOR SELECT USING (%s)', format(sees, 'account_id'));
  -- Appended only about what the person sees (or an account just deleted, or none).
  EXECUTE format('CREATE POLICY append ON audit_events FOR INSERT WITH CHECK (%s '
    || 'OR account_id IS NULL OR NOT keydesk_account_exists(account_id))', format(sees, 'account_id'));
END
$policies$;

-- Who made a change: the login role, written by the database. A superuser (who could switch
-- any trigger off anyway: the one-person setup, the DBA) keeps the name the app sends.
CREATE FUNCTION keydesk_stamp_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false) THEN
    NEW.actor := session_user;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER stamp_actor BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION keydesk_stamp_actor();

-- Who created an account is the database's to say (it decides who sees an untagged account).
CREATE FUNCTION keydesk_keep_creator() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.created_by IS DISTINCT FROM OLD.created_by AND NOT keydesk_sees_all() THEN
    RAISE EXCEPTION 'Who created an account is recorded by the database and cannot be changed.'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER keep_creator BEFORE UPDATE OF created_by ON accounts
  FOR EACH ROW EXECUTE FUNCTION keydesk_keep_creator();

CREATE FUNCTION keydesk_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The activity is append-only: its rows are never changed or removed.'
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION keydesk_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION keydesk_append_only();

-- Tags: a technician adds only the tags they hold, removes only those, and never the last one
-- through which they see the account. Admins (and everyone who sees all) are not limited.
CREATE FUNCTION keydesk_check_tag() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  the_tag text;
BEGIN
  IF keydesk_sees_all() THEN
    IF TG_OP = 'INSERT' THEN RETURN NEW; END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN the_tag := NEW.tag; ELSE the_tag := OLD.tag; END IF;
  IF NOT EXISTS (SELECT 1 FROM technician_scopes s WHERE s.login = session_user AND s.tag = the_tag) THEN
    -- Deleting an account takes its tags with it.
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'You may % only the tags you hold, and % is not one of them.',
      CASE WHEN TG_OP = 'INSERT' THEN 'add' ELSE 'remove' END, the_tag
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE'
     AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id)
     AND NOT EXISTS (
       SELECT 1 FROM account_tags t
         JOIN technician_scopes s ON s.tag = t.tag AND s.login = session_user
        WHERE t.account_id = OLD.account_id AND t.id <> OLD.id) THEN
    RAISE EXCEPTION 'Removing % would hide this account from you: it is the last of your tags on it.', the_tag
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN RETURN NEW; END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER check_tag BEFORE INSERT OR DELETE ON account_tags
  FOR EACH ROW EXECUTE FUNCTION keydesk_check_tag();

-- Rights. Nothing for PUBLIC; each group role gets what its work needs.
DO $grants$
DECLARE
  data text := 'accounts, contact_information, billing_information, credentials, '
            || 'credential_secrets, account_tags, account_search, access_tokens, '
            || 'keyring_entries, reminders_sent';
  t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', t);
  END LOOP;
  EXECUTE 'GRANT SELECT ON seaql_migrations, technicians, technician_scopes TO '
       || 'keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint';
  EXECUTE 'GRANT INSERT, UPDATE, DELETE ON technicians, technician_scopes TO keydesk_admin';
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO keydesk_admin, keydesk_technician', data);
  EXECUTE 'GRANT SELECT, INSERT ON audit_events TO keydesk_admin, keydesk_technician';
  EXECUTE format('GRANT SELECT ON %s, audit_events TO keydesk_viewer', data);
  -- Bookkeeping a viewer's window does: which account it opens next time.
  EXECUTE 'GRANT UPDATE (last_opened_at) ON accounts TO keydesk_viewer';
  -- keydesk-server: live secrets' digests and ends, tokens, "last used". No contact or billing.
  EXECUTE 'GRANT SELECT ON credentials, credential_secrets TO keydesk_endpoint';
  EXECUTE 'GRANT UPDATE (last_used_at) ON credential_secrets TO keydesk_endpoint';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE ON access_tokens TO keydesk_endpoint';
  EXECUTE 'GRANT USAGE ON ALL SEQUENCES IN SCHEMA ' || quote_ident(current_schema())
       || ' TO keydesk_admin, keydesk_technician, keydesk_endpoint';
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO keydesk_admin, keydesk_technician, '
       || 'keydesk_viewer, keydesk_endpoint', current_schema());
  -- Later migrations run as the owner (Store::open sets the role), and create beside these.
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO keydesk_owner', current_schema());
  EXECUTE 'REVOKE EXECUTE ON FUNCTION keydesk_sees_all(), keydesk_visible_accounts(), '
       || 'keydesk_untagged(integer), keydesk_account_exists(integer) FROM PUBLIC';
  EXECUTE 'GRANT EXECUTE ON FUNCTION keydesk_sees_all(), keydesk_visible_accounts(), '
       || 'keydesk_untagged(integer), keydesk_account_exists(integer) TO '
       || 'keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint';
END
$grants$;

-- The schema's objects belong to the NOLOGIN owner. Whoever owned them before (a store made by
-- a plain login role) keeps its work: it becomes an admin that may also act as owner.
DO $owner$
DECLARE
  before text := (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'accounts');
  t text;
BEGIN
  IF before IS NOT NULL AND before <> 'keydesk_owner'
     AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = before) THEN
    EXECUTE format('GRANT keydesk_owner, keydesk_admin TO %I', before);
  END IF;
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('ALTER TABLE %I OWNER TO keydesk_owner', t);
  END LOOP;
  ALTER FUNCTION keydesk_sees_all() OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_visible_accounts() OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_untagged(integer) OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_account_exists(integer) OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_keep_creator() OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_stamp_actor() OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_append_only() OWNER TO keydesk_owner;
  ALTER FUNCTION keydesk_check_tag() OWNER TO keydesk_owner;
END
$owner$;
"#;

const DOWN: &str = r#"
DROP TRIGGER check_tag ON account_tags;
DROP TRIGGER keep_creator ON accounts;
DROP TRIGGER append_only_truncate ON audit_events;
DROP TRIGGER append_only ON audit_events;
DROP TRIGGER stamp_actor ON audit_events;
DO $down$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$down$;
DROP POLICY scope ON contact_information;
DROP POLICY scope ON billing_information;
DROP POLICY scope ON credentials;
DROP POLICY scope ON account_tags;
DROP POLICY scope ON account_search;
DROP POLICY scope ON keyring_entries;
DROP POLICY scope ON credential_secrets;
DROP POLICY scope ON access_tokens;
DROP POLICY scope ON reminders_sent;
DROP POLICY scope_read ON accounts;
DROP POLICY scope_update ON accounts;
DROP POLICY scope_delete ON accounts;
DROP POLICY scope_insert ON accounts;
DROP POLICY scope_read ON audit_events;
DROP POLICY append ON audit_events;
DROP FUNCTION keydesk_check_tag();
DROP FUNCTION keydesk_keep_creator();
DROP FUNCTION keydesk_account_exists(integer);
DROP FUNCTION keydesk_append_only();
DROP FUNCTION keydesk_stamp_actor();
DROP FUNCTION keydesk_visible_accounts();
DROP FUNCTION keydesk_untagged(integer);
DROP FUNCTION keydesk_sees_all();
DROP INDEX account_tags_tag;
DROP TABLE technician_scopes;
DROP TABLE technicians;
ALTER TABLE accounts DROP COLUMN created_by;
"#;
