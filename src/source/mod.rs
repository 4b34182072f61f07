//! Where pictures come from. One file per source, one [`Source`] trait.
//!
//! How it works: the engine's source thread opens a [`SourceSpec`] (so a
//! camera lives on the thread that reads it), then calls
//! [`Source::next_frame`] in a loop, handing each frame to the ring. A source
//! says how it is paced: a camera blocks until its next frame arrives; files,
//! patterns and the demo run on a clock at their frame rate (or, with
//! `--fast`, as fast as the render loop takes frames).

#[cfg(feature = "camera")]
pub mod camera;
pub mod demo;
pub mod file;
pub mod pattern;
pub mod probe;
pub mod still_file;
pub mod virtual_camera;

use crate::frame::{Frame, Size};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors from opening or reading a source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("source `{0}`: expected camera[:INDEX], file:PATH, pattern:NAME or demo")]
    BadSpec(String),
    #[error("pattern `{name}` does not exist; expected one of: {expected}")]
    UnknownPattern {
        name: String,
        expected: &'static str,
    },
    #[error("{path}: file not found")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot read as {what}: {message}")]
    Unreadable {
        path: PathBuf,
        what: &'static str,
        message: String,
    },
    #[error("`{program}` is needed for {purpose} but could not be started ({message}); on Debian/Ubuntu: apt-get install ffmpeg")]
    ToolMissing {
        program: &'static str,
        purpose: &'static str,
        message: String,
    },
    #[error("camera {index} does not exist; cameras found: {found}")]
    NoSuchCamera { index: u32, found: String },
    #[error("camera {index}: {message}")]
    Camera { index: u32, message: String },
    #[error("this build has no camera support (built without the `camera` feature)")]
    CameraDisabled,
    #[error("source thread: {0}")]
    Thread(String),
    #[error("demo footage missing: {path} (run `make demo` or `scripts/setup` to fetch it)")]
    DemoFootageMissing { path: PathBuf },
}

/// How the source thread paces a source, and at what nominal rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// `next_frame` blocks until the device has a frame (cameras).
    Device { fps: f64 },
    /// One frame every `1 / fps` seconds, on the source thread's clock.
    Clock { fps: f64 },
}

impl Pacing {
    pub fn fps(self) -> f64 {
        match self {
            Pacing::Device { fps } | Pacing::Clock { fps } => fps,
        }
    }
}

/// A source of frames.
pub trait Source {
    /// The negotiated mode in words, e.g. "camera 0: 1920x1080 YUYV @ 30 fps".
    fn describe(&self) -> String;
    fn pacing(&self) -> Pacing;
    /// The next picture, written into `buffer` (a recycled allocation) where
    /// possible. `Ok(None)` means the source has ended.
    fn next_frame(&mut self, buffer: Vec<u8>) -> Result<Option<Frame>, SourceError>;
}

/// Which source to open, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    Camera { index: u32 },
    File { path: PathBuf },
    Pattern { name: String },
    Demo,
}

impl std::str::FromStr for SourceSpec {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (s, None),
        };
        match (kind, arg) {
            ("camera", None) => Ok(SourceSpec::Camera { index: 0 }),
            ("camera", Some(i)) => i
                .parse()
                .map(|index| SourceSpec::Camera { index })
                .map_err(|_| SourceError::BadSpec(s.into())),
            ("file", Some(p)) if !p.is_empty() => Ok(SourceSpec::File { path: p.into() }),
            ("pattern", Some(n)) if !n.is_empty() => Ok(SourceSpec::Pattern { name: n.into() }),
            ("demo", None) => Ok(SourceSpec::Demo),
            _ => Err(SourceError::BadSpec(s.into())),
        }
    }
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceSpec::Camera { index } => write!(f, "camera:{index}"),
            SourceSpec::File { path } => write!(f, "file:{}", path.display()),
            SourceSpec::Pattern { name } => write!(f, "pattern:{name}"),
            SourceSpec::Demo => write!(f, "demo"),
        }
    }
}

