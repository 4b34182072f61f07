//! Video out: an `ffmpeg` encoder fed raw graded frames on a pipe.
//!
//! How it works: [`VideoPlan::new`] chooses the codec and its pixel layout
//! from the container, `--codec` and `--depth`, and from the input when
//! there is one, so a 10-bit source stays 10-bit and a 4:4:4 source keeps
//! its chroma:
//!
//! | container | 8-bit input | deeper input |
//! |---|---|---|
//! | .mov | H.264 | ProRes 422 HQ (4444 for 4:4:4 / RGB input) |
//! | .mp4 | H.264 | H.265 Main 10 |
//! | .mkv | H.264 | FFV1 (the input's layout and depth, lossless) |
//! | .nut, .avi | FFV1 | FFV1 |
//!
//! A picture whose size a subsampled layout cannot hold (4:2:0 and 4:2:2
//! need even sizes) is written 4:4:4. The RGB frames become Y'CbCr in the
//! encoder with the matrix and range written in the stream's tags.
//! [`Encoder::start`] builds the command: the raw frames on stdin, the
//! input file as a second input for its audio and subtitle streams (copied,
//! or converted where the container cannot take the codec), its container
//! metadata and timecode, and the colour tags.

use super::file::Depth;
use super::SinkError;
use crate::ffmpeg::{ColourTags, FfmpegProcess};
use crate::gpu::OutputFormat;
use crate::output::Destination;
use crate::source::file::{Chroma, InputInfo, InputKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A video codec to write (`--codec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    H265,
    /// Apple ProRes 422 HQ.
    Prores,
    /// Apple ProRes 4444.
    Prores4444,
    /// FFV1: lossless, any size and depth.
    Ffv1,
}

impl std::str::FromStr for Codec {
    type Err = String;
    fn from_str(s: &str) -> Result<Codec, String> {
        match s {
            "h264" => Ok(Codec::H264),
            "h265" | "hevc" => Ok(Codec::H265),
            "prores" => Ok(Codec::Prores),
            "prores4444" => Ok(Codec::Prores4444),
            "ffv1" => Ok(Codec::Ffv1),
            _ => Err(format!(
                "codec `{s}`: expected h264, h265, prores, prores4444 or ffv1"
            )),
        }
    }
}

/// A video container, from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Mov,
    Mkv,
    Avi,
    Nut,
}

impl Container {
    pub fn of_extension(ext: &str) -> Option<Container> {
        match ext.to_ascii_lowercase().as_str() {
            "mp4" | "m4v" => Some(Container::Mp4),
            "mov" => Some(Container::Mov),
            "mkv" => Some(Container::Mkv),
            "avi" => Some(Container::Avi),
            "nut" => Some(Container::Nut),
            _ => None,
        }
    }

    /// ffmpeg's muxer name (needed when writing to a pipe).
    fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "matroska",
            Container::Avi => "avi",
            Container::Nut => "nut",
        }
    }
}

/// Encoder choices of `grade` and `run` (`--codec`, `--crf`, `--bitrate`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoOptions {
    pub codec: Option<Codec>,
    /// Constant quality for H.264 / H.265 (lower is better; default 14 / 16).
    pub crf: Option<u32>,
    /// A target bitrate (e.g. `50M`) instead of constant quality.
    pub bitrate: Option<String>,
}

/// What will be written: codec, layout, depth.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoPlan {
    pub codec: Codec,
    /// ffmpeg's pixel format of the coded picture.
    pub pix_fmt: &'static str,
    /// Whether the picture is coded at more than 8 bits.
    pub deep: bool,
    /// The picture size.
    pub size: (u32, u32),
}

impl VideoPlan {
    /// See the module comment. `input` is the file being graded, if any.
    pub fn new(
        container: Container,
        options: &VideoOptions,
        depth: Depth,
        input: Option<&InputInfo>,
        (width, height): (u32, u32),
    ) -> Result<VideoPlan, String> {
        let input_bits = input.map_or(8, |i| i.bits.min(16));
        let deep = match depth {
            Depth::Auto => input_bits > 8,
            Depth::Eight => false,
            Depth::Ten | Depth::Sixteen => true,
            Depth::Half | Depth::Float => {
                return Err(format!(
                    "{depth} is for EXR stills; video takes 8, 10 or 16"
                ))
            }
        };
        let chroma = input.map_or(Chroma::Yuv420, |i| i.chroma);
        let codec = options.codec.unwrap_or(match (container, deep) {
            (Container::Nut | Container::Avi, _) => Codec::Ffv1,
            (_, false) => Codec::H264,
            (Container::Mov, true) if matches!(chroma, Chroma::Yuv444 | Chroma::Rgb) => {
                Codec::Prores4444
            }
            (Container::Mov, true) => Codec::Prores,
            (Container::Mp4, true) => Codec::H265,
            (Container::Mkv, true) => Codec::Ffv1,
        });
        let even = width % 2 == 0 && height % 2 == 0;
        let even_width = width % 2 == 0;
        let pix_fmt = match codec {
            Codec::H264 | Codec::H265 => {
                let layout = match chroma {
                    Chroma::Gray => "gray",
                    Chroma::Yuv422 if even_width => "yuv422p",
                    Chroma::Yuv444 => "yuv444p",
                    _ if even => "yuv420p",
                    _ => "yuv444p",
                };
                match (layout, deep) {
                    ("gray", true) => "gray10le",
                    ("gray", false) => "gray",
                    ("yuv422p", true) => "yuv422p10le",
                    ("yuv444p", true) => "yuv444p10le",
                    ("yuv420p", true) => "yuv420p10le",
                    ("yuv422p", false) => "yuv422p",
                    ("yuv444p", false) => "yuv444p",
                    _ => "yuv420p",
                }
            }
            Codec::Prores if even_width => "yuv422p10le",
            Codec::Prores | Codec::Prores4444 => "yuv444p10le",
            Codec::Ffv1 => ffv1_layout(chroma, input_bits, deep, (width, height)),
        };
        if codec == Codec::Prores && pix_fmt == "yuv444p10le" {
            tracing::info!("{width}x{height}: an odd width cannot be 4:2:2; writing ProRes 4444");
        }
        let codec = if codec == Codec::Prores && pix_fmt == "yuv444p10le" {
            Codec::Prores4444
        } else {
            codec
        };
        Ok(VideoPlan {
            codec,
            pix_fmt,
            // ProRes is 10-bit whatever is asked.
            deep: deep || matches!(codec, Codec::Prores | Codec::Prores4444),
            size: (width, height),
        })
    }

    /// Frames come back at 16 bits for a deep codec, and for any Y'CbCr one
    /// too: the RGB to Y'CbCr step (and its chroma filter) then starts from
    /// the graded values, not from 8-bit RGB, and loses no more than an
    /// ffmpeg-only conversion of the same picture.
    pub fn readback(&self) -> OutputFormat {
        if self.deep || self.is_yuv() {
            OutputFormat::Rgba16
        } else {
            OutputFormat::Rgba8
        }
    }

    fn is_yuv(&self) -> bool {
        self.pix_fmt.starts_with("yuv")
    }

    /// The codec's ffmpeg options.
    fn codec_args(&self, options: &VideoOptions) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let mut args = match self.codec {
            Codec::H264 => s(&["-c:v", "libx264", "-preset", "medium"]),
            Codec::H265 => s(&[
                "-c:v",
                "libx265",
                "-preset",
                "medium",
                "-x265-params",
                "log-level=error",
            ]),
            Codec::Prores => s(&["-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"]),
            Codec::Prores4444 => s(&["-c:v", "prores_ks", "-profile:v", "4", "-vendor", "apl0"]),
            Codec::Ffv1 => {
                let mut args = s(&["-c:v", "ffv1", "-level", "3", "-g", "1", "-slicecrc", "1"]);
                // FFV1's own choice of slices fails on some small pictures
                // (5x7 4:2:0, 2x2 4:2:2); one slice always fits.
                if self.size.0 < 128 || self.size.1 < 128 {
                    args.extend(s(&["-slices", "1"]));
                }
                args
            }
        };
        if matches!(self.codec, Codec::H264 | Codec::H265) {
            match &options.bitrate {
                Some(rate) => args.extend(["-b:v".to_string(), rate.clone()]),
                None => {
                    let crf =
                        options
                            .crf
                            .unwrap_or(if self.codec == Codec::H264 { 14 } else { 16 });
                    args.extend(["-crf".to_string(), crf.to_string()]);
                }
            }
        } else if let Some(rate) = &options.bitrate {
            args.extend(["-b:v".to_string(), rate.clone()]);
        }
        args.extend(["-pix_fmt".to_string(), self.pix_fmt.to_string()]);
        args
    }
}

/// FFV1 keeps the input's layout and depth (lossless), or RGB.
fn ffv1_layout(chroma: Chroma, bits: u32, deep: bool, (w, h): (u32, u32)) -> &'static str {
    let even = w % 2 == 0 && h % 2 == 0;
    let bits = if deep { bits.max(10) } else { 8 };
    match (chroma, bits) {
        (Chroma::Gray, 8) => "gray",
        (Chroma::Gray, 9..=10) => "gray10le",
        (Chroma::Gray, 11..=12) => "gray12le",
        (Chroma::Gray, _) => "gray16le",
        (Chroma::Yuv420, 8) if even => "yuv420p",
        (Chroma::Yuv420, 9..=10) if even => "yuv420p10le",
        (Chroma::Yuv420, 11..=12) if even => "yuv420p12le",
        (Chroma::Yuv420, _) if even => "yuv420p16le",
        (Chroma::Yuv422, 8) if w % 2 == 0 => "yuv422p",
        (Chroma::Yuv422, 9..=10) if w % 2 == 0 => "yuv422p10le",
        (Chroma::Yuv422, 11..=12) if w % 2 == 0 => "yuv422p12le",
        (Chroma::Yuv422, _) if w % 2 == 0 => "yuv422p16le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 8) => "yuv444p",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 9..=10) => "yuv444p10le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 11..=12) => "yuv444p12le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, _) => "yuv444p16le",
        (Chroma::Rgb, 8) => "bgr0",
        (Chroma::Rgb, 9..=10) => "gbrp10le",
        (Chroma::Rgb, 11..=12) => "gbrp12le",
        (Chroma::Rgb, _) => "gbrp16le",
    }
}

/// Audio codecs a container takes as they are; others are converted.
fn audio_args(container: Container, input: &InputInfo) -> Vec<String> {
    if input.audio.is_empty() {
        return Vec::new();
    }
    let copyable = |c: &str| match container {
        Container::Mkv | Container::Nut => true,
        Container::Mov => !matches!(c, "vorbis" | "opus"),
        Container::Mp4 => matches!(c, "aac" | "mp3" | "ac3" | "eac3" | "alac" | "flac" | "opus"),
        Container::Avi => matches!(c, "mp3" | "ac3" | "pcm_s16le" | "pcm_u8"),
    };
    let mut args = vec!["-map".to_string(), "1:a".to_string()];
    for (i, codec) in input.audio.iter().enumerate() {
        let out = if copyable(codec) {
            "copy"
        } else {
            match container {
                Container::Mp4 => "aac",
                _ => "pcm_s24le",
            }
        };
        if out != "copy" {
            tracing::warn!("audio stream {i} ({codec}) cannot go into {container:?} as it is: converted to {out}");
        }
        args.extend([format!("-c:a:{i}"), out.to_string()]);
        if out == "aac" {
            args.extend([format!("-b:a:{i}"), "320k".to_string()]);
        }
    }
    args
}

/// Subtitle streams: copied, or turned into the container's text format.
fn subtitle_args(container: Container, input: &InputInfo) -> Vec<String> {
    let text = |c: &str| matches!(c, "subrip" | "ass" | "ssa" | "mov_text" | "webvtt" | "text");
    let codec = match container {
        Container::Mkv => "copy",
        Container::Mp4 | Container::Mov if input.subtitles.iter().all(|c| text(c)) => "mov_text",
        _ => "",
    };
    if input.subtitles.is_empty() {
        return Vec::new();
    }
    if codec.is_empty() {
        tracing::warn!(
            "the input's subtitle streams ({}) cannot go into {container:?}: left out",
            input.subtitles.join(", ")
        );
        return Vec::new();
    }
    ["-map", "1:s", "-c:s", codec].map(String::from).to_vec()
}

/// A running encode.
pub struct Encoder {
    pub process: FfmpegProcess,
    pub stdin: Option<std::process::ChildStdin>,
}

/// Everything an encode needs.
pub struct EncodeJob<'a> {
    pub plan: &'a VideoPlan,
    pub options: &'a VideoOptions,
    pub container: Container,
    /// Where ffmpeg writes: a partial file, a stream path, or stdout.
    pub target: &'a Destination,
    pub width: u32,
    pub height: u32,
    /// The rate, as ffmpeg reads it (`24000/1001`, `25`).
    pub rate: String,
    /// The file being graded: its audio, subtitles, metadata and timecode.
    pub input: Option<(&'a Path, &'a InputInfo)>,
    /// The colour tags to write, and the matrix for the RGB to Y'CbCr step.
    pub colour: &'a ColourTags,
}

impl Encoder {
    pub fn start(job: &EncodeJob, write_path: Option<&PathBuf>) -> Result<Encoder, SinkError> {
        let plan = job.plan;
        let mut cmd = Command::new("ffmpeg");
        cmd.args([
            "-y", "-v", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt",
        ])
        .arg(match plan.readback() {
            OutputFormat::Rgba16 => "rgba64le",
            _ => "rgba",
        })
        .args(["-s", &format!("{}x{}", job.width, job.height)])
        .args(["-framerate", &job.rate])
        .args(["-i", "pipe:0"]);
        let mut maps = vec!["-map".to_string(), "0:v:0".to_string()];
        // A video's other streams and metadata come along; a still or a
        // sequence has none to give.
        let video_input = job.input.filter(|(_, info)| info.kind == InputKind::Video);
        if let Some((path, info)) = video_input {
            cmd.arg("-i").arg(path);
            maps.extend(audio_args(job.container, info));
            maps.extend(subtitle_args(job.container, info));
            maps.extend(["-map_metadata".to_string(), "1".to_string()]);
            if let Some(tc) = &info.timecode {
                maps.extend(["-timecode".to_string(), tc.clone()]);
            }
        }
        cmd.args(&maps);
        // Grey and RGB are written as they come: full range.
        let mut colour = job.colour.clone();
        if !plan.is_yuv() {
            colour.full_range = Some(true);
        }
        let mut filters = Vec::new();
        if plan.is_yuv() {
            filters.push(format!(
                "scale=out_color_matrix={}:out_range={}:flags=accurate_rnd",
                colour.scale_matrix(job.height),
                colour.range()
            ));
        }
        filters.push(colour.setparams_filter(job.height));
        cmd.args(["-vf", &filters.join(",")]);
        cmd.args(plan.codec_args(job.options));
        cmd.args(colour.output_args(job.height));
        let stdout = match job.target {
            Destination::File(_) => {
                if matches!(job.container, Container::Mp4 | Container::Mov) {
                    cmd.args(["-movflags", "+faststart"]);
                }
                cmd.arg(write_path.expect("a file destination comes with its partial path"));
                Stdio::null()
            }
            Destination::Stream(path) => {
                stream_args(&mut cmd, job.container);
                cmd.arg(path);
                Stdio::null()
            }
            Destination::Stdout => {
                stream_args(&mut cmd, job.container);
                cmd.arg("pipe:1");
                Stdio::inherit()
            }
        };
        let mut process = FfmpegProcess::spawn_with(cmd, true, stdout)
            .map_err(|e| SinkError::FfmpegMissing(e.to_string()))?;
        let stdin = process.child.stdin.take();
        Ok(Encoder { process, stdin })
    }
}

/// A pipe cannot be sought: MP4 and MOV are written fragmented.
fn stream_args(cmd: &mut Command, container: Container) {
    if matches!(container, Container::Mp4 | Container::Mov) {
        cmd.args(["-movflags", "frag_keyframe+empty_moov"]);
    }
    cmd.args(["-f", container.muxer()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(chroma: Chroma, bits: u32) -> InputInfo {
        InputInfo {
            kind: InputKind::Video,
            width: 1920,
            height: 1080,
            frames: Some(10),
            fps: Some(25.0),
            rate: Some("25/1".into()),
            bits,
            chroma,
            codec: None,
            colour: ColourTags::default(),
            timecode: None,
            audio: Vec::new(),
            subtitles: Vec::new(),
        }
    }

    #[test]
    fn depth_and_layout_follow_the_input() {
        let plan = |c, bits, container, size| {
            VideoPlan::new(
                container,
                &VideoOptions::default(),
                Depth::Auto,
                Some(&input(c, bits)),
                size,
            )
            .unwrap()
        };
        let hd = (1920, 1080);
        let p = plan(Chroma::Yuv422, 10, Container::Mov, hd);
        assert_eq!(
            (p.codec, p.pix_fmt, p.deep),
            (Codec::Prores, "yuv422p10le", true)
        );
        let p = plan(Chroma::Yuv444, 12, Container::Mov, hd);
        assert_eq!(p.codec, Codec::Prores4444);
        let p = plan(Chroma::Yuv420, 10, Container::Mp4, hd);
        assert_eq!((p.codec, p.pix_fmt), (Codec::H265, "yuv420p10le"));
        let p = plan(Chroma::Yuv420, 8, Container::Mp4, hd);
        assert_eq!(
            (p.codec, p.pix_fmt, p.deep),
            (Codec::H264, "yuv420p", false)
        );
        // Odd sizes cannot be subsampled.
        let p = plan(Chroma::Yuv420, 8, Container::Mp4, (853, 480));
        assert_eq!(p.pix_fmt, "yuv444p");
        let p = plan(Chroma::Yuv420, 10, Container::Mkv, (853, 481));
        assert_eq!((p.codec, p.pix_fmt), (Codec::Ffv1, "yuv444p10le"));
        let p = plan(Chroma::Rgb, 16, Container::Nut, hd);
        assert_eq!(p.pix_fmt, "gbrp16le");
        let err = VideoPlan::new(
            Container::Mp4,
            &VideoOptions::default(),
            Depth::Half,
            None,
            hd,
        )
        .unwrap_err();
        assert!(err.contains("EXR"), "{err}");
    }
}
