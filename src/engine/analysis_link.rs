//! The render thread's side of the analysis: hands copies of frames to the
//! models and brings the newest result to every frame.
//!
//! How it works, per frame. Before the frame is graded
//! ([`AnalysisLink::before_frame`]): the newest result is taken from the
//! worker's latest-value slot; its faces are predicted forward to this
//! frame's capture time and the masks uploaded as a texture when something
//! changed (the frame pipeline's secondaries read it); the result's age (in
//! frames and milliseconds) is recorded. After the frame's kernel is
//! submitted ([`AnalysisLink::after_frame`]):
//! 1. a finished copy (read back without waiting) goes to the worker with
//!    `try_send`;
//! 2. if the worker is idle and no copy is on its way, this frame's copy is
//!    made on the GPU ([`DownscalePass`]) and its readback started.
//!
//! `--analysis sync` (and offline renders, `analyze`) instead analyse
//! each frame on the render thread before it is graded: the frame is
//! uploaded, its copy made and read back, the models run, and the frame is
//! graded with its own masks (age 0).

use super::output::FrameMeta;
use crate::analysis::runtime::{Placement, Runtime};
use crate::analysis::{
    picture::{copy_size, RgbPicture},
    tracker::TrackedFace,
    worker::AnalysisWorker,
    Analysis, AnalysisInput, AnalysisMode, Analyzer, AnalyzerSettings,
};
use crate::frame::{Frame, FrameId};
use crate::gpu::downscale::DownscalePass;
use crate::gpu::masks::MaskTexture;
use crate::gpu::{FramePipeline, GpuContext, GpuError, ReadbackQueue};
use crate::masks::MaskChannel;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How a run analyses its frames.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOptions {
    pub mode: AnalysisMode,
    pub models: AnalyzerSettings,
    /// Longest side of the copy the models see, in pixels.
    pub copy_longest: u32,
    /// Scheduling priority the worker thread drops to (Linux nice, 0..19).
    pub nice: i32,
    /// Keep every frame's result for `neurograde analyze`.
    pub record: bool,
    /// Every model asked for must run (an offline render of a look with
    /// secondaries): one that cannot is an error, not a warning.
    pub required: bool,
}

impl Default for AnalysisOptions {
    fn default() -> AnalysisOptions {
        AnalysisOptions {
            mode: AnalysisMode::Off,
            models: AnalyzerSettings::default(),
            copy_longest: 640,
            nice: 10,
            record: false,
            required: false,
        }
    }
}

/// A provider's name without ONNX Runtime's suffix (`WebGpu`, `CPU`).
fn short_provider(name: &str) -> &str {
    name.strip_suffix("ExecutionProvider").unwrap_or(name)
}

/// The models an offline render needs cannot run (why, per model).
#[derive(Debug, Clone)]
pub struct AnalysisUnavailable(pub String);

/// What one frame was graded with (a line of `neurograde analyze`'s JSON).
#[derive(Debug, Clone, Serialize)]
pub struct FrameAnalysis {
    pub frame: u64,
    /// The frame the result was computed from.
    pub analysed_frame: u64,
    pub age_frames: u64,
    pub age_ms: f64,
    /// The result starts a new shot (reported on its first frame only).
    pub scene_cut: bool,
    /// The face detector ran for this result (else the mesh tracked).
    pub detected: bool,
    /// Faces in frame pixels, predicted to this frame.
    pub faces: Vec<TrackedFace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matte_coverage: Option<f32>,
    /// Smoothed (far, near) inverse-depth range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth_range: Option<(f32, f32)>,
}

/// The analysis figures of a run (in `--stats-json`).
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisReport {
    pub mode: AnalysisMode,
    /// Pictures the models analysed.
    pub analysed: u64,
    /// Frames graded with a result.
    pub frames_with_result: u64,
    pub age_frames_mean: f64,
    pub age_frames_max: u64,
    pub age_ms_mean: f64,
    pub age_ms_p95: f64,
    /// Mean time in the models and tracker per analysed picture.
    pub compute_ms_mean: f64,
    /// Models asked for that could not run, and why.
    pub problems: Vec<String>,
    /// Where each model that opened runs: the execution provider, its
    /// device, and why that one (`--inference`).
    pub providers: Vec<Placement>,
}

