//! Files as a source: stills (PNG, TIFF, JPEG, OpenEXR, DPX), image
//! sequences (`shot_%06d.exr`) and video.
//!
//! How it works: [`inspect`] says what a file is without decoding it
//! (`probe.rs`; a still's header through `still_file.rs`): the render and
//! its output are chosen from that. Stills are decoded once
//! (`still_file.rs`) and handed out again every frame (or once, without
//! looping). A sequence is its frames in number order, each decoded as a
//! still; a missing number or a frame of another size is an error naming
//! the file. Video is decoded by an `ffmpeg` subprocess that writes raw
//! frames to a pipe: `rgb24` for 8-bit RGB, `gray` for 8-bit full-range
//! grey, and `rgb48le` for everything else (so Y'CbCr is turned into RGB
//! with 16 bits, using the stream's own matrix and range, and deeper
//! sources keep their depth). The bytes go to the GPU as they are.

use super::probe::{is_still, probe_video, unreadable, Chroma, InputInfo, InputKind};
use super::still_file::{load_still, still_info, Still};
use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::ffmpeg::FfmpegProcess;
use crate::frame::{Frame, FrameId, PixelFormat, Size, YuvEncoding};
use crate::output::sequence::Pattern;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command};
use std::time::Instant;

/// Says what `path` is (see [`InputInfo`]), decoding as little as it can.
pub fn inspect(path: &Path) -> Result<InputInfo, SourceError> {
    if let Some(pattern) = Pattern::parse(path) {
        let frames = sequence_frames(path, &pattern)?;
        let (first, first_path) = frames[0].clone();
        let still = still_info(&first_path)?;
        return Ok(InputInfo {
            kind: InputKind::Sequence { pattern, first },
            frames: Some(frames.len() as u64),
            ..still
        });
    }
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.into() });
    }
    if is_still(path) {
        return still_info(path);
    }
    probe_video(path)
}

/// Pictures in an input (1 for a still), when known.
pub fn frame_count(path: &Path) -> Result<Option<u64>, SourceError> {
    Ok(inspect(path)?.frames)
}

/// The frames of a sequence, checked: at least one, no number missing.
fn sequence_frames(path: &Path, pattern: &Pattern) -> Result<Vec<(u64, PathBuf)>, SourceError> {
    let frames = pattern
        .existing()
        .map_err(|e| unreadable(path, "an image sequence", e))?;
    let Some((first, _)) = frames.first() else {
        return Err(SourceError::NotFound { path: path.into() });
    };
    for (i, (n, _)) in frames.iter().enumerate() {
        let expected = first + i as u64;
        if *n != expected {
            return Err(unreadable(
                path,
                "an image sequence",
                format!(
                    "frame {expected} ({}) is missing: frames {first}..{} are there with gaps",
                    pattern.frame_path(expected).display(),
                    frames.last().map_or(*first, |f| f.0)
                ),
            ));
        }
    }
    Ok(frames)
}

/// The raw layout a video is decoded to (see the module comment).
fn decode_layout(info: &InputInfo) -> (PixelFormat, &'static str) {
    match (info.chroma, info.bits) {
        (Chroma::Rgb, 8) => (PixelFormat::Rgb8, "rgb24"),
        (Chroma::Gray, 8) if info.colour.full_range != Some(false) => (PixelFormat::Gray8, "gray"),
        _ => (PixelFormat::Rgb16, "rgb48le"),
    }
}

/// An `ffmpeg` process decoding a video to raw frames on its stdout.
struct Decoder {
    process: FfmpegProcess,
    stdout: ChildStdout,
}

impl Decoder {
    fn spawn(
        path: &Path,
        info: &InputInfo,
        looping: bool,
        scale: Option<Size>,
        pix_fmt: &str,
    ) -> Result<Decoder, SourceError> {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-v", "error", "-nostdin"]);
        if looping {
            cmd.args(["-stream_loop", "-1"]);
        }
        cmd.arg("-i").arg(path);
        // Y'CbCr to RGB with the stream's own matrix and range, every
        // chroma sample interpolated, rounded accurately.
        let size = scale.map_or(String::new(), |s| format!("{}:{}:", s.width, s.height));
        // Grey is full range unless tagged studio range (RGB always is).
        let range = match (info.chroma, info.colour.full_range) {
            (Chroma::Gray, None) => "pc",
            _ => info.colour.range(),
        };
        let flags = if scale.is_some() {
            "bicubic+accurate_rnd"
        } else {
            "accurate_rnd"
        };
        cmd.args([
            "-map",
            "0:v:0",
            "-vf",
            &format!(
                "scale={size}in_color_matrix={}:in_range={range}:flags={flags}",
                info.colour.scale_matrix(info.height),
            ),
        ]);
        cmd.args(["-fps_mode", "passthrough", "-an", "-sn", "-dn"]);
        cmd.args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]);
        let mut process =
            FfmpegProcess::spawn(cmd, false).map_err(|e| SourceError::ToolMissing {
                program: "ffmpeg",
                purpose: "decoding video",
                message: e.to_string(),
            })?;
        let stdout = process.child.stdout.take().expect("stdout is piped");
        Ok(Decoder { process, stdout })
    }
}

enum Content {
    Still {
        still: Still,
        delivered: bool,
    },
    Sequence {
        frames: Vec<(u64, PathBuf)>,
        next: usize,
    },
    Video {
        decoder: Decoder,
        frame_bytes: usize,
    },
}

