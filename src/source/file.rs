//! Files: stills (PNG 8/16-bit, TIFF 8/16-bit, JPEG, OpenEXR) and video.
//!
//! How it works: stills are decoded once (the `image` and `exr` crates) and
//! handed out again every frame (or once, without looping). Video is decoded
//! by an `ffmpeg` subprocess that writes raw RGB frames to a pipe (8-bit
//! `rgb24`, or `rgb48le` for deeper sources); `ffprobe` tells the size, rate
//! and depth first. The bytes go to the GPU as they are.

use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::ffmpeg::FfmpegProcess;
use crate::frame::{Frame, FrameId, PixelFormat, Size, YuvEncoding};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command};
use std::time::Instant;

/// File extensions read as stills; everything else goes to ffmpeg.
const STILL_EXTENSIONS: [&str; 6] = ["png", "tif", "tiff", "exr", "jpg", "jpeg"];

pub fn is_still(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| STILL_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A decoded still picture.
#[derive(Debug, Clone)]
pub struct Still {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub data: Vec<u8>,
    /// Bits a channel in the file (8, 16 or 32 for float).
    pub bits: u32,
}

fn unreadable(path: &Path, what: &'static str, message: impl ToString) -> SourceError {
    SourceError::Unreadable {
        path: path.to_path_buf(),
        what,
        message: message.to_string().replace('\n', " "),
    }
}

fn bits_per_channel(color: image::ColorType) -> u32 {
    u32::from(color.bits_per_pixel() / u16::from(color.channel_count()))
}

/// Bits a channel of a still (8, 16, or 32 for float), from its header only.
pub fn still_bits(path: &Path) -> Result<u32, SourceError> {
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.into() });
    }
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("exr"))
    {
        return Ok(32);
    }
    let decoder = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| unreadable(path, "an image", e))?
        .into_decoder()
        .map_err(|e| unreadable(path, "an image", e))?;
    Ok(bits_per_channel(image::ImageDecoder::color_type(&decoder)))
}

/// Decodes a still: 8-bit pictures as RGB8, 16-bit as RGBA16, EXR as float.
pub fn load_still(path: &Path) -> Result<Still, SourceError> {
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.into() });
    }
    let is_exr = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("exr"));
    if is_exr {
        return load_exr(path);
    }
    let decoded = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| unreadable(path, "an image", e))?
        .decode()
        .map_err(|e| unreadable(path, "an image", e))?;
    let (width, height) = (decoded.width(), decoded.height());
    let bits = bits_per_channel(decoded.color());
    let (format, data) = match bits {
        8 => (PixelFormat::Rgb8, decoded.into_rgb8().into_raw()),
        16 => (
            PixelFormat::Rgba16,
            decoded
                .into_rgba16()
                .into_raw()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        _ => (
            PixelFormat::RgbaF32,
            decoded
                .into_rgba32f()
                .into_raw()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
    };
    Ok(Still {
        width,
        height,
        format,
        data,
        bits,
    })
}

fn load_exr(path: &Path) -> Result<Still, SourceError> {
    use exr::prelude::*;
    let image = read_first_rgba_layer_from_file(
        path,
        |resolution, _| {
            (
                resolution.width(),
                vec![0f32; resolution.width() * resolution.height() * 4],
            )
        },
        |(width, pixels), position, (r, g, b, a): (f32, f32, f32, f32)| {
            let i = (position.y() * *width + position.x()) * 4;
            pixels[i..i + 4].copy_from_slice(&[r, g, b, a]);
        },
    )
    .map_err(|e| unreadable(path, "OpenEXR", e))?;
    let size = image.layer_data.size;
    let (_, pixels) = image.layer_data.channel_data.pixels;
    Ok(Still {
        width: size.width() as u32,
        height: size.height() as u32,
        format: PixelFormat::RgbaF32,
        data: pixels.iter().flat_map(|v| v.to_le_bytes()).collect(),
        bits: 32,
    })
}

/// What ffprobe says about a video's first stream.
#[derive(Debug, Clone)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Deeper than 8 bits a channel (decoded as 16-bit).
    pub deep: bool,
    /// Number of frames, when the container says or the duration tells.
    pub frames: Option<u64>,
}

