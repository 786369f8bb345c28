//! Log files: `keydesk.YYYY-MM-DD.log` in the OS log folder, a new file each day, the last 14
//! kept. The level is a setting and changes without a restart.
//!
//! No secret reaches a log line: plaintext secrets are `secrets::Secret`, whose `Debug` prints a
//! placeholder and which has no `Display`; forms' values are never logged, only ids and codes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tracing_appender::rolling::{RollingFileAppender, RollingWriter, Rotation};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{reload, Registry};

use crate::private_files;
use crate::{Error, Result};

/// How many daily files are kept.
pub const KEPT_FILES: usize = 14;
pub const FILE_PREFIX: &str = "keydesk";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
}

impl LogLevel {
    fn filter(self) -> LevelFilter {
        match self {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
        }
    }
}

/// Changes the level of the running logger.
#[derive(Clone)]
pub struct LogControl(reload::Handle<LevelFilter, Registry>);

impl LogControl {
    pub fn set_level(&self, level: LogLevel) {
        let _ = self.0.modify(|filter| *filter = level.filter());
    }
}

/// Starts writing this process's log to `dir`. Call once per process.
pub fn init(dir: &Path, level: LogLevel) -> Result<LogControl> {
    let cannot = |cause: String| Error::DataDir {
        path: dir.to_owned(),
        cause,
    };
    private_files::private_dir(dir).map_err(|e| cannot(e.to_string()))?;
    // Files an older Keydesk left under the umask.
    for entry in std::fs::read_dir(dir)
        .map_err(|e| cannot(e.to_string()))?
        .flatten()
    {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(FILE_PREFIX) && name.ends_with(".log") {
            private_files::make_private(&entry.path()).map_err(|e| cannot(e.to_string()))?;
        }
    }
    // Today's file exists, private, before the appender opens it.
    let today = todays_file_name();
    private_files::create_private_file(&dir.join(&today)).map_err(|e| cannot(e.to_string()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        // tracing-appender 0.2.5 prunes to one file fewer than this, counting on making the day's
        // file after; Keydesk has made it already (private), so it is one of them: one more here
        // keeps KEPT_FILES (tests/log_files.rs).
        .max_log_files(KEPT_FILES + 1)
        .build(dir)
        .map_err(|e| cannot(e.to_string()))?;
    let (filter, handle) = reload::Layer::new(level.filter());
    let subscriber = Registry::default().with(filter).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .with_writer(PrivateDailyFiles {
                dir: dir.to_owned(),
                today: Mutex::new(today),
                appender,
            }),
    );
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| cannot(format!("a logger is already running ({e})")))?;
    Ok(LogControl(handle))
}

/// The daily appender, with each day's file created `rw-------` before the appender opens it
/// (tracing-appender itself creates files under the umask).
struct PrivateDailyFiles {
    dir: PathBuf,
    /// The name of the file last made private.
    today: Mutex<String>,
    appender: RollingFileAppender,
}

/// The appender's name for today's file (it dates files in UTC).
fn todays_file_name() -> String {
    format!(
        "{FILE_PREFIX}.{}.log",
        chrono::Utc::now().format("%Y-%m-%d")
    )
}

impl PrivateDailyFiles {
    fn make_today_private(&self) {
        let name = todays_file_name();
        let mut today = self.today.lock().unwrap_or_else(|e| e.into_inner());
        if *today != name {
            if let Err(err) = private_files::create_private_file(&self.dir.join(&name)) {
                eprintln!("keydesk: cannot make the log file {name} private: {err}");
            }
            *today = name;
        }
    }
}

impl<'a> MakeWriter<'a> for PrivateDailyFiles {
    type Writer = RollingWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        self.make_today_private();
        self.appender.make_writer()
    }
}
