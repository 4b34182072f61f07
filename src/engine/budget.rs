//! The frame budget: the render thread's time per frame, stage by stage,
//! against the source's frame interval.
//!
//! How it works: the frame loop times what it does for a frame itself
//! (taking the newest look and the live assistance's measurement, the
//! analysis hand-over) and asks its driver for the rest ([`StageTimes`]:
//! recording the GPU work with the frame's upload, submitting it, waiting
//! for the GPU and the readback, handing the picture to the output). [`Budget`] keeps a
//! histogram per stage, counts the frames whose stages together took longer
//! than the frame interval, and which stage was the largest in each of
//! them: the stage that misses the budget. On a CPU rasteriser the GPU's
//! work runs on the CPU while the render thread submits and waits, so
//! `submit` and `gpu_wait` hold it.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::{Duration, Instant};

/// A stage of a frame on the render thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The newest look from the control surfaces; follow mode's and the
    /// stabiliser's measurement of the frame.
    Look,
    /// Handing the frame to the analysis and its newest result to the grade.
    Analysis,
    /// Recording the frame's GPU work: the upload, noise reduction, keying,
    /// a re-bake, the frame kernel.
    Record,
    /// Handing the work to the GPU's queue (a CPU rasteriser runs much of
    /// the work itself here).
    Submit,
    /// Waiting for the GPU's work and the readback of the graded picture.
    GpuWait,
    /// Handing the picture to the output (a file's encoder queue, a
    /// window's surface).
    Output,
}

const STAGES: [Stage; 6] = [
    Stage::Look,
    Stage::Analysis,
    Stage::Record,
    Stage::Submit,
    Stage::GpuWait,
    Stage::Output,
];

impl Stage {
    fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Look => "look",
            Stage::Analysis => "analysis",
            Stage::Record => "record",
            Stage::Submit => "submit",
            Stage::GpuWait => "gpu wait",
            Stage::Output => "output",
        }
    }
}

/// Time spent in each stage since the last take.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimes([Duration; STAGES.len()]);

impl StageTimes {
    pub fn add(&mut self, stage: Stage, time: Duration) {
        self.0[stage.index()] += time;
    }

    /// Runs `work`, adding its time to `stage`.
    pub fn time<T>(&mut self, stage: Stage, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let result = work();
        self.add(stage, start.elapsed());
        result
    }

    /// The times so far, leaving zeros.
    pub fn take(&mut self) -> StageTimes {
        std::mem::take(self)
    }

    fn plus(mut self, other: StageTimes) -> StageTimes {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
        self
    }
}

/// The figures of one stage over the run.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub stage: Stage,
    /// The typical frame (the mean also carries the first frame's kernel
    /// compilation).
    pub p50_ms: f64,
    pub mean_ms: f64,
    pub p99_ms: f64,
    /// Frames over the budget in which this stage took the longest.
    pub led_over_budget: u64,
}

/// `--stats-json`'s `budget`.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetReport {
    /// The source's frame interval (none with `--fast`: no budget to keep).
    pub frame_budget_ms: Option<f64>,
    pub frames: u64,
    /// Frames whose stages took longer than the budget together.
    pub over_budget: u64,
    pub stages: Vec<StageReport>,
    /// The stage that took the longest in most frames over the budget.
    pub missed_by: Option<Stage>,
    /// The longest frame after the first (which compiles the kernel): the
    /// longest the render thread kept the picture waiting.
    pub longest_frame_ms: f64,
}

pub struct Budget {
    budget: Option<Duration>,
    micros: Vec<Histogram<u64>>,
    frames: u64,
    over: u64,
    led: [u64; STAGES.len()],
    longest: Duration,
}

impl Budget {
    /// A budget of `interval` a frame (`None`: measure without one).
    pub fn new(interval: Option<Duration>) -> Budget {
        let histogram = || {
            Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
        };
        Budget {
            budget: interval,
            micros: STAGES.iter().map(|_| histogram()).collect(),
            frames: 0,
            over: 0,
            led: [0; STAGES.len()],
            longest: Duration::ZERO,
        }
    }

