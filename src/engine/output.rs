//! What the frame loop hands its outputs: the graded frame's identity
//! ([`FrameMeta`]), the trait of a destination for read-back frames
//! ([`Sink`]; the file and null sinks in `src/sink/` implement it), and
//! which output a run asks for ([`SinkSpec`]). They live here, below the
//! sinks, so the engine names them without importing the sink layer.

use crate::frame::{Frame, FrameId};
use crate::gpu::OutputFormat;
use std::path::PathBuf;
use std::time::Instant;

/// Errors from sinks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    #[error("sink `{0}`: expected window, null or file:PATH")]
    BadSpec(String),
    #[error("{path}: cannot write: {message}")]
    Write { path: PathBuf, message: String },
    #[error("{path}: unknown output type; expected a still (.png, .tif, .tiff, .exr, .dpx), an image sequence (name_%06d.exr) or a video (.mp4, .mov, .mkv, .avi, .nut)")]
    UnknownExtension { path: PathBuf },
    #[error("{path}: {message}")]
    DepthNotSupported { path: PathBuf, message: String },
    #[error("`ffmpeg` is needed to encode video but could not be started ({0}); on Debian/Ubuntu: apt-get install ffmpeg")]
    FfmpegMissing(String),
    #[error("window: {0}")]
    Window(String),
    #[error("this build has no window support (built without the `window` feature); use --sink null or --sink file:PATH")]
    WindowDisabled,
}

/// A graded frame's identity, handed to sinks with its pixels.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeta {
    pub id: FrameId,
    pub captured: Instant,
    pub width: u32,
    pub height: u32,
}

impl FrameMeta {
    /// The identity of `frame`.
    pub fn of(frame: &Frame) -> FrameMeta {
        FrameMeta {
            id: frame.id,
            captured: frame.captured,
            width: frame.width,
            height: frame.height,
        }
    }
}

/// A destination for read-back frames.
pub trait Sink {
    fn describe(&self) -> String;
    /// The packed layout this sink wants.
    fn output_format(&self) -> OutputFormat;
    fn write(&mut self, meta: &FrameMeta, pixels: &[u8]) -> Result<(), SinkError>;
    /// Called once after the last frame: close encoders, rename into place.
    fn finish(&mut self) -> Result<(), SinkError>;
    /// Called instead of `finish` when the work is abandoned (an
    /// interrupted render): nothing half-done keeps a final name.
    fn abort(&mut self) {}
    /// What the sink holds now, in words (for the run's last lines).
    fn kept(&self) -> String {
        self.describe()
    }
    /// A live recording's figures (a video written at capture times).
    fn recording(&self) -> Option<RecordingReport> {
        None
    }
}

/// What a live recording holds: `--stats-json`'s `recording`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecordingReport {
    pub path: String,
    /// The codec, layout and preset written.
    pub encoder: String,
    /// Frames in the file.
    pub frames: u64,
    /// Frames left out because the encoder was behind (the frame before
    /// lasts longer in the file; the picture never waited).
    pub encoder_behind: u64,
    /// Frames left out because the source sent them faster than the
    /// file's frame rate.
    pub faster_than_file: u64,
    /// Seconds the file plays.
    pub file_s: f64,
    /// Seconds captured, from the first frame to one frame after the last.
    pub captured_s: f64,
}

/// Which sink, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkSpec {
    Window,
    Null,
    File { path: PathBuf },
}

impl std::str::FromStr for SinkSpec {
    type Err = SinkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "window" => Ok(SinkSpec::Window),
            None if s == "null" => Ok(SinkSpec::Null),
            Some(("file", p)) if !p.is_empty() => Ok(SinkSpec::File { path: p.into() }),
            _ => Err(SinkError::BadSpec(s.into())),
        }
    }
}

impl std::fmt::Display for SinkSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkSpec::Window => write!(f, "window"),
            SinkSpec::Null => write!(f, "null"),
            SinkSpec::File { path } => write!(f, "file:{}", path.display()),
        }
    }
}