struct PendingCopy {
    frame: FrameId,
    captured: Instant,
    frame_size: [u32; 2],
    size: (u32, u32),
    /// The look's object point when the copy was made.
    object_point: Option<[f32; 2]>,
}

enum Runner {
    Worker(AnalysisWorker),
    Inline(Box<Analyzer>),
}

pub struct AnalysisLink {
    options: AnalysisOptions,
    runner: Runner,
    downscale: DownscalePass,
    copies: ReadbackQueue<PendingCopy>,
    latest: Option<Arc<Analysis>>,
    /// The held result has not been drawn into the masks yet.
    masks_stale: bool,
    masks: Option<MaskTexture>,
    /// The masks changed since the frame pipeline was last given them.
    masks_uploaded: bool,
    age_frames: Histogram<u64>,
    age_us: Histogram<u64>,
    compute_total_ms: f64,
    results_seen: u64,
    records: Vec<FrameAnalysis>,
    /// Mask channels the operator turned off (a bit per
    /// `masks::MaskChannel`), and those the masks were last
    /// drawn without.
    muted: AtomicU8,
    muted_drawn: u8,
    /// The live look's object point (`Look::object_point`).
    object_point: Option<[f32; 2]>,
}

impl AnalysisLink {
    /// Starts the analysis of a run; `None` when the mode is off. With
    /// `required`, a model that cannot run is an error.
    pub fn start(
        ctx: &GpuContext,
        options: &AnalysisOptions,
    ) -> Result<Option<AnalysisLink>, AnalysisUnavailable> {
        let runner = match options.mode {
            AnalysisMode::Off => return Ok(None),
            AnalysisMode::Sync => {
                let analyzer = Analyzer::open(options.models.clone());
                if options.required && !analyzer.problems.is_empty() {
                    return Err(AnalysisUnavailable(analyzer.problems.join("; ")));
                }
                Runner::Inline(Box::new(analyzer))
            }
            AnalysisMode::Async => {
                match AnalysisWorker::start(options.models.clone(), options.nice) {
                    Ok(worker) => Runner::Worker(worker),
                    Err(e) => {
                        tracing::warn!("analysis thread could not start: {e}; grading without it");
                        return Ok(None);
                    }
                }
            }
        };
        let histogram = || {
            Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
        };
        Ok(Some(AnalysisLink {
            options: options.clone(),
            runner,
            downscale: DownscalePass::new(ctx),
            copies: ReadbackQueue::new(1, ctx.direct_readback),
            latest: None,
            masks_stale: false,
            masks: None,
            masks_uploaded: false,
            age_frames: histogram(),
            age_us: histogram(),
            compute_total_ms: 0.0,
            results_seen: 0,
            records: Vec::new(),
            muted: AtomicU8::new(0),
            muted_drawn: 0,
            object_point: None,
        }))
    }

    /// The point of the object the live look masks (picture fractions):
    /// the analysis finds it there and follows it; a new point starts
    /// again.
    pub fn set_object_point(&mut self, point: Option<[f32; 2]>) {
        self.object_point = point;
    }

    /// Call before the frame is graded (see the module comment).
    pub fn before_frame(
        &mut self,
        ctx: &GpuContext,
        frames: &mut FramePipeline,
        frame: &Frame,
    ) -> Result<(), GpuError> {
        let meta = FrameMeta::of(frame);
        match &mut self.runner {
            Runner::Worker(worker) => {
                let newest = worker.latest();
                self.take(newest);
                self.use_latest(ctx, &meta);
            }
            Runner::Inline(analyzer) if analyzer.is_active() => {
                frames.upload(ctx, frame)?;
                self.request_copy(ctx, frames, &meta, frame.format);
                let mut input = None;
                self.copies.flush(&ctx.device, |copy, bytes| {
                    input = Some(input_of(copy, bytes))
                })?;
                if let (Some(input), Runner::Inline(analyzer)) = (input, &mut self.runner) {
                    let result = Arc::new(analyzer.analyse(&input));
                    self.take(Some(result));
                }
                self.use_latest(ctx, &meta);
            }
            Runner::Inline(_) => {}
        }
        if self.masks_uploaded {
            self.masks_uploaded = false;
            if let Some(masks) = &self.masks {
                frames.set_masks(masks);
            }
        }
        Ok(())
    }

