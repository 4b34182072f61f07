//! Follow mode: the auto proposal applied continuously on live video,
//! steady enough for broadcast.
//!
//! How it works, per frame, in the look's units (exposure in stops,
//! temperature and tint in mired and thousandths of Duv, compared as
//! "stop-equivalents" through [`MIRED_PER_STOP`]):
//!
//! - The frame's proposal is smoothed (exponentially, time constant
//!   [`SMOOTHING`], weighted by its confidence: a doubtful proposal barely
//!   moves the aim).
//! - A sudden change of the light within a shot (the proposal jumps by more
//!   than [`STEP`] within [`STEP_FRAMES`] frames, and no cut) is deliberate:
//!   a light switched on. It is kept: the jump is added to what follow
//!   leaves alone, so the correction does not move for it.
//! - Hysteresis: the correction starts moving only when the aim is more
//!   than the dead band away, and stops when it is within a quarter of it,
//!   so estimation noise never makes it pump.
//! - Moving, it approaches the aim first-order (never past it, so it never
//!   oscillates) at most `speed` stops a second.
//! - A cut (a new shot) starts afresh: the correction jumps to the new
//!   shot's proposal.
//!
//! The correction is added to the manual grade, which stays as set.

use crate::grade::assist::{AutoSection, MIRED_PER_STOP};
use std::collections::VecDeque;

/// Time constant of the aim's smoothing, seconds.
pub const SMOOTHING: f32 = 0.5;
/// A jump of the proposal this large (stop-equivalents) is deliberate.
pub const STEP: f32 = 0.35;
/// Within this many frames.
pub const STEP_FRAMES: usize = 3;
/// How fast the correction approaches its aim while moving (1 / s).
const APPROACH: f32 = 2.0;
/// Thousandths of Duv per stop-equivalent.
const TINT_PER_STOP: f32 = 10.0;

/// A correction in the look's units: added to its exposure, temperature
/// and tint.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Correction {
    pub exposure: f32,
    pub temperature: f32,
    pub tint: f32,
}

impl Correction {
    fn to_units(self) -> [f32; 3] {
        [
            self.exposure,
            self.temperature / MIRED_PER_STOP,
            self.tint / TINT_PER_STOP,
        ]
    }

    fn from_units(u: [f32; 3]) -> Correction {
        Correction {
            exposure: u[0],
            temperature: u[1] * MIRED_PER_STOP,
            tint: u[2] * TINT_PER_STOP,
        }
    }

    /// The sum of two corrections.
    pub fn plus(self, other: Correction) -> Correction {
        Correction {
            exposure: self.exposure + other.exposure,
            temperature: self.temperature + other.temperature,
            tint: self.tint + other.tint,
        }
    }

    pub fn is_zero(self) -> bool {
        self == Correction::default()
    }
}

/// The follow state of one stream.
#[derive(Debug, Clone, Default)]
pub struct Follower {
    applied: Option<[f32; 3]>,
    aim: [f32; 3],
    kept: [f32; 3],
    moving: [bool; 3],
    recent: VecDeque<[f32; 3]>,
}

impl Follower {
    /// The correction for this frame, from its proposal (`target`, with
    /// its `confidence`), `dt` seconds after the previous frame, `cut`
    /// when this frame starts a new shot.
    pub fn update(
        &mut self,
        section: &AutoSection,
        target: Correction,
        confidence: f32,
        dt: f32,
        cut: bool,
    ) -> Correction {
        let mut target = target.to_units();
        if !section.exposure {
            target[0] = 0.0;
        }
        if !section.balance {
            target[1] = 0.0;
            target[2] = 0.0;
        }
        let Some(mut applied) = self.applied.filter(|_| !cut) else {
            *self = Follower {
                applied: Some(target),
                aim: target,
                recent: VecDeque::from([target]),
                ..Follower::default()
            };
            return Correction::from_units(target);
        };
        // A deliberate step: keep it.
        self.recent.push_back(target);
        if self.recent.len() > STEP_FRAMES + 1 {
            self.recent.pop_front();
        }
        let oldest = self.recent[0];
        let jump = [0, 1, 2].map(|c| target[c] - oldest[c]);
        if jump.iter().any(|j| j.abs() > STEP) {
            for (c, j) in jump.iter().enumerate() {
                self.kept[c] += j;
                self.aim[c] += j;
            }
            self.recent = VecDeque::from([target]);
        }
        let alpha = (1.0 - (-dt.max(0.0) / SMOOTHING).exp()) * confidence.clamp(0.0, 1.0);
        let band = section.dead_band;
        let limit = section.speed * dt.max(0.0);
        for c in 0..3 {
            self.aim[c] += alpha * (target[c] - self.aim[c]);
            let error = self.aim[c] - self.kept[c] - applied[c];
            if !self.moving[c] && error.abs() > band {
                self.moving[c] = true;
            } else if self.moving[c] && error.abs() < band / 4.0 {
                self.moving[c] = false;
            }
            if self.moving[c] {
                let step = (APPROACH * dt * error).clamp(-limit, limit);
                // First-order: never past the aim.
                applied[c] += if step.abs() > error.abs() {
                    error
                } else {
                    step
                };
            }
        }
        self.applied = Some(applied);
        Correction::from_units(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposure(e: f32) -> Correction {
        Correction {
            exposure: e,
            ..Correction::default()
        }
    }

    #[test]
    fn follows_a_drift_keeps_a_step_and_jumps_at_a_cut() {
        let section = AutoSection::default();
        let mut f = Follower::default();
        let dt = 1.0 / 25.0;
        assert_eq!(
            f.update(&section, exposure(0.5), 1.0, dt, true),
            exposure(0.5)
        );
        // Within the dead band: nothing moves.
        for _ in 0..50 {
            assert_eq!(
                f.update(&section, exposure(0.6), 1.0, dt, false).exposure,
                0.5
            );
        }
        // A drift of a stop over 4 s is followed, never faster than the
        // speed, never past it.
        let mut last = 0.5;
        for i in 0..300 {
            let t = 0.6 + (i as f32 / 100.0).min(1.0);
            let e = f.update(&section, exposure(t), 1.0, dt, false).exposure;
            assert!((e - last).abs() <= section.speed * dt + 1e-6);
            assert!(e <= 1.6 + 1e-6);
            last = e;
        }
        assert!((last - 1.6).abs() < section.dead_band, "{last}");
        // A light switched on: the proposal drops 1.5 stops at once. Kept.
        for _ in 0..100 {
            let e = f.update(&section, exposure(0.1), 1.0, dt, false).exposure;
            assert!((e - last).abs() < 1e-6, "{e} vs {last}");
        }
        // A cut: the new shot's proposal at once.
        assert_eq!(
            f.update(&section, exposure(-0.7), 1.0, dt, true),
            exposure(-0.7)
        );
    }
}
