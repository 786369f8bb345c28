//! Files a person names on the page, typed or chosen with the OS's dialog (issue 25 item 5: these
//! rules were in the shell): which paths are taken, when writing one needs the person's word,
//! writing it, what a file written says back, and the day a typed date means.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::{Error, Result};

/// A full path as a person on this computer writes one (found under Wine: a Windows user was
/// shown a Linux path).
const FULL_PATH_EXAMPLE: &str = if cfg!(windows) {
    r"C:\Users\you\accounts.csv"
} else {
    "/home/you/accounts.csv"
};

/// A path typed or chosen: absolute, with one of the extensions the kind of file needs.
pub fn checked_path(text: &str, extensions: &[&str]) -> Result<PathBuf> {
    let path = PathBuf::from(text.trim());
    if path.as_os_str().is_empty() {
        return Err(Error::invalid("path", "File", "choose a file first"));
    }
    if !path.is_absolute() {
        return Err(Error::invalid(
            "path",
            "File",
            format!("must be a full path, such as {FULL_PATH_EXAMPLE}"),
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    if !extensions.contains(&ext.as_str()) {
        return Err(Error::invalid(
            "path",
            "File",
            format!("must end in .{}", extensions.join(" or .")),
        ));
    }
    Ok(path)
}

/// Where `path` leads, its folder's links and `..` resolved (the file itself need not exist).
fn resolved(path: &Path) -> Option<PathBuf> {
    let folder = std::fs::canonicalize(path.parent()?).ok()?;
    Some(folder.join(path.file_name()?))
}

/// Whether writing `path` needs the person to confirm it in a prompt of Keydesk's own: it was
/// not returned by the OS's dialog (`chosen`, which asked itself), something is already there
/// (a file, or a link), and it lies outside the data folder.
pub fn needs_confirmation(path: &Path, data_dir: &Path, chosen: &[PathBuf]) -> bool {
    if chosen.iter().any(|p| p == path) || std::fs::symlink_metadata(path).is_err() {
        return false;
    }
    let inside = match (resolved(path), std::fs::canonicalize(data_dir)) {
        (Some(path), Ok(data)) => path.starts_with(data),
        _ => false,
    };
    !inside
}

/// Writes `contents` to a new private `<path>.part` first (0600 from its first byte, a link
/// planted there never followed) and moves it into place: a failed export never leaves half a
/// file under the chosen name.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    crate::private_files::write_private(path, contents).map_err(|err| Error::File {
        path: path.display().to_string(),
        cause: err.to_string(),
    })
}

/// What the page says after an export: where, and how many rows (accounts, events, expiry
/// dates) the file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exported {
    pub path: String,
    pub rows: usize,
}

/// Writes `contents` (`write_file`) and says how many of its `rows` it holds.
pub fn export_to(path: &Path, contents: &str, rows: usize) -> Result<Exported> {
    write_file(path, contents.as_bytes())?;
    Ok(Exported {
        path: path.display().to_string(),
        rows,
    })
}

/// The data rows of a CSV text with a header line.
pub fn csv_rows(csv: &str) -> usize {
    csv.lines().count().saturating_sub(1)
}

/// A day typed on the page (YYYY-MM-DD, blank for none) as the start of that day on this
/// computer, or with `next` the start of the day after (so a range "to" the day includes it).
pub fn local_day(
    field: &'static str,
    label: &'static str,
    day: Option<&str>,
    next: bool,
) -> Result<Option<DateTime<Utc>>> {
    let Some(day) = day.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, label, "must be a date such as 2026-11-27"))?;
    let date = if next {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Ok(Local
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_must_be_full_and_end_as_its_kind_of_file_does() {
        let wire = |text: &str| checked_path(text, &["csv", "txt"]).map_err(|e| e.to_string());
        assert_eq!(wire("  "), Err("File: choose a file first".into()));
        let example = if cfg!(windows) {
            r"C:\Users\you\accounts.csv"
        } else {
            "/home/you/accounts.csv"
        };
        assert_eq!(
            wire("accounts.csv"),
            Err(format!("File: must be a full path, such as {example}"))
        );
        // A full path on this platform: a drive on Windows, the root elsewhere.
        let full = if cfg!(windows) { r"C:\tmp\" } else { "/tmp/" };
        assert_eq!(
            wire(&format!("{full}accounts.xlsx")),
            Err("File: must end in .csv or .txt".into())
        );
        assert_eq!(
            wire(&format!(" {full}A.CSV ")),
            Ok(PathBuf::from(format!("{full}A.CSV")))
        );
        assert_eq!(
            checked_path("x", &["csv"]).unwrap_err().field(),
            Some("path")
        );
    }

    #[test]
    fn a_typed_day_is_its_local_midnight_and_to_includes_the_day() {
        let start = local_day("from", "From", Some("2026-11-27"), false)
            .unwrap()
            .unwrap();
        let end = local_day("to", "To", Some(" 2026-11-27 "), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            start.with_timezone(&Local).naive_local(),
            NaiveDate::from_ymd_opt(2026, 11, 27)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        );
        assert!(end > start);
        assert_eq!(local_day("from", "From", Some(" "), false).unwrap(), None);
        assert_eq!(local_day("from", "From", None, false).unwrap(), None);
        let err = local_day("to", "To", Some("27/11/2026"), false).unwrap_err();
        assert_eq!(err.to_string(), "To: must be a date such as 2026-11-27");
        assert_eq!(err.field(), Some("to"));
    }

    #[test]
    fn a_failed_write_names_the_file_and_belongs_beside_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("out.csv");
        let err = write_file(&path, b"x").unwrap_err();
        assert_eq!(err.code(), "file");
        assert_eq!(err.field(), Some("path"));
        assert!(
            err.to_string()
                .starts_with(&format!("{}: ", path.display())),
            "{err}"
        );
        let written = export_to(&dir.path().join("out.csv"), "h\n1\n2\n", 2).unwrap();
        assert_eq!(written.rows, 2);
        assert_eq!(csv_rows("h\r\n1\r\n2\r\n"), 2);
        assert_eq!(csv_rows("h\n"), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_typed_path_over_an_existing_file_outside_the_data_folder_needs_a_prompt() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let data = root.join("data");
        std::fs::create_dir(&data).unwrap();
        let outside = root.join("report.csv");
        std::fs::write(&outside, "someone's file").unwrap();
        // Typed, a file there, outside the data folder: asked.
        assert!(needs_confirmation(&outside, &data, &[]));
        // A link planted there counts as something there, even pointing nowhere.
        let link = root.join("link.csv");
        std::os::unix::fs::symlink(root.join("nowhere"), &link).unwrap();
        assert!(needs_confirmation(&link, &data, &[]));
        // Returned by the OS's dialog (which asked itself): not asked again.
        assert!(!needs_confirmation(
            &outside,
            &data,
            std::slice::from_ref(&outside)
        ));
        // Nothing there yet: nothing replaced.
        assert!(!needs_confirmation(&root.join("new.csv"), &data, &[]));
        // Inside the data folder, however spelled: Keydesk's own files.
        let mine = data.join("backups-copy.sqlite3");
        std::fs::write(&mine, "x").unwrap();
        assert!(!needs_confirmation(&mine, &data, &[]));
        let dotted = data.join("..").join("report.csv");
        assert!(needs_confirmation(&dotted, &data, &[]), "outside, via ..");
    }
}
