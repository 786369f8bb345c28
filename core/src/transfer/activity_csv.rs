//! The activity as CSV: one account's, or every account's in a date range. UTF-8, RFC 4180
//! quoting, ISO 8601 times with the computer's UTC offset. Events never carry a secret, a
//! digest or a token (see `audit`), and this writes only their columns, the company name and
//! the Client ID; cells a spreadsheet would run as formulas get a leading `'`.

use std::collections::HashMap;

use chrono::{DateTime, Local, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::account_csv::guard;
use crate::audit::Action;
use crate::entities::{audit_event, contact, credential};
use crate::{Error, Result, Store};

pub const COLUMNS: &[&str] = &[
    "time",
    "account_id",
    "company_name",
    "action",
    "what",
    "client_id",
    "by",
    "detail",
];

/// Which events an export holds: one account's (all of them), or all accounts' from `from`
/// (included) to `to` (excluded); either bound may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityRange {
    Account(i32),
    Between {
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    },
}

/// The events, oldest first, as CSV text.
pub async fn export_activity(store: &Store, range: &ActivityRange) -> Result<String> {
    let db = store.connection();
    let mut query = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id);
    match range {
        ActivityRange::Account(id) => {
            query = query.filter(audit_event::Column::AccountId.eq(*id));
        }
        ActivityRange::Between { from, to } => {
            if let (Some(from), Some(to)) = (from, to) {
                if from >= to {
                    return Err(Error::invalid(
                        "to",
                        "To",
                        "must be after the start of the range",
                    ));
                }
            }
            if let Some(from) = from {
                query = query.filter(audit_event::Column::At.gte(*from));
            }
            if let Some(to) = to {
                query = query.filter(audit_event::Column::At.lt(*to));
            }
        }
    }
    let events = query.all(db).await?;
    let companies: HashMap<i32, String> = contact::Entity::find()
        .select_only()
        .column(contact::Column::AccountId)
        .column(contact::Column::CompanyName)
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let client_ids: HashMap<i32, String> = credential::Entity::find()
        .select_only()
        .column(credential::Column::Id)
        .column(credential::Column::ClientId)
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed =
        |e: csv::Error| Error::invalid("file", "The file", format!("could not be written: {e}"));
    out.write_record(COLUMNS).map_err(failed)?;
    for e in events {
        let company = e
            .account_id
            .and_then(|id| companies.get(&id))
            .map(String::as_str)
            .unwrap_or("");
        let client_id = e
            .credential_id
            .and_then(|id| client_ids.get(&id))
            .map(String::as_str)
            .unwrap_or("");
        let what = Action::from_code(&e.action)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|| e.action.clone());
        out.write_record([
            time(e.at),
            e.account_id.map(|id| id.to_string()).unwrap_or_default(),
            guard(company),
            guard(&e.action),
            guard(&what),
            guard(client_id),
            guard(e.actor.as_deref().unwrap_or("")),
            guard(&e.detail),
        ])
        .map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::invalid("file", "The file", format!("could not be written: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Error::invalid("file", "The file", "is not UTF-8"))
}

/// ISO 8601 with the offset of the computer's time zone: `2026-11-27T17:05:09+01:00`.
fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}
