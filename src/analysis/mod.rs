//! Neural analysis beside the frame loop (faces, people, depth).
//!
//! How it works: models run through ONNX Runtime, loaded at run time from
//! the shared library that `scripts/setup` fetches ([`runtime`]), so the
//! binary has no build-time download and no hard link dependency. The model
//! files come from the model store ([`store`]: `models/models.toml`, fetched
//! and hash-checked into the cache). The workers, models and tracker build
//! on this.

pub mod depth;
pub mod face;
pub mod matte;
pub mod picture;
pub mod runtime;
pub mod store;

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
