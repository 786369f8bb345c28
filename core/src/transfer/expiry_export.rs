//! The expiry dates of every live secret, to take elsewhere (issue 16): an iCalendar file
//! (RFC 5545: one event per secret that has an end, with an alarm at the warning window) and a
//! CSV file. Neither holds a secret or its hint: account, application, Client ID and dates.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::credentials::live;
use crate::entities::{contact, credential, credential_secret as secret};
use crate::{Result, Store};

/// One live secret and its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    pub secret_id: i32,
    pub company_name: String,
    pub application: String,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    /// None: never.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Every live secret, soonest end first, the never-ending ones last.
pub async fn live_expiries(store: &Store) -> Result<Vec<Expiry>> {
    let db = store.connection();
    let now = store.now();
    let secrets = secret::Entity::find()
        .filter(live(now))
        .order_by_asc(secret::Column::Id)
        .all(db)
        .await?;
    let credentials: HashMap<i32, credential::Model> = credential::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let companies: HashMap<i32, String> = contact::Entity::find()
        .filter(contact::Column::AccountId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.account_id, c.company_name))
        .collect();
    let mut found: Vec<Expiry> = secrets
        .into_iter()
        .filter_map(|s| {
            let c = credentials.get(&s.credential_id)?;
            Some(Expiry {
                secret_id: s.id,
                company_name: companies.get(&c.account_id).cloned().unwrap_or_default(),
                application: c.application.clone(),
                client_id: c.client_id.clone(),
                created_at: s.created_at,
                ends_at: s.ends_at(),
            })
        })
        .collect();
    found.sort_by_key(|e| (e.ends_at.is_none(), e.ends_at, e.secret_id));
    Ok(found)
}

/// An iCalendar file: one event at each end, with a display alarm `warning` before it.
pub fn to_ics(expiries: &[Expiry], warning: Duration, now: DateTime<Utc>) -> String {
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Keydesk//Secret expiry dates//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
    ];
    for e in expiries {
        let Some(end) = e.ends_at else { continue };
        let title = format!(
            "Client secret expires: {} — {}",
            e.company_name, e.application
        );
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:keydesk-secret-{}@keydesk", e.secret_id),
            format!("DTSTAMP:{}", stamp(now)),
            format!("DTSTART:{}", stamp(end)),
            format!("DTEND:{}", stamp(end + Duration::minutes(30))),
            format!("SUMMARY:{}", escape(&title)),
            format!(
                "DESCRIPTION:{}",
                escape(&format!(
                    "The client secret of Client ID {} ({}, {}) stops working. Renew it in Keydesk.",
                    e.client_id, e.company_name, e.application
                ))
            ),
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            format!("TRIGGER:-P{}D", warning.num_days()),
            format!("DESCRIPTION:{}", escape(&title)),
            "END:VALARM".to_owned(),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold(l)).collect::<String>()
}

/// A CSV file: account, application, Client ID, created, expires (ISO 8601 UTC, or "never").
pub fn to_csv(expiries: &[Expiry]) -> String {
    let mut out = String::from("account,application,client_id,created,expires\r\n");
    for e in expiries {
        let expires = e
            .ends_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| "never".to_owned());
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            csv_field(&e.company_name),
            csv_field(&e.application),
            csv_field(&e.client_id),
            e.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
            expires
        ));
    }
    out
}

/// RFC 4180 quoting, after the one formula guard every CSV Keydesk writes uses
/// (`account_csv::guard`: a leading =, +, -, @, tab or CR gets a ' so a spreadsheet does not
/// run it).
fn csv_field(value: &str) -> String {
    let value = crate::account_csv::guard(value);
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// RFC 5545 §3.3.11 TEXT escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF and a space, never splitting
/// a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn every_formula_start_is_guarded_as_in_the_other_csv_files() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let value = format!("{start}HYPERLINK(\"http://x\")");
            let written = csv_field(&value);
            let cell = written
                .strip_prefix('"')
                .and_then(|w| w.strip_suffix('"'))
                .map(|w| w.replace("\"\"", "\""))
                .unwrap_or(written.clone());
            assert!(cell.starts_with('\''), "{start:?} → {written:?}");
            assert_eq!(crate::account_csv::unguard(&cell), value);
        }
        assert_eq!(csv_field("Alexcompany"), "Alexcompany");
    }
}
