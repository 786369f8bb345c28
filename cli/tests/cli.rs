//! `keydesk-cli` as a script runs it: the real binary on a real store (an SQLite file, or in
//! `cargo xtask test`'s PostgreSQL pass a fresh database), its JSON parsed, its exit codes and
//! its refusals checked, the secret read from standard input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Cli {
    dir: tempfile::TempDir,
    location: keydesk_core::StoreLocation,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let location = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(keydesk_test_support::fresh_location(dir.path()));
        Cli { dir, location }
    }

    /// What `--store` names: the SQLite file, or the database's URL.
    fn store(&self) -> String {
        keydesk_test_support::location_text(&self.location)
    }

    /// Runs it with `args` (standard input empty, not a terminal).
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, "")
    }

    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = keydesk_test_support::process::spawn(
            Command::new(env!("CARGO_BIN_EXE_keydesk-cli"))
                .arg("--store")
                .arg(self.store())
                .args(args)
                .env("KEYDESK_DATA_DIR", self.dir.path())
                .env_remove("KEYDESK_DATABASE_URL")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )
        .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs it with `--json`, expecting success; the parsed answer.
    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(&[&["--json"], args].concat());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn verify(&self, client_id: &str, secret: &str) -> i32 {
        self.run_with_input(
            &["credentials", "verify", client_id],
            &format!("{secret}\n"),
        )
        .status
        .code()
        .unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn generate(cli: &Cli, account: &str, email: &str, expires: &str) -> (String, String) {
    let issued = cli.json(&[
        "credentials",
        "generate",
        account,
        "--name",
        "Integration",
        "--email",
        email,
        "--application",
        "PSA",
        "--expires",
        expires,
    ]);
    (
        issued["credential"]["client_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        issued["secret"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn accounts_and_credentials_from_a_script_with_json_and_exit_codes() {
    let cli = Cli::new();
    let added = cli.json(&[
        "accounts",
        "add",
        "--company",
        "Summit Dental",
        "--name",
        "Dana",
    ]);
    assert_eq!(added["contact"]["company_name"], "Summit Dental");
    cli.json(&["accounts", "tag", "Summit Dental", "eu", "tier-1"]);
    let listed = cli.json(&["accounts", "list", "--tag", "eu"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["company_name"], "Summit Dental");

    let (client_id, secret) = generate(&cli, "Summit Dental", "psa@summit.example", "90d");
    assert_eq!(cli.verify(&client_id, &secret), 0);
    assert_eq!(cli.verify(&client_id, "not-the-secret"), 3);

    // Without a terminal, renew refuses unless --yes, and changes nothing.
    let out = cli.run(&["credentials", "renew", &client_id]);
    assert_eq!(out.status.code(), Some(3));
    let said = text(&out.stderr);
    assert!(
        said.contains("Are you sure you want to renew client application"),
        "{said}"
    );
    assert!(said.contains("add --yes"), "{said}");
    assert_eq!(cli.verify(&client_id, &secret), 0, "the secret still works");

    // With a grace period both secrets work until it ends; the Client ID stays.
    let renewed = cli.json(&["credentials", "renew", &client_id, "--grace", "1h", "--yes"]);
    assert_eq!(renewed["credential"]["client_id"], client_id.as_str());
    let new_secret = renewed["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(cli.verify(&client_id, new_secret), 0);
    assert_eq!(
        cli.verify(&client_id, &secret),
        0,
        "the old one, in its grace"
    );

    let credentials = cli.json(&["credentials", "list", "Summit Dental"]);
    assert_eq!(credentials[0]["secrets"].as_array().unwrap().len(), 2);

    let out = cli.run(&["credentials", "delete", &client_id]);
    assert_eq!(out.status.code(), Some(3), "no --yes, no terminal");
    cli.json(&["credentials", "delete", &client_id, "--yes"]);
    assert_eq!(cli.verify(&client_id, new_secret), 3);
    assert_eq!(
        cli.run(&["credentials", "renew", &client_id, "--yes"])
            .status
            .code(),
        Some(4),
        "not found"
    );
}

#[test]
fn a_name_that_is_not_one_account_does_nothing_and_says_why() {
    let cli = Cli::new();
    let first = cli.json(&["accounts", "add", "--company", "Twin", "--name", "One"]);
    cli.json(&["accounts", "add", "--company", "Twin", "--name", "Two"]);
    let out = cli.run(&["accounts", "show", "Twin"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("2 accounts are named \"Twin\""), "{said}");
    let shown = cli.json(&["accounts", "show", &first["id"].to_string()]);
    assert_eq!(shown["contact"]["name"], "One");
    assert_eq!(
        cli.run(&["accounts", "show", "Nobody"]).status.code(),
        Some(4)
    );
    assert_eq!(
        cli.run(&["accounts", "list", "--bogus"]).status.code(),
        Some(2)
    );
    // A rule broken is named with its field, as the forms do.
    let out = cli.run(&["accounts", "add", "--company", " ", "--name", "X"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("Company name"), "{said}");
}

#[test]
fn a_secret_file_is_private_never_overwritten_and_the_secret_is_printed_nowhere_else() {
    let cli = Cli::new();
    cli.json(&["accounts", "add", "--company", "Files Inc", "--name", "F"]);
    let file = cli.dir.path().join("secret.txt");
    let generate_into = |email: &str| {
        cli.run(&[
            "credentials",
            "generate",
            "Files Inc",
            "--name",
            "n",
            "--email",
            email,
            "--application",
            "backup",
            "--secret-file",
            file.to_str().unwrap(),
        ])
    };
    let out = generate_into("f@files.example");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let secret = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(secret.len() >= 32, "{secret}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(
        !text(&out.stdout).contains(&secret),
        "not on standard output too"
    );
    assert!(!text(&out.stderr).contains(&secret));
    // Nowhere in the data folder but that file (the store keeps a digest).
    assert_eq!(files_holding(cli.dir.path(), &secret), vec![file.clone()]);

    // An existing file is never overwritten, and nothing is generated.
    let again = generate_into("g@files.example");
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("never overwritten"));
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), secret);
    let list = cli.json(&["credentials", "list", "Files Inc"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn health_is_a_monitoring_check_and_the_activity_says_via_command_line() {
    let cli = Cli::new();
    cli.json(&["accounts", "add", "--company", "Watch Co", "--name", "W"]);
    assert_eq!(cli.run(&["health"]).status.code(), Some(0), "nothing due");
    generate(&cli, "Watch Co", "w@watch.example", "30d");
    assert_eq!(cli.run(&["health", "--within", "7"]).status.code(), Some(0));
    let out = cli.run(&["health", "--within", "60d"]);
    assert_eq!(out.status.code(), Some(1), "expiring within 60 days");
    assert!(
        text(&out.stdout).contains("expiring"),
        "{}",
        text(&out.stdout)
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let activity = runtime.block_on(async {
        let store = keydesk_core::Store::open(cli.location.clone())
            .await
            .unwrap();
        keydesk_core::audit::list_activity(&store, 1, 10)
            .await
            .unwrap()
    });
    assert!(!activity.is_empty());
    assert!(
        activity.iter().all(|a| a
            .actor
            .as_deref()
            .is_some_and(|who| who.contains("via command line"))),
        "{activity:?}"
    );
}

#[test]
fn exports_are_the_apps_files() {
    let cli = Cli::new();
    cli.json(&["accounts", "add", "--company", "=Formula Co", "--name", "F"]);
    cli.json(&["accounts", "add", "--company", "Other", "--name", "O"]);
    cli.json(&["accounts", "tag", "Other", "eu"]);

    // To standard output: the app's columns, a formula neutralised as a spreadsheet reads it.
    let out = cli.run(&["accounts", "export"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.starts_with("id,company_name,name,"), "{csv}");
    assert!(csv.contains("'=Formula Co"), "{csv}");
    // To a file, only #eu.
    let file = cli.dir.path().join("eu.csv");
    let written = cli.json(&[
        "accounts",
        "export",
        "--tag",
        "eu",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(written["rows"], 1);
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.contains("Other") && !csv.contains("Formula"), "{csv}");

    let out = cli.run(&["activity", "export"]);
    let csv = text(&out.stdout);
    assert_eq!(
        csv.lines()
            .filter(|l| l.contains("account.created"))
            .count(),
        2,
        "{csv}"
    );
    let out = cli.run(&["activity", "export", "--from", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("From: must be a date"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_backup_is_a_copy_of_this_computers_store() {
    if keydesk_test_support::sqlite_only("backups are of the SQLite file") {
        return;
    }
    let cli = Cli::new();
    cli.json(&["accounts", "add", "--company", "=Formula Co", "--name", "F"]);
    cli.json(&["accounts", "add", "--company", "Other", "--name", "O"]);
    let backup = cli.dir.path().join("copy.sqlite3");
    let info = cli.json(&["backup", backup.to_str().unwrap()]);
    assert_eq!(info["accounts"], 2);
    assert!(std::fs::read(&backup)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
}

/// `accounts import`: a file with an invalid row imports nothing and exits 1, listing the row
/// and its rule; --dry-run changes nothing; --skip-invalid imports the others.
#[test]
fn an_import_with_an_invalid_row_imports_nothing_unless_told_to_skip_it() {
    let cli = Cli::new();
    let file = cli.dir.path().join("customers.csv");
    std::fs::write(
        &file,
        "company_name,name,email,tags\n\
         Northwind,Nancy,nancy@northwind.example,eu\n\
         Contoso,Carl,not-an-email,\n\
         Fabrikam,Fay,fay@fabrikam.example,eu tier-1\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let count = |cli: &Cli| cli.json(&["accounts", "list"]).as_array().unwrap().len();

    let refused = cli.run(&["accounts", "import", &path]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let said = text(&refused.stdout);
    assert!(said.contains("Contoso") && said.contains("Email"), "{said}");
    assert!(text(&refused.stderr).contains("--skip-invalid"));
    assert_eq!(count(&cli), 0, "nothing imported");

    let dry = cli.run(&[
        "--json",
        "accounts",
        "import",
        &path,
        "--dry-run",
        "--skip-invalid",
    ]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    let answer: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(answer["preview"]["create"], 2);
    assert_eq!(answer["preview"]["invalid"], 1);
    assert_eq!(answer["imported"], Value::Null);
    assert_eq!(count(&cli), 0, "a dry run imports nothing");

    let done = cli.json(&["accounts", "import", &path, "--skip-invalid"]);
    assert_eq!(done["imported"]["created"], 2);
    assert_eq!(done["imported"]["skipped"], 1);
    let listed = cli.json(&["accounts", "list", "--tag", "eu"]);
    let companies: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["company_name"].as_str().unwrap())
        .collect();
    assert_eq!(companies, ["Fabrikam", "Northwind"]);
}

/// `restore`: asks first (without a terminal, --yes), puts the backup in place and keeps the
/// store as it was beside it; while another process has the store open it only stages it.
#[test]
fn a_restore_brings_the_backup_back_and_keeps_the_store_as_it_was() {
    if keydesk_test_support::sqlite_only("restores are of the SQLite file") {
        return;
    }
    let cli = Cli::new();
    cli.json(&["accounts", "add", "--company", "Kept", "--name", "K"]);
    let backup = cli.dir.path().join("copy.sqlite3");
    cli.json(&["backup", backup.to_str().unwrap()]);
    cli.json(&["accounts", "add", "--company", "Added later", "--name", "A"]);
    let companies = |cli: &Cli| -> Vec<String> {
        cli.json(&["accounts", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["company_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(companies(&cli), ["Added later", "Kept"]);

    let asked = cli.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(asked.status.code(), Some(3), "{}", text(&asked.stderr));
    assert!(text(&asked.stderr).contains("--yes"));
    assert_eq!(companies(&cli), ["Added later", "Kept"], "nothing done");

    // Another process (this test) has the store open: staged, not swapped under it.
    let store_file = std::path::PathBuf::from(cli.store());
    let holder = std::fs::File::open(&store_file).unwrap();
    let staged = cli.json(&["restore", backup.to_str().unwrap(), "--yes"]);
    assert_eq!(staged["restored"], false, "{staged}");
    assert_eq!(companies(&cli), ["Added later", "Kept"]);
    drop(holder);

    let done = cli.json(&["restore", backup.to_str().unwrap(), "--yes"]);
    assert_eq!(done["restored"], true, "{done}");
    assert_eq!(companies(&cli), ["Kept"]);
    let kept = std::path::PathBuf::from(done["kept_as"].as_str().unwrap());
    assert!(kept.is_file(), "the store as it was: {}", kept.display());
}

/// `accounts edit`: contact and billing fields by name, checked as the app's forms check them;
/// a broken rule names the field and saves nothing.
#[test]
fn an_edit_changes_named_fields_and_a_broken_rule_saves_nothing() {
    let cli = Cli::new();
    cli.json(&[
        "accounts",
        "add",
        "--company",
        "Summit Dental",
        "--name",
        "Dana",
    ]);
    let edited = cli.json(&[
        "accounts",
        "edit",
        "Summit Dental",
        "email=dana@summit.example",
        "billing.email=ap@summit.example",
        "billing.billing_name=Summit Accounts",
    ]);
    assert_eq!(edited["contact"]["email"], "dana@summit.example");
    assert_eq!(edited["contact"]["name"], "Dana", "other fields kept");
    assert_eq!(edited["billing"]["email"], "ap@summit.example");
    assert_eq!(edited["billing"]["billing_name"], "Summit Accounts");

    let refused = cli.run(&["accounts", "edit", "Summit Dental", "email=not-an-email"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("Email"),
        "{}",
        text(&refused.stderr)
    );
    let unknown = cli.run(&["accounts", "edit", "Summit Dental", "colour=blue"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("company_name"));
    let shown = cli.json(&["accounts", "show", "Summit Dental"]);
    assert_eq!(
        shown["contact"]["email"], "dana@summit.example",
        "nothing saved"
    );
}

/// `alerts`: a webhook channel added from a script (its signing key printed once), a round sent
/// on demand to a receiver on this machine — signed, naming the credential — and the channel's
/// state after; deleting asks first.
#[test]
fn alerts_from_a_script_add_a_channel_and_send_a_round() {
    let cli = Cli::new();
    let hook = keydesk_test_support::receiver::Receiver::start(&[200]);
    cli.json(&["accounts", "add", "--company", "Alert Co", "--name", "A"]);
    let (client_id, _) = generate(&cli, "Alert Co", "a@alert.example", "30d");
    let added = cli.json(&[
        "alerts", "add", "--kind", "webhook", "--name", "PSA", "--url", &hook.url,
    ]);
    let key = added["signing_secret"].as_str().unwrap().to_owned();
    let id = added["channel"]["id"].as_i64().unwrap().to_string();

    let round = cli.json(&["alerts", "send", "--within", "60"]);
    assert_eq!(round["delivered"], 1, "{round}");
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["credential"]["client_id"], client_id.as_str());
    let signature = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(&got[0].body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        got[0].header("X-Keydesk-Signature").unwrap(),
        format!("sha256={signature}")
    );
    assert_eq!(
        cli.json(&["alerts", "send", "--within", "60"])["delivered"],
        0,
        "once"
    );
    let listed = cli.json(&["alerts", "list"]);
    assert!(listed[0]["last_delivered_at"].is_string(), "{listed}");

    let asked = cli.run(&["alerts", "delete", &id]);
    assert_eq!(asked.status.code(), Some(3));
    cli.json(&["alerts", "delete", &id, "--yes"]);
    assert_eq!(cli.json(&["alerts", "list"]), serde_json::json!([]));
}
