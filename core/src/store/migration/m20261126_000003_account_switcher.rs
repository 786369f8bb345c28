use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// The account switcher: pinned and recently opened accounts, and an indexed search over
/// company, name, username, email and Client IDs.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Pinned,
    LastOpenedAt,
}

#[derive(DeriveIden)]
enum AccountSearch {
    Table,
    Id,
    AccountId,
    Term,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(boolean(Accounts::Pinned).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(timestamp_with_time_zone_null(Accounts::LastOpenedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_last_opened_at")
                    .table(Accounts::Table)
                    .col(Accounts::LastOpenedAt)
                    .to_owned(),
            )
            .await?;

        // Prefix search is a range scan (term >= q AND term < q + U+10FFFF) over this index.
        // That needs byte order: SQLite's default BINARY collation is; PostgreSQL gets "C".
        let mut term = text(AccountSearch::Term);
        if manager.get_database_backend() == DbBackend::Postgres {
            term.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table(AccountSearch::Table)
                    .col(pk_auto(AccountSearch::Id))
                    .col(integer(AccountSearch::AccountId))
                    .col(term)
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountSearch::Table, AccountSearch::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_search_term")
                    .table(AccountSearch::Table)
                    .col(AccountSearch::Term)
                    .col(AccountSearch::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_search_account")
                    .table(AccountSearch::Table)
                    .col(AccountSearch::AccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountSearch::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_accounts_last_opened_at")
                    .table(Accounts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::LastOpenedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::Pinned)
                    .to_owned(),
            )
            .await
    }
}
