//! Launching a run: the outputs a command asks for, opened around the
//! engine's frame loop.
//!
//! How it works: [`run`] (`neurograde run`) opens the output its
//! [`RunOptions`] name: the window (the event loop on the main thread, the
//! frame loop on a render thread drawing into its surface, see
//! `monitor::window`), or a file or null sink behind the engine's
//! [`ReadbackDriver`]. [`grade_file`] and [`analyze_file`] run every frame
//! of a file in order into a file sink or nowhere. Each starts the source,
//! runs [`frame_loop`] with its driver, finishes the output (or abandons
//! it: nothing half-done keeps a final name) and concludes the run.

use crate::control::ControlOptions;
use crate::engine::analysis_link::AnalysisOptions;
use crate::engine::driver::{Driver, ReadbackDriver};
use crate::engine::render::{frame_loop, LoopSettings};
use crate::engine::ring::frame_ring;
use crate::engine::stats::RunReport;
use crate::engine::{conclude, start_source, EngineError};
use crate::gpu::bake::GradePath;
use crate::gpu::GpuContext;
use crate::grade::reference::keeps_grey;
use crate::grade::Look;
pub use crate::monitor::WindowOptions;
use crate::sink::depth::Depth;
use crate::sink::file::{fps_rate, FileSink, FileSinkOptions, Timing};
use crate::sink::null::NullSink;
use crate::sink::video::VideoOptions;
use crate::sink::{Sink, SinkError, SinkSpec};
use crate::source::probe::{Chroma, InputInfo, InputKind};
use crate::source::{SourceOptions, SourceSpec};
use crate::stills::Picture;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Frames in flight on the GPU in an offline render.
const OFFLINE_READBACK_DEPTH: usize = 2;

/// How a file sink writes (`--depth`, `--codec`, `--crf`, `--bitrate`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileOptions {
    pub depth: Depth,
    pub video: VideoOptions,
}

