use sea_orm_migration::prelude::*;

/// A team's maximum secret lifetime per tag (issue 26 item 6): "accounts tagged #bank: secrets
/// live at most 90 days". The database refuses a longer secret from any client (a trigger on
/// `credential_secrets`), so the command line and plain SQL obey it as the app does; the
/// strictest policy among an account's tags applies. PostgreSQL only, like the team's rights.
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
CREATE TABLE lifetime_policies (
  tag text PRIMARY KEY,
  max_days integer NOT NULL CHECK (max_days BETWEEN 1 AND 3650)
);
GRANT SELECT ON lifetime_policies TO keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint;
GRANT INSERT, UPDATE, DELETE ON lifetime_policies TO keydesk_admin;

-- The strictest policy on a credential's account: (tag, days), or no row.
CREATE FUNCTION keydesk_strictest_policy(account integer) RETURNS TABLE (tag text, max_days integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT p.tag, p.max_days FROM lifetime_policies p
    JOIN account_tags t ON t.tag = p.tag
   WHERE t.account_id = account
   ORDER BY p.max_days, p.tag
   LIMIT 1
$$;

CREATE FUNCTION keydesk_check_lifetime() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  policy record;
BEGIN
  SELECT s.* INTO policy FROM credentials c, keydesk_strictest_policy(c.account_id) s
   WHERE c.id = NEW.credential_id;
  -- A minute's room: the app computes the end from its own clock.
  IF FOUND AND (NEW.lifetime_ends_at IS NULL
      OR NEW.lifetime_ends_at > NEW.created_at + make_interval(days => policy.max_days, mins => 1)) THEN
    RAISE EXCEPTION 'Accounts tagged #% keep a secret at most % days (the team''s policy), so a secret that % is refused; choose % days or less.',
      policy.tag, policy.max_days,
      CASE WHEN NEW.lifetime_ends_at IS NULL THEN 'never expires' ELSE 'lives longer' END,
      policy.max_days
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER check_lifetime BEFORE INSERT OR UPDATE OF lifetime_ends_at, created_at
  ON credential_secrets FOR EACH ROW EXECUTE FUNCTION keydesk_check_lifetime();

REVOKE EXECUTE ON FUNCTION keydesk_strictest_policy(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keydesk_strictest_policy(integer)
  TO keydesk_admin, keydesk_technician, keydesk_viewer, keydesk_endpoint;
ALTER TABLE lifetime_policies OWNER TO keydesk_owner;
ALTER FUNCTION keydesk_strictest_policy(integer) OWNER TO keydesk_owner;
ALTER FUNCTION keydesk_check_lifetime() OWNER TO keydesk_owner;
"#;

const DOWN: &str = r#"
DROP TRIGGER check_lifetime ON credential_secrets;
DROP FUNCTION keydesk_check_lifetime();
DROP FUNCTION keydesk_strictest_policy(integer);
DROP TABLE lifetime_policies;
"#;
