//! Loading ONNX Runtime.
//!
//! How it works: `ort` is built with `load-dynamic`: nothing is downloaded
//! at build time and the shared library is opened at run time from
//! [`crate::assets::onnxruntime_library`] (the set-up's cache, or
//! `ORT_DYLIB_PATH`). A missing or broken library is a clear error, never a
//! crash, so the frame loop can keep grading without analysis.

use super::AnalysisError;
use std::path::{Path, PathBuf};

/// An initialised ONNX Runtime environment.
pub struct Runtime {
    pub environment: ort::environment::Environment,
    pub library: PathBuf,
}

impl Runtime {
    /// Loads the library at `library` and creates the environment.
    pub fn load(library: &Path) -> Result<Runtime, AnalysisError> {
        if !library.exists() {
            return Err(AnalysisError::RuntimeMissing {
                path: library.into(),
            });
        }
        let load_error = |e: &dyn std::fmt::Display| AnalysisError::RuntimeLoad {
            path: library.into(),
            message: e.to_string(),
        };
        let environment = ort::init_from(library)
            .map_err(|e| load_error(&e))?
            .with_name("neurograde")
            .build()
            .map_err(|e| load_error(&e))?;
        Ok(Runtime {
            environment,
            library: library.into(),
        })
    }

    /// Loads the library the set-up fetched.
    pub fn load_default() -> Result<Runtime, AnalysisError> {
        Runtime::load(&crate::assets::onnxruntime_library())
    }

    /// Opens a model with `threads` intra-op threads (kept small so inference
    /// cannot starve the frame loop on small machines).
    pub fn open_model(
        &self,
        model: &Path,
        threads: usize,
    ) -> Result<ort::session::Session, AnalysisError> {
        let model_error = |e: &dyn std::fmt::Display| AnalysisError::Model {
            path: model.into(),
            message: e.to_string(),
        };
        if !model.exists() {
            return Err(model_error(&"file not found"));
        }
        ort::session::Session::builder(&self.environment)
            .map_err(|e| model_error(&e))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| model_error(&e))?
            .commit_from_file(model)
            .map_err(|e| model_error(&e))
    }
}
