//! Where fetched files live: the ONNX Runtime library and the demo footage.
//!
//! How it works: `scripts/setup` downloads them with the ordinary package
//! clients, checks each SHA-256, and puts them in a cache outside the clone:
//! `$NEUROGRADE_CACHE`, else `$XDG_CACHE_HOME/neurograde`, else
//! `~/.cache/neurograde`. The engine only reads from there.

use std::path::PathBuf;

/// The cache folder (it may not exist yet).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NEUROGRADE_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("neurograde");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("neurograde")
}

/// A fetched piece of real footage, by file name (e.g. `astronaut.png`).
pub fn footage(name: &str) -> PathBuf {
    cache_dir().join("footage").join(name)
}

/// The ONNX Runtime shared library fetched by the set-up.
pub fn onnxruntime_library() -> PathBuf {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|d| !d.is_empty()) {
        return PathBuf::from(path);
    }
    cache_dir().join("runtime").join(ONNXRUNTIME_FILE)
}

/// ONNX Runtime's WebGPU provider (a plugin library), fetched by the set-up
/// beside the runtime.
pub fn webgpu_provider_library() -> PathBuf {
    cache_dir().join("runtime").join(WEBGPU_PROVIDER_FILE)
}

#[cfg(target_os = "windows")]
const WEBGPU_PROVIDER_FILE: &str = "onnxruntime_providers_webgpu.dll";
#[cfg(target_os = "macos")]
const WEBGPU_PROVIDER_FILE: &str = "libonnxruntime_providers_webgpu.dylib";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
const WEBGPU_PROVIDER_FILE: &str = "libonnxruntime_providers_webgpu.so";

/// File name of the ONNX Runtime library for this platform.
#[cfg(target_os = "windows")]
pub const ONNXRUNTIME_FILE: &str = "onnxruntime.dll";
#[cfg(target_os = "macos")]
pub const ONNXRUNTIME_FILE: &str = "libonnxruntime.dylib";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
pub const ONNXRUNTIME_FILE: &str = "libonnxruntime.so";
