//! The error every command returns, as it crosses to the UI: `{code, message, field?}`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl From<keydesk_core::Error> for WireError {
    fn from(err: keydesk_core::Error) -> Self {
        // Messages name fields and rules, never the values typed: safe to log — except a
        // file's, which names the path the person typed (a customer's name, perhaps).
        match &err {
            keydesk_core::Error::File { cause, .. } => {
                tracing::warn!(code = err.code(), "a file could not be written: {cause}")
            }
            _ => tracing::warn!(code = err.code(), "{err}"),
        }
        WireError {
            code: err.code(),
            message: err.to_string(),
            field: err.field(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Pins the JSON the UI reads (ui/api.js) for each error code.
    use super::*;
    use keydesk_core::contact::ContactForm;
    use keydesk_core::Error;
    use serde_json::json;

    fn wire(err: Error) -> serde_json::Value {
        serde_json::to_value(WireError::from(err)).unwrap()
    }

    #[test]
    fn invalid_names_its_field() {
        let err = ContactForm {
            company_name: "Acme".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            wire(err),
            json!({"code": "invalid", "message": "Name: is required", "field": "name"})
        );
    }

    /// A file that could not be written belongs beside the path field, as when the shell made
    /// this error itself (before core's `files`).
    #[test]
    fn a_file_failure_names_the_file_beside_the_path_field() {
        assert_eq!(
            wire(Error::File {
                path: "/tmp/out.csv".into(),
                cause: "Permission denied (os error 13)".into()
            }),
            json!({"code": "file", "message": "/tmp/out.csv: Permission denied (os error 13)", "field": "path"})
        );
    }

    #[test]
    fn not_found_and_conflict_have_no_field() {
        assert_eq!(
            wire(Error::NotFound("The account")),
            json!({"code": "not_found", "message": "The account was not found; it may have been deleted"})
        );
        assert_eq!(
            wire(Error::Conflict("The contact information")),
            json!({"code": "conflict", "message": "The contact information was changed elsewhere since you opened it; reload to see the new values"})
        );
    }

    #[test]
    fn a_team_stores_refusal_is_a_sentence_without_a_field() {
        let refused =
            Error::Refused("You may add only the tags you hold, and us is not one of them.".into());
        assert_eq!(
            wire(refused),
            json!({"code": "refused", "message": "You may add only the tags you hold, and us is not one of them."})
        );
        let outdated = Error::StoreOutdated {
            path: "postgres://tess@db/keydesk".into(),
            has: "m20261202_000100_resource_servers".into(),
            needs: "m20261207_000100_team_rights".into(),
        };
        let wire = wire(outdated);
        assert_eq!(wire["code"], "store_outdated");
        assert!(wire["message"]
            .as_str()
            .unwrap()
            .contains("keydesk-server migrate"));
    }

    #[test]
    fn store_refusals_name_the_file() {
        let too_new = Error::StoreTooNew {
            path: "/d/keydesk.sqlite3".into(),
            migration: "m2099".into(),
        };
        assert_eq!(
            wire(too_new),
            json!({"code": "store_too_new", "message": "the database /d/keydesk.sqlite3 was written by a newer Keydesk (it has migration m2099); install the newer Keydesk to open it"})
        );
        let foreign = Error::NotKeydesk {
            path: "/d/keydesk.sqlite3".into(),
            cause: "it is not an SQLite database".into(),
        };
        assert_eq!(
            wire(foreign),
            json!({"code": "not_keydesk", "message": "/d/keydesk.sqlite3 is not a Keydesk database (it is not an SQLite database); move it aside or point KEYDESK_DATA_DIR elsewhere"})
        );
        let moved = Error::StoreMoved {
            path: "/d/keydesk.sqlite3".into(),
        };
        assert_eq!(
            wire(moved),
            json!({"code": "store_moved", "message": "the store /d/keydesk.sqlite3 was deleted or moved while Keydesk was running, so this was not saved; restart Keydesk to open the store at that path again"})
        );
        let dir = Error::DataDir {
            path: "/ro".into(),
            cause: "Permission denied".into(),
        };
        assert_eq!(
            wire(dir),
            json!({"code": "data_dir", "message": "cannot create the data folder /ro: Permission denied"})
        );
    }

    #[test]
    fn keyring_failures_carry_the_cause() {
        let err =
            Error::Keyring("the OS keyring is locked or refused access (prompt dismissed)".into());
        assert_eq!(
            wire(err),
            json!({"code": "keyring", "message": "the OS keyring is locked or refused access (prompt dismissed)"})
        );
        let err = Error::Random("getrandom unavailable".into());
        assert_eq!(
            wire(err),
            json!({"code": "random", "message": "the system random number generator failed: getrandom unavailable"})
        );
    }

    #[test]
    fn store_failures_carry_the_cause() {
        let err = Error::Store(keydesk_core::DbErr::Custom("disk I/O error".into()));
        assert_eq!(
            wire(err),
            json!({"code": "store", "message": "the store failed: Custom Error: disk I/O error"})
        );
        let full = Error::Store(keydesk_core::DbErr::Custom(
            "error returned from database: (code: 13) database or disk is full".into(),
        ));
        assert_eq!(
            wire(full),
            json!({"code": "store", "message": "the disk holding the store is full, so this was not saved; free some space and try again (Custom Error: error returned from database: (code: 13) database or disk is full)"})
        );
    }
}
