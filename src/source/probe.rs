//! What a file is, without decoding it: stills by their extension, video
//! (and DPX) through ffprobe: size, frames, bit depth, chroma layout,
//! colour tags, timecode, audio and subtitle streams ([`InputInfo`]). A
//! size past the engine's limits is refused here, before anything is
//! allocated.

use super::SourceError;
use crate::ffmpeg::ColourTags;
use crate::output::sequence::Pattern;
use std::path::Path;
use std::process::Command;

/// File extensions read as stills; everything else goes to ffmpeg.
const STILL_EXTENSIONS: [&str; 7] = ["png", "tif", "tiff", "exr", "jpg", "jpeg", "dpx"];

pub(super) fn extension(path: &Path) -> Option<String> {
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

pub(super) fn unreadable(path: &Path, what: &'static str, message: impl ToString) -> SourceError {
    SourceError::Unreadable {
        path: path.to_path_buf(),
        what,
        message: message.to_string().replace('\n', " "),
    }
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

/// Refuses a picture past the engine's size limits
/// ([`crate::frame::check_file_picture`]) before anything is allocated.
pub(super) fn check_size(
    path: &Path,
    what: &'static str,
    width: u32,
    height: u32,
) -> Result<(), SourceError> {
    crate::frame::check_file_picture(width, height).map_err(|m| unreadable(path, what, m))
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
}
