//! Loading ONNX Runtime.
//!
//! How it works: `ort` is built with `load-dynamic`: nothing is downloaded
//! at build time and the shared library is opened at run time from
//! [`crate::assets::onnxruntime_library`] (the set-up's cache, or
//! `ORT_DYLIB_PATH`). A missing or broken library is a clear error, never a
//! crash, so the frame loop can keep grading without analysis.
//!
//! Where the models run ([`Inference`], `--inference`): the WebGPU
//! execution provider (a plugin library the set-up fetches beside the
//! runtime) is registered with the environment when present, and ONNX
//! Runtime lists the devices its providers found. `gpu` opens every model
//! on a GPU device with the CPU fallback off (a model that cannot run there
//! whole is an error naming it); `auto` takes a GPU device when one is
//! found (operators it lacks fall back to the CPU, and the report says so)
//! and the CPU otherwise; `cpu` never looks. Each model's [`Placement`] is
//! kept for the run report and the operator view: a provider is never
//! chosen silently.

use super::picture::RgbPicture;
use super::store::{Layout, ModelEntry, ModelStore, Status};
use super::AnalysisError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the models run (`--inference`, `[analysis] inference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Inference {
    /// A GPU provider when ONNX Runtime finds a GPU device, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// A GPU provider or an error.
    Gpu,
}

impl std::str::FromStr for Inference {
    type Err = String;
    fn from_str(s: &str) -> Result<Inference, String> {
        match s {
            "auto" => Ok(Inference::Auto),
            "cpu" => Ok(Inference::Cpu),
            "gpu" => Ok(Inference::Gpu),
            other => Err(format!("{other:?}: expected auto, cpu or gpu")),
        }
    }
}

/// The provider a model really runs on, and why that one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Placement {
    /// The model's file name.
    pub model: String,
    /// ONNX Runtime's name of the provider, e.g. `CPUExecutionProvider`.
    pub provider: String,
    /// The device, as its provider names it.
    pub device: String,
    pub why: String,
}

impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} on {} ({})",
            self.model, self.provider, self.device, self.why
        )
    }
}

/// The WebGPU provider's plugin library, as loading found it.
#[derive(Debug, Clone)]
enum PluginLibrary {
    Registered,
    Missing(PathBuf),
    Failed(String),
}

/// An initialised ONNX Runtime environment.
pub struct Runtime {
    pub environment: ort::environment::Environment,
    pub library: PathBuf,
    webgpu: PluginLibrary,
    inference: std::sync::Mutex<Inference>,
    placements: std::sync::Mutex<Vec<Placement>>,
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
        let webgpu = register_webgpu(&environment);
        let runtime = Arc::new(Runtime {
            environment,
            library: library.into(),
            webgpu,
            inference: std::sync::Mutex::new(Inference::default()),
            placements: std::sync::Mutex::new(Vec::new()),
        });
        *loaded = Some(runtime.clone());
        Ok(runtime)
    }

    /// Loads the library the set-up fetched.
    pub fn load_default() -> Result<Arc<Runtime>, AnalysisError> {
        Runtime::load(&crate::assets::onnxruntime_library())
    }

    /// The run's loaded runtime, if one is.
    pub fn loaded() -> Option<Arc<Runtime>> {
        LOADED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Where the models opened from now on run.
    pub fn set_inference(&self, inference: Inference) {
        *self.inference.lock().unwrap_or_else(|p| p.into_inner()) = inference;
    }

    /// Where each model opened so far runs.
    pub fn placements(&self) -> Vec<Placement> {
        self.placements
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The GPU devices ONNX Runtime's providers found.
    fn gpu_devices(&self) -> Vec<ort::device::Device<'_>> {
        self.environment
            .devices()
            .filter(|d| d.hardware_device().ty() == ort::memory::DeviceType::GPU)
            .collect()
    }

    /// Why no GPU device is there to run on: what was found, and what the
    /// WebGPU provider's library did.
    fn no_gpu_because(&self) -> String {
        let found: Vec<String> = self
            .environment
            .devices()
            .map(|d| {
                let ep = d.ep().unwrap_or("?");
                format!("{ep} ({:?})", d.hardware_device().ty())
            })
            .collect();
        let webgpu = match &self.webgpu {
            PluginLibrary::Registered => {
                "the WebGPU provider is registered but found no GPU".into()
            }
            PluginLibrary::Missing(path) => format!(
                "the WebGPU provider is not installed ({} missing: run scripts/setup)",
                path.display()
            ),
            PluginLibrary::Failed(message) => {
                format!("the WebGPU provider failed to register: {message}")
            }
        };
        format!(
            "ONNX Runtime found no GPU device (devices: {}; {webgpu})",
            found.join(", ")
        )
    }

    /// Opens a model with `threads` intra-op threads on the CPU (kept small
    /// so inference cannot starve the frame loop on small machines), or on
    /// a GPU provider as [`Runtime::set_inference`] asks; its placement is
    /// kept ([`Runtime::placements`]).
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
        let inference = *self.inference.lock().unwrap_or_else(|p| p.into_inner());
        let name = model
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let cpu = |why: String| -> Result<(ort::session::Session, Placement), AnalysisError> {
            let session = ort::session::Session::builder(&self.environment)
                .map_err(|e| model_error(&e))?
                .with_intra_threads(threads.max(1))
                .map_err(|e| model_error(&e))?
                .commit_from_file(model)
                .map_err(|e| model_error(&e))?;
            let placement = Placement {
                model: name.clone(),
                provider: "CPUExecutionProvider".into(),
                device: "cpu".into(),
                why,
            };
            Ok((session, placement))
        };
        let (session, placement) = match inference {
            Inference::Cpu => cpu("--inference cpu".into())?,
            Inference::Gpu | Inference::Auto => match self.gpu_devices().into_iter().next() {
                None if inference == Inference::Gpu => {
                    return Err(model_error(&format!(
                        "--inference gpu: {}",
                        self.no_gpu_because()
                    )))
                }
                None => cpu(format!("auto: {}", self.no_gpu_because()))?,
                Some(device) => {
                    let provider = device.ep().unwrap_or("?").to_string();
                    let gpu_name = format!(
                        "{} GPU {}",
                        device.hardware_device().vendor().unwrap_or("?"),
                        device.hardware_device().id()
                    );
                    let strict = inference == Inference::Gpu;
                    match self.open_on(model, device, strict) {
                        Ok(session) => {
                            let why = if strict {
                                "--inference gpu: every operator on the GPU".into()
                            } else {
                                "auto: a GPU device was found (operators it lacks run on the CPU)"
                                    .into()
                            };
                            let placement = Placement {
                                model: name.clone(),
                                provider,
                                device: gpu_name,
                                why,
                            };
                            (session, placement)
                        }
                        Err(e) if strict => {
                            return Err(model_error(&format!(
                                "--inference gpu: {provider} could not take the whole model: {e}"
                            )))
                        }
                        Err(e) => {
                            tracing::warn!(model = %name, provider = %provider, "the GPU provider failed, the model runs on the CPU: {e}");
                            cpu(format!("auto: {provider} failed: {e}"))?
                        }
                    }
                }
            },
        };
        tracing::debug!("{placement}");
        self.placements
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(placement);
        Ok(session)
    }

    /// `Ok` when a GPU device is there for `--inference gpu`, else why not.
    pub fn require_gpu(&self) -> Result<(), String> {
        if self.gpu_devices().is_empty() {
            Err(format!("--inference gpu: {}", self.no_gpu_because()))
        } else {
            Ok(())
        }
    }

    /// A session on `device`'s provider; `strict`: without the CPU fallback.
    fn open_on(
        &self,
        model: &Path,
        device: ort::device::Device<'_>,
        strict: bool,
    ) -> Result<ort::session::Session, ort::Error> {
        let mut builder = ort::session::Session::builder(&self.environment)?
            .with_devices([device], None)
            .map_err(|e| ort::Error::new(e.to_string()))?;
        if strict {
            builder = builder
                .with_disable_cpu_fallback()
                .map_err(|e| ort::Error::new(e.to_string()))?;
        }
        builder.commit_from_file(model)
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

/// Registers the WebGPU provider's plugin library with `environment`, when
/// the set-up installed it.
fn register_webgpu(environment: &ort::environment::Environment) -> PluginLibrary {
    let path = crate::assets::webgpu_provider_library();
    if !path.exists() {
        return PluginLibrary::Missing(path);
    }
    match environment.register_ep_library("webgpu", &path) {
        Ok(()) => PluginLibrary::Registered,
        Err(e) => {
            tracing::warn!(
                "ONNX Runtime's WebGPU provider at {} did not register: {e}",
                path.display()
            );
            PluginLibrary::Failed(e.to_string())
        }
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