impl Default for FileOptions {
    fn default() -> FileOptions {
        FileOptions {
            depth: Depth::Auto,
            video: VideoOptions::default(),
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub source: SourceSpec,
    pub source_options: SourceOptions,
    pub sink: SinkSpec,
    pub look: Look,
    /// Stop after this many frames reached the sink.
    pub frames: Option<u64>,
    /// Stop once this much has been captured.
    pub duration: Option<std::time::Duration>,
    /// Run sources unpaced and grade every frame in order (benchmarks,
    /// offline); otherwise live: paced sources, newest frame wins.
    pub fast: bool,
    pub ring_capacity: usize,
    pub readback_depth: usize,
    pub window: WindowOptions,
    /// How a file sink writes.
    pub file: FileOptions,
    /// Faces, people and depth beside the loop (off by default).
    pub analysis: AnalysisOptions,
    /// MIDI / OSC panels, replay, autosave (off by default).
    pub control: ControlOptions,
    /// Log the frame rate and latency of every stretch this long (soaks).
    pub stats_every: Option<std::time::Duration>,
    /// Exact or baked grading (`gpu::bake`).
    pub grade_path: GradePath,
}

impl RunOptions {
    pub fn loop_settings(&self) -> LoopSettings {
        LoopSettings {
            frames: self.frames,
            duration: self.duration,
            live: !self.fast,
            look: Arc::new(self.look.clone()),
            analysis: self.analysis.clone(),
            control: self.control.clone(),
            stats_every: self.stats_every,
            grade_path: self.grade_path,
        }
    }
}

/// Runs the engine until done; see the module comment. With the window sink
/// this must be called on the main thread (the window's event loop runs
/// there).
pub fn run(options: RunOptions, stop: Arc<AtomicBool>) -> Result<RunReport, EngineError> {
    match options.sink {
        #[cfg(feature = "window")]
        SinkSpec::Window => {
            let window = options.window.clone();
            let loop_stop = Arc::clone(&stop);
            crate::monitor::window::run(window, stop, move |ctx, driver| {
                run_live(ctx, &options, driver, &loop_stop)
            })
        }
        #[cfg(not(feature = "window"))]
        SinkSpec::Window => Err(SinkError::WindowDisabled.into()),
        _ => run_headless(options, stop),
    }
}

/// The run of an output that needs nothing from its source (a window).
#[cfg_attr(not(feature = "window"), allow(dead_code))]
fn run_live(
    ctx: &GpuContext,
    options: &RunOptions,
    driver: &mut dyn Driver,
    stop: &Arc<AtomicBool>,
) -> Result<RunReport, EngineError> {
    let (producer, mut consumer, drops) = frame_ring(options.ring_capacity);
    let source = start_source(
        &options.source,
        &options.source_options,
        options.fast,
        producer,
        stop,
    )?;
    let settings = options.loop_settings();
    let result = frame_loop(
        ctx,
        &mut consumer,
        driver,
        &settings,
        &source,
        stop,
        &mut |_| {},
    )
    .map(|(stats, _)| stats);
    conclude(source, result, driver.describe(), ctx, &drops)
}

/// The file sink of a run's `file:PATH`: a live run writes in real time
/// (frames at their capture time), `--fast` every frame once. A file
/// source gives the sink its size, depth and layout (and a video's audio,
/// timecode and tags), as `grade` does.
fn run_file_sink(options: &RunOptions, path: &Path, fps: f64) -> Result<FileSink, EngineError> {
    let input = match &options.source {
        SourceSpec::File { path } => Some((path.clone(), crate::source::file::inspect(path)?)),
        _ => None,
    };
    let size = input
        .as_ref()
        .map_or(options.source_options.size.into(), |(_, i)| {
            (i.width, i.height)
        });
    let rate = input
        .as_ref()
        .filter(|(_, i)| i.kind == InputKind::Video)
        .and_then(|(_, i)| i.rate.clone())
        .unwrap_or_else(|| fps_rate(fps));
    // The look can move during a run: a grey source is recorded in colour.
    let input = input.map(|(path, info)| (path, in_colour(info)));
    let sink = FileSinkOptions {
        depth: options.file.depth,
        video: options.file.video.clone(),
        colour: options.look.output_colour_tags(),
        timing: if options.fast {
            Timing::EveryFrame
        } else {
            Timing::CaptureTime
        },
        input,
        ..FileSinkOptions::new(path, &rate)
    };
    Ok(FileSink::create(sink, size)?)
}

/// The input as the graded picture is laid out: a grey input that the look
/// tints is written as full-resolution colour (4:4:4), not grey.
fn in_colour(mut info: InputInfo) -> InputInfo {
    if info.chroma == Chroma::Gray {
        info.chroma = Chroma::Yuv444;
    }
    info
}

fn run_headless(options: RunOptions, stop: Arc<AtomicBool>) -> Result<RunReport, EngineError> {
    let ctx = GpuContext::headless()?;
    let (producer, mut consumer, drops) = frame_ring(options.ring_capacity);
    let source = start_source(
        &options.source,
        &options.source_options,
        options.fast,
        producer,
        &stop,
    )?;
    let mut sink: Box<dyn Sink> = match &options.sink {
        SinkSpec::File { path } => Box::new(run_file_sink(&options, path, source.fps)?),
        _ => Box::new(NullSink::default()),
    };
    let settings = options.loop_settings();
    let mut driver = ReadbackDriver::new(&ctx, sink.as_mut(), options.readback_depth);
    let result = frame_loop(
        &ctx,
        &mut consumer,
        &mut driver,
        &settings,
        &source,
        &stop,
        &mut |_| {},
    )
    .and_then(|(stats, _)| {
        // A live run stopped by a signal keeps what it graded: the
        // recording is finalised like one that reached its end.
        sink.finish()?;
        Ok(stats)
    });
    if result.is_err() {
        sink.abort();
    }
    let recording = sink.recording();
    conclude(source, result, sink.kept(), &ctx, &drops).map(|report| RunReport {
        recording,
        ..report
    })
}

/// An offline render: every frame of a file, in order, into an output.
#[derive(Debug, Clone)]
pub struct GradeJob {
    pub input: PathBuf,
    pub output: PathBuf,
    pub look: Look,
    pub file: FileOptions,
    /// The rate of a video made from stills or a sequence.
    pub fps: f64,
    /// How the analysis runs when the look's secondaries need masks (its
    /// mode and models are set from the look).
    pub analysis: AnalysisOptions,
}

/// The analysis a look needs: every frame analysed before it is graded
/// (`sync`), with the models its enabled secondaries' masks and its
/// `[atmosphere]` (depth) come from; off when it needs none.
pub fn analysis_for_look(look: &Look, base: &AnalysisOptions) -> AnalysisOptions {
    use crate::analysis::AnalysisModel;
    let mut needed: Vec<AnalysisModel> = look
        .secondaries
        .iter()
        .filter(|s| s.enabled)
        .flat_map(|s| s.mask.kinds())
        .filter_map(|kind| kind.channel())
        .flat_map(|(channel, _)| channel.made_by().iter().copied())
        .collect();
    if look.atmosphere.is_some() {
        needed.push(AnalysisModel::Depth);
    }
    // A face mask is drawn from the Face Mesh's oval where the mesh runs:
    // an offline render takes the finer mask.
    if needed.contains(&AnalysisModel::Faces) {
        needed.push(AnalysisModel::Mesh);
    }
    let mut options = base.clone();
    options.mode = if needed.is_empty() {
        crate::analysis::AnalysisMode::Off
    } else {
        crate::analysis::AnalysisMode::Sync
    };
    for model in AnalysisModel::ALL {
        options.models.set(model, needed.contains(&model));
    }
    options.required = true;
    options
}

/// Grades a file offline: every frame, in order, as fast as possible, into
/// the job's output (a still, a sequence or a video), with the whole look
/// (the analysis runs on every frame when its secondaries need masks).
/// Stopped by `stop`, it writes nothing and says so. `on_frame` sees the
/// count of frames done.
pub fn grade_file(
    job: &GradeJob,
    stop: Arc<AtomicBool>,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunReport, EngineError> {
    let info = crate::source::file::inspect(&job.input)?;
    let rate = info.rate.clone().unwrap_or_else(|| fps_rate(job.fps));
    let first_number = match &info.kind {
        InputKind::Sequence { first, .. } => *first,
        _ => 1,
    };
    let sink = FileSinkOptions {
        depth: job.file.depth,
        video: job.file.video.clone(),
        colour: job.look.output_colour_tags(),
        timing: Timing::EveryFrame,
        first_number,
        input: Some((
            job.input.clone(),
            if keeps_grey(&job.look) {
                info.clone()
            } else {
                in_colour(info.clone())
            },
        )),
        ..FileSinkOptions::new(&job.output, &rate)
    };
    let mut sink = FileSink::create(sink, (info.width, info.height))?;
    let analysis = analysis_for_look(&job.look, &job.analysis);
    offline(
        &job.input,
        &mut sink,
        &job.look,
        (analysis, None),
        job.fps,
        stop,
        on_frame,
    )
}

/// The two pictures of a still grabbed from a file: picture `index` (from
/// 0) graded with `look`, and without its grade
/// ([`crate::control::session::ungraded`]), full resolution, with the
/// source's timecode at that picture when it has one.
pub fn grab_still(
    input: &Path,
    look: &Look,
    index: u64,
    stop: Arc<AtomicBool>,
) -> Result<(Picture, Picture, Option<String>), EngineError> {
    let info = crate::source::file::inspect(input)?;
    let mut pictures = Vec::new();
    for look in [look.clone(), crate::control::session::ungraded(look)] {
        let analysis = analysis_for_look(&look, &AnalysisOptions::default());
        let sink = Box::new(PictureSink {
            index,
            seen: 0,
            picture: None,
        });
        let mut kept = None;
        offline_into(
            input,
            sink,
            &look,
            (analysis, Some(index + 1)),
            &stop,
            &mut |s| kept = s.picture.take(),
        )?;
        let picture = kept.ok_or_else(|| crate::source::SourceError::Unreadable {
            path: input.to_path_buf(),
            what: "a picture",
            message: format!(
                "it has no picture {} (it has {})",
                index + 1,
                info.frames.map_or("fewer".into(), |n| n.to_string())
            ),
        })?;
        pictures.push(picture);
    }
    let timecode = info
        .timecode
        .as_deref()
        .and_then(|tc| crate::timecode::timecode_after(tc, index, info.fps.unwrap_or(24.0)));
    let ungraded = pictures.pop().expect("two pictures");
    let graded = pictures.pop().expect("two pictures");
    Ok((graded, ungraded, timecode))
}

/// Keeps the one picture a still is grabbed from.
struct PictureSink {
    index: u64,
    seen: u64,
    picture: Option<Picture>,
}

impl Sink for PictureSink {
    fn describe(&self) -> String {
        format!("picture {}", self.index + 1)
    }

    fn output_format(&self) -> crate::gpu::OutputFormat {
        crate::gpu::OutputFormat::RgbaF32
    }

    fn write(
        &mut self,
        meta: &crate::engine::output::FrameMeta,
        pixels: &[u8],
    ) -> Result<(), SinkError> {
        if self.seen == self.index {
            let rgba: Vec<f32> = pixels
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            self.picture = Some(Picture::from_rgba_f32(meta.width, meta.height, &rgba));
        }
        self.seen += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Analyses every frame of a file, in order, each with its own result
/// (`analysis.mode` should be sync); the records are in the report's
/// `analysis_frames`.
pub fn analyze_file(
    input: &Path,
    analysis: AnalysisOptions,
    stop: Arc<AtomicBool>,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunReport, EngineError> {
    let analysis = AnalysisOptions {
        record: true,
        ..analysis
    };
    let mut sink = NullSink::default();
    offline(
        input,
        &mut sink,
        &Look::default(),
        (analysis, None),
        24.0,
        stop,
        on_frame,
    )
}

/// Runs a still grab's frames into its sink, then hands the sink back.
/// Each pass has its own stop flag (ending a source raises its run's
/// flag), raised when `stop` is.
fn offline_into(
    input: &Path,
    sink: Box<PictureSink>,
    look: &Look,
    analysis: (AnalysisOptions, Option<u64>),
    stop: &AtomicBool,
    done: &mut dyn FnMut(&mut PictureSink),
) -> Result<RunReport, EngineError> {
    use std::sync::atomic::Ordering;
    let mut sink = sink;
    let pass = Arc::new(AtomicBool::new(stop.load(Ordering::Relaxed)));
    let report = offline(
        input,
        &mut *sink,
        look,
        analysis,
        24.0,
        Arc::clone(&pass),
        &mut |_| {
            if stop.load(Ordering::Relaxed) {
                pass.store(true, Ordering::Relaxed);
            }
        },
    )?;
    done(&mut sink);
    Ok(report)
}

/// Runs every frame of a file (or its first `frames`), in order, into
/// `sink`; an interrupted or failed run aborts the sink (nothing half-done
/// keeps a final name).
fn offline(
    input: &Path,
    sink: &mut dyn Sink,
    look: &Look,
    (analysis, frames): (AnalysisOptions, Option<u64>),
    fps: f64,
    stop: Arc<AtomicBool>,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunReport, EngineError> {
    let spec = SourceSpec::File { path: input.into() };
    spec.preflight()?;
    let ctx = GpuContext::headless()?;
    let (producer, mut consumer, drops) = frame_ring(4);
    let options = SourceOptions {
        size: crate::frame::Size::HD,
        fps,
        looping: false,
    };
    let source = start_source(&spec, &options, true, producer, &stop)?;
    let settings = LoopSettings {
        frames,
        duration: None,
        live: false,
        look: Arc::new(look.clone()),
        analysis,
        control: ControlOptions::default(),
        stats_every: None,
        grade_path: GradePath::Exact,
    };
    let mut driver = ReadbackDriver::new(&ctx, sink, OFFLINE_READBACK_DEPTH);
    let result = frame_loop(
        &ctx,
        &mut consumer,
        &mut driver,
        &settings,
        &source,
        &stop,
        on_frame,
    )
    .and_then(|(stats, stopped)| {
        if stopped {
            return Err(EngineError::Interrupted {
                frames: stats.frames(),
                output: sink.describe(),
            });
        }
        sink.finish()?;
        Ok(stats)
    });
    if let Err(e) = &result {
        tracing::debug!("render abandoned: {e}");
        sink.abort();
    }
    conclude(source, result, sink.kept(), &ctx, &drops)
}
