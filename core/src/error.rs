use std::path::PathBuf;

/// Everything that can go wrong in Keydesk's domain. Each variant has a stable `code` that the
/// UI switches on; the message is written for the person using the app.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field broke a rule. `field` is the form key the UI puts the message beside.
    #[error("{label}: {rule}")]
    Invalid {
        field: &'static str,
        label: &'static str,
        rule: String,
    },
    #[error("{0} was not found; it may have been deleted")]
    NotFound(&'static str),
    /// The row changed since the form was opened (another window or technician saved first).
    #[error("{0} was changed elsewhere since you opened it; reload to see the new values")]
    Conflict(&'static str),
    #[error(
        "the database {path} was written by a newer Keydesk (it has migration {migration}); \
         install the newer Keydesk to open it"
    )]
    StoreTooNew { path: String, migration: String },
    #[error("{path} is not a Keydesk database ({cause}); move it aside or point KEYDESK_DATA_DIR elsewhere")]
    NotKeydesk { path: String, cause: String },
    #[error("cannot create the data folder {}: {cause}", path.display())]
    DataDir { path: PathBuf, cause: String },
    /// The cause, written as a sentence about the OS keyring.
    #[error("{0}")]
    Keyring(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("the store failed: {0}")]
    Store(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(
        field: &'static str,
        label: &'static str,
        rule: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            field,
            label,
            rule: rule.into(),
        }
    }

    /// The stable machine-readable code of this error, part of the wire contract.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::StoreTooNew { .. } => "store_too_new",
            Error::NotKeydesk { .. } => "not_keydesk",
            Error::DataDir { .. } => "data_dir",
            Error::Keyring(_) => "keyring",
            Error::Random(_) => "random",
            Error::Store(_) => "store",
        }
    }

    /// The form field the error belongs beside, if it belongs to one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
