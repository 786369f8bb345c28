//! Log files: `keydesk.YYYY-MM-DD.log` in the OS log folder, a new file each day, the last 14
//! kept. The level is a setting and changes without a restart.
//!
//! No secret reaches a log line: plaintext secrets are `secrets::Secret`, whose `Debug` prints a
//! placeholder and which has no `Display`; forms' values are never logged, only ids and codes.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{reload, Registry};

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
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|e| cannot(e.to_string()))?;
    let (filter, handle) = reload::Layer::new(level.filter());
    let subscriber = Registry::default().with(filter).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .with_writer(appender),
    );
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| cannot(format!("a logger is already running ({e})")))?;
    Ok(LogControl(handle))
}
