//! Engine settings: `config/default.toml` (embedded) or a file given with
//! `--config`, checked by [`Config::validate`] before anything starts.
//!
//! Unknown keys are errors; every error names the file, the key or line,
//! and the allowed range.

use crate::analysis::runtime::Inference;
use crate::analysis::{AnalysisMode, AnalysisModel, MatteModel};
use crate::frame::{FrameRate, Size};
use crate::toml_file::{toml_error, TomlError};
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

/// The settings. A file may set any part of them: every key it leaves
/// out keeps its built-in value (`config/default.toml`, the one place the
/// defaults are written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "builtin::run")]
    pub run: RunConfig,
    #[serde(default = "builtin::window")]
    pub window: WindowConfig,
    #[serde(default = "builtin::analysis")]
    pub analysis: AnalysisConfig,
}

/// Built-in values for keys a settings file leaves out, read from
/// `config/default.toml` (which sets every key, so reading it never needs
/// these).
mod builtin {
    use super::*;
    use std::sync::LazyLock;

    static BUILTIN: LazyLock<Config> = LazyLock::new(|| {
        toml::from_str(DEFAULT_CONFIG).expect("config/default.toml sets every key")
    });

    macro_rules! defaults {
        ($($name:ident: $ty:ty = $($field:ident).+;)*) => {
            $(pub fn $name() -> $ty { BUILTIN.$($field).+.clone() })*
        };
    }

    defaults! {
        run: RunConfig = run;
        window: WindowConfig = window;
        analysis: AnalysisConfig = analysis;
        size: Size = run.size;
        fps: FrameRate = run.fps;
        ring_capacity: usize = run.ring_capacity;
        readback_depth: usize = run.readback_depth;
        vsync: bool = window.vsync;
        fullscreen: bool = window.fullscreen;
        mode: AnalysisMode = analysis.mode;
        threads: usize = analysis.threads;
        detect_every: u32 = analysis.detect_every;
        copy_size: u32 = analysis.copy_size;
        nice: i32 = analysis.nice;
        models: Vec<AnalysisModel> = analysis.models;
        matte_model: MatteModel = analysis.matte_model;
        inference: Inference = analysis.inference;
    }
}

/// `[analysis]`: the models beside the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// off, sync or async (`run --analysis` overrides).
    #[serde(default = "builtin::mode")]
    pub mode: AnalysisMode,
    /// ONNX Runtime intra-op threads per model (1..=16).
    #[serde(default = "builtin::threads")]
    pub threads: usize,
    /// Run the face detector every N analysed pictures (1..=60).
    #[serde(default = "builtin::detect_every")]
    pub detect_every: u32,
    /// Longest side of the copy the models see (64..=1920).
    #[serde(default = "builtin::copy_size")]
    pub copy_size: u32,
    /// How far the worker thread lowers its priority (Linux nice, 0..=19).
    #[serde(default = "builtin::nice")]
    pub nice: i32,
    /// Which analyses run: any of faces, mesh, matte, depth, object.
    #[serde(default = "builtin::models")]
    pub models: Vec<AnalysisModel>,
    /// The matte model: selfie (fast) or rvm (recurrent, GPL weights).
    #[serde(default = "builtin::matte_model")]
    pub matte_model: MatteModel,
    /// Where the models run: auto, cpu or gpu (`--inference` overrides).
    #[serde(default = "builtin::inference")]
    pub inference: Inference,
}

impl Default for AnalysisConfig {
    fn default() -> AnalysisConfig {
        builtin::analysis()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    #[serde(default = "builtin::size")]
    pub size: Size,
    #[serde(default = "builtin::fps")]
    pub fps: FrameRate,
    #[serde(default = "builtin::ring_capacity")]
    pub ring_capacity: usize,
    #[serde(default = "builtin::readback_depth")]
    pub readback_depth: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    #[serde(default = "builtin::vsync")]
    pub vsync: bool,
    #[serde(default = "builtin::fullscreen")]
    pub fullscreen: bool,
}

impl AnalysisConfig {
    /// The analysis options these settings give, in `mode`.
    pub fn options(&self, mode: AnalysisMode) -> crate::engine::analysis_link::AnalysisOptions {
        let has = |model| self.models.contains(&model);
        crate::engine::analysis_link::AnalysisOptions {
            mode,
            models: crate::analysis::AnalyzerSettings {
                faces: has(AnalysisModel::Faces),
                face_mesh: has(AnalysisModel::Mesh),
                matte: has(AnalysisModel::Matte),
                matte_model: self.matte_model,
                depth: has(AnalysisModel::Depth),
                objects: has(AnalysisModel::Object),
                threads: self.threads,
                inference: self.inference,
                detect_every: self.detect_every,
                ..Default::default()
            },
            copy_longest: self.copy_size,
            nice: self.nice,
            record: false,
            required: false,
        }
    }
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
        let a = &self.analysis;
        if !(1..=16).contains(&a.threads) {
            return Err(out_of_range(
                "analysis.threads",
                a.threads.to_string(),
                "1 <= threads <= 16",
            ));
        }
        if !(1..=60).contains(&a.detect_every) {
            return Err(out_of_range(
                "analysis.detect_every",
                a.detect_every.to_string(),
                "1 <= detect_every <= 60",
            ));
        }
        if !(64..=1920).contains(&a.copy_size) {
            return Err(out_of_range(
                "analysis.copy_size",
                a.copy_size.to_string(),
                "64 <= copy_size <= 1920",
            ));
        }
        if !(0..=19).contains(&a.nice) {
            return Err(out_of_range(
                "analysis.nice",
                a.nice.to_string(),
                "0 <= nice <= 19",
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
    fn a_partial_file_layers_over_the_builtin() {
        let c = Config::parse("[run]\nfps = 60.0\n", Path::new("mine.toml")).unwrap();
        assert_eq!(c.run.fps.fps(), 60.0);
        let builtin = Config::builtin();
        assert_eq!(c.run.size, builtin.run.size);
        assert_eq!(
            (&c.window, &c.analysis),
            (&builtin.window, &builtin.analysis)
        );
        let c = Config::parse("", Path::new("empty.toml")).unwrap();
        assert_eq!(c, builtin);
        let err = Config::parse("[run]\nfsp = 60.0\n", Path::new("mine.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("fsp"), "{err}");
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
        let bad_model = DEFAULT_CONFIG.replace("\"object\"]", "\"objet\"]");
        let err = Config::parse(&bad_model, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line") && err.contains("objet") && err.contains("object"),
            "{err}"
        );
        let bad_fps = DEFAULT_CONFIG.replace("fps = 30.0", "fps = 500.0");
        let err = Config::parse(&bad_fps, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line") && err.contains("1 <= fps <= 240"),
            "{err}"
        );
        let bad_size = DEFAULT_CONFIG.replace("1920x1080", "0x0");
        let err = Config::parse(&bad_size, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("0x0") && err.contains("WIDTHxHEIGHT"), "{err}");
    }
}
