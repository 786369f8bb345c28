//! Which accounts a page action names — these ids, those carrying a tag, or all — with the one
//! rule that reads it from the page's two optional fields. The export of accounts and the bulk
//! actions' list of targets read it alike (they disagreed when neither was given: the export
//! took every account, the bulk list none).

use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use crate::entities::account;
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// The accounts carrying this tag.
    Tag(String),
    Accounts(Vec<i32>),
}

impl Selection {
    /// From the page's fields: account ids win; a blank tag is no tag; neither is every account.
    pub fn from_fields(tag: Option<String>, account_ids: Option<Vec<i32>>) -> Selection {
        match (tag.filter(|t| !t.trim().is_empty()), account_ids) {
            (_, Some(ids)) => Selection::Accounts(ids),
            (Some(tag), None) => Selection::Tag(tag),
            (None, None) => Selection::All,
        }
    }

    /// The ids of the accounts selected, in id order (ids given are taken as they are: one
    /// deleted meanwhile is left out by whoever reads the accounts).
    pub async fn account_ids(&self, store: &Store) -> Result<Vec<i32>> {
        match self {
            Selection::All => Ok(account::Entity::find()
                .select_only()
                .column(account::Column::Id)
                .order_by_asc(account::Column::Id)
                .into_tuple::<i32>()
                .all(store.connection())
                .await?),
            Selection::Tag(tag) => crate::tags::accounts_tagged(store, tag).await,
            Selection::Accounts(ids) => Ok(ids.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Selection;

    #[test]
    fn ids_win_a_blank_tag_is_none_and_neither_is_all() {
        assert_eq!(
            Selection::from_fields(Some("#vip".into()), Some(vec![3, 1])),
            Selection::Accounts(vec![3, 1])
        );
        assert_eq!(
            Selection::from_fields(Some("#vip".into()), None),
            Selection::Tag("#vip".into())
        );
        assert_eq!(
            Selection::from_fields(Some("  ".into()), None),
            Selection::All
        );
        assert_eq!(Selection::from_fields(None, None), Selection::All);
        assert_eq!(
            Selection::from_fields(None, Some(vec![])),
            Selection::Accounts(vec![])
        );
    }
}
