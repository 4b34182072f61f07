//! Files: stills (PNG, TIFF, JPEG, OpenEXR, DPX), image sequences
//! (`shot_%06d.exr`) and video.
//!
//! How it works: [`inspect`] says what a file is without decoding it
//! (size, frames, bit depth, chroma layout, colour tags, timecode, audio):
//! the render and its output are chosen from that. Stills are decoded once
//! (PNG by the `png` crate with every checksum verified, so a damaged file
//! is an error rather than a damaged picture; TIFF and JPEG by `image`;
//! EXR by `exr`; DPX by ffmpeg) and handed out again every frame (or once,
//! without looping). A sequence is its frames in number order, each
//! decoded as a still; a missing number or a frame of another size is an
//! error naming the file. Video is decoded by an `ffmpeg` subprocess that
//! writes raw frames to a pipe: `rgb24` for 8-bit RGB, `gray` for 8-bit
//! full-range grey, and `rgb48le` for everything else (so Y'CbCr is turned into RGB
//! with 16 bits, using the stream's own matrix and range, and deeper
//! sources keep their depth). The bytes go to the GPU as they are.

use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::ffmpeg::{ColourTags, FfmpegProcess};
use crate::frame::{Frame, FrameId, PixelFormat, Size, YuvEncoding};
use crate::output::sequence::Pattern;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command};
use std::time::Instant;

/// File extensions read as stills; everything else goes to ffmpeg.
const STILL_EXTENSIONS: [&str; 7] = ["png", "tif", "tiff", "exr", "jpg", "jpeg", "dpx"];

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// A single still picture file (by extension; not a sequence pattern).
pub fn is_still(path: &Path) -> bool {
    Pattern::parse(path).is_none()
        && extension(path).is_some_and(|e| STILL_EXTENSIONS.contains(&e.as_str()))
}

/// What an input path names.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Still,
    /// Numbered stills; the numbers found, in order.
    Sequence {
        pattern: Pattern,
        first: u64,
    },
    Video,
}

/// How the samples of a picture are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Chroma {
    Yuv420,
    Yuv422,
    Yuv444,
    Rgb,
    Gray,
}

/// What an input is, read from its header (stills) or by ffprobe (video).
#[derive(Debug, Clone)]
pub struct InputInfo {
    pub kind: InputKind,
    pub width: u32,
    pub height: u32,
    /// Pictures in it, when known.
    pub frames: Option<u64>,
    /// A video's frame rate (stills and sequences have none).
    pub fps: Option<f64>,
    /// The same rate exactly, as ffmpeg writes it (`24000/1001`).
    pub rate: Option<String>,
    /// Bits a sample: 8, 10, 12, 16, or 32 for float.
    pub bits: u32,
    pub chroma: Chroma,
    /// The codec's name (video), e.g. `h264`, `prores`.
    pub codec: Option<String>,
    pub colour: ColourTags,
    /// SMPTE timecode of the first frame (`HH:MM:SS:FF`), when tagged.
    pub timecode: Option<String>,
    /// The codecs of the audio streams, in order.
    pub audio: Vec<String>,
    /// The codecs of the subtitle streams, in order.
    pub subtitles: Vec<String>,
}

