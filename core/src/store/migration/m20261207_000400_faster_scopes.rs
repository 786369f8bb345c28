use sea_orm_migration::prelude::*;

/// Customer scopes at the cost the bench of issue 26 item 7 allows (`cargo bench -p keydesk-core
/// --bench team`): "sees everything?" becomes a function the planner inlines; the scope look-ups
/// were SQL functions with the owner's rights, planned again at every call, and
/// compared `session_user` (type name, collation "C") with text columns, which no index serves —
/// each scoped query read every account to find the technician's own untagged ones. They become
/// PL/pgSQL (plans kept per session) comparing a text variable; secrets, tokens and reminders
/// follow the credentials of visible accounts through one look-up run with the owner's rights,
/// rather than through the credentials table's own policy row by row. What each login sees is
/// unchanged (core/tests/team.rs). And every function running with the owner's rights names
/// pg_temp last in its search path, so no temporary table of a technician's stands in for the
/// team's (the same test file tries).
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
-- Asked once per query and table: a plain SQL function the planner inlines (no call, no
-- re-planning). It runs with the caller's rights, which read only what every role may:
-- `technicians` (granted to all four) and role membership. Everything it names is
-- schema-qualified, so no table a technician makes (a temporary `technicians`, searched first)
-- can stand in for the team's.
DO $sees_all$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION keydesk_sees_all() RETURNS boolean
    LANGUAGE sql STABLE AS $body$
      SELECT pg_catalog.pg_has_role(session_user, 'keydesk_admin', 'MEMBER')
          OR pg_catalog.pg_has_role(session_user, 'keydesk_endpoint', 'MEMBER')
          OR pg_catalog.pg_has_role(session_user, 'keydesk_owner', 'MEMBER')
          OR EXISTS (SELECT 1 FROM %I.technicians t
                      WHERE t.login OPERATOR(pg_catalog.=) (session_user::text COLLATE "default")
                        AND t.all_accounts)
    $body$$f$, current_schema());
END
$sees_all$;
ALTER FUNCTION keydesk_sees_all() SECURITY INVOKER;
ALTER FUNCTION keydesk_sees_all() RESET ALL;

CREATE OR REPLACE FUNCTION keydesk_visible_accounts() RETURNS SETOF integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public ROWS 200 AS $$
DECLARE
  me text := session_user;
BEGIN
  RETURN QUERY
  SELECT t.account_id FROM account_tags t
    JOIN technician_scopes s ON s.tag = t.tag AND s.login = me
  UNION
  SELECT a.id FROM accounts a
   WHERE a.created_by = me
     AND NOT EXISTS (SELECT 1 FROM account_tags t WHERE t.account_id = a.id);
END
$$;

-- The credentials of the accounts the person who logged in sees.
CREATE FUNCTION keydesk_visible_credentials() RETURNS SETOF integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public ROWS 600 AS $$
BEGIN
  RETURN QUERY
  SELECT c.id FROM credentials c WHERE c.account_id IN (SELECT keydesk_visible_accounts());
END
$$;

ALTER POLICY scope ON credential_secrets
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT keydesk_visible_credentials()));
ALTER POLICY scope ON access_tokens
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT keydesk_visible_credentials()));
ALTER POLICY scope ON reminders_sent
  USING ((SELECT keydesk_sees_all()) OR secret_id IN (
    SELECT s.id FROM credential_secrets s WHERE s.credential_id IN (SELECT keydesk_visible_credentials())));

ALTER FUNCTION keydesk_visible_credentials() OWNER TO keydesk_owner;

-- PostgreSQL searches pg_temp first unless the path names it, even in a function that sets its
-- path: a technician's temporary `technician_scopes`, readable by all, would be read by the
-- owner's functions in place of the team's. Every function of the owner names pg_temp last
-- and the store's own schema by name.
DO $paths$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.proname LIKE 'keydesk\_%' AND p.prosecdef
              AND p.pronamespace = current_schema()::regnamespace LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
  END LOOP;
END
$paths$;
REVOKE EXECUTE ON FUNCTION keydesk_visible_credentials() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keydesk_visible_credentials()
  TO keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint;
"#;

const DOWN: &str = r#"
CREATE OR REPLACE FUNCTION keydesk_sees_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT pg_has_role(session_user, 'keydesk_admin', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_endpoint', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_owner', 'MEMBER')
      OR EXISTS (SELECT 1 FROM technicians WHERE login = session_user AND all_accounts)
$$;
ALTER POLICY scope ON credential_secrets
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT id FROM credentials));
ALTER POLICY scope ON access_tokens
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT id FROM credentials));
ALTER POLICY scope ON reminders_sent
  USING ((SELECT keydesk_sees_all()) OR secret_id IN (SELECT id FROM credential_secrets));
DROP FUNCTION keydesk_visible_credentials();
"#;
