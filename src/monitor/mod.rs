//! The monitoring station: the window (winit, one surface per monitor),
//! the operator view drawn over the picture (egui; one file per panel in
//! `operator/`), the clean program output and the compare references.
//!
//! How it works: the window's driver grades each frame into the working
//! texture and draws it into every window without a readback
//! (`window.rs`); the operator view lays its panels around the picture and
//! sends the colourist's edits to the control session as typed commands
//! (`control::osc::OscCommand`), as a panel's are.

#[cfg(feature = "window")]
pub mod operator;
#[cfg(feature = "window")]
pub mod present_driver;
#[cfg(feature = "window")]
pub mod reference;
#[cfg(feature = "window")]
pub mod window;

/// Window behaviour.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    /// Wait for the display's refresh (no tearing, a frame more latency).
    pub vsync: bool,
    pub fullscreen: bool,
    /// The main window is the operator view (UI, scopes, exposure aids)
    /// rather than the bare picture.
    pub operator: bool,
    /// A clean program output too, full screen on this monitor (an index
    /// from 0 or part of its name).
    pub program: Option<String>,
    /// Scale the program output to fit its monitor rather than texel for
    /// texel.
    pub program_fit: bool,
    /// Write the windows to PNG here when the run ends.
    pub screenshot: Option<std::path::PathBuf>,
    /// The exposure aids the operator view starts with.
    pub aids: crate::scopes::ExposureAids,
    /// How the operator view starts comparing against the source.
    pub compare: crate::gpu::present::Compare,
    /// What the machine picked, shown over the picture from the start.
    pub overlays: crate::gpu::present::Overlays,
    /// Face boxes, track ids and landmarks shown from the start.
    pub faces: bool,
    /// The scopes shown from the start (waveform, parade, vectorscope,
    /// histogram); `None`: the usual three.
    pub scopes: Option<[bool; 4]>,
    /// The stills library the operator view grabs into and browses.
    pub stills: Option<std::path::PathBuf>,
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
