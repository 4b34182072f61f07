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
//! A live recording (`run --sink file:`) must keep up with the camera on a
//! small machine whose CPU may also be grading (a software GPU): H.264 and
//! H.265 are encoded `ultrafast` with `zerolatency` (no look-ahead, no
//! B-frames: a frame leaves the encoder as it enters, so stopping is
//! immediate), from 8-bit frames. Measured on a 2-core machine, 1080p:
//! 17 ms of CPU a frame with the Y'CbCr conversion, against 105 ms for
//! `medium` and 29 ms for the 16-bit conversion alone. `--preset` chooses
//! another.
//! [`Encoder::start`] builds the command: the raw frames on stdin in IVF
//! framing, each with its timestamp (`ivf.rs`; the file keeps them as
//! they are, so a frame left out of a live recording is a longer frame,
//! never a frame encoded twice), the input file as a second input for its
//! audio and subtitle streams (copied, or converted where the container
//! cannot take the codec), its container metadata and timecode, and the
//! colour tags.

use super::depth::Depth;
use super::encoder_feed::{EncoderFeed, WhenFull};
use super::{ivf, SinkError};
use crate::ffmpeg::{ColourTags, FfmpegProcess};
use crate::gpu::OutputFormat;
use crate::output::Destination;
use crate::source::probe::{Chroma, InputInfo, InputKind};
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

/// An x264 / x265 speed preset (`--preset`): slower ones compress better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
}

impl Preset {
    const ALL: [Preset; 9] = [
        Preset::Ultrafast,
        Preset::Superfast,
        Preset::Veryfast,
        Preset::Faster,
        Preset::Fast,
        Preset::Medium,
        Preset::Slow,
        Preset::Slower,
        Preset::Veryslow,
    ];

    fn name(self) -> &'static str {
        match self {
            Preset::Ultrafast => "ultrafast",
            Preset::Superfast => "superfast",
            Preset::Veryfast => "veryfast",
            Preset::Faster => "faster",
            Preset::Fast => "fast",
            Preset::Medium => "medium",
            Preset::Slow => "slow",
            Preset::Slower => "slower",
            Preset::Veryslow => "veryslow",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Preset, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                format!("preset `{s}`: expected one of {}", names.join(", "))
            })
    }
}

/// Encoder choices of `grade` and `run` (`--codec`, `--preset`, `--crf`,
/// `--bitrate`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoOptions {
    pub codec: Option<Codec>,
    /// H.264 / H.265 speed (default: medium offline, ultrafast live).
    pub preset: Option<Preset>,
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
    /// A live recording (see the module comment).
    pub live: bool,
}