    /// Turns an analysis mask off or on for the grade (`channel`: R face,
    /// G skin, B person, A depth, as `crate::masks` lays them out; the
    /// face's parts follow the face).
    pub fn set_muted(&self, channel: usize, muted: bool) {
        let bit = 1u8 << channel.min(3);
        if muted {
            self.muted.fetch_or(bit, Ordering::Relaxed);
        } else {
            self.muted.fetch_and(!bit, Ordering::Relaxed);
        }
    }

    pub fn is_muted(&self, channel: usize) -> bool {
        self.muted.load(Ordering::Relaxed) & (1 << channel.min(3)) != 0
    }

    /// The newest result (faces, matte, depth), for the operator view.
    pub fn latest(&self) -> Option<&Arc<Analysis>> {
        self.latest.as_ref()
    }

    /// The analysis in a line, for the operator view: mode, results, the
    /// newest result's faces and age.
    pub fn status(&self) -> String {
        let mode = format!("analysis {:?}", self.options.mode).to_lowercase();
        let mode = match Runtime::loaded().map(|r| r.placements()) {
            Some(placed) if !placed.is_empty() => {
                let mut providers: Vec<&str> =
                    placed.iter().map(|p| short_provider(&p.provider)).collect();
                providers.dedup();
                format!("{mode} on {}", providers.join("+"))
            }
            _ => mode,
        };
        match &self.latest {
            None => format!("{mode}: no result yet"),
            Some(a) => format!(
                "{mode}: {} results | {} face(s){}{} | result age {:.0} ms",
                self.results_seen,
                a.faces.len(),
                if a.matte.is_some() { ", person" } else { "" },
                if a.depth.is_some() { ", depth" } else { "" },
                a.captured.elapsed().as_secs_f64() * 1000.0,
            ),
        }
    }

    /// Call after the frame's kernel is submitted (see the module comment).
    pub fn after_frame(
        &mut self,
        ctx: &GpuContext,
        frames: &FramePipeline,
        frame: &FrameMeta,
        format: crate::frame::PixelFormat,
    ) -> Result<(), GpuError> {
        match &mut self.runner {
            Runner::Worker(worker) => {
                self.copies.complete(&ctx.device, false, |copy, bytes| {
                    worker.offer(input_of(copy, bytes));
                })?;
                if worker.wants_picture() && self.copies.has_room() {
                    self.request_copy(ctx, frames, frame, format);
                }
            }
            // Analysed before the frame was graded.
            Runner::Inline(_) => {}
        }
        Ok(())
    }

