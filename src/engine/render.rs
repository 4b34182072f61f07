//! The frame loop: take a frame, grade it on the GPU, hand it to the output.
//!
//! How it works: [`take_frame`] gets the next frame from the ring (the newest
//! for live sources, the next in order with `--fast`), or says the loop is
//! idle or done. [`frame_loop`] then, for each frame: takes the newest look
//! the control surfaces published ([`LiveGrade`]), hands the newest
//! analysis result to the pipeline ([`AnalysisLink::before_frame`]), lets
//! the output's [`Driver`] record the frame kernel into its target and
//! submit, and gives the analysis its copy of the frame
//! ([`AnalysisLink::after_frame`]). When no frame comes, the driver may
//! finish frames in flight or redraw; an output that holds its picture (a
//! monitor) gets the held frame graded again as soon as the grade changes,
//! rather than at the next frame (up to a frame interval sooner: 42 ms at
//! 24 fps). Every frame the driver says reached its output is counted once:
//! its capture-to-ready latency, and the control-to-picture latency of a
//! change it is the first to carry. `--frames N` stops taking frames after
//! N; every one of them reaches the output before the loop returns. Each
//! new frame's stages on this thread (its own and its driver's) go into
//! the frame budget (`budget.rs`); the pipeline grades exactly or from the
//! look's lattice as the run's grade path says (`gpu::bake`).

use super::analysis_link::{AnalysisLink, AnalysisOptions};
use super::budget::{Stage, StageTimes};
use super::driver::{Driver, GradeStep, LoopState, Tag};
use super::output::FrameMeta;
use super::ring::FrameConsumer;
use super::source_thread::{SourceState, SourceThread};
use super::stats::Stats;
use super::EngineError;
use crate::auto::follow::Correction;
use crate::auto::live::{with_correction, LiveAssist};
use crate::control::{ControlLink, ControlOptions};
use crate::frame::Frame;
use crate::gpu::bake::GradePath;
use crate::gpu::grade::GradeUniforms;
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::grade::Look;
use std::collections::BTreeSet;
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
    /// Stop at the first frame captured this long after the first one
    /// (capture time: the same whether grading keeps up or not).
    pub duration: Option<std::time::Duration>,
    /// Live policy (newest frame wins) rather than every frame in order.
    pub live: bool,
    /// The grade; its uniforms and LUT are uploaded at the start of the loop.
    pub look: Arc<Look>,
    pub analysis: AnalysisOptions,
    pub control: ControlOptions,
    /// Log the frame rate and latency of every stretch this long.
    pub stats_every: Option<std::time::Duration>,
    /// Exact or baked grading (`src/gpu/bake.rs`).
    pub grade_path: GradePath,
}

/// The grade a render loop uses; see the module comment.
pub struct LiveGrade {
    look: Arc<Look>,
    /// The uniforms of the look with the live assistance's correction.
    uniforms: GradeUniforms,
    /// The uniforms the last frame was graded with, while they are not
    /// `uniforms` (`None` where they cannot stand in: before the first
    /// frame, and after a LUT upload).
    shown: Option<GradeUniforms>,
    /// Whether `shown` are `uniforms`.
    newest_shown: bool,
    /// A live run: `shown` may stand in while the newest compile. Offline
    /// (`grade`, `run --fast`) every frame takes its own look.
    may_hold: bool,
    /// The frame about to be graded takes `shown`: the newest look's
    /// pipelines are compiling beside the loop (`gpu::compiler`).
    holding: bool,
    /// Frames graded with the look shown before while a newer one compiled.
    held_frames: u64,
    control: Option<ControlLink>,
    /// Arrival of the change the next graded frame is the first to carry.
    pending: Option<Instant>,
    /// Follow mode and the stabiliser (`[auto] follow`, `[stabilise]`).
    assist: LiveAssist,
    /// Their correction on the frame being graded.
    correction: Correction,
    /// Every change to how people look that a look of this run made (see
    /// `Look::appearance_changes`), for the run report.
    retouching: BTreeSet<String>,
    /// The look's object point (`Look::object_point`), read once per look
    /// rather than once per frame.
    object_point: Option<[f32; 2]>,
}

