use sea_orm_migration::{prelude::*, schema::*};

/// The search index carries what a page of hits sorts by (pinned, the sort name) beside each
/// term, so one index answers a search — which accounts match, how many, in which order —
/// without reading `accounts`: on PostgreSQL the old plan joined a sequential scan of it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Pinned,
    SortName,
}

#[derive(DeriveIden)]
enum AccountSearch {
    Table,
    AccountId,
    Term,
    Pinned,
    SortName,
}

const OLD_INDEX: &str = "idx_account_search_term";
const INDEX: &str = "idx_account_search_page";

/// `accounts.<column>` of the row an `account_search` row belongs to.
fn of_account(column: Accounts) -> SimpleExpr {
    SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column((Accounts::Table, column))
                .from(Accounts::Table)
                .and_where(
                    Expr::col((Accounts::Table, Accounts::Id))
                        .equals((AccountSearch::Table, AccountSearch::AccountId)),
                )
                .to_owned()
                .into_sub_query_statement(),
        ),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(AccountSearch::Table)
                    .add_column(boolean(AccountSearch::Pinned).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AccountSearch::Table)
                    .add_column(text(AccountSearch::SortName).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(AccountSearch::Table)
                    .value(AccountSearch::Pinned, of_account(Accounts::Pinned))
                    .value(AccountSearch::SortName, of_account(Accounts::SortName))
                    .to_owned(),
            )
            .await?;
        // The old (term, account_id) index is this one's prefix.
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_INDEX)
                    .table(AccountSearch::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(AccountSearch::Table)
                    .col(AccountSearch::Term)
                    .col(AccountSearch::AccountId)
                    .col(AccountSearch::Pinned)
                    .col(AccountSearch::SortName)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(AccountSearch::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD_INDEX)
                    .table(AccountSearch::Table)
                    .col(AccountSearch::Term)
                    .col(AccountSearch::AccountId)
                    .to_owned(),
            )
            .await?;
        for column in [AccountSearch::SortName, AccountSearch::Pinned] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AccountSearch::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
