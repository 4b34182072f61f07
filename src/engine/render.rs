//! The render loop: take a frame, grade it on the GPU, hand it to the sink.
//!
//! How it works: [`take_frame`] gets the next frame from the ring (the newest
//! for live sources, the next in order with `--fast`), or says the loop is
//! idle or done. [`readback_loop`] is the loop for file and null sinks: it
//! uploads each frame and records the frame kernel (decode + grade + pack),
//! keeps a few frames in flight on the GPU ([`ReadbackQueue`]), and hands
//! finished frames to the sink in order. Live, when no newer frame is
//! waiting, it waits for the frame just submitted and hands it on at once:
//! the loop's latency is then the frame's own GPU time, not the wait for
//! the next frame. With analysis on, each frame then
//! passes through the [`AnalysisLink`] (copies to the models, newest result
//! back). The window sink has its own loop (`src/sink/window.rs`) built from
//! the same parts. Both take the grade from a [`LiveGrade`]: the run's look,
//! replaced by each newer one the control surfaces publish.

use super::analysis_link::{AnalysisLink, AnalysisOptions};
use super::ring::FrameConsumer;
use super::source_thread::SourceState;
use super::stats::Stats;
use super::EngineError;
use crate::control::{ControlLink, ControlOptions};
use crate::frame::Frame;
use crate::gpu::grade::GradeUniforms;
use crate::gpu::{FramePipeline, GpuContext, GpuError, ReadbackQueue};
use crate::grade::Look;
use crate::sink::{FrameMeta, Sink, SinkError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    pub control: ControlOptions,
    /// Log the frame rate and latency of every stretch this long.
    pub stats_every: Option<std::time::Duration>,
}

/// The grade a render loop uses; see the module comment.
pub struct LiveGrade {
    look: Arc<Look>,
    pub uniforms: GradeUniforms,
    control: Option<ControlLink>,
    /// Arrival of the change the next graded frame is the first to carry.
    pending: Option<Instant>,
}

impl LiveGrade {
    /// Prepares `pipeline` for the run's look and starts the control
    /// thread when the run has control surfaces (`wake` ends the loop's
    /// wait for a frame when the grade changes).
    pub fn start(
        ctx: &GpuContext,
        pipeline: &mut FramePipeline,
        settings: &LoopSettings,
        wake: crate::control::link::Wake,
    ) -> Result<LiveGrade, EngineError> {
        pipeline.set_look(ctx, &settings.look)?;
        warn_unmasked_secondaries(&settings.look, &settings.analysis);
        let control = if settings.control.active() {
            Some(ControlLink::start(&settings.control, &settings.look, wake)?)
        } else {
            None
        };
        Ok(LiveGrade {
            look: Arc::clone(&settings.look),
            uniforms: GradeUniforms::from_look(&settings.look),
            control,
            pending: None,
        })
    }

    /// Takes a newer look from the control surfaces, if there is one
    /// (uploading its LUTs only when they changed). True when it changed.
    pub fn refresh(
        &mut self,
        ctx: &GpuContext,
        pipeline: &mut FramePipeline,
    ) -> Result<bool, GpuError> {
        let Some((look, since)) = self.control.as_mut().and_then(|c| c.poll()) else {
            return Ok(false);
        };
        let same = |a: &Option<Arc<crate::grade::lut::Lut>>,
                    b: &Option<Arc<crate::grade::lut::Lut>>| match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same(&look.loaded_lut, &self.look.loaded_lut)
            || !same(&look.loaded_display_lut, &self.look.loaded_display_lut)
        {
            pipeline.set_look(ctx, &look)?;
        }
        self.uniforms = GradeUniforms::from_look(&look);
        self.look = look;
        self.pending.get_or_insert(since);
        Ok(true)
    }

    /// Whether a newer look is waiting (without taking it).
    pub fn changed(&self) -> bool {
        self.control.as_ref().is_some_and(|c| c.has_newer())
    }

    /// For the frame about to be graded: the arrival of the change it is
    /// the first to carry, to pass to [`Self::ready`] when it is ready.
    pub fn take_pending(&mut self) -> Option<Instant> {
        self.pending.take()
    }

