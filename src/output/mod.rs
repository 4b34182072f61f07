//! Writing files safely: the one place that decides how a picture, a look,
//! a LUT or a report reaches its path.
//!
//! How it works: [`destination`] looks at what is at the path first.
//! - A regular file, or a name not taken yet, is written beside its final
//!   name as a partial file ([`PendingFile`]: `.name.PID.partial.ext`, same
//!   folder, so the rename cannot cross file systems), flushed to disk, and
//!   renamed over the final name only when complete. A crash, a signal, a
//!   full disk or an encoder failure leaves the final name as it was (the
//!   old file or nothing), and the partial is removed; one left by a killed
//!   process is removed by the next write to the same name.
//! - A symbolic link is followed: its target is written (atomically, as
//!   above) and the link stays a link.
//! - A FIFO, a character device (`/dev/stdout`) or a socket is a stream: it
//!   is written directly, in order, and never renamed or replaced.
//! - `-` is standard output.
//!
//! [`same_file`] tells whether two paths name one file (through `..`,
//! symbolic and hard links); [`Files`] is the one rule every command's
//! outputs follow (never an input, never twice, never an existing file
//! without `--overwrite`).
//! Image sequences (`shot_%06d.exr`) are named by [`sequence::Pattern`].

mod pending;
mod rule;
pub mod sequence;

pub use pending::{remove_all_partials, PendingFile};
pub use rule::{Files, WriteRefused};

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a write goes, once the path has been looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A regular file or a new name (symbolic links followed): written as a
    /// partial file and renamed into place.
    File(PathBuf),
    /// A FIFO, character device or socket: written directly.
    Stream(PathBuf),
    /// `-`: standard output.
    Stdout,
}

impl Destination {
    /// The path written, for messages (`-` for standard output).
    pub fn display(&self) -> String {
        match self {
            Destination::File(p) | Destination::Stream(p) => p.display().to_string(),
            Destination::Stdout => "-".into(),
        }
    }

    /// Whether the output can be sought and renamed (not a pipe).
    pub fn is_file(&self) -> bool {
        matches!(self, Destination::File(_))
    }
}

/// Errors naming the path and what is wrong with it.
fn invalid(path: &Path, what: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{}: {what}", path.display()),
    )
}

/// Follows symbolic links, also dangling ones (whose target is written),
/// up to 40 deep as the kernel does.
fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(invalid(path, "too many levels of symbolic links"))
}

/// An absolute path with `.`, `..` and symbolic links resolved, also for a
/// name that does not exist yet (its folder must).
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let followed = follow_links(path)?;
    if let Ok(real) = std::fs::canonicalize(&followed) {
        return Ok(real);
    }
    let name = followed
        .file_name()
        .ok_or_else(|| invalid(path, "not a file name"))?;
    let folder = match followed.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let real_folder = std::fs::canonicalize(&folder).map_err(|_| {
        invalid(
            path,
            format_args!("folder {} does not exist", folder.display()),
        )
    })?;
    Ok(real_folder.join(name))
}

/// Looks at `path` and says how to write it (see the module comment).
pub fn destination(path: &Path) -> std::io::Result<Destination> {
    if path.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    let real = resolve(path)?;
    match std::fs::metadata(&real) {
        Ok(m) if m.is_dir() => Err(invalid(path, "is a folder, not a file")),
        Ok(m) if is_stream(&m) => Ok(Destination::Stream(real)),
        _ => Ok(Destination::File(real)),
    }
}

#[cfg(unix)]
fn is_stream(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    t.is_fifo() || t.is_char_device() || t.is_socket() || t.is_block_device()
}

#[cfg(not(unix))]
fn is_stream(_: &std::fs::Metadata) -> bool {
    false
}

/// Whether `a` and `b` name the same file: the same resolved path, or the
/// same file reached through a hard link. A name that does not exist is
/// never the same as an existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a.as_os_str() == "-" || b.as_os_str() == "-" {
        return false;
    }
    match (resolve(a), resolve(b)) {
        (Ok(ra), Ok(rb)) if ra == rb => true,
        (Ok(ra), Ok(rb)) => same_inode(&ra, &rb),
        _ => false,
    }
}

#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) => ma.dev() == mb.dev() && ma.ino() == mb.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

/// Checks before a run starts that `path` can be written: its folder
/// exists and takes a new file (a probe file, removed at once), or it is
/// a stream. Errors name the path.
pub fn check_writable(path: &Path) -> std::io::Result<Destination> {
    let dest = destination(path)?;
    if let Destination::File(real) = &dest {
        let probe = PendingFile::new(real)?;
        std::fs::File::create(probe.path())
            .map_err(|e| invalid(path, format_args!("cannot be written ({e})")))?;
        drop(probe);
    }
    Ok(dest)
}

/// Writes `bytes` to `path` safely (see the module comment).
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |tmp| std::fs::write(tmp, bytes))
}

/// Writes `path` safely with a writer that needs a path of its own (an
/// image or EXR encoder): `write` fills the path it is given, which is then
/// renamed into place, or copied into a stream.
pub fn write_with(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match destination(path)? {
        Destination::File(real) => {
            let pending = PendingFile::new(&real)?;
            write(pending.path())?;
            pending.commit()
        }
        Destination::Stream(real) => {
            let staged = staged_copy(path, write)?;
            let mut stream = std::fs::OpenOptions::new().write(true).open(&real)?;
            stream.write_all(&staged)?;
            stream.flush()
        }
        Destination::Stdout => {
            let staged = staged_copy(path, write)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&staged)?;
            out.flush()
        }
    }
}

/// Runs `write` into a private temporary file (keeping `path`'s extension,
/// which encoders choose their format by) and returns what it wrote.
fn staged_copy(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<Vec<u8>> {
    let suffix = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix("neurograde-")
        .suffix(&suffix)
        .tempfile()?;
    write(tmp.path())?;
    std::fs::read(tmp.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_replaced_whole_and_links_stay_links() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("look.toml");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink("look.toml", &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling.toml");
        std::os::unix::fs::symlink("made.toml", &dangling).unwrap();
        write_file(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.toml")).unwrap(), b"x");
        // A failed write leaves the old content and no partial file.
        let failed = write_with(&target, |_| Err(std::io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.contains("partial")), "{names:?}");
    }

    #[test]
    fn streams_are_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            destination(&fifo).unwrap(),
            Destination::Stream(resolve(&fifo).unwrap())
        );
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_file(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(
            destination(Path::new("/dev/null"))
                .ok()
                .map(|d| d.is_file()),
            Some(false)
        );
        assert_eq!(destination(Path::new("-")).unwrap(), Destination::Stdout);
    }

    #[test]
    fn same_file_sees_through_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let clip = dir.path().join("clip.mov");
        std::fs::write(&clip, "camera original").unwrap();
        assert!(same_file(&clip, &sub.join("../clip.mov")));
        let sym = sub.join("alias.mov");
        std::os::unix::fs::symlink(&clip, &sym).unwrap();
        assert!(same_file(&sym, &clip));
        let hard = sub.join("hard.mov");
        std::fs::hard_link(&clip, &hard).unwrap();
        assert!(same_file(&hard, &clip));
        assert!(!same_file(&clip, &dir.path().join("other.mov")));
        assert!(!same_file(&clip, Path::new("-")));
    }

    #[test]
    fn missing_folders_and_folders_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let err = destination(&dir.path().join("no/such/out.png")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = destination(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a folder"), "{err}");
    }
}
