//! What a run measured: frame rate, capture-to-ready latency, drops.
//!
//! How it works: every frame that reaches its sink records the time from its
//! capture to "ready" (read back into CPU memory for file/null sinks, handed to
//! the display for the window) in a fixed-size HDR histogram, so a run of
//! hours costs the same memory as a run of seconds. Frame rate is counted
//! from the first ready frame, so start-up (shader compilation, the first
//! upload) does not dilute it. With an interval (`run --stats-every`), the
//! same figures over each stretch of the run are logged as it goes, so a
//! long run shows whether it stays steady.

use super::analysis_link::{AnalysisLink, AnalysisReport, FrameAnalysis};
use super::budget::{Budget, BudgetReport, StageTimes};
use super::output::RecordingReport;
use super::ring::DropCounters;
use crate::control::{ControlLink, ControlReport};
use crate::gpu::bake::PathReport;
use crate::gpu::AdapterSummary;
use crate::grade::bake::{test_colours, BakeError, LiveBakeCheck, LIVE_SIZE};
use crate::grade::Look;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use crate::latency::{latency_of, LatencyMs};

/// Test colours the baked path's error is measured on at the end of a run.
const BAKE_ERROR_COLOURS: usize = 20_000;

pub struct Stats {
    started: Instant,
    first_ready: Option<Instant>,
    last_ready: Option<Instant>,
    frames: u64,
    /// Microseconds, 1 µs to 60 s, 3 significant digits.
    latency_us: Histogram<u64>,
    analysis: Option<AnalysisReport>,
    analysis_frames: Vec<FrameAnalysis>,
    control: Option<ControlReport>,
    interval: Option<Interval>,
    retouching: Vec<String>,
    grade_path: Option<GradePathReport>,
    budget: Budget,
}

/// Which path graded the run's frames (`gpu::bake`), with the baked path's
/// measured error.
#[derive(Debug, Clone, Serialize)]
pub struct GradePathReport {
    #[serde(flatten)]
    pub frames: PathReport,
    /// The run's last look: its live lattices against its exact grade
    /// (the secondaries keyed from the models aside), when frames were
    /// baked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bake_error: Option<BakeErrors>,
    /// Frames graded with the look shown before while a newer look's
    /// pipelines compiled beside the loop (`gpu::compiler`).
    pub previous_look_frames: u64,
}

/// The bake's error on two sets of colours.
#[derive(Debug, Clone, Serialize)]
pub struct BakeErrors {
    /// A grid of pixels of the run's newest baked picture (sampled once a
    /// second): what this footage shows.
    pub picture: BakeError,
    /// Colours a camera records of ordinary scenes in the look's input
    /// encoding: what other footage may show.
    pub test_colours: BakeError,
}

/// The figures of the current stretch of a run, logged and reset every
/// `every`.
struct Interval {
    every: Duration,
    start: Option<Instant>,
    frames: u64,
    latency_us: Histogram<u64>,
}

