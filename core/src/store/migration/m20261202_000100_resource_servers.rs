use sea_orm_migration::{prelude::*, schema::*};

/// Which credentials belong to resource servers: only those may introspect other clients'
/// tokens (RFC 7662 §4). Every existing credential starts as an ordinary client.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Credentials {
    Table,
    ResourceServer,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .add_column(boolean(Credentials::ResourceServer).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Credentials::Table)
                    .drop_column(Credentials::ResourceServer)
                    .to_owned(),
            )
            .await
    }
}
