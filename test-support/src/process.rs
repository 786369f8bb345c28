//! Starting the program under test (keydesk-cli, keydesk-server, or the test binary itself as a
//! helper process) in a way that survives one known failure of Wine, where the Windows pass of
//! `cargo xtask test` runs these tests.
//!
//! Now and then a process Wine starts dies while Wine is still loading it, before any of the
//! program's own code has run; the parent's `CreateProcessW` then fails with
//! ERROR_INTERNAL_ERROR (1359, "Internal error."): Wine's `NtCreateUserProcess` reports
//! `STATUS_INTERNAL_ERROR` when the new process ends before its start-up is done and left no
//! exit code. Stop 36's CI failed on one such start of keydesk-cli.exe, the third of a test's
//! ten, with the other nine tests and some 700 starts in that pass fine. It is the emulator's
//! start-up, not the program being tested, so that one error is tried again, twice at most;
//! every other error, and whatever the program does once started, are the test's to judge.

use std::io;
use std::process::{Child, Command, Output};

/// Windows' ERROR_INTERNAL_ERROR, as Wine's CreateProcessW returns it for a start that died.
const WINE_START_DIED: i32 = 1359;

/// How many times one start is tried in all.
const ATTEMPTS: usize = 3;

/// `command.spawn()`, a start that died under Wine tried again.
pub fn spawn(command: &mut Command) -> io::Result<Child> {
    started(|| command.spawn())
}

/// `command.output()`, a start that died under Wine tried again.
pub fn output(command: &mut Command) -> io::Result<Output> {
    started(|| command.output())
}

fn started<T>(mut start: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let mut attempt = 1;
    loop {
        match start() {
            Err(err) if died_starting(&err) && attempt < ATTEMPTS => {
                eprintln!("the new process died while Wine started it ({err}): starting it again");
                attempt += 1;
            }
            result => return result,
        }
    }
}

fn died_starting(err: &io::Error) -> bool {
    cfg!(windows) && err.raw_os_error() == Some(WINE_START_DIED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wines_died_starting_error_is_tried_again_and_at_most_three_times() {
        let mut tries = 0;
        let result: io::Result<()> = started(|| {
            tries += 1;
            Err(io::Error::from_raw_os_error(WINE_START_DIED))
        });
        assert_eq!(result.unwrap_err().raw_os_error(), Some(WINE_START_DIED));
        assert_eq!(tries, if cfg!(windows) { ATTEMPTS } else { 1 });

        let mut tries = 0;
        let result: io::Result<()> = started(|| {
            tries += 1;
            Err(io::Error::new(io::ErrorKind::NotFound, "no such program"))
        });
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(tries, 1, "any other error is the test's");

        let mut tries = 0;
        let result = started(|| {
            tries += 1;
            if tries == 1 {
                Err(io::Error::from_raw_os_error(WINE_START_DIED))
            } else {
                Ok(tries)
            }
        });
        if cfg!(windows) {
            assert_eq!(result.unwrap(), 2, "the second start is the one kept");
        } else {
            assert!(result.is_err(), "1359 is not an error a Unix start gives");
        }
    }
}