impl Interval {
    fn record(&mut self, micros: u64, ready: Instant) {
        let Some(start) = self.start else {
            self.start = Some(ready);
            return;
        };
        self.frames += 1;
        self.latency_us.saturating_record(micros);
        let elapsed = ready.saturating_duration_since(start);
        if elapsed >= self.every {
            let l = latency_of(&self.latency_us);
            tracing::info!(
                target: "neurograde::stats",
                "last {:.1} s: {:.2} fps, capture->ready p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                elapsed.as_secs_f64(),
                self.frames as f64 / elapsed.as_secs_f64(),
                l.p50,
                l.p99,
                l.max
            );
            self.start = Some(ready);
            self.frames = 0;
            self.latency_us.reset();
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Dropped {
    /// Frames the source could not queue because the ring was full.
    pub ring_full: u64,
    /// Frames skipped because a newer one was already waiting.
    pub superseded: u64,
    pub total: u64,
}

/// The summary printed at the end of a run and written by `--stats-json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub source: String,
    pub sink: String,
    pub adapter: Option<AdapterSummary>,
    /// Frames that reached the sink.
    pub frames: u64,
    /// Seconds from start to the last ready frame.
    pub duration_s: f64,
    /// Seconds from start to the first ready frame (opening the source,
    /// compiling the GPU kernels).
    pub startup_s: f64,
    /// Seconds from start to the end, the output finished (an encoder
    /// flushed, a file renamed into place).
    pub total_s: f64,
    /// Frames a second, measured from the first ready frame to the last.
    pub fps: f64,
    pub latency_ms: LatencyMs,
    pub dropped: Dropped,
    /// Every change to how people look that the run's looks made (skin
    /// smoothing, face tonal changes): disclosed, so that nobody hands on
    /// a retouched picture unknowingly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retouching: Vec<String>,
    /// With `--analysis sync|async`: result ages, models that could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisReport>,
    /// With control surfaces: events, changes, control-to-picture latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<ControlReport>,
    /// A live recording: frames in the file, left out, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<RecordingReport>,
    /// Exact or baked grading, and the bake's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_path: Option<GradePathReport>,
    /// Each stage's time per frame on the render thread, against the
    /// source's frame interval.
    pub budget: BudgetReport,
    /// Every frame's analysis (`neurograde analyze`).
    #[serde(skip)]
    pub analysis_frames: Vec<FrameAnalysis>,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            started: Instant::now(),
            first_ready: None,
            last_ready: None,
            frames: 0,
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3)
                .expect("static histogram bounds are valid"),
            analysis: None,
            analysis_frames: Vec::new(),
            control: None,
            interval: None,
            retouching: Vec::new(),
            grade_path: None,
            budget: Budget::new(None),
        }
    }

    /// Logs the figures of every stretch of `every` (see the module comment).
    pub fn logging_every(mut self, every: Option<Duration>) -> Stats {
        self.interval = every.map(|every| Interval {
            every,
            start: None,
            frames: 0,
            latency_us: self.latency_us.clone(),
        });
        self
    }

    /// Which path graded the run's frames; the error of `look`'s lattice
    /// (the run's last) is measured here when frames were baked.
    /// `previous_look_frames`: see [`GradePathReport`].
    pub fn set_grade_path(&mut self, frames: PathReport, look: &Look, previous_look_frames: u64) {
        let bake_error = frames
            .lattice
            .filter(|_| frames.baked_frames > 0)
            .map(|bake| {
                let check = LiveBakeCheck::new(look, bake);
                BakeErrors {
                    picture: check.error(&frames.picture_colours),
                    test_colours: check.error(&test_colours(look, BAKE_ERROR_COLOURS)),
                }
            });
        self.grade_path = Some(GradePathReport {
            frames,
            bake_error,
            previous_look_frames,
        });
    }

    /// Measures each frame against `interval` (a live source's frame
    /// interval; `None` offline).
    pub fn with_budget(mut self, interval: Option<Duration>) -> Stats {
        self.budget = Budget::new(interval);
        self
    }

    /// A frame's stages on the render thread: the loop's and its driver's.
    pub fn budget_frame(&mut self, own: StageTimes, driver: StageTimes) {
        self.budget.frame(own, driver);
    }

    /// The frame budget in a line (the operator view).
    pub fn budget_line(&self) -> String {
        self.budget.report().line()
    }

    /// What the run's looks changed in how people look.
    pub fn set_retouching(&mut self, changes: Vec<String>) {
        self.retouching = changes;
    }

    /// Ends the run's control surfaces and keeps their figures.
    pub fn set_control(&mut self, link: ControlLink) {
        self.control = Some(link.finish());
    }

    /// Ends the run's analysis and keeps its figures and records.
    pub fn set_analysis(&mut self, mut link: AnalysisLink) {
        self.analysis_frames = link.take_records();
        self.analysis = Some(link.finish());
    }

    /// A frame captured at `captured` is ready now.
    pub fn record(&mut self, captured: Instant) {
        let now = Instant::now();
        self.record_at(captured, now);
    }

    pub fn record_at(&mut self, captured: Instant, ready: Instant) {
        let micros = ready.saturating_duration_since(captured).as_micros() as u64;
        self.latency_us.saturating_record(micros.max(1));
        if let Some(interval) = &mut self.interval {
            interval.record(micros.max(1), ready);
        }
        self.first_ready.get_or_insert(ready);
        self.last_ready = Some(ready);
        self.frames += 1;
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Frames a second so far (0 until two frames are ready).
    pub fn fps(&self) -> f64 {
        match (self.first_ready, self.last_ready) {
            (Some(a), Some(b)) if self.frames > 1 && b > a => {
                (self.frames - 1) as f64 / (b - a).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    pub fn latency(&self) -> LatencyMs {
        latency_of(&self.latency_us)
    }

    pub fn report(
        self,
        source: String,
        sink: String,
        adapter: Option<AdapterSummary>,
        drops: &DropCounters,
    ) -> RunReport {
        let ring_full = drops.ring_full.load(Ordering::Relaxed);
        let superseded = drops.superseded.load(Ordering::Relaxed);
        RunReport {
            source,
            sink,
            adapter,
            frames: self.frames,
            duration_s: self
                .last_ready
                .map_or(Duration::ZERO, |t| t - self.started)
                .as_secs_f64(),
            startup_s: self
                .first_ready
                .map_or(Duration::ZERO, |t| t - self.started)
                .as_secs_f64(),
            total_s: self.started.elapsed().as_secs_f64(),
            fps: self.fps(),
            latency_ms: self.latency(),
            dropped: Dropped {
                ring_full,
                superseded,
                total: ring_full + superseded,
            },
            analysis: self.analysis,
            analysis_frames: self.analysis_frames,
            control: self.control,
            recording: None,
            retouching: self.retouching,
            grade_path: self.grade_path,
            budget: self.budget.report(),
        }
    }
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl RunReport {
    /// The human summary printed at the end of `run`.
    pub fn summary(&self) -> String {
        let l = &self.latency_ms;
        let finishing = (self.total_s - self.duration_s).max(0.0);
        let count = match self.frames {
            0 => "no frames".to_string(),
            1 => format!(
                "1 frame in {:.2} s ({finishing:.2} s finishing the output)",
                self.total_s
            ),
            n => format!(
                "{n} frames in {:.2} s ({:.2} s to the first, then {:.1} fps; {finishing:.2} s finishing the output)",
                self.total_s, self.startup_s, self.fps
            ),
        };
        let retouching = if self.retouching.is_empty() {
            String::new()
        } else {
            format!(" | RETOUCHED: {}", self.retouching.join("; "))
        };
        let path = match &self.grade_path {
            Some(p) => format!(" | {}", p.summary()),
            None => String::new(),
        };
        format!(
            "{count} | capture->ready latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms | dropped {} (ring full {}, superseded {}){path}{retouching}",
            l.p50, l.p95, l.p99, self.dropped.total, self.dropped.ring_full, self.dropped.superseded
        )
    }
}

impl GradePathReport {
    /// One line: which path, and the bake's error.
    pub fn summary(&self) -> String {
        let f = &self.frames;
        let baked = match &self.bake_error {
            Some(e) => format!(
                "baked ({LIVE_SIZE}-point lattice, {} bakes; from exact on the picture p99 {:.1}, max {:.1} 10-bit codes; on test colours p99 {:.1}, max {:.1})",
                f.bakes, e.picture.p99, e.picture.max, e.test_colours.p99, e.test_colours.max
            ),
            None => "baked".to_string(),
        };
        let exact = format!("exact ({})", f.exact_because.unwrap_or("as asked"));
        let paths = match (f.baked_frames, f.exact_frames) {
            (0, _) => format!("grade path {exact}"),
            (_, 0) => format!("grade path {baked}"),
            (b, e) => format!("grade path {baked} for {b} frames, {exact} for {e}"),
        };
        match self.previous_look_frames {
            0 => paths,
            n => format!(
                "{paths}; {n} frames kept the look shown before while a new look's kernel compiled beside the loop"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_fps_from_known_samples() {
        let mut stats = Stats::new();
        let t0 = Instant::now();
        for i in 0..100u64 {
            let captured = t0 + Duration::from_millis(10 * i);
            stats.record_at(captured, captured + Duration::from_millis(1 + i % 10));
        }
        let l = stats.latency();
        assert!((l.p50 - 5.0).abs() < 0.01, "{l:?}");
        assert!((l.p99 - 10.0).abs() < 0.02, "{l:?}");
        assert!((l.max - 10.0).abs() < 0.02);
        // 100 frames, 10 ms apart (jittered by the latency pattern): ~100 fps.
        assert!((stats.fps() - 100.0).abs() < 2.0, "{}", stats.fps());
    }
}
