//! Command-line options. Few on purpose: a desktop app is configured in its window.

use keydesk_core::StoreLocation;

pub const USAGE: &str = "\
Usage: keydesk [--demo] [--demo-accounts N] [--yes]

  --demo               fill an empty store with the example account (Alexcompany)
  --demo-accounts N    add N generated accounts, once (to try the switcher with thousands)
  --yes                allow --demo / --demo-accounts on a database named by
                       KEYDESK_DATABASE_URL (they are refused there otherwise: it may be
                       the team's shared store)
  --help               show this help

Environment:
  KEYDESK_DATA_DIR      the data folder (default: the OS app-data folder)
  KEYDESK_DATABASE_URL  another database, e.g. postgres://user@host/db or sqlite:///path/file";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Options {
    pub demo: bool,
    pub demo_accounts: u32,
    /// The user confirmed example data may go into a database named by URL.
    pub yes: bool,
    pub help: bool,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--demo" => options.demo = true,
                "--demo-accounts" => {
                    let n = args.next().ok_or("--demo-accounts needs a number")?;
                    options.demo_accounts = n
                        .parse()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or(format!(
                            "--demo-accounts takes a number from 1 to 1000000, not {n}"
                        ))?;
                }
                "--yes" => options.yes = true,
                "--help" | "-h" => options.help = true,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(options)
    }
}

impl Options {
    /// Why the example data must not be added to this store, if it must not: a database named
    /// by URL may be the team's shared store, and thousands of made-up accounts there are
    /// everyone's problem. `--yes` says the user means it.
    pub fn demo_refusal(&self, location: &StoreLocation) -> Option<String> {
        let asked = match (self.demo, self.demo_accounts) {
            (false, 0) => return None,
            (true, 0) => "--demo".to_owned(),
            (false, n) => format!("--demo-accounts {n}"),
            (true, n) => format!("--demo and --demo-accounts {n}"),
        };
        match location {
            StoreLocation::Url(_) if !self.yes => Some(format!(
                "{asked} would add example accounts to the database {} (set by \
                 KEYDESK_DATABASE_URL), which may be a store your team shares; nothing was \
                 added. Add --yes to do it anyway, or unset KEYDESK_DATABASE_URL to use the \
                 local store",
                location.describe()
            )),
            _ => None,
        }
    }
}

/// On Linux and the BSDs GTK needs a display; say so instead of letting GTK panic.
pub fn missing_display() -> Option<String> {
    if !cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    )) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        None
    } else {
        Some("no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run Keydesk in a desktop session, or under a virtual display: xvfb-run -a keydesk".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_demo_and_refuses_unknown_options() {
        let parse = |args: &[&str]| Options::parse(args.iter().map(|s| s.to_string()));
        assert_eq!(parse(&[]).unwrap(), Options::default());
        assert!(parse(&["--demo"]).unwrap().demo);
        assert_eq!(parse(&["--demoo"]).unwrap_err(), "unknown option --demoo");
        assert_eq!(
            parse(&["--demo-accounts", "10000"]).unwrap().demo_accounts,
            10_000
        );
        assert!(parse(&["--demo-accounts", "lots"])
            .unwrap_err()
            .contains("from 1 to 1000000"));
        assert!(parse(&["--demo-accounts"]).is_err());
        assert!(parse(&["--demo", "--yes"]).unwrap().yes);
    }

    #[test]
    fn demo_data_goes_to_a_url_store_only_with_yes() {
        let parse = |args: &[&str]| Options::parse(args.iter().map(|s| s.to_string())).unwrap();
        let team = StoreLocation::Url("postgres://keydesk:s3cret@db.example/keydesk".into());
        let local = StoreLocation::SqliteFile("/home/x/keydesk.sqlite3".into());

        let refused = parse(&["--demo"]).demo_refusal(&team).unwrap();
        assert!(
            refused.starts_with("--demo would add example accounts"),
            "{refused}"
        );
        assert!(
            refused.contains("postgres://keydesk:***@db.example/keydesk"),
            "{refused}"
        );
        assert!(refused.contains("--yes"), "{refused}");
        assert!(!refused.contains("s3cret"), "{refused}");
        let refused = parse(&["--demo-accounts", "1000000"])
            .demo_refusal(&team)
            .unwrap();
        assert!(
            refused.starts_with("--demo-accounts 1000000 would"),
            "{refused}"
        );

        assert_eq!(parse(&["--demo", "--yes"]).demo_refusal(&team), None);
        assert_eq!(
            parse(&["--demo-accounts", "5", "--yes"]).demo_refusal(&team),
            None
        );
        assert_eq!(parse(&["--demo"]).demo_refusal(&local), None);
        assert_eq!(parse(&["--demo-accounts", "5"]).demo_refusal(&local), None);
        assert_eq!(parse(&[]).demo_refusal(&team), None);
    }
}
