//! What an alert says, in each channel's format: the account, the application, the Client ID,
//! when the secret ends and when it was last used — never the secret or its hint. Text from the
//! store (a company called `<b>Smith & Sons</b>`) is escaped for each format: Slack's mrkdwn,
//! the Adaptive Card's markdown, JSON.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::credentials::SecretNames;
use crate::reminders::Threshold;

/// One line of a weekly digest: a secret that ends within 30 days.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DigestItem {
    pub company_name: String,
    pub application: String,
    pub client_id: String,
    pub ends_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A digest's lines shown in one message at most (Slack takes 50 blocks); the rest are counted.
const DIGEST_SHOWN: usize = 40;

/// One alert, before it is rendered for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// None: a test alert (*Send a test alert*) or a weekly digest.
    pub threshold: Option<Threshold>,
    /// Some: the weekly digest, soonest end first.
    pub digest: Option<Vec<DigestItem>>,
    pub names: Option<SecretNames>,
    pub ends_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub sent_at: DateTime<Utc>,
}

impl Message {
    pub fn test(now: DateTime<Utc>) -> Message {
        Message {
            threshold: None,
            digest: None,
            names: None,
            ends_at: None,
            last_used_at: None,
            sent_at: now,
        }
    }

    pub fn title(&self) -> String {
        let day = |at: Option<DateTime<Utc>>| {
            at.map(|at| at.format("%-d %b %Y").to_string())
                .unwrap_or_default()
        };
        if let Some(items) = &self.digest {
            return match items.len() {
                0 => "This week: no client secret expires in the next 30 days".to_owned(),
                1 => "This week: 1 client secret expires in the next 30 days".to_owned(),
                n => format!("This week: {n} client secrets expire in the next 30 days"),
            };
        }
        match self.threshold {
            None => "Keydesk test alert: this channel works".to_owned(),
            Some(Threshold::Warning) => format!("A client secret expires on {}", day(self.ends_at)),
            Some(Threshold::SevenDays) => "A client secret expires within 7 days".to_owned(),
            Some(Threshold::OneDay) => "A client secret expires within a day".to_owned(),
            Some(Threshold::Expired) => "A client secret has expired".to_owned(),
        }
    }

    fn event(&self) -> &'static str {
        if self.digest.is_some() {
            return "digest";
        }
        match self.threshold {
            None => "test",
            Some(Threshold::Expired) => "secret.expired",
            Some(_) => "secret.expiring",
        }
    }

    fn when(at: Option<DateTime<Utc>>) -> String {
        at.map(|at| at.format("%-d %b %Y %H:%M UTC").to_string())
            .unwrap_or_else(|| "never".to_owned())
    }

    /// (label, value) lines, as plain text (a digest's labels are the accounts' names).
    fn facts(&self) -> Vec<(String, String)> {
        if let Some(items) = &self.digest {
            let mut facts: Vec<(String, String)> = items
                .iter()
                .take(DIGEST_SHOWN)
                .map(|i| {
                    (
                        format!("{} — {}", i.company_name, i.application),
                        format!(
                            "Client ID {} · ends {} · last used {}",
                            i.client_id,
                            Self::when(Some(i.ends_at)),
                            Self::when(i.last_used_at)
                        ),
                    )
                })
                .collect();
            if items.len() > DIGEST_SHOWN {
                facts.push((
                    "And more".to_owned(),
                    format!(
                        "{} more: Keydesk's Health page lists them all",
                        items.len() - DIGEST_SHOWN
                    ),
                ));
            }
            return facts;
        }
        let Some(n) = &self.names else {
            return vec![("Sent".to_owned(), Self::when(Some(self.sent_at)))];
        };
        vec![
            ("Account".to_owned(), n.company_name.clone()),
            ("Application".to_owned(), n.application.clone()),
            ("Client ID".to_owned(), n.client_id.clone()),
            (
                if self.threshold == Some(Threshold::Expired) {
                    "Ended"
                } else {
                    "Ends"
                }
                .to_owned(),
                Self::when(self.ends_at),
            ),
            ("Last used".to_owned(), Self::when(self.last_used_at)),
        ]
    }

    /// The plain-text line (Slack's fallback, logs).
    pub fn text(&self) -> String {
        let facts: Vec<String> = self
            .facts()
            .into_iter()
            .map(|(label, value)| format!("{label}: {value}"))
            .collect();
        format!("{} — {}", self.title(), facts.join("; "))
    }

    /// The generic webhook's body (documented in the README).
    pub fn webhook(&self, delivery: &str) -> Value {
        let names = self.names.as_ref();
        json!({
            "delivery_id": delivery,
            "event": self.event(),
            "threshold": self.threshold.map(Threshold::code),
            "sent_at": self.sent_at,
            "title": self.title(),
            "account": names.map(|n| json!({ "id": n.account_id, "company_name": n.company_name })),
            "credential": names.map(|n| json!({
                "id": n.credential_id,
                "client_id": n.client_id,
                "application": n.application,
            })),
            "secret": names.map(|n| json!({
                "id": n.secret_id,
                "ends_at": self.ends_at,
                "last_used_at": self.last_used_at,
            })),
            "digest": self.digest,
        })
    }

    /// A Slack incoming webhook's body: Block Kit, with the text as the fallback.
    pub fn slack(&self) -> Value {
        let lines: Vec<Value> = self
            .facts()
            .into_iter()
            .map(|(label, value)| {
                json!({
                    "type": "mrkdwn",
                    "text": format!("*{}*\n{}", slack_escape(&label), slack_escape(&value)),
                })
            })
            .collect();
        let mut blocks = vec![
            json!({ "type": "header", "text": { "type": "plain_text", "text": self.title() } }),
        ];
        if self.digest.is_some() {
            // A section per secret: a section takes at most 10 fields.
            blocks.extend(
                lines
                    .into_iter()
                    .map(|text| json!({ "type": "section", "text": text })),
            );
        } else {
            blocks.push(json!({ "type": "section", "fields": lines }));
        }
        json!({ "text": slack_escape(&self.text()), "blocks": blocks })
    }

    /// A Teams workflow webhook's body: a message carrying one Adaptive Card.
    pub fn teams(&self) -> Value {
        let facts: Vec<Value> = self
            .facts()
            .into_iter()
            .map(|(label, value)| json!({ "title": card_escape(&label), "value": card_escape(&value) }))
            .collect();
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        { "type": "TextBlock", "text": card_escape(&self.title()),
                          "weight": "Bolder", "size": "Medium", "wrap": true },
                        { "type": "FactSet", "facts": facts },
                    ],
                },
            }],
        })
    }
}

