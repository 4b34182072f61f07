//! The file sink: a still, an image sequence or a video, written so that
//! nothing half-done ever carries the final name.
//!
//! How it works: [`FileSink::create`] looks at the output path
//! ([`crate::output::destination`]: a file, a stream or stdout) and its
//! name (a still extension, a `%06d` sequence pattern, or a video
//! container) and fixes the depth and codec before the first frame.
//! - A still is written when the run ends, from the last graded frame.
//! - A sequence writes each frame as its own still, each atomically; an
//!   aborted render removes the frames it wrote.
//! - A video is encoded by ffmpeg, beside the frame loop behind a bounded
//!   queue (`encoder_feed.rs`), into a partial file (a stream or stdout
//!   directly) and renamed into place by [`Sink::finish`]; [`Sink::abort`]
//!   (an interrupted render, a failed encode) kills the encoder and removes
//!   the partial.
//!
//! Live recordings ([`Timing::CaptureTime`]) keep real time: each frame
//! goes into the file at its capture time, as a slot of the file's rate.
//! A frame dropped live, or one the encoder was too far behind to take, is
//! a gap the frame before it fills as one longer frame (nothing is encoded
//! twice, so falling behind never makes more work); a frame from a source
//! faster than the file's rate, for which no slot is free, is left out.
//! Ten seconds captured play for ten seconds, and the run's report says
//! what was left out and why.

use super::depth::Depth;
use super::encoder::{EncodeJob, Encoder};
use super::encoder_feed::WhenFull;
use super::still::{StillFormat, StillType};
use super::video::{Container, VideoOptions, VideoPlan};
use super::{FrameMeta, RecordingReport, Sink, SinkError};
use crate::ffmpeg::ColourTags;
use crate::gpu::OutputFormat;
use crate::output::sequence::Pattern;
use crate::output::{Destination, PendingFile};
use crate::source::probe::{Chroma, InputInfo};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How frames are placed in time in a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Every frame once, in order (offline renders, `--fast`).
    EveryFrame,
    /// At their capture time on a constant rate (live recordings).
    CaptureTime,
}

/// What a file sink is asked to write.
#[derive(Debug, Clone)]
pub struct FileSinkOptions {
    pub path: PathBuf,
    /// The frame rate of a video, as ffmpeg reads it (`25`, `24000/1001`).
    pub rate: String,
    pub depth: Depth,
    pub video: VideoOptions,
    /// The file being graded (its depth, layout, audio, timecode, tags).
    pub input: Option<(PathBuf, InputInfo)>,
    /// The colour tags of the graded picture (from the look's output
    /// transform); `None` keeps the input's.
    pub colour: Option<ColourTags>,
    pub timing: Timing,
    /// The number of the first frame of a sequence.
    pub first_number: u64,
}

impl FileSinkOptions {
    /// Options for `path` at `rate`, nothing else asked.
    pub fn new(path: &Path, rate: &str) -> FileSinkOptions {
        FileSinkOptions {
            path: path.into(),
            rate: rate.into(),
            depth: Depth::Auto,
            video: VideoOptions::default(),
            input: None,
            colour: None,
            timing: Timing::EveryFrame,
            first_number: 0,
        }
    }

    fn input_bits(&self) -> u32 {
        self.input.as_ref().map_or(8, |(_, i)| i.bits)
    }
}

/// Frames per second of a rate string (`24000/1001`).
pub fn rate_fps(rate: &str) -> Option<f64> {
    super::ivf::rate_fraction(rate).map(|(n, d)| f64::from(n) / f64::from(d))
}

/// A rate string for `fps` (exact for the usual NTSC rates).
pub fn fps_rate(fps: f64) -> String {
    for (n, d) in [
        (24000u64, 1001u64),
        (30000, 1001),
        (60000, 1001),
        (48000, 1001),
    ] {
        if (fps - n as f64 / d as f64).abs() < 1e-3 {
            return format!("{n}/{d}");
        }
    }
    if (fps - fps.round()).abs() < 1e-6 {
        format!("{}", fps.round())
    } else {
        format!("{}/1000000", (fps * 1e6).round())
    }
}

enum Kind {
    Still(StillFormat),
    Sequence(Pattern, StillFormat),
    Video(Container, VideoPlan),
}

/// A running encode and where it writes.
struct Encoding {
    encoder: Encoder,
    partial: Option<PendingFile>,
}