    /// A frame carrying a change that arrived at `since` is ready now.
    pub fn ready(&mut self, since: Option<Instant>) {
        if let (Some(since), Some(c)) = (since, &mut self.control) {
            c.record_latency(since, Instant::now());
        }
    }

    /// Ends the control thread (autosave, `--save-look`) into the stats.
    pub fn finish(self, stats: &mut Stats) {
        if let Some(c) = self.control {
            stats.set_control(c);
        }
    }
}

/// Says once when a secondary of the look has no mask in this run (it then
/// grades nothing rather than the whole picture).
fn warn_unmasked_secondaries(look: &Look, analysis: &AnalysisOptions) {
    use crate::grade::secondary::MaskKind;
    let models = &analysis.models;
    let off = analysis.mode == crate::analysis::AnalysisMode::Off;
    for (i, s) in look.secondaries.iter().enumerate() {
        let made = !off
            && match s.mask {
                MaskKind::Face | MaskKind::Skin => models.faces,
                MaskKind::Person | MaskKind::Background => models.matte,
                MaskKind::DepthNear | MaskKind::DepthFar => models.depth,
            };
        if !made {
            tracing::warn!(
                "secondary {} ({:?}) has no mask in this run and grades nothing: it needs --analysis async or sync with its model",
                i + 1,
                s.mask
            );
        }
    }
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
    grade: LiveGrade,
}

impl Delivery<'_> {
    fn deliver(&mut self, (meta, control_since): (FrameMeta, Option<Instant>), pixels: &[u8]) {
        self.stats.record(meta.captured);
        self.grade.ready(control_since);
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

/// The loop for readback sinks (file, null). Returns the run's stats and
/// whether it was stopped by the stop flag before its source ended (the
/// caller then finishes or aborts the sink).
pub fn readback_loop(
    ctx: &GpuContext,
    consumer: &mut FrameConsumer,
    sink: &mut dyn Sink,
    settings: &LoopSettings,
    source: &SourceState,
    stop: &AtomicBool,
    on_frame: &mut dyn FnMut(u64),
) -> Result<(Stats, bool), EngineError> {
    let mut pipeline = FramePipeline::new(ctx);
    let grade = LiveGrade::start(ctx, &mut pipeline, settings, consumer.waker())?;
    let mut readback = ReadbackQueue::<(FrameMeta, Option<Instant>)>::new(
        settings.readback_depth,
        ctx.direct_readback,
    );
    let format = sink.output_format();
    let mut delivery = Delivery {
        sink,
        stats: Stats::new().logging_every(settings.stats_every),
        error: None,
        grade,
    };
    let mut analysis = AnalysisLink::start(ctx, &settings.analysis)?;
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
        delivery.grade.refresh(ctx, &mut pipeline)?;
        if let Some(link) = &mut analysis {
            link.before_frame(ctx, &mut pipeline, &frame)?;
        }
        let output = readback.target(&ctx.device, FramePipeline::packed_bytes(&frame, format));
        let uniforms = &delivery.grade.uniforms;
        pipeline.encode_packed(ctx, &mut encoder, &frame, uniforms, format, output)?;
        readback.submit(&ctx.queue, encoder, (meta, delivery.grade.take_pending()));
        if let Some(link) = &mut analysis {
            link.after_frame(ctx, &pipeline, &meta, frame.format)?;
        }
        consumer.recycle(frame.data);
        submitted += 1;
        if settings.live && consumer.is_empty() {
            // No newer frame waiting: finish this one now rather than when
            // the next one comes, up to a frame interval later.
            readback.flush(&ctx.device, |m, p| delivery.deliver(m, p))?;
        } else {
            readback.complete(&ctx.device, false, |m, p| delivery.deliver(m, p))?;
        }
        delivery.check()?;
        on_frame(delivery.stats.frames());
    }
    readback.flush(&ctx.device, |m, p| delivery.deliver(m, p))?;
    delivery.check()?;
    let complete = settings.frames.is_some_and(|n| submitted >= n)
        || (source.exhausted.load(Ordering::Acquire) && consumer.is_empty());
    let stopped = stop.load(Ordering::Relaxed) && !complete;
    let mut stats = delivery.stats;
    if let Some(link) = analysis {
        stats.set_analysis(link);
    }
    delivery.grade.finish(&mut stats);
    Ok((stats, stopped))
}
