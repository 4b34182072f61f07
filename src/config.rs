//! Engine settings: `config/default.toml` (embedded) or a file given with
//! `--config`, checked by [`Config::validate`] before anything starts.
//!
//! Unknown keys are errors; every error names the file, the key or line,
//! and the allowed range.

use crate::frame::Size;
use crate::grade::look::{toml_error, TomlError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The built-in settings (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("config file {path}: cannot read: {message}")]
    Read { path: String, message: String },
    #[error("config file {0}")]
    Parse(#[from] TomlError),
    #[error("config {origin}: `{key}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        origin: String,
        key: &'static str,
        value: String,
        expected: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub run: RunConfig,
    pub window: WindowConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub size: Size,
    pub fps: f64,
    pub ring_capacity: usize,
    pub readback_depth: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    pub vsync: bool,
    pub fullscreen: bool,
}

impl Config {
    /// The built-in settings.
    pub fn builtin() -> Config {
        Config::parse(DEFAULT_CONFIG, Path::new("config/default.toml"))
            .expect("the built-in config is valid")
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates; `path` names the origin in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        config.validate(&path.display().to_string())?;
        Ok(config)
    }

    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let out_of_range = |key, value: String, expected| ConfigError::OutOfRange {
            origin: origin.to_string(),
            key,
            value,
            expected,
        };
        let run = &self.run;
        if !(run.fps.is_finite() && (1.0..=240.0).contains(&run.fps)) {
            return Err(out_of_range(
                "run.fps",
                run.fps.to_string(),
                "1 <= fps <= 240",
            ));
        }
        if !(2..=16).contains(&run.ring_capacity) {
            return Err(out_of_range(
                "run.ring_capacity",
                run.ring_capacity.to_string(),
                "2 <= ring_capacity <= 16",
            ));
        }
        if !(1..=8).contains(&run.readback_depth) {
            return Err(out_of_range(
                "run.readback_depth",
                run.readback_depth.to_string(),
                "1 <= readback_depth <= 8",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_valid() {
        let c = Config::builtin();
        assert_eq!(c.run.size, Size::HD);
    }

    #[test]
    fn errors_name_file_key_and_range() {
        let bad_key = DEFAULT_CONFIG.replace("fullscreen = false", "fulscreen = false");
        let err = Config::parse(&bad_key, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("my.toml") && err.contains("fulscreen") && err.contains("line"),
            "{err}"
        );
        let bad_ring = DEFAULT_CONFIG.replace("ring_capacity = 3", "ring_capacity = 99");
        let err = Config::parse(&bad_ring, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("run.ring_capacity") && err.contains("2 <= ring_capacity <= 16"),
            "{err}"
        );
        let bad_size = DEFAULT_CONFIG.replace("1920x1080", "0x0");
        let err = Config::parse(&bad_size, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("0x0") && err.contains("WIDTHxHEIGHT"), "{err}");
    }
}