/// Placing live frames in the file: a frame's slot is its capture time
/// since the first frame, in frames of the file's rate.
struct Clock {
    fps: f64,
    start: Option<Instant>,
    /// The slot of the last frame offered to the encoder.
    last_slot: Option<u64>,
    last_captured: Option<Instant>,
    /// Frames left out because the source ran faster than the file.
    faster_than_file: u64,
}

impl Clock {
    /// The slot of a frame captured at `captured`: the nearest one, or
    /// the next free one when capture jitter put an earlier frame in the
    /// nearest (a frame is then shown at most one frame early); `None`
    /// when the source runs faster than the file and no slot is free.
    fn slot(&mut self, captured: Instant) -> Option<u64> {
        let start = *self.start.get_or_insert(captured);
        let exact = captured.saturating_duration_since(start).as_secs_f64() * self.fps;
        let nearest = exact.round() as u64;
        let slot = match self.last_slot {
            Some(last) if nearest <= last && (last + 1) as f64 - exact < 1.0 => last + 1,
            Some(last) if nearest <= last => {
                self.faster_than_file += 1;
                return None;
            }
            _ => nearest,
        };
        self.last_slot = Some(slot);
        self.last_captured = Some(captured);
        Some(slot)
    }

    /// Seconds of capture, from the first frame to one frame after the last.
    fn captured_s(&self) -> f64 {
        match (self.start, self.last_captured) {
            (Some(a), Some(b)) => (b - a).as_secs_f64() + 1.0 / self.fps,
            _ => 0.0,
        }
    }
}

pub struct FileSink {
    options: FileSinkOptions,
    dest: Destination,
    kind: Kind,
    /// Last frame, for stills.
    last: Option<(FrameMeta, Vec<u8>)>,
    encoding: Option<Encoding>,
    clock: Option<Clock>,
    /// Sequence frames this run wrote, in order.
    written: Vec<PathBuf>,
    /// Frames in the file (queued to the encoder, for a video).
    frames: u64,
    /// The slot of the last frame in a video.
    last_slot_in_file: Option<u64>,
    /// Live frames left out because the encoder was behind.
    encoder_behind: u64,
}

fn write_error(path: &Path, e: impl ToString) -> SinkError {
    SinkError::Write {
        path: path.into(),
        message: e.to_string().replace('\n', " "),
    }
}

