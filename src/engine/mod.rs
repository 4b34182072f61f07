//! The frame loop: threads, ring, stats, shutdown.
//!
//! How it works:
//! ```text
//!  source thread --ring (ringbuf, SPSC)--> render thread (owns wgpu) --> driver
//!  camera / file /   newest wins when live;  upload -> ingest -> grade    readback (file / null)
//!  pattern / demo    in order with --fast                                 present (window)
//! ```
//! A run (`crate::launch`) opens the GPU, starts the source thread with
//! [`start_source`] (which opens the source and reports its mode), and runs
//! [`render::frame_loop`] with the driver of its output until the frame
//! count is reached, the source ends, or the stop flag is raised (Ctrl-C,
//! window closed, Esc). [`conclude`] stops and joins the source thread and
//! makes the run's [`RunReport`]. The engine knows its outputs only through
//! [`driver::Driver`] and [`output::Sink`]; the sinks build on it.

pub mod analysis_link;
pub mod budget;
pub mod driver;
pub mod output;
pub mod proposals;
pub mod render;
pub mod ring;
pub mod source_thread;
pub mod stats;

use crate::gpu::{GpuContext, GpuError};
use crate::source::{SourceError, SourceOptions, SourceSpec};
use output::SinkError;
use ring::{DropCounters, FrameProducer};
use source_thread::SourceThread;
use stats::{RunReport, Stats};
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
    #[error(
        "interrupted after {frames} frames: {output} is not written, its partial files removed"
    )]
    Interrupted { frames: u64, output: String },
    #[error("the look's secondaries need analysis models that cannot run: {0}; `neurograde models verify` says what to fetch")]
    AnalysisMissing(String),
}

impl From<analysis_link::AnalysisUnavailable> for EngineError {
    fn from(e: analysis_link::AnalysisUnavailable) -> EngineError {
        EngineError::AnalysisMissing(e.0)
    }
}

/// Starts the source thread of a run (it opens the source and reports its
/// mode before this returns).
/// `fast`: unpaced, every frame in order.
pub fn start_source(
    spec: &SourceSpec,
    options: &SourceOptions,
    fast: bool,
    producer: FrameProducer,
    stop: &Arc<AtomicBool>,
) -> Result<SourceThread, SourceError> {
    let mut source = SourceThread::start(
        spec.clone(),
        options.clone(),
        producer,
        fast,
        Arc::clone(stop),
    )?;
    tracing::info!(source = %source.description, "source open");
    // A file's timecode, so a still grabbed from it names its picture.
    if let SourceSpec::File { path } = spec {
        if let Ok(info) = crate::source::file::inspect(path) {
            source.timecode = info.timecode.map(|start| crate::timecode::SourceTimecode {
                start,
                fps: info.fps.unwrap_or(source.fps),
                frames: info.frames,
            });
        }
    }
    Ok(source)
}

/// Ends a run: stops and joins the source thread, then reports the loop's
/// error, else the error that ended the source, else the figures.
pub fn conclude(
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
