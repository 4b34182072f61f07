//! Atomic file writes: looks, snapshots, stills and encodes never appear
//! half-written under their real name.
//!
//! How it works: the content goes to `dir/.name.partial.ext` beside the
//! target (same file system), is flushed, then renamed over the target in one
//! step. On failure the partial file is removed.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes raw bytes to a path atomically: a temporary file beside it, then a
/// rename, so a crash never leaves half a file under the real name.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = partial_path(path);
    let result = write(&tmp).and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `dir/.name.partial.ext`: keeps the extension so tools that pick a format by
/// extension (ffmpeg, image encoders) still do.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_string(), format!(".{e}")),
        None => (name.clone(), String::new()),
    };
    path.with_file_name(format!(".{stem}.partial{ext}"))
}

/// Writes bytes to a file, flushed, for [`write_atomically`].
pub fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
