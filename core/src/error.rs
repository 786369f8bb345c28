use std::path::PathBuf;

/// Everything that can go wrong in Keydesk's domain. Each variant has a stable `code` that the
/// UI switches on; the message is written for the person using the app.
/// Clone: one failure can answer several callers (a batch of tokens written together), each
/// with its kind.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// A file the person named could not be written (an export, a backup's destination).
    #[error("{path}: {cause}")]
    File { path: String, cause: String },
    #[error("cannot create the data folder {}: {cause}", path.display())]
    DataDir { path: PathBuf, cause: String },
    /// The cause, written as a sentence about the OS keyring.
    #[error("{0}")]
    Keyring(String),
    /// The OS keyring failed: `message` says so as a person would; `details` is the platform's
    /// own account (for the log and a "Details" disclosure), never the headline.
    #[error("{message}")]
    KeyringFailed { message: String, details: String },
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// SQLite would go on writing to a deleted file, and every later save would vanish.
    #[error(
        "the store {path} was deleted or moved while Keydesk was running, so this was not saved; \
         restart Keydesk to open the store at that path again"
    )]
    StoreMoved { path: String },
    /// A database server could not be reached or refused us; both texts are already scrubbed of
    /// the URL's password.
    #[error("cannot open the store {store}: {cause}")]
    Connect { store: String, cause: String },
    /// A team store's schema is older than this build needs, and this login may not update it
    /// (only the schema's owner migrates: issue 26).
    #[error(
        "the store {path} has an older schema (its last migration is {has}; this Keydesk needs \
         {needs}). Whoever administers the store updates it with `keydesk-server migrate`, run \
         as a PostgreSQL superuser or a member of keydesk_owner; until then this Keydesk \
         changes nothing in it"
    )]
    StoreOutdated {
        path: String,
        has: String,
        needs: String,
    },
    /// The team store's database refused this login the change (its role's rights, its
    /// customer scope, a rule on tags or the activity): the sentence says which.
    #[error("{0}")]
    Refused(String),
    #[error("{}", store_failure(.0))]
    Store(sea_orm::DbErr),
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Error {
        match refusal(&err) {
            Some(sentence) => Error::Refused(sentence),
            None => Error::Store(err),
        }
    }
}

/// PostgreSQL's "insufficient privilege" (SQLSTATE 42501) as a sentence: a refusal raised by
/// Keydesk's own rules is one already; the engine's own become one.
fn refusal(err: &sea_orm::DbErr) -> Option<String> {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else {
        return None;
    };
    if db.code().as_deref() != Some("42501") {
        return None;
    }
    let message = db.message();
    Some(if message.contains("row-level security") {
        "That account is outside the customers you look after on this team store, so nothing \
         was changed."
            .to_owned()
    } else if let Some(what) = message.strip_prefix("permission denied for ") {
        format!(
            "Your rights on this team store do not allow this ({what}), so nothing was changed; \
             an admin can change your rights."
        )
    } else {
        message.to_owned()
    })
}

/// The database's complaint as a sentence about what happened to this change, for the failures
/// a desktop store meets: a full disk, a read-only file or folder, a damaged file.
fn store_failure(err: &sea_orm::DbErr) -> String {
    let text = err.to_string();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["database or disk is full", "(code: 13)", "No space left"]) {
        format!("the disk holding the store is full, so this was not saved; free some space and try again ({text})")
    } else if has(&["readonly database", "(code: 8)", "Read-only file system"]) {
        format!("the store is read-only (its file or folder cannot be written), so this was not saved ({text})")
    } else if has(&["malformed", "(code: 11)"]) {
        format!("the store file is damaged; Keydesk changed nothing in it — restore it from a backup, or move it aside to start afresh ({text})")
    } else if has(&["unable to open database file", "(code: 14)"]) {
        format!("the store file cannot be opened; check that its folder exists and can be written ({text})")
    } else {
        format!("the store failed: {text}")
    }
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
            Error::File { .. } => "file",
            Error::Keyring(_) | Error::KeyringFailed { .. } => "keyring",
            Error::Random(_) => "random",
            Error::StoreMoved { .. } => "store_moved",
            Error::StoreOutdated { .. } => "store_outdated",
            Error::Refused(_) => "refused",
            Error::Store(_) | Error::Connect { .. } => "store",
        }
    }

    /// The technical cause behind a message written for people, when there is one.
    pub fn details(&self) -> Option<&str> {
        match self {
            Error::KeyringFailed { details, .. } => Some(details),
            _ => None,
        }
    }

    /// The form field the error belongs beside, if it belongs to one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            // The path field the person typed or chose it in.
            Error::File { .. } => Some("path"),
            _ => None,
        }
    }
}
