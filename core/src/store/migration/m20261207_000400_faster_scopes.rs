use sea_orm_migration::prelude::*;

/// Customer scopes at the cost the bench of issue 26 item 7 allows (`cargo bench -p keydesk-core
/// --bench team`): the policies' look-ups were SQL functions, planned again at every call, and
/// compared `session_user` (type name, collation "C") with text columns, which no index serves —
/// each scoped query read every account to find the technician's own untagged ones. They become
/// PL/pgSQL (plans kept per session) comparing a text variable; secrets, tokens and reminders
/// follow the credentials of visible accounts through one look-up run with the owner's rights,
/// rather than through the credentials table's own policy row by row. What each login sees is
/// unchanged (core/tests/team.rs).
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
CREATE OR REPLACE FUNCTION keydesk_sees_all() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := session_user;
BEGIN
  RETURN pg_has_role(session_user, 'keydesk_admin', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_endpoint', 'MEMBER')
      OR pg_has_role(session_user, 'keydesk_owner', 'MEMBER')
      OR EXISTS (SELECT 1 FROM technicians WHERE login = me AND all_accounts);
END
$$;

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
REVOKE EXECUTE ON FUNCTION keydesk_visible_credentials() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keydesk_visible_credentials()
  TO keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint;
"#;

const DOWN: &str = r#"
ALTER POLICY scope ON credential_secrets
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT id FROM credentials));
ALTER POLICY scope ON access_tokens
  USING ((SELECT keydesk_sees_all()) OR credential_id IN (SELECT id FROM credentials));
ALTER POLICY scope ON reminders_sent
  USING ((SELECT keydesk_sees_all()) OR secret_id IN (SELECT id FROM credential_secrets));
DROP FUNCTION keydesk_visible_credentials();
"#;