impl LiveGrade {
    /// Prepares `pipeline` for the run's look and starts the control
    /// thread when the run has control surfaces (`wake` ends the loop's
    /// wait for a frame when the grade changes).
    pub fn start(
        ctx: &GpuContext,
        pipeline: &mut FramePipeline,
        settings: &LoopSettings,
        wake: crate::control::shared::Wake,
    ) -> Result<LiveGrade, EngineError> {
        pipeline.set_look(ctx, &settings.look)?;
        warn_unmasked_secondaries(&settings.look, &settings.analysis);
        let control = if settings.control.active() {
            Some(ControlLink::start(&settings.control, &settings.look, wake)?)
        } else {
            None
        };
        let mut grade = LiveGrade {
            look: Arc::clone(&settings.look),
            uniforms: GradeUniforms::from_look(&settings.look),
            shown: None,
            newest_shown: false,
            may_hold: settings.live,
            holding: false,
            held_frames: 0,
            control,
            pending: None,
            assist: LiveAssist::default(),
            correction: Correction::default(),
            retouching: BTreeSet::new(),
            object_point: settings.look.object_point(),
        };
        grade.note_retouching(&settings.look);
        Ok(grade)
    }

    /// Measures a new frame for the live assistance (`time`: seconds into
    /// the stream) and grades it with their correction on top of the look.
    pub fn assist(&mut self, frame: &Frame, time: f64) {
        let correction = self.assist.update(frame, &self.look, time);
        if correction != self.correction {
            self.correction = correction;
            self.set_uniforms(self.uniforms_of(&self.look));
        }
    }

    /// The newest uniforms (the ones shown stay until a frame takes these).
    fn set_uniforms(&mut self, uniforms: GradeUniforms) {
        self.uniforms = uniforms;
        self.newest_shown = false;
    }

    fn uniforms_of(&self, look: &Look) -> GradeUniforms {
        if self.correction.is_zero() {
            GradeUniforms::from_look(look)
        } else {
            GradeUniforms::from_look(&with_correction(look, self.correction))
        }
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
        if !look.shares_luts_with(&self.look) {
            pipeline.set_look(ctx, &look)?;
            // The look shown read the LUTs replaced: it cannot stand in.
            self.shown = None;
        }
        self.set_uniforms(self.uniforms_of(&look));
        self.note_retouching(&look);
        self.object_point = look.object_point();
        self.look = look;
        self.pending.get_or_insert(since);
        Ok(true)
    }

    /// Says, once per change, when a look of the run changes how people
    /// look, and keeps it for the report.
    fn note_retouching(&mut self, look: &Look) {
        for change in look.appearance_changes() {
            if self.retouching.insert(change.clone()) {
                tracing::warn!("retouching: {change} (this look changes how people look)");
            }
        }
    }

    /// The look frames are graded with now.
    pub fn look(&self) -> &Look {
        &self.look
    }

    /// The point of the object the look masks, if any.
    pub fn object_point(&self) -> Option<[f32; 2]> {
        self.object_point
    }

    /// The control thread, when the run has one.
    pub fn control(&self) -> Option<&ControlLink> {
        self.control.as_ref()
    }

    /// Whether a newer look is waiting (without taking it).
    pub fn changed(&self) -> bool {
        self.control.as_ref().is_some_and(|c| c.has_newer())
    }

    /// Picks the uniforms the frame about to be graded takes
    /// ([`Self::frame_uniforms`]): the newest look's, unless in a live run
    /// its pipelines are still compiling beside the loop, when the look
    /// shown before stands in. Returns the arrival of the change the frame is the first
    /// to carry, to pass to [`Self::ready`] when it is ready (none while
    /// the look shown stands in: the change reaches a later frame).
    pub fn for_frame(
        &mut self,
        ctx: &GpuContext,
        pipeline: &mut FramePipeline,
        frame: &Frame,
    ) -> Option<Instant> {
        self.holding = self.may_hold
            && !self.newest_shown
            && self.shown.is_some()
            && !pipeline.ready_for(ctx, frame, &self.uniforms);
        if self.holding {
            self.held_frames += 1;
            return None;
        }
        if !self.newest_shown {
            self.shown = Some(self.uniforms.clone());
            self.newest_shown = true;
        }
        self.pending.take()
    }