impl InputInfo {
    /// More than one picture.
    pub fn is_moving(&self) -> bool {
        !matches!(self.kind, InputKind::Still) && self.frames.is_none_or(|n| n > 1)
    }
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

/// Refuses a picture past the engine's size limits
/// ([`crate::frame::check_file_picture`]) before anything is allocated.
fn check_size(path: &Path, what: &'static str, width: u32, height: u32) -> Result<(), SourceError> {
    crate::frame::check_file_picture(width, height).map_err(|m| unreadable(path, what, m))
}

/// Says that a picture's alpha is not carried (graded and written opaque).
fn alpha_left_out(path: &Path) {
    tracing::warn!(
        "{}: its alpha channel is left out: the picture is graded and written opaque",
        path.display()
    );
}

/// An EXR's first part's size, bits a sample (16 for half) and whether it
/// has alpha, from its header alone.
fn exr_header(path: &Path) -> Result<(u32, u32, u32, bool), SourceError> {
    let meta = exr::meta::MetaData::read_from_file(path, false)
        .map_err(|e| unreadable(path, "OpenEXR", e))?;
    let header = meta
        .headers
        .first()
        .ok_or_else(|| unreadable(path, "OpenEXR", "no picture in the file"))?;
    let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    let (w, h) = (side(header.layer_size.x()), side(header.layer_size.y()));
    check_size(path, "OpenEXR", w, h)?;
    let list = &header.channels.list;
    let red = list.iter().find(|c| c.name.eq("R")).or(list.first());
    let half = red.is_some_and(|c| c.sample_type == exr::meta::attribute::SampleType::F16);
    let alpha = list.iter().any(|c| c.name.eq("A"));
    Ok((w, h, if half { 16 } else { 32 }, alpha))
}

/// An image crate decoder for `path`, its header read and its size
/// checked; nothing of the picture decoded yet.
fn image_decoder(path: &Path) -> Result<impl image::ImageDecoder, SourceError> {
    let decoder = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| unreadable(path, "an image", e))?
        .into_decoder()
        .map_err(|e| unreadable(path, "an image", e))?;
    let (w, h) = image::ImageDecoder::dimensions(&decoder);
    check_size(path, "an image", w, h)?;
    Ok(decoder)
}

fn bits_per_channel(color: image::ColorType) -> u32 {
    u32::from(color.bits_per_pixel() / u16::from(color.channel_count()))
}

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

/// A video's frames counted one by one (ffprobe reads every packet): exact
/// where the header's count is missing or estimated from the duration.
/// For messages, never on a live path.
pub fn count_frames(path: &Path) -> Option<u64> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_packets", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
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

fn still_info(path: &Path) -> Result<InputInfo, SourceError> {
    let info = |width, height, bits, chroma| InputInfo {
        kind: InputKind::Still,
        width,
        height,
        frames: Some(1),
        fps: None,
        rate: None,
        bits,
        chroma,
        codec: None,
        colour: ColourTags::default(),
        timecode: None,
        audio: Vec::new(),
        subtitles: Vec::new(),
    };
    match extension(path).as_deref() {
        Some("exr") => {
            let (width, height, bits, alpha) = exr_header(path)?;
            if alpha {
                alpha_left_out(path);
            }
            Ok(info(width, height, bits, Chroma::Rgb))
        }
        Some("dpx") => {
            let video = probe_video(path)?;
            Ok(InputInfo {
                kind: InputKind::Still,
                frames: Some(1),
                fps: None,
                rate: None,
                codec: None,
                ..video
            })
        }
        _ => {
            let decoder = image_decoder(path)?;
            let (w, h) = image::ImageDecoder::dimensions(&decoder);
            let color = image::ImageDecoder::color_type(&decoder);
            if color.has_alpha() {
                alpha_left_out(path);
            }
            let chroma = if color.has_color() {
                Chroma::Rgb
            } else {
                Chroma::Gray
            };
            Ok(info(w, h, bits_per_channel(color), chroma))
        }
    }
}

/// Bits a channel of a still (8, 16, or 32 for float), from its header only.
pub fn still_bits(path: &Path) -> Result<u32, SourceError> {
    Ok(still_info(path)?.bits)
}

