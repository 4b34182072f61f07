//! Where graded pictures go: the window, a file, or nowhere (benchmarks).
//!
//! How it works: file and null sinks implement [`Sink`] and receive each
//! graded frame as packed bytes read back from the GPU, in the layout they
//! ask for ([`Sink::output_format`]). The window is different: it draws the
//! graded texture straight into its surface, without a readback
//! (`window.rs`).

pub mod file;
pub mod null;
pub mod still;
pub mod video;
#[cfg(feature = "window")]
pub mod window;

pub use crate::engine::output::{FrameMeta, Sink, SinkError, SinkSpec};

/// Window behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowOptions {
    /// Wait for the display's refresh (no tearing, a frame more latency).
    pub vsync: bool,
    pub fullscreen: bool,
}

/// Whether a display is there to open a window on.
pub fn display_available() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}
