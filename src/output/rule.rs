//! One rule for every file a command writes: never a file the command
//! reads, never two of its outputs to one file, and an existing file only
//! with `--overwrite`.
//!
//! How it works: before it starts, a command names every file it reads and
//! every file it will write, each with the flag it came from
//! ([`Files::read`], [`Files::write`]); [`Files::check`] applies the rule
//! through `..`, symbolic and hard links ([`super::same_file`]) and image
//! sequence patterns, then checks that each output can be written, and
//! its error names the flag, the file and what to do. A file the command
//! reads is never written, `--overwrite` or not: a replaced original
//! cannot be had back. A file the command keeps up to date by design (the
//! live look's autosave) is named with [`Files::update`]: it may exist,
//! but it is still never an input or another output.

use super::sequence::Pattern;
use super::{check_writable, destination, same_file};
use std::path::{Path, PathBuf};

/// Why a command refuses to start writing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteRefused {
    #[error("{flag} {path}: is {read_flag} {read_path}, which this command reads; write to another name (--overwrite never replaces what a command reads)")]
    IsRead {
        flag: String,
        path: String,
        read_flag: String,
        read_path: String,
    },
    #[error("{flag} {path}: is also {other_flag} {other_path}; give each output its own name")]
    Twice {
        flag: String,
        path: String,
        other_flag: String,
        other_path: String,
    },
    #[error("{flag} {path}: {existing}exists; --overwrite replaces it (only once the new file is complete)")]
    Exists {
        flag: String,
        path: String,
        /// The frame that exists, for a sequence (empty for a file).
        existing: String,
    },
    #[error("{flag} {path}: {message}")]
    Unwritable {
        flag: String,
        path: String,
        message: String,
    },
}

struct Named {
    flag: String,
    path: PathBuf,
    /// Kept up to date by the command: may exist without `--overwrite`.
    updated: bool,
}

/// The files of one command; see the module comment.
pub struct Files {
    reads: Vec<Named>,
    writes: Vec<Named>,
    overwrite: bool,
}

impl Files {
    /// `overwrite`: the command's `--overwrite` was given.
    pub fn new(overwrite: bool) -> Files {
        Files {
            reads: Vec::new(),
            writes: Vec::new(),
            overwrite,
        }
    }

    /// A file (or an image sequence pattern) the command reads.
    pub fn read(&mut self, flag: &str, path: &Path) -> &mut Files {
        self.reads.push(Named {
            flag: flag.into(),
            path: path.into(),
            updated: false,
        });
        self
    }

    /// A file (or an image sequence pattern) the command writes.
    pub fn write(&mut self, flag: &str, path: &Path) -> &mut Files {
        self.writes.push(Named {
            flag: flag.into(),
            path: path.into(),
            updated: false,
        });
        self
    }

    /// A file the command keeps up to date by design (an autosave).
    pub fn update(&mut self, flag: &str, path: &Path) -> &mut Files {
        self.writes.push(Named {
            flag: flag.into(),
            path: path.into(),
            updated: true,
        });
        self
    }

    /// Applies the rule; see the module comment.
    pub fn check(&self) -> Result<(), WriteRefused> {
        let shown = |p: &Path| p.display().to_string();
        for (i, write) in self.writes.iter().enumerate() {
            if write.path.as_os_str() == "-" {
                continue;
            }
            for read in &self.reads {
                if let Some(read_path) = overlap(&write.path, &read.path) {
                    return Err(WriteRefused::IsRead {
                        flag: write.flag.clone(),
                        path: shown(&write.path),
                        read_flag: read.flag.clone(),
                        read_path: shown(&read_path),
                    });
                }
            }
            for other in &self.writes[..i] {
                if other.path.as_os_str() != "-" && names_one_file(&write.path, &other.path) {
                    return Err(WriteRefused::Twice {
                        flag: write.flag.clone(),
                        path: shown(&write.path),
                        other_flag: other.flag.clone(),
                        other_path: shown(&other.path),
                    });
                }
            }
            if !self.overwrite && !write.updated {
                if let Some(existing) = existing_file(&write.path) {
                    return Err(WriteRefused::Exists {
                        flag: write.flag.clone(),
                        path: shown(&write.path),
                        existing: if existing == write.path {
                            String::new()
                        } else {
                            format!("{} ", shown(&existing))
                        },
                    });
                }
            }
            let probe = Pattern::parse(&write.path).map_or(write.path.clone(), |p| p.frame_path(0));
            check_writable(&probe).map_err(|e| WriteRefused::Unwritable {
                flag: write.flag.clone(),
                path: shown(&write.path),
                message: strip_path(&e.to_string(), &probe),
            })?;
        }
        Ok(())
    }
}