impl Message {
    /// An e-mail's plain-text and HTML parts (every value HTML-escaped in the latter).
    pub fn email_parts(&self) -> (String, String) {
        let facts = self.facts();
        let mut text = format!("{}\n\n", self.title());
        for (label, value) in &facts {
            text.push_str(&format!("{label}: {value}\n"));
        }
        text.push_str("\nRenew it in Keydesk. This message carries no secret.\n");
        let rows: String = facts
            .iter()
            .map(|(label, value)| {
                format!(
                    "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                    html_escape(label),
                    html_escape(value)
                )
            })
            .collect();
        let html = format!(
            "<!doctype html><html><body><h2>{}</h2><table>{rows}</table>\
             <p>Renew it in Keydesk. This message carries no secret.</p></body></html>",
            html_escape(&self.title())
        );
        (text, html)
    }
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Slack's mrkdwn reads `&`, `<` and `>` as control characters (links, mentions).
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Adaptive Cards render a subset of Markdown in TextBlock and FactSet: its marks are
/// backslash-escaped so a name shows as typed.
pub fn card_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\*_[]()#`~>-+!|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            threshold: Some(Threshold::SevenDays),
            digest: None,
            names: Some(SecretNames {
                secret_id: 9,
                credential_id: 4,
                account_id: 2,
                company_name: "<b>Smith & Sons</b> *now*".into(),
                application: "PSA".into(),
                client_id: "c0ffee".into(),
            }),
            ends_at: Some("2027-01-08T09:00:00Z".parse().unwrap()),
            last_used_at: None,
            sent_at: "2027-01-01T09:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn slack_and_teams_show_a_name_as_typed() {
        let slack = message().slack().to_string();
        assert!(
            slack.contains("&lt;b&gt;Smith &amp; Sons&lt;/b&gt;"),
            "{slack}"
        );
        assert!(!slack.contains("<b>"));
        let teams = message().teams();
        let account = &teams["attachments"][0]["content"]["body"][1]["facts"][0]["value"];
        assert_eq!(account, r"<b\>Smith & Sons</b\> \*now\*");
    }

    #[test]
    fn the_webhook_body_names_what_ends_and_nothing_secret() {
        let body = message().webhook("d-1");
        assert_eq!(body["event"], "secret.expiring");
        assert_eq!(body["threshold"], "7d");
        assert_eq!(body["credential"]["client_id"], "c0ffee");
        assert_eq!(body["secret"]["last_used_at"], Value::Null);
        assert_eq!(
            body["secret"].as_object().unwrap().len(),
            3,
            "id, ends_at, last_used_at"
        );
    }
}
