//! What a pass of test binaries said, counted from libtest's own lines as they stream by, and
//! the tests that skipped themselves, by name: `cargo xtask test` ends with one line per store
//! saying how many tests ran there and which did not (issue 32: a green run says what it
//! means). A test that cannot run appends "name: why" to the file `KEYDESK_TEST_SKIPS` names
//! (its own output is captured by libtest when it passes, so a printed line would never show).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The variable naming the file where tests that skip themselves say so.
pub const SKIPS_VARIABLE: &str = "KEYDESK_TEST_SKIPS";

#[derive(Debug, Default)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    /// `#[ignore]`d tests, by name.
    pub ignored: Vec<String>,
}

impl Tally {
    /// Reads one line of libtest's output.
    fn read(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            let number = |word: &str| {
                rest.split(';')
                    .find_map(|part| part.trim().strip_suffix(word))
                    .and_then(|n| n.split_whitespace().last()?.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            self.passed += number(" passed");
            self.failed += number(" failed");
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... ignored"))
        {
            self.ignored.push(name.to_owned());
        }
    }
}

/// Runs `command` (a test run), passing its output through, and counts what it says into
/// `tally`.
pub fn counted(mut command: Command, tally: &mut Tally) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: $ {shown}");
    command.stdout(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("{shown}: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("{shown}: {e}"))?;
        println!("{line}");
        tally.read(&line);
    }
    let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The "name: why" lines tests wrote to the skips file.
pub fn skips(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// "412 tests ran and passed, 0 failed; skipped by name: …" for one store.
pub fn summary(store: &str, tally: &Tally, skipped: &[String]) -> String {
    // A test that skipped itself still counts as passed in libtest's line: not here.
    let ran = tally.passed.saturating_sub(skipped.len() as u64);
    let mut line = format!(
        "xtask: {store}: {ran} tests ran and passed, {} failed",
        tally.failed
    );
    if !tally.ignored.is_empty() {
        line += &format!("; ignored by name: {}", tally.ignored.join(", "));
    }
    if skipped.is_empty() {
        line += "; none skipped";
    } else {
        line += &format!("; skipped by name: {}", skipped.join("; "));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtests_lines_are_counted() {
        let mut tally = Tally::default();
        for line in [
            "test a ... ok",
            "test b ... ignored",
            "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1s",
        ] {
            tally.read(line);
        }
        assert_eq!((tally.passed, tally.failed), (5, 1));
        assert_eq!(tally.ignored, ["b"]);
    }
}