/// What every source may be asked for.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Picture size for synthetic sources and the size asked of cameras.
    pub size: Size,
    /// Frame rate for synthetic sources and stills; asked of cameras.
    pub fps: f64,
    /// Start a file again at its end (stills repeat).
    pub looping: bool,
}

impl SourceSpec {
    /// Checks what can be checked before the loop starts, on the caller's
    /// thread: that files exist, pattern names are known, the demo footage is
    /// fetched and (with the camera feature) the camera index exists.
    pub fn preflight(&self) -> Result<(), SourceError> {
        match self {
            SourceSpec::File { path } => file::inspect(path).map(|_| ()),
            SourceSpec::Pattern { name } => pattern::PatternKind::parse(name).map(|_| ()),
            SourceSpec::Demo => demo::footage().map(|_| ()),
            #[cfg(feature = "camera")]
            SourceSpec::Camera { index } => camera::check_index(*index),
            #[cfg(not(feature = "camera"))]
            SourceSpec::Camera { .. } => Err(SourceError::CameraDisabled),
        }
    }

    /// Opens the source. Call on the thread that will read it.
    pub fn open(&self, options: &SourceOptions) -> Result<Box<dyn Source>, SourceError> {
        Ok(match self {
            #[cfg(feature = "camera")]
            SourceSpec::Camera { index } => Box::new(camera::CameraSource::open(*index, options)?),
            #[cfg(not(feature = "camera"))]
            SourceSpec::Camera { .. } => return Err(SourceError::CameraDisabled),
            SourceSpec::File { path } => Box::new(file::FileSource::open(
                path,
                options,
                None,
                file::Decode::Exact,
            )?),
            SourceSpec::Pattern { name } => Box::new(pattern::PatternSource::new(name, options)?),
            SourceSpec::Demo => Box::new(demo::DemoSource::open(options)?),
        })
    }
}

/// Picture `index` (from 0) of a still, an image sequence or a video, as
/// the engine receives it: for the measurements made on the CPU (auto
/// proposals, Color Match).
pub fn read_picture(path: &Path, index: u64) -> Result<Frame, SourceError> {
    let spec = SourceSpec::File { path: path.into() };
    spec.preflight()?;
    let options = SourceOptions {
        size: Size::HD,
        fps: 24.0,
        looping: false,
    };
    let mut source = spec.open(&options)?;
    let mut seen = 0;
    loop {
        match source.next_frame(Vec::new())? {
            Some(frame) if seen == index => return Ok(frame),
            Some(_) => seen += 1,
            None => {
                return Err(SourceError::Unreadable {
                    path: path.into(),
                    what: "a picture",
                    message: format!("it has no picture {} (it has {seen})", index + 1),
                })
            }
        }
    }
}

/// A buffer of exactly `len` bytes, reusing `buffer`'s allocation.
pub(crate) fn sized(mut buffer: Vec<u8>, len: usize) -> Vec<u8> {
    buffer.resize(len, 0);
    buffer
}

/// Interval of one frame at `fps` frames a second.
pub fn frame_interval(fps: f64) -> Duration {
    Duration::from_secs_f64(1.0 / fps.max(0.001))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            "camera".parse::<SourceSpec>().unwrap(),
            SourceSpec::Camera { index: 0 }
        );
        assert_eq!(
            "camera:2".parse::<SourceSpec>().unwrap(),
            SourceSpec::Camera { index: 2 }
        );
        assert_eq!("demo".parse::<SourceSpec>().unwrap(), SourceSpec::Demo);
        assert!(matches!(
            "file:a.png".parse::<SourceSpec>().unwrap(),
            SourceSpec::File { .. }
        ));
        for bad in ["camera:x", "file:", "webcam", "pattern"] {
            assert!(bad
                .parse::<SourceSpec>()
                .unwrap_err()
                .to_string()
                .contains(bad));
        }
    }
}
