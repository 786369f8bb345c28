//! `keydesk-cli`: Keydesk's accounts and API credentials from scripts (issue 27), over the same
//! core, store and rules as the app — no second implementation of anything. No WebKit: it runs
//! on a server, in CI and over SSH.

mod accounts;
mod alerts;
mod credentials;
mod output;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use keydesk_core::{audit, Error, Store, StoreLocation};

/// The desktop app's identifier (tauri.conf.json): its data folder, so the command line finds
/// the same store.
const APP_IDENTIFIER: &str = "app.keydesk.desktop";

#[derive(Parser)]
#[command(
    name = "keydesk-cli",
    version,
    about = "Keydesk's accounts and API credentials from scripts: the same store and rules as the app.",
    after_help = "The store: --store, else KEYDESK_DATABASE_URL, else the team store chosen in the \
                  app's Settings (its password from the OS keyring), else the SQLite file in \
                  KEYDESK_DATA_DIR or the app's data folder.\n\n\
                  Exit codes: 0 done (health: nothing due), 1 error (health: something expiring), \
                  2 usage (health: something expired), 3 refused (a conflict, rights, a policy), \
                  4 not found."
)]
struct Cli {
    /// The store: an SQLite file, or a postgres:// URL.
    #[arg(long, global = true, value_name = "PATH_OR_URL")]
    store: Option<String>,
    /// How results are written.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// Shorthand for `-o json`.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// The rows of a list as CSV (other answers as in a table).
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Accounts: list, show, add, tag, untag, delete.
    #[command(subcommand)]
    Accounts(accounts::Accounts),
    /// API credentials: list, generate, renew, delete, verify.
    #[command(subcommand)]
    Credentials(credentials::Credentials),
    /// Secrets that need attention. Exit code 0: nothing due; 1: something expiring within
    /// the window; 2: something expired — usable directly as a monitoring check.
    Health {
        /// The warning window in days: `30` or `30d`.
        #[arg(long, default_value = "30", value_name = "DAYS", value_parser = days)]
        within: u32,
    },
    /// The activity as CSV, oldest first (every account, or a range of local days).
    #[command(subcommand)]
    Activity(Activity),
    /// A consistent copy of this computer's store (SQLite) to FILE (default
    /// keydesk-backup-<day>.sqlite3 here). A team store is backed up by its database.
    Backup { file: Option<PathBuf> },
    /// Expiry alerts: the channels (Slack, Teams, webhooks, e-mail), a test, a round now.
    #[command(subcommand)]
    Alerts(alerts::Alerts),
    /// Restores this computer's store from a backup (the app's checks: secrets ended, credentials
    /// deleted and tokens revoked since stay so). The store as it was is kept beside it. While
    /// Keydesk has the store open, the backup is staged and Keydesk restores it at its next start.
    Restore {
        file: PathBuf,
        #[arg(long)]
        yes: bool,
    },
    /// Shell completions on standard output (the .deb and .rpm install them for bash, zsh and
    /// fish). PowerShell: `keydesk-cli completions powershell | Out-String | Invoke-Expression`.
    Completions { shell: clap_complete::Shell },
    /// The manual page (roff) on standard output, made from these same definitions.
    #[command(hide = true)]
    Man,
}

#[derive(Subcommand)]
enum Activity {
    Export {
        /// From this day (YYYY-MM-DD, local), included.
        #[arg(long)]
        from: Option<String>,
        /// To this day (YYYY-MM-DD, local), included.
        #[arg(long)]
        to: Option<String>,
        /// Where to write it (a .csv file); standard output without it.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Days as scripts write them: `30` or `30d`.
fn days(text: &str) -> Result<u32, String> {
    text.trim()
        .trim_end_matches('d')
        .parse()
        .map_err(|_| format!("{text:?}: give a number of days, such as 30 or 30d"))
}

/// A failure as the command line says it: one line, and its exit code.
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        let code = match &err {
            Error::NotFound(_) => 4,
            Error::Conflict(_) | Error::Refused(_) | Error::StoreOutdated { .. } => 3,
            _ => 1,
        };
        Failure {
            message: err.to_string(),
            code,
        }
    }
}

impl Failure {
    pub fn new(message: impl Into<String>, code: u8) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = if cli.json { Format::Json } else { cli.output };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("keydesk-cli: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.store, cli.command, format)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("keydesk-cli: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn open(store: Option<String>) -> Result<Store, Failure> {
    let data_dir = StoreLocation::data_dir(
        dirs::data_dir()
            .map(|d| d.join(APP_IDENTIFIER))
            .unwrap_or_else(|| PathBuf::from(APP_IDENTIFIER)),
    );
    let location = match store {
        Some(url) if url.contains("://") => StoreLocation::Url(url),
        Some(path) => StoreLocation::SqliteFile(PathBuf::from(path)),
        None => keydesk_core::team_store::locate(&data_dir).await?,
    };
    let store = Store::open(location).await?;
    // On this computer's store the activity names the OS user "via command line"; on a team
    // store the database writes the login role whatever is sent.
    store.set_actor(Some(format!("{} via command line", audit::actor(""))));
    store.set_machine_id(keydesk_core::vault::machine_id(&data_dir)?);
    Ok(store)
}

async fn run(store: Option<String>, command: Command, format: Format) -> Result<u8, Failure> {
    // Made from the definitions alone: no store is opened.
    match command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut definitions = Cli::command();
            clap_complete::generate(
                shell,
                &mut definitions,
                "keydesk-cli",
                &mut std::io::stdout(),
            );
            return Ok(0);
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| Failure::new(format!("cannot write the manual page: {e}"), 1))?;
            return Ok(0);
        }
        _ => {}
    }
    let store = open(store).await?;
    let code = match command {
        Command::Accounts(command) => accounts::run(&store, command, format).await?,
        Command::Credentials(command) => credentials::run(&store, command, format).await?,
        Command::Health { within } => credentials::health(&store, within, format).await?,
        Command::Activity(Activity::Export { from, to, file }) => {
            transfer::export_activity(&store, from, to, file, format).await?
        }
        Command::Backup { file } => transfer::back_up(&store, file, format).await?,
        Command::Alerts(command) => alerts::run(&store, command, format).await?,
        Command::Restore { file, yes } => {
            return transfer::restore(store, &file, yes, format).await
        }
        Command::Completions { .. } | Command::Man => unreachable!("answered above"),
    };
    store.close().await.ok();
    Ok(code)
}
