//! `keydesk-server --listen 127.0.0.1:8477`: see `listen::USAGE`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use keydesk_core::{Store, StoreLocation};
use keydesk_server::listen::{self, Options};
use keydesk_server::{serve, serve_tls, Config};

/// The desktop app's identifier (tauri.conf.json): the app keeps its data in the OS data
/// folder under this name, and so the server finds the same store.
const APP_IDENTIFIER: &str = "app.keydesk.desktop";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let migrate = args.first().is_some_and(|a| a == "migrate");
    if migrate && args.len() > 1 {
        eprintln!(
            "keydesk-server: migrate takes no arguments\n\n{}",
            listen::USAGE
        );
        return ExitCode::from(2);
    }
    let options = match listen::parse(args.into_iter().filter(|_| !migrate)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("keydesk-server: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("keydesk-server: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let done = if migrate {
        runtime.block_on(migrate_store())
    } else {
        runtime.block_on(run(options))
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("keydesk-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn os_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join(APP_IDENTIFIER))
        .unwrap_or_else(|| PathBuf::from(APP_IDENTIFIER))
}

/// Brings the store's schema up to this build's (opening it as a superuser or a member of
/// `keydesk_owner` does), and says so. A technician's login is told it may not.
async fn migrate_store() -> Result<(), String> {
    let location = StoreLocation::resolve(&StoreLocation::data_dir(os_data_dir()));
    let described = location.describe();
    let store = Store::open(location).await.map_err(|e| e.to_string())?;
    let latest = keydesk_core::migration::known_migrations()
        .pop()
        .unwrap_or_default();
    store.close().await.map_err(|e| e.to_string())?;
    println!("the store {described} is up to date (its last migration is {latest})");
    Ok(())
}

async fn run(options: Options) -> Result<(), String> {
    let data_dir = StoreLocation::data_dir(os_data_dir());
    let location = StoreLocation::resolve(&data_dir);
    let described = location.describe();
    let store = Store::open(location)
        .await
        .map_err(|e| e.to_string())?
        .with_debug_clock();
    if options.alerts_every_secs > 0 {
        let passwords = smtp_passwords(&options)?;
        tokio::spawn(alert_rounds(
            store.clone(),
            passwords,
            std::time::Duration::from_secs(options.alerts_every_secs),
            chrono::Duration::days(options.warning_days),
        ));
    }
    let lifetime = chrono::Duration::seconds(options.token_lifetime_secs);
    match &options.tls {
        None => {
            let listener = listen::bind(options.listen)
                .and_then(tokio::net::TcpListener::from_std)
                .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            let mut config = Config::new(&options.issuer(bound));
            config.token_lifetime = lifetime;
            config.behind_proxy = options.behind_tls_proxy;
            config.trusted_proxies = options.trusted_proxies.clone();
            announce(bound, &config, &described);
            serve(listener, store, config)
                .await
                .map_err(|e| e.to_string())
        }
        Some((cert, key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| {
                    format!(
                        "cannot read the TLS certificate {} or key {}: {e}",
                        cert.display(),
                        key.display()
                    )
                })?;
            let listener = listen::bind(options.listen)
                .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            let mut config = Config::new(&options.issuer(bound));
            config.token_lifetime = lifetime;
            announce(bound, &config, &described);
            serve_tls(listener, tls, store, config)
                .await
                .map_err(|e| format!("cannot serve on {bound}: {e}"))
        }
    }
}

/// Expiry alerts (issue 28): a round now and every `every` after; each round claims before it
/// sends, so several servers (and apps) on one store send each alert once. A failing round is
/// logged and the next one tries again.
async fn alert_rounds(
    store: Store,
    passwords: keydesk_core::alerts::SmtpPasswords,
    every: std::time::Duration,
    warning: chrono::Duration,
) {
    let transport = keydesk_core::alerts::Courier::new().with_smtp_passwords(passwords);
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        match keydesk_core::alerts::deliver_due(&store, &transport, warning).await {
            Ok(round) if round == Default::default() => {}
            Ok(round) => tracing::info!(
                claimed = round.claimed,
                delivered = round.delivered,
                retrying = round.retrying,
                failed = round.failed,
                "alerts round"
            ),
            Err(err) => tracing::warn!(error = %err, "alerts round failed"),
        }
    }
}

/// The e-mail channels' SMTP password: `--smtp-password-file` (its first line), else
/// `KEYDESK_SMTP_PASSWORD`, else none (servers that take mail without logging in).
fn smtp_passwords(options: &Options) -> Result<keydesk_core::alerts::SmtpPasswords, String> {
    use keydesk_core::alerts::SmtpPasswords;
    use keydesk_core::secrets::Secret;
    if let Some(file) = &options.smtp_password_file {
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(file)
                .map_err(|e| format!("--smtp-password-file {}: {e}", file.display()))?,
        );
        let line = text.lines().next().unwrap_or_default();
        return Ok(SmtpPasswords::Given(Secret::new(line.to_owned())));
    }
    Ok(match std::env::var("KEYDESK_SMTP_PASSWORD") {
        Ok(password) if !password.is_empty() => SmtpPasswords::Given(Secret::new(password)),
        _ => SmtpPasswords::None,
    })
}

fn announce(bound: SocketAddr, config: &Config, store: &str) {
    tracing::info!(listen = %bound, issuer = %config.issuer, store, "keydesk-server ready");
    // One line on stdout that scripts (and tests) can wait for.
    println!("listening on {bound}");
}
