use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// Tags: any number per account, in a table of their own. One index finds an account's tags
/// (and keeps each tag once per account), the other the accounts with a tag, by prefix.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccountTags {
    Table,
    Id,
    AccountId,
    Tag,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `#tier` finds tier-1 by a range scan over the tag index: byte order, as for search.
        let mut tag = text(AccountTags::Tag);
        if manager.get_database_backend() == DbBackend::Postgres {
            tag.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table(AccountTags::Table)
                    .col(pk_auto(AccountTags::Id))
                    .col(integer(AccountTags::AccountId))
                    .col(tag)
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountTags::Table, AccountTags::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_tags_account_tag")
                    .table(AccountTags::Table)
                    .col(AccountTags::AccountId)
                    .col(AccountTags::Tag)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_tags_tag")
                    .table(AccountTags::Table)
                    .col(AccountTags::Tag)
                    .col(AccountTags::AccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountTags::Table).to_owned())
            .await
    }
}