    fn request_copy(
        &mut self,
        ctx: &GpuContext,
        frames: &FramePipeline,
        frame: &FrameMeta,
        format: crate::frame::PixelFormat,
    ) {
        let size = copy_size(frame.width, frame.height, self.options.copy_longest);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("analysis copy"),
            });
        let out = self
            .copies
            .target(&ctx.device, DownscalePass::copy_bytes(size.0, size.1));
        self.downscale
            .encode(ctx, &mut encoder, frames, format, out, size);
        self.copies.submit(
            &ctx.queue,
            encoder,
            PendingCopy {
                frame: frame.id,
                captured: frame.captured,
                frame_size: [frame.width, frame.height],
                size,
                object_point: self.object_point,
            },
        );
    }

    /// Keeps `newest` if it is newer than the result held.
    fn take(&mut self, newest: Option<Arc<Analysis>>) {
        if let Some(newest) = newest {
            if self.latest.as_ref().is_none_or(|l| l.frame < newest.frame) {
                self.compute_total_ms += newest.compute.as_secs_f64() * 1000.0;
                self.results_seen += 1;
                self.latest = Some(newest);
                self.masks_stale = true;
            }
        }
    }

    /// Brings the held result to `frame`: ages, masks, the record.
    fn use_latest(&mut self, ctx: &GpuContext, frame: &FrameMeta) {
        let Some(result) = self.latest.clone() else {
            return;
        };
        let age_frames = frame.id.0.saturating_sub(result.frame.0);
        let age = frame.captured.saturating_duration_since(result.captured);
        let _ = self.age_frames.record(age_frames);
        let _ = self.age_us.record(age.as_micros() as u64);
        // Predicting copies every landmark (and moves the object): only
        // when the masks or the record need it.
        let moving = result.faces.iter().any(|f| f.velocity != [0.0, 0.0])
            || (result.object.is_some() && result.object_velocity != [0.0, 0.0]);
        let muted = self.muted.load(Ordering::Relaxed);
        let redraw = self.masks_stale || (age_frames > 0 && moving) || muted != self.muted_drawn;
        let faces = if redraw || self.options.record {
            result.faces_at(frame.captured)
        } else {
            Vec::new()
        };
        if redraw {
            let mut masks = result.masks_at(&faces, frame.captured);
            // A mask the operator turned off is absent: its secondaries
            // grade nothing, as when no model made it. The face's parts
            // go with the face.
            for channel in MaskChannel::ALL {
                let switch = match channel {
                    // The object has no switch: pointing at none is off.
                    MaskChannel::Object => continue,
                    part if part as usize >= 4 => MaskChannel::Face as usize,
                    own => own as usize,
                };
                if muted & (1 << switch) != 0 {
                    masks.remove(channel);
                }
            }
            self.muted_drawn = muted;
            MaskTexture::upload(&mut self.masks, &ctx.device, &ctx.queue, &masks);
            self.masks_uploaded = true;
        }
        let first_use = self.masks_stale;
        self.masks_stale = false;
        if result.scene_cut && first_use {
            tracing::info!(
                "scene cut at frame {}: tracks and smoothing start again",
                result.frame.0
            );
        }
        if self.options.record {
            self.records.push(FrameAnalysis {
                frame: frame.id.0,
                analysed_frame: result.frame.0,
                age_frames,
                age_ms: age.as_secs_f64() * 1000.0,
                scene_cut: result.scene_cut && first_use,
                detected: result.detected,
                faces,
                matte_coverage: result.matte.as_ref().map(|m| m.coverage()),
                depth_range: result.depth.as_ref().map(|d| d.range),
            });
        }
    }
}

fn input_of(copy: PendingCopy, rgba: &[u8]) -> AnalysisInput {
    let (width, height) = copy.size;
    AnalysisInput {
        frame: copy.frame,
        captured: copy.captured,
        frame_size: copy.frame_size,
        picture: RgbPicture::from_rgba8(width, height, rgba),
        object_point: copy.object_point,
    }
}

impl AnalysisLink {
    /// Every frame's record (with `record` set).
    pub fn take_records(&mut self) -> Vec<FrameAnalysis> {
        std::mem::take(&mut self.records)
    }

    /// Ends the analysis: stops the worker and sums up.
    pub fn finish(self) -> AnalysisReport {
        let (analysed, problems) = match self.runner {
            Runner::Worker(worker) => worker.stop_and_join(),
            Runner::Inline(analyzer) => (self.results_seen, analyzer.problems.clone()),
        };
        AnalysisReport {
            mode: self.options.mode,
            analysed,
            frames_with_result: self.age_frames.len(),
            age_frames_mean: self.age_frames.mean(),
            age_frames_max: self.age_frames.max(),
            age_ms_mean: self.age_us.mean() / 1000.0,
            age_ms_p95: self.age_us.value_at_quantile(0.95) as f64 / 1000.0,
            compute_ms_mean: self.compute_total_ms / self.results_seen.max(1) as f64,
            problems,
            providers: Runtime::loaded().map_or_else(Vec::new, |r| r.placements()),
        }
    }
}
