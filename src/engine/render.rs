//! The render loop: take a frame, grade it on the GPU, hand it to the sink.
//!
//! How it works: [`take_frame`] gets the next frame from the ring (the newest
//! for live sources, the next in order with `--fast`), or says the loop is
//! idle or done. [`readback_loop`] is the loop for file and null sinks: it
//! uploads each frame and records the frame kernel (decode + grade + pack),
//! keeps a few frames in flight on the GPU ([`ReadbackQueue`]), and hands
//! finished frames to the sink in order. With analysis on, each frame then
//! passes through the [`AnalysisLink`] (copies to the models, newest result
//! back). The window sink has its own loop (`src/sink/window.rs`) built from
//! the same parts.

use super::analysis_link::{AnalysisLink, AnalysisOptions};
use super::ring::FrameConsumer;
use super::source_thread::SourceState;
use super::stats::Stats;
use super::EngineError;
use crate::frame::Frame;
use crate::gpu::grade::GradeUniforms;
use crate::gpu::{FramePipeline, GpuContext, ReadbackQueue};
use crate::grade::Look;
use crate::sink::{FrameMeta, Sink, SinkError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long the render loop waits for a frame before checking for stop.
pub const IDLE_WAIT: Duration = Duration::from_millis(20);

/// Settings of one render loop.
#[derive(Debug, Clone)]
pub struct LoopSettings {
    /// Stop after this many frames reached the sink.
    pub frames: Option<u64>,
    /// Live policy (newest frame wins) rather than every frame in order.
    pub live: bool,
    /// Frames in flight on the GPU for readback sinks.
    pub readback_depth: usize,
    /// The grade; its uniforms and LUT are uploaded at the start of the loop.
    pub look: Arc<Look>,
    pub analysis: AnalysisOptions,
}

pub enum Take {
    Frame(Frame),
    /// Nothing yet; the loop may redraw or poll and come back.
    Idle,
    /// The source ended and the ring is empty, or stop was asked.
    Done,
}

pub fn take_frame(
    consumer: &mut FrameConsumer,
    live: bool,
    source: &SourceState,
    stop: &AtomicBool,
) -> Take {
    if stop.load(Ordering::Relaxed) {
        return Take::Done;
    }
    let frame = if live {
        consumer.pop_latest()
    } else {
        consumer.pop_next()
    };
    match frame {
        Some(frame) => Take::Frame(frame),
        None if source.ended.load(Ordering::Acquire) && consumer.is_empty() => Take::Done,
        None => {
            consumer.wait(IDLE_WAIT);
            Take::Idle
        }
    }
}

pub fn meta_of(frame: &Frame) -> FrameMeta {
    FrameMeta {
        id: frame.id,
        captured: frame.captured,
        width: frame.width,
        height: frame.height,
    }
}

/// Hands read-back frames to the sink and records their latency.
struct Delivery<'a> {
    sink: &'a mut dyn Sink,
    stats: Stats,
    error: Option<SinkError>,
}

impl Delivery<'_> {
    fn deliver(&mut self, meta: FrameMeta, pixels: &[u8]) {
        self.stats.record(meta.captured);
        if self.error.is_none() {
            if let Err(e) = self.sink.write(&meta, pixels) {
                self.error = Some(e);
            }
        }
    }

    fn check(&mut self) -> Result<(), EngineError> {
        self.error.take().map_or(Ok(()), |e| Err(e.into()))
    }
}

/// The loop for readback sinks (file, null). Returns the run's stats.
pub fn readback_loop(
    ctx: &GpuContext,
    consumer: &mut FrameConsumer,
    sink: &mut dyn Sink,
    settings: &LoopSettings,
    source: &SourceState,
    stop: &AtomicBool,
    on_frame: &mut dyn FnMut(u64),
) -> Result<Stats, EngineError> {
    let mut pipeline = FramePipeline::new(ctx);
    pipeline.set_look(ctx, &settings.look)?;
    let uniforms = GradeUniforms::from_look(&settings.look);
    let mut readback =
        ReadbackQueue::<FrameMeta>::new(settings.readback_depth, ctx.direct_readback);
    let format = sink.output_format();
    let mut delivery = Delivery {
        sink,
        stats: Stats::new(),
        error: None,
    };
    let mut analysis = AnalysisLink::start(ctx, &settings.analysis);
    let mut submitted = 0u64;
    while settings.frames.is_none_or(|n| submitted < n) {
        let frame = match take_frame(consumer, settings.live, source, stop) {
            Take::Frame(frame) => frame,
            Take::Idle => {
                readback.complete(&ctx.device, false, |m, p| delivery.deliver(m, p))?;
                continue;
            }
            Take::Done => break,
        };
        tracing::trace!(id = frame.id.0, "grading");
        let meta = meta_of(&frame);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        if !readback.has_room() {
            readback.complete(&ctx.device, true, |m, p| delivery.deliver(m, p))?;
        }
        let output = readback.target(&ctx.device, FramePipeline::packed_bytes(&frame, format));
        pipeline.encode_packed(ctx, &mut encoder, &frame, &uniforms, format, output)?;
        readback.submit(&ctx.queue, encoder, meta);
        if let Some(link) = &mut analysis {
            link.after_frame(ctx, &pipeline, &meta, frame.format)?;
        }
        consumer.recycle(frame.data);
        submitted += 1;
        readback.complete(&ctx.device, false, |m, p| delivery.deliver(m, p))?;
        delivery.check()?;
        on_frame(delivery.stats.frames());
    }
    readback.flush(&ctx.device, |m, p| delivery.deliver(m, p))?;
    delivery.check()?;
    delivery.sink.finish()?;
    let mut stats = delivery.stats;
    if let Some(link) = analysis {
        stats.set_analysis(link);
    }
    Ok(stats)
}
