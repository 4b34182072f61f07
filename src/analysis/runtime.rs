//! Loading ONNX Runtime.
//!
//! How it works: `ort` is built with `load-dynamic`: nothing is downloaded
//! at build time and the shared library is opened at run time from
//! [`crate::assets::onnxruntime_library`] (the set-up's cache, or
//! `ORT_DYLIB_PATH`). A missing or broken library is a clear error, never a
//! crash, so the frame loop can keep grading without analysis.

use super::picture::RgbPicture;
use super::store::{Layout, ModelEntry, ModelStore, Status};
use super::AnalysisError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An initialised ONNX Runtime environment.
pub struct Runtime {
    pub environment: ort::environment::Environment,
    pub library: PathBuf,
}

/// The process's runtime: ONNX Runtime allows one environment a process.
static LOADED: std::sync::Mutex<Option<Arc<Runtime>>> = std::sync::Mutex::new(None);

impl Runtime {
    /// Loads the library at `library` and creates the environment, once a
    /// process: later calls share it (a second library is an error).
    pub fn load(library: &Path) -> Result<Arc<Runtime>, AnalysisError> {
        if !library.exists() {
            return Err(AnalysisError::RuntimeMissing {
                path: library.into(),
            });
        }
        let load_error = |e: &dyn std::fmt::Display| AnalysisError::RuntimeLoad {
            path: library.into(),
            message: e.to_string(),
        };
        let mut loaded = LOADED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(runtime) = loaded.as_ref() {
            if runtime.library != library {
                return Err(load_error(&format!(
                    "ONNX Runtime is already loaded from {} in this process",
                    runtime.library.display()
                )));
            }
            return Ok(runtime.clone());
        }
        let environment = ort::init_from(library)
            .map_err(|e| load_error(&e))?
            .with_name("neurograde")
            .build()
            .map_err(|e| load_error(&e))?;
        let runtime = Arc::new(Runtime {
            environment,
            library: library.into(),
        });
        *loaded = Some(runtime.clone());
        Ok(runtime)
    }

    /// Loads the library the set-up fetched.
    pub fn load_default() -> Result<Arc<Runtime>, AnalysisError> {
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

    /// Opens the store's model called `name` (see [`Runtime::open_from_store`]).
    pub fn open_named(
        &self,
        store: &ModelStore,
        name: &str,
        threads: usize,
    ) -> Result<(ort::session::Session, ModelEntry), AnalysisError> {
        let entry = store.model(name).map_err(|e| AnalysisError::Model {
            path: store.dir.clone(),
            message: e.to_string(),
        })?;
        Ok((self.open_from_store(store, entry, threads)?, entry.clone()))
    }
}

/// Runs a model with one image input on the whole picture (stretched to the
/// model's input size) and returns its first output's shape and values.
pub fn run_on_picture(
    session: &mut ort::session::Session,
    model: &ModelEntry,
    picture: &RgbPicture,
) -> Result<(Vec<i64>, Vec<f32>), AnalysisError> {
    let model_error = |e: ort::Error| AnalysisError::Model {
        path: model.file.clone().into(),
        message: e.to_string(),
    };
    let shape: Vec<usize> = model.input.shape.iter().map(|d| *d as usize).collect();
    let (height, width) = match model.input.layout {
        Layout::Nchw => (shape[2], shape[3]),
        Layout::Nhwc => (shape[1], shape[2]),
    };
    let data = picture.tensor(width, height, &model.input);
    let tensor =
        ort::value::Tensor::from_array((shape, data.into_boxed_slice())).map_err(model_error)?;
    let outputs = session.run(ort::inputs![tensor]).map_err(model_error)?;
    let (shape, values) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(model_error)?;
    Ok((shape.iter().copied().collect(), values.to_vec()))
}
