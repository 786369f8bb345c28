use sea_orm_migration::{prelude::*, schema::*};

/// Accounts, their contact and billing information, and the activity log.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ContactInformation {
    Table,
    Id,
    AccountId,
    CompanyName,
    Name,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    Phone,
    Username,
    Email,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum BillingInformation {
    Table,
    Id,
    AccountId,
    BillingName,
    StreetLine1,
    StreetLine2,
    City,
    Region,
    PostalCode,
    Country,
    Phone,
    Email,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    AccountId,
    Action,
    Detail,
    At,
}

/// A text column that is never NULL: an unset optional field is the empty string.
fn field<T: IntoIden>(name: T) -> ColumnDef {
    text(name).default("").take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                    .col(integer(Accounts::Version).default(1))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactInformation::Table)
                    .col(pk_auto(ContactInformation::Id))
                    .col(integer(ContactInformation::AccountId).unique_key())
                    .col(text(ContactInformation::CompanyName))
                    .col(text(ContactInformation::Name))
                    .col(field(ContactInformation::Street))
                    .col(field(ContactInformation::City))
                    .col(field(ContactInformation::Region))
                    .col(field(ContactInformation::PostalCode))
                    .col(field(ContactInformation::Country))
                    .col(field(ContactInformation::Phone))
                    .col(field(ContactInformation::Username))
                    .col(field(ContactInformation::Email))
                    .col(timestamp_with_time_zone(ContactInformation::CreatedAt))
                    .col(timestamp_with_time_zone(ContactInformation::UpdatedAt))
                    .col(integer(ContactInformation::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactInformation::Table, ContactInformation::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The account list is sorted and searched by company name.
        manager
            .create_index(
                Index::create()
                    .name("idx_contact_information_company_name")
                    .table(ContactInformation::Table)
                    .col(ContactInformation::CompanyName)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BillingInformation::Table)
                    .col(pk_auto(BillingInformation::Id))
                    .col(integer(BillingInformation::AccountId).unique_key())
                    .col(field(BillingInformation::BillingName))
                    .col(field(BillingInformation::StreetLine1))
                    .col(field(BillingInformation::StreetLine2))
                    .col(field(BillingInformation::City))
                    .col(field(BillingInformation::Region))
                    .col(field(BillingInformation::PostalCode))
                    .col(field(BillingInformation::Country))
                    .col(field(BillingInformation::Phone))
                    .col(field(BillingInformation::Email))
                    .col(timestamp_with_time_zone(BillingInformation::CreatedAt))
                    .col(timestamp_with_time_zone(BillingInformation::UpdatedAt))
                    .col(integer(BillingInformation::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BillingInformation::Table, BillingInformation::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_auto(AuditEvents::Id))
                    .col(integer_null(AuditEvents::AccountId))
                    .col(text(AuditEvents::Action))
                    .col(field(AuditEvents::Detail))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_account_at")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::AccountId)
                    .col(AuditEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            BillingInformation::Table.into_iden(),
            ContactInformation::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
