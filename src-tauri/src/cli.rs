//! Command-line options. Few on purpose: a desktop app is configured in its window.

pub const USAGE: &str = "\
Usage: keydesk [--demo] [--demo-accounts N]

  --demo               fill an empty store with the example account (Alexcompany)
  --demo-accounts N    add N generated accounts, once (to try the switcher with thousands)
  --help               show this help

Environment:
  KEYDESK_DATA_DIR      the data folder (default: the OS app-data folder)
  KEYDESK_DATABASE_URL  another database, e.g. postgres://user@host/db or sqlite:///path/file";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Options {
    pub demo: bool,
    pub demo_accounts: u32,
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
                "--help" | "-h" => options.help = true,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(options)
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
    }
}
