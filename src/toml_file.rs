//! TOML files' errors, one line each: the file, the line and what was
//! wrong. A leaf: looks, engine settings, controller profiles and the model
//! manifest all read TOML and report through it.

use std::path::{Path, PathBuf};

/// A TOML file that does not parse or has unknown keys, with its line.
#[derive(Debug, thiserror::Error)]
#[error("{path}, line {line}: {message}")]
pub struct TomlError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Turns a TOML error into one line naming the file and line.
pub fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> TomlError {
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
        .unwrap_or(1);
    TomlError {
        path: path.to_path_buf(),
        line,
        message: e.message().replace('\n', " ").trim().to_string(),
    }
}
