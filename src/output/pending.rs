//! A file being written under a partial name beside its final name.
//!
//! How it works: [`PendingFile::new`] picks `.name.PID.partial.ext` in the
//! final name's folder (the extension kept, since encoders choose their
//! format by it), removes partials of the same final name left by processes
//! that no longer run, and registers the new one so that a second signal
//! can remove it before the process exits ([`remove_all_partials`]).
//! [`PendingFile::commit`] flushes the file to disk, renames it over the
//! final name in one step and flushes the folder; dropping a pending file
//! that was not committed removes it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Every partial file of this process not yet committed or removed.
static PARTIALS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PARTIALS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every partial file this process has open (on a second signal,
/// just before exiting). Returns how many were removed.
pub fn remove_all_partials() -> usize {
    let mut partials = registry();
    let removed = partials
        .drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count();
    removed
}

/// A file being written; see the module comment.
#[derive(Debug)]
pub struct PendingFile {
    target: PathBuf,
    partial: PathBuf,
    committed: bool,
}

/// The final name's stem and extension (with its dot, or empty).
fn stem_and_ext(target: &Path) -> (String, String) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name, String::new()),
    }
}

/// Whether a process with this id runs (its partial files are its own).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks that the process exists without touching it.
    (unsafe { libc::kill(pid, 0) } == 0)
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_: u32) -> bool {
    true
}

impl PendingFile {
    /// Starts writing `target` (a resolved regular file path; see
    /// [`super::destination`]).
    pub fn new(target: &Path) -> std::io::Result<PendingFile> {
        let (stem, ext) = stem_and_ext(target);
        let folder = target.parent().unwrap_or(Path::new("."));
        remove_stale(folder, &stem, &ext);
        let partial = folder.join(format!(".{stem}.{}.partial{ext}", std::process::id()));
        registry().push(partial.clone());
        Ok(PendingFile {
            target: target.to_path_buf(),
            partial,
            committed: false,
        })
    }

    /// Where the writer writes.
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// The final name.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the written file to disk and renames it over the final name.
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::File::open(&self.partial)?.sync_all()?;
        std::fs::rename(&self.partial, &self.target)?;
        self.committed = true;
        registry().retain(|p| p != &self.partial);
        // The rename is durable once the folder is flushed too.
        if let Some(folder) = self.target.parent() {
            if let Ok(dir) = std::fs::File::open(folder) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.partial);
            registry().retain(|p| p != &self.partial);
        }
    }
}

/// Removes `.stem.PID.partial.ext` files in `folder` whose process is gone.
fn remove_stale(folder: &Path, stem: &str, ext: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let prefix = format!(".{stem}.");
    let suffix = format!(".partial{ext}");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(&suffix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            tracing::info!("removing {name}, left by an interrupted run");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_file_leaves_nothing_and_stale_partials_go() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("clip.mov");
        // A partial left by a process that is gone (pid far above pid_max).
        let stale = dir.path().join(".clip.4194999.partial.mov");
        std::fs::write(&stale, "killed half way").unwrap();
        // One of a running process (this one's parent) is left alone.
        let parent = std::os::unix::process::parent_id();
        let alive = dir.path().join(format!(".clip.{parent}.partial.mov"));
        std::fs::write(&alive, "still being written").unwrap();
        let pending = PendingFile::new(&target).unwrap();
        assert!(!stale.exists());
        assert!(alive.exists());
        std::fs::write(pending.path(), "graded").unwrap();
        assert!(pending.path().to_string_lossy().ends_with(".partial.mov"));
        drop(pending);
        assert!(!target.exists());
        let pending = PendingFile::new(&target).unwrap();
        std::fs::write(pending.path(), "graded").unwrap();
        pending.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"graded");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "the target and the live partial only");
    }
}