/// The files a path names: a sequence's frames that exist, or the path.
fn files_of(path: &Path) -> Vec<PathBuf> {
    match Pattern::parse(path) {
        Some(p) => p
            .existing()
            .map(|frames| frames.into_iter().map(|(_, f)| f).collect())
            .unwrap_or_default(),
        None => vec![path.to_path_buf()],
    }
}

/// Whether `a` names `b`'s file: one file, or a frame of a pattern.
fn names_one_file(a: &Path, b: &Path) -> bool {
    let as_frame = |pattern: &Path, file: &Path| {
        Pattern::parse(pattern)
            .and_then(|p| p.number_of(file))
            .is_some()
    };
    let same_name = || match (super::resolve(a), super::resolve(b)) {
        (Ok(ra), Ok(rb)) => ra == rb,
        _ => false,
    };
    same_name()
        || same_file(a, b)
        || as_frame(a, b)
        || as_frame(b, a)
        || files_of(a)
            .iter()
            .any(|fa| files_of(b).iter().any(|fb| same_file(fa, fb)))
}

/// The file of `read` that writing `write` would replace, if any.
fn overlap(write: &Path, read: &Path) -> Option<PathBuf> {
    let reads = files_of(read);
    if let Some(pattern) = Pattern::parse(write) {
        // A frame the sequence would write over: an existing frame that is
        // a file read, or a file read whose name is one of its frames.
        let frames = files_of(write);
        return reads
            .into_iter()
            .find(|r| pattern.number_of(r).is_some() || frames.iter().any(|f| same_file(f, r)));
    }
    reads.into_iter().find(|r| names_one_file(write, r))
}

/// An existing regular file the write would replace (a stream such as a
/// FIFO or /dev/null is written, never replaced).
fn existing_file(path: &Path) -> Option<PathBuf> {
    match Pattern::parse(path) {
        Some(p) => p.existing().ok()?.into_iter().next().map(|(_, f)| f),
        None => (path.exists() && destination(path).is_ok_and(|d| d.is_file()))
            .then(|| path.to_path_buf()),
    }
}

/// An I/O message without the path it starts with (the error names it).
fn strip_path(message: &str, path: &Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_outputs_and_existing_files_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("in.png"), b"picture").unwrap();
        std::fs::write(p("other.toml"), b"someone's").unwrap();
        std::fs::create_dir(p("sub")).unwrap();
        // Written over a read, through `..`: refused even with --overwrite.
        let err = Files::new(true)
            .read("--input", &p("in.png"))
            .write("--output", &p("sub/../in.png"))
            .check()
            .unwrap_err();
        assert!(matches!(err, WriteRefused::IsRead { .. }), "{err}");
        assert!(err.to_string().starts_with("--output "), "{err}");
        // Two outputs to one new name.
        let err = Files::new(false)
            .write("--look-out", &p("m.cube"))
            .write("the match LUT", &p("m.cube"))
            .check()
            .unwrap_err();
        assert!(matches!(err, WriteRefused::Twice { .. }), "{err}");
        // An existing file: only with --overwrite.
        let mut files = Files::new(false);
        files.write("--look-out", &p("other.toml"));
        assert!(matches!(
            files.check().unwrap_err(),
            WriteRefused::Exists { .. }
        ));
        assert!(Files::new(true)
            .write("--look-out", &p("other.toml"))
            .check()
            .is_ok());
        // An autosave may exist; it is still never an input.
        assert!(Files::new(false)
            .update("the autosave", &p("other.toml"))
            .check()
            .is_ok());
        // A sequence written over a frame it would name.
        std::fs::write(p("shot_000003.png"), b"frame").unwrap();
        let err = Files::new(true)
            .read("--input", &p("shot_000003.png"))
            .write("--output", &p("shot_%06d.png"))
            .check()
            .unwrap_err();
        assert!(matches!(err, WriteRefused::IsRead { .. }), "{err}");
        // A missing folder names the flag.
        let err = Files::new(false)
            .write("--json", &p("no/such/a.json"))
            .check()
            .unwrap_err();
        assert!(err.to_string().starts_with("--json "), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