pub fn probe_video(path: &Path) -> Result<VideoInfo, SourceError> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,r_frame_rate,avg_frame_rate,pix_fmt,bits_per_raw_sample,nb_frames,duration")
        .args(["-of", "json"])
        .arg(path)
        .output()
        .map_err(|e| SourceError::ToolMissing {
            program: "ffprobe",
            purpose: "reading video files",
            message: e.to_string(),
        })?;
    let what = "video (ffprobe)";
    if !output.status.success() {
        return Err(unreadable(
            path,
            what,
            String::from_utf8_lossy(&output.stderr).trim(),
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| unreadable(path, what, e))?;
    let stream = json["streams"]
        .get(0)
        .ok_or_else(|| unreadable(path, what, "no video stream"))?;
    let dim = |k: &str| stream[k].as_u64().filter(|v| *v > 0).map(|v| v as u32);
    let (width, height) = dim("width")
        .zip(dim("height"))
        .ok_or_else(|| unreadable(path, what, "video stream without a size"))?;
    let rate = |k: &str| {
        let s = stream[k].as_str()?;
        let (n, d) = s.split_once('/')?;
        let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
        (n > 0.0 && d > 0.0).then_some(n / d)
    };
    let fps = rate("avg_frame_rate")
        .or_else(|| rate("r_frame_rate"))
        .unwrap_or(25.0);
    let pix_fmt = stream["pix_fmt"].as_str().unwrap_or("");
    let bits: u32 = stream["bits_per_raw_sample"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .unwrap_or(8);
    let deep = bits > 8
        || ["10", "12", "16", "48", "64", "p010"]
            .iter()
            .any(|m| pix_fmt.contains(m));
    let number = |k: &str| {
        stream[k]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| *v > 0.0)
    };
    let frames = number("nb_frames")
        .or_else(|| number("duration").map(|d| d * fps))
        .map(|n| n.round() as u64);
    Ok(VideoInfo {
        width,
        height,
        fps,
        deep,
        frames,
    })
}

/// An `ffmpeg` process decoding a video to raw RGB frames on its stdout.
struct Decoder {
    process: FfmpegProcess,
    stdout: ChildStdout,
}

impl Decoder {
    fn spawn(
        path: &Path,
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
        if let Some(size) = scale {
            cmd.args([
                "-vf",
                &format!("scale={}:{}:flags=bicubic", size.width, size.height),
            ]);
        }
        cmd.args(["-an", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]);
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

impl FileSource {
    /// Opens a still or a video. `scale` asks ffmpeg to resize video (the demo
    /// uses it); stills keep their size.
    pub fn open(
        path: &Path,
        options: &SourceOptions,
        scale: Option<Size>,
    ) -> Result<FileSource, SourceError> {
        if !path.exists() {
            return Err(SourceError::NotFound { path: path.into() });
        }
        if is_still(path) {
            let still = load_still(path)?;
            return Ok(FileSource {
                path: path.into(),
                width: still.width,
                height: still.height,
                format: still.format,
                fps: options.fps,
                looping: options.looping,
                content: Content::Still {
                    still,
                    delivered: false,
                },
                next_id: 0,
            });
        }
        let info = probe_video(path)?;
        let (width, height) = scale.map_or((info.width, info.height), |s| (s.width, s.height));
        let (format, pix_fmt) = if info.deep {
            (PixelFormat::Rgb16, "rgb48le")
        } else {
            (PixelFormat::Rgb8, "rgb24")
        };
        let decoder = Decoder::spawn(path, options.looping, scale, pix_fmt)?;
        Ok(FileSource {
            path: path.into(),
            width,
            height,
            format,
            fps: info.fps,
            looping: options.looping,
            content: Content::Video {
                decoder,
                frame_bytes: format.frame_bytes(width, height),
            },
            next_id: 0,
        })
    }
}

impl Source for FileSource {
    fn describe(&self) -> String {
        let kind = match self.content {
            Content::Still { .. } => "still",
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
        let data = match &mut self.content {
            Content::Still { still, delivered } => {
                if *delivered && !self.looping {
                    return Ok(None);
                }
                *delivered = true;
                let mut data = sized(buffer, still.data.len());
                data.copy_from_slice(&still.data);
                data
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
                data
            }
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
