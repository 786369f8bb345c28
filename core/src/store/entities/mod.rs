//! sea-orm entities, one file a table. The schema itself lives in `migration/`.

/// One block of an account's information (contact, billing; one row per account). Its fields
/// are listed once, here; from that list come the table's model, the form the page edits and
/// saves, and the copies between the two (`From<Model>` and `Form::columns`). A new field is
/// one line here, its rule in `crate::contact`, its migration, and its place on the page.
macro_rules! information_block {
    (
        $(#[$doc:meta])*
        table = $table:literal, form = $form:ident,
        fields { $($(#[$field_doc:meta])* $field:ident),+ $(,)? }
    ) => {
        use sea_orm::entity::prelude::*;

        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = $table)]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            #[sea_orm(unique)]
            pub account_id: i32,
            $($(#[$field_doc])* pub $field: String,)+
            pub created_at: ChronoDateTimeUtc,
            pub updated_at: ChronoDateTimeUtc,
            pub version: i32,
        }

        /// The block as typed (before `validate`) or normalised (after).
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct $form {
            $(pub $field: String,)+
        }

        impl From<Model> for $form {
            fn from(m: Model) -> $form {
                $form { $($field: m.$field,)+ }
            }
        }

        impl $form {
            /// The block's columns set from the form; keys, times and version are the writer's.
            pub fn columns(self) -> ActiveModel {
                ActiveModel {
                    $($field: sea_orm::Set(self.$field),)+
                    ..Default::default()
                }
            }
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::account::Entity",
                from = "Column::AccountId",
                to = "super::account::Column::Id",
                on_delete = "Cascade"
            )]
            Account,
        }

        impl Related<super::account::Entity> for Entity {
            fn to() -> RelationDef {
                Relation::Account.def()
            }
        }

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod access_token;
pub mod account;
pub mod account_search;
pub mod account_tag;
pub mod alert_channel;
pub mod alert_delivery;
pub mod audit_event;
pub mod billing;
pub mod contact;
pub mod credential;
pub mod credential_secret;
pub mod keyring_entry;
pub mod reminder_sent;
