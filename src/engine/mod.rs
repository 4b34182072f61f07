//! The frame loop: threads, ring, stats, shutdown.
//!
//! How it works:
//! ```text
//!  source thread --ring (ringbuf, SPSC)--> render thread (owns wgpu) --> sink
//!  camera / file /   newest wins when live;  upload -> ingest -> grade    window / file / null
//!  pattern / demo    in order with --fast    -> readback or present
//! ```
//! [`run`] opens the GPU and the sink, starts the source thread (which opens
//! the source and reports its mode), then runs the render loop until the
//! frame count is reached, the source ends, or the stop flag is raised
//! (Ctrl-C, window closed, Esc). Every thread is stopped and joined before
//! `run` returns its [`RunReport`].

pub mod analysis_link;
pub mod render;
pub mod ring;
pub mod source_thread;
pub mod stats;

use crate::control::ControlOptions;
use crate::gpu::{GpuContext, GpuError};
use crate::grade::Look;
use crate::sink::file::{Depth, FileSink};
use crate::sink::null::NullSink;
use crate::sink::{Sink, SinkError, SinkSpec};
use crate::source::file::{is_still, probe_video, still_bits};
use crate::source::{SourceError, SourceOptions, SourceSpec};
use analysis_link::AnalysisOptions;
use render::LoopSettings;
use ring::{frame_ring, DropCounters, FrameProducer};
use source_thread::SourceThread;
use stats::{RunReport, Stats};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Control(#[from] crate::control::ControlError),
}

/// Window behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowOptions {
    /// Wait for the display's refresh (no tearing, a frame more latency).
    pub vsync: bool,
    pub fullscreen: bool,
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
    /// Run sources unpaced and grade every frame in order (benchmarks,
    /// offline); otherwise live: paced sources, newest frame wins.
    pub fast: bool,
    pub ring_capacity: usize,
    pub readback_depth: usize,
    pub window: WindowOptions,
    /// Bit depth of still/video files written by a file sink.
    pub file_depth: Depth,
    /// Faces, people and depth beside the loop (off by default).
    pub analysis: AnalysisOptions,
    /// MIDI / OSC panels, replay, autosave (off by default).
    pub control: ControlOptions,
}

impl RunOptions {
    pub fn loop_settings(&self) -> LoopSettings {
        LoopSettings {
            frames: self.frames,
            live: !self.fast,
            readback_depth: self.readback_depth,
            look: Arc::new(self.look.clone()),
            analysis: self.analysis.clone(),
            control: self.control.clone(),
        }
    }
}

/// Runs the engine until done; see the module comment. With the window sink
/// this must be called on the main thread (the window's event loop runs
/// there).
pub fn run(options: RunOptions, stop: Arc<AtomicBool>) -> Result<RunReport, EngineError> {
    match options.sink {
        #[cfg(feature = "window")]
        SinkSpec::Window => crate::sink::window::run(options, stop),
        #[cfg(not(feature = "window"))]
        SinkSpec::Window => Err(SinkError::WindowDisabled.into()),
        _ => run_headless(options, stop),
    }
}

/// Starts the source thread of a run (it opens the source and reports its
/// mode before this returns).
pub(crate) fn start_source(
    options: &RunOptions,
    producer: FrameProducer,
    stop: &Arc<AtomicBool>,
) -> Result<SourceThread, SourceError> {
    let source = SourceThread::start(
        options.source.clone(),
        options.source_options.clone(),
        producer,
        options.fast,
        Arc::clone(stop),
    )?;
    tracing::info!(source = %source.description, "source open");
    Ok(source)
}

/// Ends a run: stops and joins the source thread, then reports the loop's
/// error, else the error that ended the source, else the figures.
pub(crate) fn conclude(
    source: SourceThread,
    result: Result<Stats, EngineError>,
    sink: String,
    ctx: &GpuContext,
    drops: &DropCounters,
) -> Result<RunReport, EngineError> {
    let source_error = source.take_error();
    let description = source.description.clone();
    source.stop_and_join();
    let stats = result?;
    if let Some(e) = source_error {
        return Err(e.into());
    }
    Ok(stats.report(description, sink, Some(ctx.summary.clone()), drops))
}

fn run_headless(options: RunOptions, stop: Arc<AtomicBool>) -> Result<RunReport, EngineError> {
    let ctx = GpuContext::headless()?;
    let (producer, mut consumer, drops) = frame_ring(options.ring_capacity);
    let source = start_source(&options, producer, &stop)?;
    let mut sink: Box<dyn Sink> = match &options.sink {
        SinkSpec::File { path } => {
            Box::new(FileSink::create(path, source.fps, options.file_depth, 8)?)
        }
        _ => Box::new(NullSink::default()),
    };
    let settings = options.loop_settings();
    let result = render::readback_loop(
        &ctx,
        &mut consumer,
        sink.as_mut(),
        &settings,
        &source.state,
        &stop,
        &mut |_| {},
    );
    conclude(source, result, sink.describe(), &ctx, &drops)
}

/// Grades a file offline: every frame, in order, as fast as possible, into
/// `output` (a still or a video). `on_frame` sees the count of frames done.
pub fn grade_file(
    input: &Path,
    output: &Path,
    look: &Look,
    depth: Depth,
    stop: Arc<AtomicBool>,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunReport, EngineError> {
    // Called by `offline` once the source is open (so the file exists).
    let sink = |fps| -> Result<Box<dyn Sink>, EngineError> {
        let source_bits = if is_still(input) {
            still_bits(input)?
        } else if probe_video(input)?.deep {
            16
        } else {
            8
        };
        Ok(Box::new(FileSink::create(output, fps, depth, source_bits)?))
    };
    offline(
        input,
        &sink,
        look,
        AnalysisOptions::default(),
        stop,
        on_frame,
    )
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
    let sink = |_| -> Result<Box<dyn Sink>, EngineError> { Ok(Box::new(NullSink::default())) };
    let analysis = AnalysisOptions {
        record: true,
        ..analysis
    };
    offline(input, &sink, &Look::default(), analysis, stop, on_frame)
}

/// Runs every frame of a file, in order, into the sink `make_sink` opens
/// for the source's frame rate.
fn offline(
    input: &Path,
    make_sink: &dyn Fn(f64) -> Result<Box<dyn Sink>, EngineError>,
    look: &Look,
    analysis: AnalysisOptions,
    stop: Arc<AtomicBool>,
    on_frame: &mut dyn FnMut(u64),
) -> Result<RunReport, EngineError> {
    let spec = SourceSpec::File { path: input.into() };
    spec.preflight()?;
    let ctx = GpuContext::headless()?;
    let (producer, mut consumer, drops) = frame_ring(4);
    let options = SourceOptions {
        size: crate::frame::Size::HD,
        fps: 24.0,
        looping: false,
    };
    let source = SourceThread::start(spec, options, producer, true, Arc::clone(&stop))?;
    let mut sink = make_sink(source.fps)?;
    let settings = LoopSettings {
        frames: None,
        live: false,
        readback_depth: 2,
        look: Arc::new(look.clone()),
        analysis,
        control: ControlOptions::default(),
    };
    let result = render::readback_loop(
        &ctx,
        &mut consumer,
        sink.as_mut(),
        &settings,
        &source.state,
        &stop,
        on_frame,
    );
    conclude(source, result, sink.describe(), &ctx, &drops)
}
