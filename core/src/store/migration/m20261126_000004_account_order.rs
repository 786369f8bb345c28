use sea_orm_migration::{prelude::*, schema::*};

/// The switcher's order (pinned first, then company name without regard to case) as one index
/// on `accounts`, so a page of 50 out of 10,000 is read in order instead of sorted.
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
enum ContactInformation {
    Table,
    AccountId,
    CompanyName,
}

const INDEX: &str = "idx_accounts_switcher_order";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(text(Accounts::SortName).default(""))
                    .to_owned(),
            )
            .await?;
        let company = Query::select()
            .expr(Func::lower(Expr::col((
                ContactInformation::Table,
                ContactInformation::CompanyName,
            ))))
            .from(ContactInformation::Table)
            .and_where(
                Expr::col((ContactInformation::Table, ContactInformation::AccountId))
                    .equals((Accounts::Table, Accounts::Id)),
            )
            .to_owned();
        manager
            .exec_stmt(
                Query::update()
                    .table(Accounts::Table)
                    .value(
                        Accounts::SortName,
                        Expr::expr(SimpleExpr::SubQuery(
                            None,
                            Box::new(company.into_sub_query_statement()),
                        ))
                        .if_null(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Accounts::Table)
                    .col((Accounts::Pinned, IndexOrder::Desc))
                    .col(Accounts::SortName)
                    .col(Accounts::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Accounts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::SortName)
                    .to_owned(),
            )
            .await
    }
}
