//! Loading ONNX Runtime.
//!
//! How it works: `ort` is built with `load-dynamic`: nothing is downloaded
//! at build time and the shared library is opened at run time from
//! [`crate::assets::onnxruntime_library`] (the set-up's cache, or
//! `ORT_DYLIB_PATH`). A missing or broken library is a clear error, never a
//! crash, so the frame loop can keep grading without analysis.

use super::store::{ModelEntry, ModelStore, Status};
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

    /// Opens a model of the store after checking its file's hash, and
    /// checks that its image input is the one the manifest declares (name
    /// and shape), so a wrong or swapped file is refused before it runs.
    pub fn open_from_store(
        &self,
        store: &ModelStore,
        model: &ModelEntry,
        threads: usize,
    ) -> Result<ort::session::Session, AnalysisError> {
        let path = store.path(model);
        let model_error = |message: String| AnalysisError::Model {
            path: path.clone(),
            message,
        };
        let fix = "run `neurograde models fetch` (offline: set NEUROGRADE_MIRROR)";
        match store
            .status(model)
            .map_err(|e| model_error(e.to_string()))?
        {
            Status::Verified => {}
            Status::Missing => return Err(model_error(format!("not fetched; {fix}"))),
            Status::Mismatch { got } => {
                return Err(model_error(format!(
                    "SHA-256 {got}, expected {}; {fix}",
                    model.sha256
                )))
            }
        }
        let session = self.open_model(&path, threads)?;
        let want = &model.input;
        let found: Vec<(String, Option<Vec<i64>>)> = session
            .inputs()
            .iter()
            .map(|i| {
                let shape = i
                    .dtype()
                    .tensor_shape()
                    .map(|s| s.iter().copied().collect());
                (i.name().to_string(), shape)
            })
            .collect();
        let matches = found.first().is_some_and(|(name, shape)| {
            name == &want.name && shape.as_deref() == Some(want.shape.as_slice())
        });
        if !matches {
            return Err(model_error(format!(
                "input `{}` {:?} expected for {} ({}), the file has {:?}",
                want.name,
                want.shape,
                model.name,
                model.role.name(),
                found
            )));
        }
        Ok(session)
    }
}
