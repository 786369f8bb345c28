//! "A new file a day, 14 kept" (README, SECURITY.md): the log folder after a start with 16
//! earlier days of files. `logging::init` can run once per process, so this binary holds this
//! one test.

mod common;

use std::path::Path;
use std::time::SystemTime;

use chrono::{Days, NaiveDate, Utc};
use keydesk_core::logging::{self, LogLevel, KEPT_FILES};

fn file_name(day: NaiveDate) -> String {
    format!("keydesk.{day}.log")
}

/// Creates a day's file as that day's Keydesk did. The appender removes the files created
/// first, by the file system's creation time where there is one; files made one after another
/// here may share its coarse clock tick, so each is made again until it is strictly newer than
/// the one before (a real day's file is a day newer).
fn make_days_file(dir: &Path, day: NaiveDate, previous: Option<SystemTime>) -> Option<SystemTime> {
    let path = dir.join(file_name(day));
    loop {
        std::fs::write(&path, format!("a line written on {day}\n")).unwrap();
        let Ok(created) = std::fs::metadata(&path).and_then(|m| m.created()) else {
            return None; // No creation time: the appender reads the date in the name.
        };
        if previous.is_none_or(|previous| created > previous) {
            return Some(created);
        }
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_start_after_16_days_of_log_files_keeps_the_newest_14() {
    if common::touches_no_store() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // The appender names files by the UTC day.
    let today = Utc::now().date_naive();
    let mut created = None;
    for back in (1..=16).rev() {
        created = make_days_file(&logs, today - Days::new(back), created);
    }
    std::fs::write(logs.join("notes.txt"), "not a log file").unwrap();

    logging::init(&logs, LogLevel::Info).unwrap();
    tracing::info!("started on the 17th day");
    assert_eq!(
        Utc::now().date_naive(),
        today,
        "midnight UTC passed during the test: run it again"
    );

    let mut left: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected: Vec<String> = (0..KEPT_FILES as u64)
        .map(|back| file_name(today - Days::new(back)))
        .collect();
    expected.push("notes.txt".into());
    expected.sort();
    assert_eq!(KEPT_FILES, 14);
    assert_eq!(
        left, expected,
        "today's file and the 13 newest before it, and nothing else touched"
    );
    let todays = std::fs::read_to_string(logs.join(file_name(today))).unwrap();
    assert!(todays.contains("started on the 17th day"), "{todays:?}");
    println!(
        "16 days of files and a start: {} log files left, {} … {}",
        left.len() - 1,
        left[0],
        left[KEPT_FILES - 1]
    );
}
