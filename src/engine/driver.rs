//! The outputs of the frame loop, behind one small trait.
//!
//! How it works: the frame loop (`render.rs`) takes each frame, brings the
//! grade and the analysis up to date, and hands the frame to its
//! [`Driver`], which records the frame kernel into its own target and
//! submits. Two drivers exist: [`ReadbackDriver`] (here) grades into packed
//! bytes, reads them back with a few frames in flight and writes them to a
//! [`Sink`] (file, null); the window's present driver
//! (`src/sink/window.rs`) grades into the working texture and draws it into
//! a surface. A driver reports each frame that reached its output by
//! pushing the frame's [`Tag`] to `delivered`; the loop records the frame's
//! latency from it, whichever driver it was.

use super::analysis_link::AnalysisLink;
use super::budget::{Stage, StageTimes};
use super::output::{FrameMeta, Sink, SinkError};
use super::stats::Stats;
use super::EngineError;
use crate::control::ControlLink;
use crate::frame::Frame;
use crate::gpu::grade::GradeUniforms;
use crate::gpu::{FramePipeline, GpuContext, ReadbackQueue};
use crate::grade::Look;
use std::time::Instant;

/// A frame on its way to an output.
#[derive(Debug, Clone, Copy)]
pub struct Tag {
    pub meta: FrameMeta,
    /// Arrival of the grade change this frame is the first to carry.
    pub control_since: Option<Instant>,
    /// A new frame from the source (false: a held frame graded again
    /// because the grade changed; it counts for the control latency, not
    /// for the frame rate).
    pub fresh: bool,
}

/// What a driver needs to grade one frame.
pub struct GradeStep<'a> {
    pub ctx: &'a GpuContext,
    pub pipeline: &'a mut FramePipeline,
    pub uniforms: &'a GradeUniforms,
    pub frame: &'a Frame,
}

/// What the loop knows, for an output that shows it (the operator view).
pub struct LoopState<'a> {
    /// The source, in words.
    pub source: &'a str,
    /// The source's timecode, when it has one.
    pub timecode: Option<&'a crate::timecode::SourceTimecode>,
    pub stats: &'a Stats,
    /// The look the picture is graded with.
    pub look: &'a Look,
    /// The control thread, when the run has one (the operator view edits
    /// the grade through it).
    pub control: Option<&'a ControlLink>,
    pub analysis: Option<&'a AnalysisLink>,
}

/// One output of the frame loop; see the module comment.
pub trait Driver {
    /// Grades `step.frame` into this output and submits it; frames that
    /// reached the output (this one or earlier ones) go to `delivered`.
    fn submit(
        &mut self,
        step: GradeStep<'_>,
        state: &LoopState<'_>,
        tag: Tag,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError>;

    /// After a submit: `caught_up` says no newer frame is waiting (a live
    /// driver then finishes the frame now rather than with the next one).
    fn settle(
        &mut self,
        _ctx: &GpuContext,
        _caught_up: bool,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        Ok(())
    }

    /// No new frame came: finish what is ready, or redraw what the output
    /// shows (a resized window keeps its last picture).
    fn idle(
        &mut self,
        _ctx: &GpuContext,
        _pipeline: &FramePipeline,
        _state: &LoopState<'_>,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        Ok(())
    }

    /// Whether the output shows the last frame until the next one, so that
    /// a grade change should grade it again at once (a monitor does; a
    /// recording does not).
    fn holds_picture(&self) -> bool {
        false
    }

    /// The loop ends: waits for every frame in flight and delivers it.
    fn flush(
        &mut self,
        _ctx: &GpuContext,
        _state: &LoopState<'_>,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        Ok(())
    }

    /// The output in words, for the run's report.
    fn describe(&self) -> String;

    /// The time this driver spent in each stage since the last call
    /// (record, GPU wait, output), for the frame budget.
    fn take_times(&mut self) -> StageTimes {
        StageTimes::default()
    }
}

/// The driver of readback sinks (file, null).
pub struct ReadbackDriver<'a> {
    sink: &'a mut dyn Sink,
    queue: ReadbackQueue<Tag>,
    error: Option<SinkError>,
    times: StageTimes,
}

impl<'a> ReadbackDriver<'a> {
    /// `depth` frames may be in flight on the GPU.
    pub fn new(ctx: &GpuContext, sink: &'a mut dyn Sink, depth: usize) -> ReadbackDriver<'a> {
        ReadbackDriver {
            sink,
            queue: ReadbackQueue::new(depth, ctx.direct_readback),
            error: None,
            times: StageTimes::default(),
        }
    }

    /// Hands finished frames to the sink: all in flight (`Flush`), at least
    /// the oldest (`Wait`) or those ready now (`Ready`).
    fn complete(
        &mut self,
        ctx: &GpuContext,
        how: Completion,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        let mut output = std::time::Duration::ZERO;
        let (sink, error) = (&mut *self.sink, &mut self.error);
        let mut deliver = |tag: Tag, pixels: &[u8]| {
            delivered.push(tag);
            if error.is_none() {
                let writing = Instant::now();
                if let Err(e) = sink.write(&tag.meta, pixels) {
                    *error = Some(e);
                }
                output += writing.elapsed();
            }
        };
        match how {
            Completion::Flush => self.queue.flush(&ctx.device, &mut deliver)?,
            Completion::Wait => _ = self.queue.complete(&ctx.device, true, &mut deliver)?,
            Completion::Ready => _ = self.queue.complete(&ctx.device, false, &mut deliver)?,
        }
        self.times.add(Stage::Output, output);
        self.times
            .add(Stage::GpuWait, started.elapsed().saturating_sub(output));
        self.error.take().map_or(Ok(()), |e| Err(e.into()))
    }
}

#[derive(Clone, Copy)]
enum Completion {
    Flush,
    Wait,
    Ready,
}

impl Driver for ReadbackDriver<'_> {
    fn submit(
        &mut self,
        step: GradeStep<'_>,
        _state: &LoopState<'_>,
        tag: Tag,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        let ctx = step.ctx;
        if !self.queue.has_room() {
            self.complete(ctx, Completion::Wait, delivered)?;
        }
        let recording = Instant::now();
        let format = self.sink.output_format();
        let bytes = FramePipeline::packed_bytes(step.frame, format);
        let output = self.queue.target(&ctx.device, bytes);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        step.pipeline.encode_packed(
            ctx,
            &mut encoder,
            step.frame,
            step.uniforms,
            format,
            output,
        )?;
        self.times.add(Stage::Record, recording.elapsed());
        self.times.time(Stage::Submit, || {
            self.queue.submit(&ctx.queue, encoder, tag)
        });
        Ok(())
    }

    fn take_times(&mut self) -> StageTimes {
        self.times.take()
    }

    fn settle(
        &mut self,
        ctx: &GpuContext,
        caught_up: bool,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        let how = if caught_up {
            Completion::Flush
        } else {
            Completion::Ready
        };
        self.complete(ctx, how, delivered)
    }

    fn idle(
        &mut self,
        ctx: &GpuContext,
        _pipeline: &FramePipeline,
        _state: &LoopState<'_>,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        self.complete(ctx, Completion::Ready, delivered)
    }

    fn flush(
        &mut self,
        ctx: &GpuContext,
        _state: &LoopState<'_>,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        self.complete(ctx, Completion::Flush, delivered)
    }

    fn describe(&self) -> String {
        self.sink.describe()
    }
}
