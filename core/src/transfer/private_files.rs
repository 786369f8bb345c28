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

/// Creates `path` as a new file, `rw-------` from its first byte, and opens it for writing.
/// Never opens what is already there: an existing file, or a link planted at that name (even
/// one pointing nowhere), is an error (`O_CREAT | O_EXCL`, and `O_NOFOLLOW` besides).
pub fn create_new_private(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    // The umask can only have taken bits away; this is on the open file, not the name.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// `path` with `suffix` added to its file name (`a.csv` → `a.csv.part`).
pub fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Writes `contents` to `path` whole or not at all: into a new private `<path>.part` (a stale
/// one, or a link planted there, is removed first, never followed), synced, then renamed over
/// `path` (which replaces a link there rather than writing through it).
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let part = with_suffix(path, ".part");
    remove_if_there(&part)?;
    let written = create_new_private(&part).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&part, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written
}

/// Copies the regular file `from` (see `open_regular`) to `to`, a new private file (see
/// `create_new_private`), synced. What is copied is what `from` held when it was opened: a file
/// put in its place meanwhile is not read.
pub fn copy_private(from: &Path, to: &Path) -> io::Result<u64> {
    let mut source = open_regular(from)?;
    let mut copy = create_new_private(to)?;
    let copied = std::io::copy(&mut source, &mut copy)?;
    copy.sync_all()?;
    Ok(copied)
}

/// Removes the file or link at `path` (never what a link points to); none there is fine.
pub fn remove_if_there(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Opens `path` for reading if it is a regular file (a link to one is followed). A FIFO, a
/// device such as `/dev/zero`, a folder or a socket is refused, without waiting on it: opening
/// a FIFO for reading would otherwise block until something writes to it.
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a device, a FIFO or a folder)",
        ));
    }
    Ok(file)
}

/// The bytes of the regular file `path` (see `open_regular`), read with a bound: None when it
/// holds more than `max` bytes, however large it says it is or grows while read.
pub fn read_bounded(path: &Path, max: usize) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= max).then_some(bytes))
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
