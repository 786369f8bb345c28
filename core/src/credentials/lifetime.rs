//! How long a new secret works (issue 16): chosen in Generate and Renew, the default a setting.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// "Expires: in 30 days / … / never".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lifetime {
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "90d")]
    Days90,
    #[serde(rename = "180d")]
    Days180,
    #[default]
    #[serde(rename = "1y")]
    OneYear,
    #[serde(rename = "2y")]
    TwoYears,
    #[serde(rename = "never")]
    Never,
}

impl Lifetime {
    pub const ALL: &'static [Lifetime] = &[
        Lifetime::Days30,
        Lifetime::Days90,
        Lifetime::Days180,
        Lifetime::OneYear,
        Lifetime::TwoYears,
        Lifetime::Never,
    ];

    /// None: never ends. A year is 365 days, two are 730: an expiry is a date people plan for,
    /// not a calendar anniversary.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Lifetime::Days30 => Some(Duration::days(30)),
            Lifetime::Days90 => Some(Duration::days(90)),
            Lifetime::Days180 => Some(Duration::days(180)),
            Lifetime::OneYear => Some(Duration::days(365)),
            Lifetime::TwoYears => Some(Duration::days(730)),
            Lifetime::Never => None,
        }
    }

    /// The choice as the dialogs offer it ("Expires: …").
    pub fn label(self) -> &'static str {
        match self {
            Lifetime::Days30 => "In 30 days",
            Lifetime::Days90 => "In 90 days",
            Lifetime::Days180 => "In 180 days",
            Lifetime::OneYear => "In 1 year",
            Lifetime::TwoYears => "In 2 years",
            Lifetime::Never => "Never",
        }
    }

    /// The end of a secret made at `now` (the clock's, to the microsecond) with this lifetime.
    pub fn ends_at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.duration().map(|d| now + d)
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Lifetime::Days30 => "expires in 30 days",
            Lifetime::Days90 => "expires in 90 days",
            Lifetime::Days180 => "expires in 180 days",
            Lifetime::OneYear => "expires in 1 year",
            Lifetime::TwoYears => "expires in 2 years",
            Lifetime::Never => "never expires",
        }
    }
}

/// What Renew gives the new secret: the current secret's lifetime again, or a new choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "lifetime")]
pub enum RenewLifetime {
    /// As long as the current secret was given (never stays never).
    #[default]
    #[serde(alias = "keep")]
    Current,
    Choose(Lifetime),
}
