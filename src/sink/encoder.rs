//! Video out: an `ffmpeg` encoder fed the graded frames on a pipe, as
//! [`super::video::VideoPlan`] says.
//!
//! How it works: [`Encoder::start`] builds the command: the raw frames on
//! stdin in IVF framing, each with its timestamp (`ivf.rs`; the file keeps
//! them as they are, so a frame left out of a live recording is a longer
//! frame, never a frame encoded twice), the input file as a second input
//! for its audio and subtitle streams (copied, or converted where the
//! container cannot take the codec), its container metadata and timecode,
//! and the colour tags; the frames go through the encoder's own thread
//! (`encoder_feed.rs`).

use super::encoder_feed::{EncoderFeed, WhenFull};
use super::video::{Container, VideoOptions, VideoPlan};
use super::{ivf, SinkError};
use crate::ffmpeg::{ColourTags, FfmpegProcess};
use crate::output::Destination;
use crate::source::probe::{InputInfo, InputKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
        self.process.finish().map_err(|e| e.to_string())?;
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