/// Decodes a still: 8-bit grey as Gray8, other 8-bit pictures as RGB8,
/// 16-bit as RGBA16, float and EXR as float RGBA.
pub fn load_still(path: &Path) -> Result<Still, SourceError> {
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.into() });
    }
    match extension(path).as_deref() {
        Some("exr") => return load_exr(path),
        Some("dpx") => return load_with_ffmpeg(path),
        Some("png") => return load_png(path),
        _ => {}
    }
    let decoded = image::DynamicImage::from_decoder(image_decoder(path)?)
        .map_err(|e| unreadable(path, "an image", e))?;
    let (width, height) = (decoded.width(), decoded.height());
    let bits = bits_per_channel(decoded.color());
    let (format, data) = match bits {
        8 if !decoded.color().has_color() => (PixelFormat::Gray8, decoded.into_luma8().into_raw()),
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

/// PNG with the chunk CRCs and the zlib checksum verified: a damaged file is
/// refused, never graded as it decodes. Palettes and low bit depths are
/// expanded; alpha is kept for 16-bit pictures and dropped for 8-bit ones.
fn load_png(path: &Path) -> Result<Still, SourceError> {
    let what = "PNG";
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, what, e))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.ignore_checksums(false);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| unreadable(path, what, e))?;
    let header = reader.info();
    check_size(path, what, header.width, header.height)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| unreadable(path, what, "picture too large"))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| unreadable(path, what, e))?;
    reader.finish().map_err(|e| unreadable(path, what, e))?;
    buf.truncate(frame.buffer_size());
    let (width, height) = (frame.width, frame.height);
    let channels = frame.color_type.samples();
    let bits = match frame.bit_depth {
        png::BitDepth::Sixteen => 16,
        _ => 8,
    };
    let (format, data) = if bits == 8 {
        match channels {
            1 => (PixelFormat::Gray8, buf),
            3 => (PixelFormat::Rgb8, buf),
            _ => (
                PixelFormat::Rgb8,
                buf.chunks_exact(channels)
                    .flat_map(|p| {
                        if channels == 2 {
                            [p[0], p[0], p[0]]
                        } else {
                            [p[0], p[1], p[2]]
                        }
                    })
                    .collect(),
            ),
        }
    } else {
        // Big-endian samples in the file, RGBA little-endian on the GPU.
        let samples: Vec<u16> = buf
            .chunks_exact(2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .collect();
        let data = samples
            .chunks_exact(channels)
            .flat_map(|p| match channels {
                1 => [p[0], p[0], p[0], u16::MAX],
                2 => [p[0], p[0], p[0], p[1]],
                3 => [p[0], p[1], p[2], u16::MAX],
                _ => [p[0], p[1], p[2], p[3]],
            })
            .flat_map(u16::to_le_bytes)
            .collect();
        (PixelFormat::Rgba16, data)
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
    exr_header(path)?;
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
    // Half-float pictures say 16 bits, so `--depth auto` writes half again.
    let bits = match image.layer_data.channel_data.channels.0.sample_type {
        SampleType::F16 => 16,
        _ => 32,
    };
    let (_, pixels) = image.layer_data.channel_data.pixels;
    Ok(Still {
        width: size.width() as u32,
        height: size.height() as u32,
        format: PixelFormat::RgbaF32,
        data: pixels.iter().flat_map(|v| v.to_le_bytes()).collect(),
        bits,
    })
}

/// A still only ffmpeg reads (DPX), decoded to 16-bit RGB.
fn load_with_ffmpeg(path: &Path) -> Result<Still, SourceError> {
    let info = probe_video(path)?;
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb48le",
            "-",
        ])
        .output()
        .map_err(|e| SourceError::ToolMissing {
            program: "ffmpeg",
            purpose: "reading DPX",
            message: e.to_string(),
        })?;
    let expected = PixelFormat::Rgb16.frame_bytes(info.width, info.height);
    if !out.status.success() || out.stdout.len() != expected {
        return Err(unreadable(
            path,
            "DPX",
            format!(
                "ffmpeg gave {} of {expected} bytes: {}",
                out.stdout.len(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(Still {
        width: info.width,
        height: info.height,
        format: PixelFormat::Rgb16,
        data: out.stdout,
        bits: info.bits,
    })
}

/// What ffprobe says about a video (its first video stream, its audio and
/// subtitles, its timecode).
pub fn probe_video(path: &Path) -> Result<InputInfo, SourceError> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
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
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let of_type = |t: &str| {
        streams
            .iter()
            .filter(move |s| s["codec_type"] == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    let video = of_type("video");
    let stream = video
        .iter()
        .find(|s| s["disposition"]["attached_pic"] != 1)
        .ok_or_else(|| unreadable(path, what, "no video stream"))?;
    let dim = |k: &str| stream[k].as_u64().filter(|v| *v > 0).map(|v| v as u32);
    let (width, height) = dim("width")
        .zip(dim("height"))
        .ok_or_else(|| unreadable(path, what, "video stream without a size"))?;
    check_size(path, what, width, height)?;
    let rate = |k: &str| {
        let s = stream[k].as_str()?;
        let (n, d) = s.split_once('/')?;
        let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
        (n > 0.0 && d > 0.0).then_some(n / d)
    };
    // The nominal rate (exact for constant-rate video) unless it is far
    // from the average, as for variable-rate files.
    let key = match (rate("r_frame_rate"), rate("avg_frame_rate")) {
        (Some(r), Some(avg)) if r > 2.0 * avg => "avg_frame_rate",
        (Some(_), _) => "r_frame_rate",
        _ => "avg_frame_rate",
    };
    let fps = rate(key);
    let exact_rate = fps.and(stream[key].as_str().map(String::from));
    let pix_fmt = stream["pix_fmt"].as_str().unwrap_or("");
    let (chroma, bits) = layout_of(pix_fmt);
    let bits = stream["bits_per_raw_sample"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .filter(|b| *b > bits)
        .unwrap_or(bits);
    let number = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| *v > 0.0)
    };
    let frames = number(&stream["nb_frames"])
        .or_else(|| Some(number(&stream["duration"])? * fps?))
        .or_else(|| Some(number(&json["format"]["duration"])? * fps?))
        .map(|n| n.round() as u64);
    let tag = |s: &serde_json::Value, k: &str| s[k].as_str().map(String::from);
    let colour = ColourTags {
        primaries: tag(stream, "color_primaries").filter(|v| v != "unknown"),
        transfer: tag(stream, "color_transfer").filter(|v| v != "unknown"),
        matrix: tag(stream, "color_space").filter(|v| v != "unknown"),
        full_range: match (stream["color_range"].as_str(), pix_fmt.starts_with("yuvj")) {
            (_, true) | (Some("pc"), _) => Some(true),
            (Some("tv"), _) => Some(false),
            _ => None,
        },
    };
    let timecode = streams
        .iter()
        .find_map(|s| tag(&s["tags"], "timecode"))
        .or_else(|| tag(&json["format"]["tags"], "timecode"));
    let codecs = |t: &str| {
        of_type(t)
            .iter()
            .filter_map(|s| tag(s, "codec_name"))
            .collect()
    };
    Ok(InputInfo {
        kind: InputKind::Video,
        width,
        height,
        frames,
        fps,
        rate: exact_rate,
        bits,
        chroma,
        codec: tag(stream, "codec_name"),
        colour,
        timecode,
        audio: codecs("audio"),
        subtitles: codecs("subtitle"),
    })
}

/// The chroma layout and bits a sample of an ffmpeg pixel format.
fn layout_of(pix_fmt: &str) -> (Chroma, u32) {
    // Bits: the digits before a trailing `le` / `be` (yuv422p10le,
    // gray16be), packed RGB named by bits a pixel (rgb48le), and the
    // semi-planar names (nv12 is 8-bit, p010 10-bit).
    let trailing = pix_fmt
        .strip_suffix("le")
        .or_else(|| pix_fmt.strip_suffix("be"))
        .map(|head| {
            let digits: String = head
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse::<u32>().unwrap_or(8)
        });
    let bits = match pix_fmt {
        f if f.starts_with("nv20") || f.starts_with("p010") || f.starts_with("p210") => 10,
        f if f.starts_with("p016") || f.starts_with("p216") => 16,
        f if f.starts_with("nv") => 8,
        f if f.contains("f32") || f.contains("f16") => 32,
        _ => match trailing {
            Some(48 | 64) => 16,
            Some(b @ 9..=16) => b,
            _ => 8,
        },
    };
    let chroma = if pix_fmt.starts_with("gray") || pix_fmt.starts_with("ya") {
        Chroma::Gray
    } else if pix_fmt.starts_with("yuv420")
        || pix_fmt.starts_with("yuvj420")
        || pix_fmt.starts_with("yuva420")
        || pix_fmt.starts_with("nv12")
        || pix_fmt.starts_with("nv21")
        || pix_fmt.starts_with("p010")
        || pix_fmt.starts_with("yuv411")
        || pix_fmt.starts_with("yuv410")
    {
        Chroma::Yuv420
    } else if pix_fmt.starts_with("yuv422")
        || pix_fmt.starts_with("yuvj422")
        || pix_fmt.starts_with("yuva422")
        || pix_fmt.starts_with("nv16")
        || pix_fmt.starts_with("nv20")
        || pix_fmt.starts_with("yuyv")
        || pix_fmt.starts_with("uyvy")
    {
        Chroma::Yuv422
    } else if pix_fmt.starts_with("yuv") {
        Chroma::Yuv444
    } else {
        Chroma::Rgb
    };
    (chroma, bits)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_formats_tell_layout_and_depth() {
        assert_eq!(layout_of("yuv420p"), (Chroma::Yuv420, 8));
        assert_eq!(layout_of("yuv422p10le"), (Chroma::Yuv422, 10));
        assert_eq!(layout_of("yuva444p12le"), (Chroma::Yuv444, 12));
        assert_eq!(layout_of("rgb48le"), (Chroma::Rgb, 16));
        assert_eq!(layout_of("gbrp10le"), (Chroma::Rgb, 10));
        assert_eq!(layout_of("gray"), (Chroma::Gray, 8));
        assert_eq!(layout_of("nv12"), (Chroma::Yuv420, 8));
        assert_eq!(layout_of("p010le"), (Chroma::Yuv420, 10));
        assert_eq!(layout_of("yuvj420p"), (Chroma::Yuv420, 8));
        assert_eq!(layout_of("pal8"), (Chroma::Rgb, 8));
    }

    #[test]
    fn damaged_pngs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.png");
        let noise: Vec<u8> = (0..48 * 32 * 3)
            .map(|i: u32| (i * 7919 % 251) as u8)
            .collect();
        image::RgbImage::from_raw(48, 32, noise.clone())
            .unwrap()
            .save(&good)
            .unwrap();
        assert_eq!(load_still(&good).unwrap().data, noise);
        let bytes = std::fs::read(&good).unwrap();
        let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap();
        let len = u32::from_be_bytes(bytes[idat - 4..idat].try_into().unwrap()) as usize;
        // A flipped bit inside the compressed data, the chunk CRC redone:
        // only the zlib checksum can tell.
        let mut damaged = bytes.clone();
        damaged[idat + 4 + len / 2] ^= 0x01;
        let crc = crc32(&damaged[idat..idat + 4 + len]);
        damaged[idat + 4 + len..idat + 8 + len].copy_from_slice(&crc.to_be_bytes());
        let bad = dir.path().join("bad.png");
        std::fs::write(&bad, &damaged).unwrap();
        let err = load_still(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.png"), "{err}");
        // A flipped CRC, and a file cut short.
        let mut crc_only = bytes.clone();
        crc_only[idat + 4 + len] ^= 0xff;
        std::fs::write(&bad, &crc_only).unwrap();
        assert!(load_still(&bad).is_err());
        std::fs::write(&bad, &bytes[..idat + len / 2]).unwrap();
        assert!(load_still(&bad).is_err());
    }

    /// CRC-32 as PNG chunks use it (ISO 3309).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