    /// A frame: the loop's own stages and the driver's.
    pub fn frame(&mut self, own: StageTimes, driver: StageTimes) {
        let times = own.plus(driver);
        for (stage, time) in STAGES.iter().zip(times.0) {
            let micros = time.as_micros() as u64;
            self.micros[stage.index()].saturating_record(micros.max(1));
        }
        self.frames += 1;
        let total: Duration = times.0.iter().sum();
        if self.frames > 1 {
            self.longest = self.longest.max(total);
        }
        if self.budget.is_some_and(|b| total > b) {
            self.over += 1;
            let largest = (0..STAGES.len())
                .max_by_key(|&i| times.0[i])
                .expect("stages are not empty");
            self.led[largest] += 1;
        }
    }

    pub fn report(&self) -> BudgetReport {
        let stages: Vec<StageReport> = STAGES
            .iter()
            .map(|&stage| {
                let h = &self.micros[stage.index()];
                StageReport {
                    stage,
                    p50_ms: h.value_at_quantile(0.5) as f64 / 1000.0,
                    mean_ms: if h.is_empty() { 0.0 } else { h.mean() / 1000.0 },
                    p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
                    led_over_budget: self.led[stage.index()],
                }
            })
            .collect();
        let missed_by = stages
            .iter()
            .filter(|s| s.led_over_budget > 0)
            .max_by_key(|s| s.led_over_budget)
            .map(|s| s.stage);
        BudgetReport {
            frame_budget_ms: self.budget.map(|b| b.as_secs_f64() * 1000.0),
            frames: self.frames,
            over_budget: self.over,
            stages,
            missed_by,
            longest_frame_ms: self.longest.as_secs_f64() * 1000.0,
        }
    }
}

impl BudgetReport {
    /// The budget in a line (the operator view, the run summary).
    pub fn line(&self) -> String {
        if self.frames == 0 {
            return "no frame yet".into();
        }
        let stages: Vec<String> = self
            .stages
            .iter()
            .map(|s| format!("{} {:.1}", s.stage.name(), s.p50_ms))
            .collect();
        let budget = match self.frame_budget_ms {
            Some(ms) => format!("budget {ms:.1} ms: "),
            None => String::new(),
        };
        let missed = match self.missed_by {
            Some(stage) => format!(
                "; {} of {} frames over, mostly {}",
                self.over_budget,
                self.frames,
                stage.name()
            ),
            None if self.frame_budget_ms.is_some() => "; none over".into(),
            None => String::new(),
        };
        format!(
            "{budget}{} ms a frame (median){missed}; longest {:.0} ms",
            stages.join(", "),
            self.longest_frame_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_stage_that_misses_the_budget() {
        let mut budget = Budget::new(Some(Duration::from_millis(33)));
        let ms = Duration::from_millis;
        for i in 0..10 {
            let mut own = StageTimes::default();
            own.add(Stage::Look, ms(1));
            let mut driver = StageTimes::default();
            driver.add(Stage::Record, ms(5));
            // Every third frame the GPU takes 40 ms: over the budget.
            driver.add(Stage::GpuWait, ms(if i % 3 == 0 { 40 } else { 10 }));
            budget.frame(own, driver);
        }
        let report = budget.report();
        assert_eq!(report.frames, 10);
        assert_eq!(report.over_budget, 4);
        assert_eq!(report.missed_by, Some(Stage::GpuWait));
        let gpu = &report.stages[Stage::GpuWait.index()];
        assert!((gpu.mean_ms - 22.0).abs() < 0.1, "{gpu:?}");
        assert!((gpu.p99_ms - 40.0).abs() < 0.1, "{gpu:?}");
        // Frame 0 is the first (left out); frames 3, 6, 9 take 46 ms.
        assert!((report.longest_frame_ms - 46.0).abs() < 0.1, "{report:?}");
        let line = report.line();
        assert!(
            line.contains("4 of 10 frames over, mostly gpu wait"),
            "{line}"
        );
    }

    #[test]
    fn without_a_budget_nothing_is_over() {
        let mut budget = Budget::new(None);
        let mut driver = StageTimes::default();
        driver.add(Stage::GpuWait, Duration::from_secs(1));
        budget.frame(StageTimes::default(), driver);
        assert_eq!(budget.report().over_budget, 0);
        assert_eq!(budget.report().missed_by, None);
    }
}
