//! Keydesk's folders and files are the user's alone: folders 0700, files 0600 on Unix, set
//! explicitly rather than left to the process umask. Elsewhere the per-user app-data folder's
//! own access rules apply, and these do nothing.

use std::io;
use std::path::Path;

/// Creates the folder (and its parents) if needed and makes it `rwx------`.
pub fn private_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
        set_mode(path, 0o700)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(path)
}

/// Creates the file empty if it does not exist, never readable by others even for an instant,
/// and opens it for appending.
pub fn create_private_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    make_private(path)?;
    Ok(file)
}

/// Makes an existing file `rw-------`; a file that does not exist is left so.
pub fn make_private(path: &Path) -> io::Result<()> {
    match set_mode(path, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Only when it differs, so a store on a read-only disk that is already private still opens.
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::metadata(path)?.permissions().mode() & 0o7777 == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}
