//! Neural analysis beside the frame loop (faces, people, depth).
//!
//! How it works: models run through ONNX Runtime, loaded at run time from
//! the shared library that `scripts/setup` fetches ([`runtime`]), so the
//! binary has no build-time download and no hard link dependency. The model
//! files come from the model store ([`store`]: `models/models.toml`, fetched
//! and hash-checked into the cache). One file per model kind (`face`,
//! `mesh`, `matte`, `depth`, `object`: the mask of an object pointed at)
//! turns pictures into results; [`analyzer`]
//! runs them on one picture and keeps the temporal state ([`tracker`],
//! [`smoothing`], [`scene_cut`]); [`worker`] runs the analyzer on its own
//! thread beside the frame loop; [`masks`] draws the results as the masks
//! the GPU takes.
//!
//! ```text
//! render thread: frame -> GPU downscale -> readback --try_send--> worker
//!   ^                                                               |
//!   +---- latest Analysis (ArcSwap), faces predicted to the frame <-+
//! ```

pub mod analyzer;
pub mod depth;
pub mod face;
pub mod masks;
pub mod matte;
pub mod mesh;
pub mod object;
pub mod picture;
pub mod runtime;
pub mod scene_cut;
pub mod smoothing;
pub mod store;
pub mod tracker;
pub mod worker;

pub use crate::masks::AnalysisModel;
pub use analyzer::{Analysis, AnalysisInput, Analyzer, AnalyzerSettings, MatteModel};

use std::path::PathBuf;

/// Errors from the analysis side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    #[error("ONNX Runtime library not found at {path} (run `scripts/setup`, or set ORT_DYLIB_PATH to the library)")]
    RuntimeMissing { path: PathBuf },
    #[error("ONNX Runtime at {path} could not be loaded: {message}")]
    RuntimeLoad { path: PathBuf, message: String },
    #[error("model {path}: {message}")]
    Model { path: PathBuf, message: String },
}

/// How the frame loop uses the analysis (`run --analysis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisMode {
    /// No models.
    #[default]
    Off,
    /// Every frame analysed before it is graded (tests, offline renders).
    Sync,
    /// Beside the loop, newest result reused on every frame (live).
    Async,
}

impl std::str::FromStr for AnalysisMode {
    type Err = String;
    fn from_str(s: &str) -> Result<AnalysisMode, String> {
        match s {
            "off" => Ok(AnalysisMode::Off),
            "sync" => Ok(AnalysisMode::Sync),
            "async" => Ok(AnalysisMode::Async),
            other => Err(format!("--analysis {other}: expected off, sync or async")),
        }
    }
}