    /// The uniforms [`Self::for_frame`] picked.
    pub fn frame_uniforms(&self) -> &GradeUniforms {
        match (&self.shown, self.holding) {
            (Some(shown), true) => shown,
            _ => &self.uniforms,
        }
    }

    /// A frame carrying a change that arrived at `since` is ready now.
    pub fn ready(&mut self, since: Option<Instant>) {
        if let (Some(since), Some(c)) = (since, &mut self.control) {
            c.record_latency(since, Instant::now());
        }
    }

    /// Ends the control thread (autosave, `--save-look`) into the stats.
    pub fn finish(self, stats: &mut Stats) {
        stats.set_retouching(self.retouching.into_iter().collect());
        if let Some(c) = self.control {
            stats.set_control(c);
        }
    }
}

/// Says once when a secondary of the look has no mask in this run (it then
/// grades nothing rather than the whole picture).
fn warn_unmasked_secondaries(look: &Look, analysis: &AnalysisOptions) {
    let off = analysis.mode == crate::analysis::AnalysisMode::Off;
    if look.atmosphere.is_some() && (off || !analysis.models.depth) {
        tracing::warn!(
            "[atmosphere] has no depth in this run and adds no haze or defocus: it needs --analysis async or sync with the depth model"
        );
    }
    let models = &analysis.models;
    for (i, s) in look.secondaries.iter().enumerate() {
        // The qualifier keys the picture itself: no model makes it.
        let made = !off
            && s.mask.kinds().into_iter().all(|kind| {
                kind.channel()
                    .is_none_or(|(channel, _)| channel.made_by().iter().all(|m| models.runs(*m)))
            });
        if !made {
            tracing::warn!(
                "secondary {} (\"{}\") has a mask missing in this run and grades nothing: it needs --analysis async or sync with its models",
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

/// The frame loop; see the module comment. Returns the run's stats and
/// whether it was stopped by the stop flag before its source ended (the
/// caller then finishes or abandons the output).
pub fn frame_loop(
    ctx: &GpuContext,
    consumer: &mut FrameConsumer,
    driver: &mut dyn Driver,
    settings: &LoopSettings,
    source: &SourceThread,
    stop: &AtomicBool,
    on_frame: &mut dyn FnMut(u64),
) -> Result<(Stats, bool), EngineError> {
    let mut pipeline = FramePipeline::new(ctx);
    pipeline.set_grade_path(ctx, settings.grade_path, settings.live);
    let mut grade = LiveGrade::start(ctx, &mut pipeline, settings, consumer.waker())?;
    let mut analysis = AnalysisLink::start(ctx, &settings.analysis)?;
    let interval = settings
        .live
        .then(|| Duration::from_secs_f64(1.0 / source.fps.max(1.0)));
    let mut stats = Stats::new()
        .logging_every(settings.stats_every)
        .with_budget(interval);
    let mut delivered = Vec::new();
    // The frame the output shows, kept to grade again when the grade
    // changes (drivers that hold their picture only).
    let mut held: Option<Frame> = None;
    let mut submitted = 0u64;
    let mut first_capture = None;
    let mut duration_reached = false;
    let result = loop {
        if settings.frames.is_some_and(|n| submitted >= n) {
            break Ok(());
        }
        let step = match take_frame(consumer, settings.live, &source.state, stop) {
            Take::Frame(frame)
                if settings.duration.is_some_and(|d| {
                    let first = *first_capture.get_or_insert(frame.captured);
                    frame.captured.saturating_duration_since(first) >= d
                }) =>
            {
                consumer.recycle(frame.data);
                duration_reached = true;
                break Ok(());
            }
            Take::Frame(frame) => {
                tracing::trace!(id = frame.id.0, "grading");
                let (meta, format) = (FrameMeta::of(&frame), frame.format);
                let mut own = StageTimes::default();
                let graded = grade_frame(
                    ctx,
                    &mut pipeline,
                    &mut grade,
                    &mut analysis,
                    driver,
                    (&frame, true),
                    (source, &stats),
                    &mut delivered,
                    &mut own,
                );
                if driver.holds_picture() {
                    if let Some(previous) = held.replace(frame) {
                        consumer.recycle(previous.data);
                    }
                } else {
                    consumer.recycle(frame.data);
                }
                submitted += 1;
                let step = graded.and_then(|()| {
                    if let Some(link) = &mut analysis {
                        own.time(Stage::Analysis, || {
                            link.after_frame(ctx, &pipeline, &meta, format)
                        })?;
                    }
                    driver.settle(ctx, settings.live && consumer.is_empty(), &mut delivered)
                });
                stats.budget_frame(own, driver.take_times());
                step
            }
            Take::Idle if held.is_some() && grade.changed() => {
                let frame = held.as_ref().expect("checked by the guard");
                let step = grade_frame(
                    ctx,
                    &mut pipeline,
                    &mut grade,
                    &mut analysis,
                    driver,
                    (frame, false),
                    (source, &stats),
                    &mut delivered,
                    &mut StageTimes::default(),
                );
                // A held frame graded again is no new frame of the budget.
                driver.take_times();
                step
            }
            Take::Idle => {
                let state = LoopState {
                    source: &source.description,
                    timecode: source.timecode.as_ref(),
                    stats: &stats,
                    look: grade.look(),
                    control: grade.control(),
                    analysis: analysis.as_ref(),
                };
                driver.idle(ctx, &pipeline, &state, &mut delivered)
            }
            Take::Done => break Ok(()),
        };
        record(&mut stats, &mut grade, &mut delivered);
        if let Err(e) = step {
            break Err(e);
        }
        on_frame(stats.frames());
    };
    let result = result.and_then(|()| {
        let state = LoopState {
            source: &source.description,
            timecode: source.timecode.as_ref(),
            stats: &stats,
            look: grade.look(),
            control: grade.control(),
            analysis: analysis.as_ref(),
        };
        driver.flush(ctx, &state, &mut delivered)
    });
    record(&mut stats, &mut grade, &mut delivered);
    let complete = settings.frames.is_some_and(|n| submitted >= n)
        || duration_reached
        || (source.state.exhausted.load(Ordering::Acquire) && consumer.is_empty());
    let stopped = stop.load(Ordering::Relaxed) && !complete;
    if let Some(link) = analysis {
        stats.set_analysis(link);
    }
    stats.set_grade_path(pipeline.path_report(), grade.look(), grade.held_frames);
    grade.finish(&mut stats);
    result.map(|()| (stats, stopped))
}

/// Grades `frame` with the newest look (and, for a new frame, the newest
/// analysis) into the driver. `fresh`: a new frame from the source.
#[allow(clippy::too_many_arguments)]
fn grade_frame(
    ctx: &GpuContext,
    pipeline: &mut FramePipeline,
    grade: &mut LiveGrade,
    analysis: &mut Option<AnalysisLink>,
    driver: &mut dyn Driver,
    (frame, fresh): (&Frame, bool),
    (source, stats): (&SourceThread, &Stats),
    delivered: &mut Vec<Tag>,
    times: &mut StageTimes,
) -> Result<(), EngineError> {
    times.time(Stage::Look, || {
        grade.refresh(ctx, pipeline)?;
        if fresh {
            grade.assist(frame, frame.id.0 as f64 / source.fps.max(1.0));
        }
        Ok::<(), GpuError>(())
    })?;
    if let Some(control) = grade.control() {
        super::proposals::serve(control, frame);
    }
    if let (Some(link), true) = (analysis.as_mut(), fresh) {
        link.set_object_point(grade.object_point());
        times.time(Stage::Analysis, || link.before_frame(ctx, pipeline, frame))?;
    }
    let tag = Tag {
        meta: FrameMeta::of(frame),
        control_since: grade.for_frame(ctx, pipeline, frame),
        fresh,
    };
    let state = LoopState {
        source: &source.description,
        timecode: source.timecode.as_ref(),
        stats,
        look: grade.look(),
        control: grade.control(),
        analysis: analysis.as_ref(),
    };
    let step = GradeStep {
        ctx,
        pipeline,
        uniforms: grade.frame_uniforms(),
        frame,
    };
    driver.submit(step, &state, tag, delivered)
}

/// Records the frames that reached the output: their latency (new frames)
/// and the control-to-picture latency of a change they are the first to
/// carry.
fn record(stats: &mut Stats, grade: &mut LiveGrade, delivered: &mut Vec<Tag>) {
    for tag in delivered.drain(..) {
        if tag.fresh {
            stats.record(tag.meta.captured);
        }
        grade.ready(tag.control_since);
    }
}