impl FileSink {
    /// Checks the output and fixes its type, depth and codec; writes
    /// nothing yet. `size` is the picture size when known (a video's
    /// codec layout depends on it).
    pub fn create(options: FileSinkOptions, size: (u32, u32)) -> Result<FileSink, SinkError> {
        let path = options.path.clone();
        let dest = crate::output::destination(&path).map_err(|e| SinkError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let still = |kind| {
            StillFormat::new(kind, options.depth, options.input_bits()).map_err(|message| {
                SinkError::DepthNotSupported {
                    path: path.clone(),
                    message,
                }
            })
        };
        let pattern = Pattern::parse(&path);
        let kind = match (ext.as_deref(), &dest) {
            (Some(e), _) if StillType::of_extension(e).is_some() => {
                let format = still(StillType::of_extension(e).expect("checked"))?;
                match pattern {
                    Some(p) if dest.is_file() => Kind::Sequence(p, format),
                    Some(_) => return Err(write_error(
                        &path,
                        "an image sequence needs a folder to write its files into, not a stream",
                    )),
                    None => Kind::Still(format),
                }
            }
            (Some(e), _) if Container::of_extension(e).is_some() => {
                let container = Container::of_extension(e).expect("checked");
                video_kind(&options, container, size)?
            }
            (_, Destination::Stdout | Destination::Stream(_)) => {
                video_kind(&options, Container::Mkv, size)?
            }
            _ => return Err(SinkError::UnknownExtension { path }),
        };
        let clock = (options.timing == Timing::CaptureTime).then(|| Clock {
            fps: rate_fps(&options.rate).unwrap_or(30.0),
            start: None,
            last_slot: None,
            last_captured: None,
            faster_than_file: 0,
        });
        Ok(FileSink {
            options,
            dest,
            kind,
            last: None,
            encoding: None,
            clock,
            written: Vec::new(),
            frames: 0,
            last_slot_in_file: None,
            encoder_behind: 0,
        })
    }

    fn path(&self) -> &Path {
        &self.options.path
    }

    fn start_encoder(&self, meta: &FrameMeta) -> Result<Encoding, SinkError> {
        let Kind::Video(container, plan) = &self.kind else {
            unreachable!("only videos encode");
        };
        let partial = match &self.dest {
            Destination::File(real) => {
                Some(PendingFile::new(real).map_err(|e| write_error(self.path(), e))?)
            }
            _ => None,
        };
        // The look's output tags, else the input's (its matrix and range
        // only when it was Y'CbCr: an RGB file's range is not a video range).
        let colour = self.options.colour.clone().unwrap_or_else(|| {
            match self.options.input.as_ref().map(|(_, i)| i) {
                Some(i) if matches!(i.chroma, Chroma::Rgb | Chroma::Gray) => ColourTags {
                    primaries: i.colour.primaries.clone(),
                    transfer: i.colour.transfer.clone(),
                    ..ColourTags::default()
                },
                Some(i) => i.colour.clone(),
                None => ColourTags::default(),
            }
        });
        let job = EncodeJob {
            plan,
            options: &self.options.video,
            container: *container,
            target: &self.dest,
            width: meta.width,
            height: meta.height,
            rate: self.options.rate.clone(),
            input: self.options.input.as_ref().map(|(p, i)| (p.as_path(), i)),
            colour: &colour,
            when_full: match self.options.timing {
                Timing::EveryFrame => WhenFull::Wait,
                Timing::CaptureTime => WhenFull::Drop,
            },
        };
        let encoder = Encoder::start(
            &job,
            partial.as_ref().map(|p| p.path().to_path_buf()).as_ref(),
        )?;
        Ok(Encoding { encoder, partial })
    }

    /// Queues a video frame shown from `slot`.
    fn encode(&mut self, meta: &FrameMeta, slot: u64, pixels: &[u8]) -> Result<(), SinkError> {
        if self.encoding.is_none() {
            self.encoding = Some(self.start_encoder(meta)?);
        }
        let encoding = self.encoding.as_mut().expect("started above");
        match encoding.encoder.push(slot, pixels) {
            Ok(true) => {
                self.frames += 1;
                self.last_slot_in_file = Some(slot);
                Ok(())
            }
            Ok(false) => {
                self.encoder_behind += 1;
                Ok(())
            }
            Err(e) => Err(write_error(&self.options.path, e)),
        }
    }

    fn close_encoder(&mut self) -> Result<(), SinkError> {
        let Some(mut encoding) = self.encoding.take() else {
            return Err(write_error(self.path(), "no frame reached the sink"));
        };
        let tail = encoding
            .encoder
            .finish()
            .map_err(|e| write_error(self.path(), e))?;
        if let Some(slot) = tail {
            // The newest frame left out ends the file (see encoder_feed.rs).
            self.frames += 1;
            self.encoder_behind -= 1;
            self.last_slot_in_file = Some(slot);
        }
        if let Some(partial) = encoding.partial.take() {
            partial.commit().map_err(|e| write_error(self.path(), e))?;
        }
        Ok(())
    }
}

/// The video kind for `container`, or why it cannot be written.
fn video_kind(
    options: &FileSinkOptions,
    container: Container,
    size: (u32, u32),
) -> Result<Kind, SinkError> {
    let input = options.input.as_ref().map(|(_, i)| i);
    let live = options.timing == Timing::CaptureTime;
    let plan = VideoPlan::new(container, &options.video, options.depth, input, size, live)
        .map_err(|message| SinkError::DepthNotSupported {
            path: options.path.clone(),
            message,
        })?;
    Ok(Kind::Video(container, plan))
}

impl Sink for FileSink {
    fn describe(&self) -> String {
        let what = match &self.kind {
            Kind::Still(f) => format!("{:?} still, {}-bit", f.kind, f.depth),
            Kind::Sequence(p, f) => format!("{:?} sequence {p}, {}-bit", f.kind, f.depth),
            Kind::Video(c, plan) => format!("{c:?} video, {:?} {}", plan.codec, plan.pix_fmt),
        };
        let timing = match &self.clock {
            Some(c) => format!("; frames at their capture times, {:.3} fps", c.fps),
            None => String::new(),
        };
        format!("file {} ({what}{timing})", self.dest.display())
    }

    fn output_format(&self) -> OutputFormat {
        match &self.kind {
            Kind::Still(f) | Kind::Sequence(_, f) => f.readback(),
            Kind::Video(_, plan) => plan.readback(),
        }
    }