impl VideoPlan {
    /// See the module comment. `input` is the file being graded, if any.
    pub fn new(
        container: Container,
        options: &VideoOptions,
        depth: Depth,
        input: Option<&InputInfo>,
        (width, height): (u32, u32),
        live: bool,
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
            live,
        })
    }

    /// Frames come back at 16 bits for a deep codec, and for any Y'CbCr one
    /// of a render too: the RGB to Y'CbCr step (and its chroma filter) then
    /// starts from the graded values, not from 8-bit RGB, and loses no more
    /// than an ffmpeg-only conversion of the same picture. A live 8-bit
    /// recording takes 8-bit frames: the 16-bit conversion alone costs
    /// more CPU than its encoder (see the module comment).
    pub fn readback(&self) -> OutputFormat {
        if self.deep || (self.is_yuv() && !self.live) {
            OutputFormat::Rgba16
        } else {
            OutputFormat::Rgba8
        }
    }

    fn is_yuv(&self) -> bool {
        self.pix_fmt.starts_with("yuv")
    }

    /// The x264 / x265 preset: the one asked for, else `ultrafast` live
    /// and `medium` offline.
    fn preset(&self, options: &VideoOptions) -> Preset {
        options.preset.unwrap_or(if self.live {
            Preset::Ultrafast
        } else {
            Preset::Medium
        })
    }

    /// The encoder in words, for the run's report.
    pub fn encoder_name(&self, options: &VideoOptions) -> String {
        let codec = match self.codec {
            Codec::H264 => "H.264",
            Codec::H265 => "H.265",
            Codec::Prores => "ProRes 422 HQ",
            Codec::Prores4444 => "ProRes 4444",
            Codec::Ffv1 => "FFV1",
        };
        match self.codec {
            Codec::H264 | Codec::H265 => format!(
                "{codec} {} {}{}",
                self.pix_fmt,
                self.preset(options).name(),
                if self.live { ", zero latency" } else { "" }
            ),
            _ => format!("{codec} {}", self.pix_fmt),
        }
    }

    /// The codec's ffmpeg options.
    fn codec_args(&self, options: &VideoOptions) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let preset = self.preset(options).name();
        let mut args = match self.codec {
            Codec::H264 => s(&["-c:v", "libx264", "-preset", preset]),
            Codec::H265 => s(&[
                "-c:v",
                "libx265",
                "-preset",
                preset,
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
            if self.live {
                args.extend(s(&["-tune", "zerolatency"]));
            }
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

/// Whether `container` takes audio in `codec` (ffmpeg's name) as it is;
/// held against ffmpeg's muxers by a test.
pub fn audio_copyable(container: Container, codec: &str) -> bool {
    match container {
        Container::Mkv | Container::Nut => true,
        Container::Mov => {
            matches!(codec, "aac" | "mp3" | "ac3" | "eac3" | "alac") || codec.starts_with("pcm_")
        }
        Container::Mp4 => matches!(codec, "aac" | "mp3" | "ac3" | "eac3" | "alac" | "opus"),
        Container::Avi => matches!(
            codec,
            "mp3" | "ac3" | "eac3" | "aac" | "flac" | "pcm_s16le" | "pcm_s24le" | "pcm_u8"
        ),
    }
}

/// Lossless audio codecs: converted, they stay lossless.
fn lossless_audio(codec: &str) -> bool {
    matches!(
        codec,
        "flac" | "alac" | "wavpack" | "tta" | "truehd" | "mlp"
    ) || codec.starts_with("pcm_")
}

/// What audio a container cannot take becomes: lossless stays lossless
/// (ALAC in MP4, 24-bit PCM elsewhere); lossy becomes 320k AAC in MP4.
fn audio_conversion(container: Container, codec: &str) -> &'static str {
    match container {
        Container::Mp4 if lossless_audio(codec) => "alac",
        Container::Mp4 => "aac",
        _ => "pcm_s24le",
    }
}

/// Audio streams: copied where the container takes them, else converted.
fn audio_args(container: Container, input: &InputInfo) -> Vec<String> {
    if input.audio.is_empty() {
        return Vec::new();
    }
    let mut args = vec!["-map".to_string(), "1:a".to_string()];
    for (i, codec) in input.audio.iter().enumerate() {
        let out = if audio_copyable(container, codec) {
            "copy"
        } else {
            audio_conversion(container, codec)
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

/// A running encode: ffmpeg, fed by its own thread (`encoder_feed.rs`).
pub struct Encoder {
    process: FfmpegProcess,
    feed: Option<EncoderFeed>,
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
    /// What a frame does when the encoder is behind: wait (offline) or
    /// stay out of the file (live).
    pub when_full: WhenFull,
}

impl Encoder {
    pub fn start(job: &EncodeJob, write_path: Option<&PathBuf>) -> Result<Encoder, SinkError> {
        let plan = job.plan;
        let refused = |message: String| SinkError::Write {
            path: job.target.display().into(),
            message,
        };
        let rate = ivf::rate_fraction(&job.rate).ok_or_else(|| {
            refused(format!(
                "frame rate `{}`: expected a rate such as 25 or 24000/1001",
                job.rate
            ))
        })?;
        let header =
            ivf::stream_header(plan.readback(), (job.width, job.height), rate).map_err(refused)?;
        let mut cmd = Command::new("ffmpeg");
        // Raw frames in IVF framing (`ivf.rs`): the layout, size and rate
        // are in its header, each frame's slot in its own.
        cmd.args([
            "-y", "-v", "error", "-nostdin", "-f", "ivf", "-c:v", "rawvideo", "-i", "pipe:0",
        ]);
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
        // Each frame at its own timestamp: a gap in a live recording is a
        // longer frame, not frames made up to fill it.
        cmd.args(["-fps_mode", "passthrough"]);
        cmd.args(plan.codec_args(job.options));
        cmd.args(colour.output_args(job.height));
        let stdout = match job.target {
            Destination::File(_) => {
                // Moving the index to the front rewrites the whole file at
                // the end: for a render, not for a recording that must stop
                // at once.
                let render = job.when_full == WhenFull::Wait;
                if render && matches!(job.container, Container::Mp4 | Container::Mov) {
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
        if job.when_full == WhenFull::Drop {
            // Before the first frame, so every encoding thread inherits it.
            yield_to_the_picture(process.child.id());
        }
        let stdin = process
            .child
            .stdin
            .take()
            .ok_or_else(|| SinkError::FfmpegMissing("no pipe to ffmpeg".into()))?;
        let feed = EncoderFeed::start(stdin, header, job.when_full)
            .map_err(|e| SinkError::FfmpegMissing(e.to_string()))?;
        Ok(Encoder {
            process,
            feed: Some(feed),
        })
    }

    /// Queues a frame shown from `slot` (in frames of the file). `Ok(false)`:
    /// the encoder was behind and the frame is not in the file (live only).
    pub fn push(&mut self, slot: u64, pixels: &[u8]) -> Result<bool, String> {
        let pushed = match self.feed.as_mut() {
            Some(feed) => feed.push(slot, pixels).map_err(|e| e.0),
            None => Err("encoder closed".to_string()),
        };
        pushed.map_err(|e| self.ended(&e))
    }

    /// Why the encoder stopped: how ffmpeg ended and what it said.
    fn ended(&mut self, feed_error: &str) -> String {
        let ended = match self.process.child.wait() {
            Ok(status) => status.to_string(),
            Err(_) => feed_error.to_string(),
        };
        format!("ffmpeg stopped ({ended}) {}", self.process.messages())
            .trim_end()
            .to_string()
    }

    /// Writes the queued frames (and the newest frame left out, when
    /// nothing newer is in the file: its slot is returned), closes the pipe
    /// and waits for ffmpeg to finish the file.
    pub fn finish(mut self) -> Result<Option<u64>, String> {
        let fed = self.feed.take().map_or(Ok(None), EncoderFeed::close);
        self.process.finish()?;
        fed.map_err(|e| e.0)
    }

    /// Ends the encode at once (the partial file is then removed by its owner).
    pub fn abort(mut self) {
        let _ = self.process.child.kill();
        if let Some(feed) = self.feed.take() {
            // The pipe is broken now: the thread ends at its next write.
            let _ = feed.close();
        }
    }
}

/// How far a live recording's encoder lowers its priority (Linux nice):
/// on a machine whose CPU also grades (a software GPU), the picture comes
/// first and the encoder takes what is left; frames it cannot take are
/// left out and counted.
const LIVE_ENCODER_NICE: i32 = 10;

/// Lowers the priority of the encoder process `pid`.
fn yield_to_the_picture(pid: u32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority takes plain integers and touches no memory
        // of ours; a failure only leaves the priority as it was.
        let result =
            unsafe { libc::setpriority(libc::PRIO_PROCESS, pid as libc::id_t, LIVE_ENCODER_NICE) };
        if result != 0 {
            tracing::debug!("the encoder keeps its priority (setpriority failed)");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pid;
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
                false,
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
            false,
        )
        .unwrap_err();
        assert!(err.contains("EXR"), "{err}");
    }
}