pub struct FileSource {
    path: PathBuf,
    content: Content,
    width: u32,
    height: u32,
    format: PixelFormat,
    fps: f64,
    looping: bool,
    next_id: u64,
}

/// What layout a video is decoded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// The layout that keeps the file's precision (see the module comment).
    Exact,
    /// 8-bit RGB whatever the file (the demo's street footage).
    Rgb8,
}

impl FileSource {
    /// Opens a still, a sequence or a video. `scale` asks ffmpeg to resize
    /// video (the demo uses it); stills keep their size. Stills and
    /// sequences run at `options.fps`.
    pub fn open(
        path: &Path,
        options: &SourceOptions,
        scale: Option<Size>,
        decode: Decode,
    ) -> Result<FileSource, SourceError> {
        let info = inspect(path)?;
        let source = |content, width, height, format, fps| FileSource {
            path: path.into(),
            content,
            width,
            height,
            format,
            fps,
            looping: options.looping,
            next_id: 0,
        };
        match &info.kind {
            InputKind::Still => {
                let still = load_still(path)?;
                let (w, h, format) = (still.width, still.height, still.format);
                let content = Content::Still {
                    still,
                    delivered: false,
                };
                Ok(source(content, w, h, format, options.fps))
            }
            InputKind::Sequence { pattern, .. } => {
                let frames = sequence_frames(path, pattern)?;
                let first = load_still(&frames[0].1)?;
                let (w, h, format) = (first.width, first.height, first.format);
                let content = Content::Sequence { frames, next: 0 };
                Ok(source(content, w, h, format, options.fps))
            }
            InputKind::Video => {
                let (width, height) =
                    scale.map_or((info.width, info.height), |s| (s.width, s.height));
                let (format, pix_fmt) = match decode {
                    Decode::Exact => decode_layout(&info),
                    Decode::Rgb8 => (PixelFormat::Rgb8, "rgb24"),
                };
                let decoder = Decoder::spawn(path, &info, options.looping, scale, pix_fmt)?;
                let content = Content::Video {
                    decoder,
                    frame_bytes: format.frame_bytes(width, height),
                };
                let fps = info.fps.unwrap_or(options.fps);
                Ok(source(content, width, height, format, fps))
            }
        }
    }

    /// The frame rate the file plays at (its own, or the one asked for
    /// stills and sequences).
    pub fn fps(&self) -> f64 {
        self.fps
    }

    fn next_picture(&mut self, buffer: Vec<u8>) -> Result<Option<Vec<u8>>, SourceError> {
        match &mut self.content {
            Content::Still { still, delivered } => {
                if *delivered && !self.looping {
                    return Ok(None);
                }
                *delivered = true;
                let mut data = sized(buffer, still.data.len());
                data.copy_from_slice(&still.data);
                Ok(Some(data))
            }
            Content::Sequence { frames, next } => {
                if *next == frames.len() {
                    if !self.looping {
                        return Ok(None);
                    }
                    *next = 0;
                }
                let path = &frames[*next].1;
                *next += 1;
                let still = load_still(path)?;
                if (still.width, still.height, still.format)
                    != (self.width, self.height, self.format)
                {
                    return Err(unreadable(
                        path,
                        "a frame of the sequence",
                        format!(
                            "{}x{} {:?}, but the sequence starts {}x{} {:?}",
                            still.width,
                            still.height,
                            still.format,
                            self.width,
                            self.height,
                            self.format
                        ),
                    ));
                }
                Ok(Some(still.data))
            }
            Content::Video {
                decoder,
                frame_bytes,
            } => {
                let mut data = sized(buffer, *frame_bytes);
                if let Err(e) = decoder.stdout.read_exact(&mut data) {
                    if e.kind() != std::io::ErrorKind::UnexpectedEof {
                        return Err(unreadable(&self.path, "video", e));
                    }
                    let status = decoder
                        .process
                        .child
                        .wait()
                        .map_err(|e| unreadable(&self.path, "video", e))?;
                    if status.success() {
                        return Ok(None);
                    }
                    let message = decoder.process.messages();
                    return Err(unreadable(
                        &self.path,
                        "video",
                        format!("ffmpeg failed: {message}"),
                    ));
                }
                Ok(Some(data))
            }
        }
    }
}

impl Source for FileSource {
    fn describe(&self) -> String {
        let kind = match self.content {
            Content::Still { .. } => "still",
            Content::Sequence { .. } => "sequence",
            Content::Video { .. } => "video",
        };
        format!(
            "file {} ({kind}): {}x{} {:?} @ {:.3} fps{}",
            self.path.display(),
            self.width,
            self.height,
            self.format,
            self.fps,
            if self.looping { ", looping" } else { "" }
        )
    }

    fn pacing(&self) -> Pacing {
        Pacing::Clock { fps: self.fps }
    }

    fn next_frame(&mut self, buffer: Vec<u8>) -> Result<Option<Frame>, SourceError> {
        let Some(data) = self.next_picture(buffer)? else {
            return Ok(None);
        };
        let frame = Frame {
            id: FrameId(self.next_id),
            captured: Instant::now(),
            width: self.width,
            height: self.height,
            format: self.format,
            yuv: YuvEncoding::for_height(self.height),
            data,
        };
        self.next_id += 1;
        Ok(Some(frame))
    }
}