    fn write(&mut self, meta: &FrameMeta, pixels: &[u8]) -> Result<(), SinkError> {
        match &self.kind {
            Kind::Still(_) => {
                let (m, buf) = self.last.get_or_insert_with(|| (*meta, Vec::new()));
                *m = *meta;
                buf.clear();
                buf.extend_from_slice(pixels);
                self.frames = 1;
                Ok(())
            }
            Kind::Sequence(pattern, format) => {
                let path =
                    pattern.frame_path(self.options.first_number + self.written.len() as u64);
                format.write(&path, meta.width, meta.height, pixels)?;
                self.written.push(path);
                self.frames += 1;
                Ok(())
            }
            Kind::Video(..) => {
                let slot = match &mut self.clock {
                    Some(clock) => match clock.slot(meta.captured) {
                        Some(slot) => slot,
                        None => return Ok(()),
                    },
                    None => self.frames,
                };
                self.encode(meta, slot, pixels)
            }
        }
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        match &self.kind {
            Kind::Still(format) => {
                let Some((meta, pixels)) = self.last.take() else {
                    return Err(write_error(self.path(), "no frame reached the sink"));
                };
                format.write(self.path(), meta.width, meta.height, &pixels)
            }
            Kind::Sequence(..) if self.written.is_empty() => {
                Err(write_error(self.path(), "no frame reached the sink"))
            }
            Kind::Sequence(..) => Ok(()),
            Kind::Video(..) => {
                let result = self.close_encoder();
                if result.is_err() {
                    self.abort();
                }
                result
            }
        }
    }

    fn abort(&mut self) {
        self.last = None;
        if let Some(encoding) = self.encoding.take() {
            encoding.encoder.abort();
            // Dropping the pending file removes the partial.
        }
        for path in self.written.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }

    fn kept(&self) -> String {
        match (&self.kind, self.recording()) {
            (Kind::Sequence(p, _), _) => format!("{} frames of {p}", self.written.len()),
            (_, Some(r)) => format!(
                "{} ({} frames playing {:.2} s for {:.2} s captured; left out: {} the encoder was behind on, {} beyond the file's frame rate)",
                self.dest.display(),
                r.frames,
                r.file_s,
                r.captured_s,
                r.encoder_behind,
                r.faster_than_file
            ),
            _ => format!("{} ({} frames)", self.dest.display(), self.frames),
        }
    }

    fn recording(&self) -> Option<RecordingReport> {
        let (Kind::Video(_, plan), Some(clock)) = (&self.kind, &self.clock) else {
            return None;
        };
        Some(RecordingReport {
            path: self.dest.display(),
            encoder: plan.encoder_name(&self.options.video),
            frames: self.frames,
            encoder_behind: self.encoder_behind,
            faster_than_file: clock.faster_than_file,
            file_s: self
                .last_slot_in_file
                .map_or(0.0, |s| (s + 1) as f64 / clock.fps),
            captured_s: clock.captured_s(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_and_depth_come_from_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let sink = |name: &str, depth| {
            let mut o = FileSinkOptions::new(&dir.path().join(name), "24");
            o.depth = depth;
            FileSink::create(o, (16, 16))
        };
        let png = sink("a.png", Depth::Auto).unwrap();
        assert_eq!(png.output_format(), OutputFormat::Rgba8);
        let exr = sink("a.exr", Depth::Auto).unwrap();
        assert_eq!(exr.output_format(), OutputFormat::RgbaF16);
        let err = sink("a.exr", Depth::Eight).err().unwrap().to_string();
        assert!(
            err.contains("a.exr") && err.contains("half, float"),
            "{err}"
        );
        let err = FileSink::create(
            FileSinkOptions::new(Path::new("/no/such/dir/a.png"), "24"),
            (16, 16),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(matches!(
            sink("a.jpg", Depth::Auto),
            Err(SinkError::UnknownExtension { .. })
        ));
        assert!(matches!(
            sink("s_%04d.dpx", Depth::Auto).unwrap().kind,
            Kind::Sequence(..)
        ));
    }

    #[test]
    fn rates_round_trip() {
        assert_eq!(fps_rate(24000.0 / 1001.0), "24000/1001");
        assert_eq!(fps_rate(25.0), "25");
        assert_eq!(
            rate_fps("30000/1001").map(|f| (f * 1000.0).round()),
            Some(29970.0)
        );
        assert_eq!(rate_fps("x"), None);
    }
}
