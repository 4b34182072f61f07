//! Temporal smoothing of analysis results: the One Euro filter for face
//! boxes and landmarks, motion-adaptive blending for mattes, and a smoothed
//! range for depth.
//!
//! How it works:
//! - [`OneEuro`] (Casiez, Roussel and Vogel, "1 Euro Filter: A Simple
//!   Speed-based Low-pass Filter for Noisy Input in Interactive Systems",
//!   CHI 2012): an exponential low-pass whose cutoff rises with the signal's
//!   speed, `fc = min_cutoff + beta |dx/dt|`, so a still face is held steady
//!   (low cutoff: jitter removed) and a moving one is followed without lag
//!   (high cutoff). Each step's weight is `a = 1 / (1 + tau / Te)`, with
//!   `tau = 1 / (2 pi fc)` and `Te` the time since the last sample.
//! - [`MatteSmoother`]: per cell, the new matte is blended into the held one
//!   with a weight that rises with how much the *picture* moved there. Where
//!   the picture is still, the matte's frame-to-frame noise is averaged away
//!   (no flicker); where it moved, the new matte is taken as it is (no lag
//!   trail behind a moving subject). A large jump of the matte itself counts
//!   as movement too, since noise moves it by a few hundredths only.
//! - [`RangeSmoother`]: an exponential moving average of the depth map's
//!   low and high percentiles, so its normalisation does not pump.

/// One Euro filter of one value.
#[derive(Debug, Clone)]
pub struct OneEuro {
    min_cutoff: f32,
    beta: f32,
    derivative_cutoff: f32,
    /// The last output and the last raw sample.
    value: Option<(f32, f32)>,
    speed: f32,
}

/// Settings shared by the filters of one track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuroSettings {
    /// Cutoff (Hz) when still: lower is steadier.
    pub min_cutoff: f32,
    /// How fast the cutoff rises with speed (per unit/s): higher lags less.
    pub beta: f32,
}

impl Default for OneEuroSettings {
    /// Tuned on the virtual camera's face (picture pixels of a 640-wide copy):
    /// a still face holds within a fraction of a pixel, a pan is followed.
    fn default() -> OneEuroSettings {
        OneEuroSettings {
            min_cutoff: 0.8,
            beta: 0.02,
        }
    }
}

fn smoothing_factor(cutoff: f32, elapsed: f32) -> f32 {
    let tau = 1.0 / (std::f32::consts::TAU * cutoff);
    1.0 / (1.0 + tau / elapsed)
}

impl OneEuro {
    pub fn new(settings: OneEuroSettings) -> OneEuro {
        OneEuro {
            min_cutoff: settings.min_cutoff,
            beta: settings.beta,
            derivative_cutoff: 1.0,
            value: None,
            speed: 0.0,
        }
    }

    /// Filters `x` measured `elapsed` seconds after the previous sample.
    pub fn filter(&mut self, x: f32, elapsed: f32) -> f32 {
        let Some((previous, previous_raw)) = self.value else {
            self.value = Some((x, x));
            return x;
        };
        let elapsed = elapsed.max(1e-4);
        // Speed from raw samples (as MediaPipe's filter does), so it is the
        // true speed and can predict ahead.
        let raw_speed = (x - previous_raw) / elapsed;
        let a_d = smoothing_factor(self.derivative_cutoff, elapsed);
        self.speed += a_d * (raw_speed - self.speed);
        let cutoff = self.min_cutoff + self.beta * self.speed.abs();
        let a = smoothing_factor(cutoff, elapsed);
        let value = previous + a * (x - previous);
        self.value = Some((value, x));
        value
    }

    /// The filtered speed (units per second), for predicting ahead.
    pub fn speed(&self) -> f32 {
        self.speed
    }
}

/// Motion-adaptive temporal blending of a matte (see the module comment).
#[derive(Debug, Clone, Default)]
pub struct MatteSmoother {
    held: Option<Vec<f32>>,
    luma: Option<Vec<f32>>,
}

/// Weight of a new matte where the picture did not move: 0.25 averages
/// noise over about seven frames.
const STILL_WEIGHT: f32 = 0.25;
/// Picture change (mean luma, 0..1) below which a cell counts as still, and
/// above which it counts as moving; blended smoothly in between.
const MOTION_LOW: f32 = 0.01;
const MOTION_HIGH: f32 = 0.04;
/// A jump of the matte itself this large is a subject moving, not noise
/// (noise on a still subject moves alpha by a few hundredths).
const ALPHA_LOW: f32 = 0.05;
const ALPHA_HIGH: f32 = 0.25;

impl MatteSmoother {
    /// Blends `alpha` into the held matte. `luma` is the picture's luma
    /// resampled to the matte's grid (same length as `alpha`).
    pub fn smooth(&mut self, alpha: &[f32], luma: &[f32]) -> Vec<f32> {
        let out = match (&self.held, &self.luma) {
            (Some(held), Some(previous)) if held.len() == alpha.len() => alpha
                .iter()
                .zip(held)
                .zip(luma.iter().zip(previous))
                .map(|((new, old), (l, pl))| {
                    let motion = smoothstep(MOTION_LOW, MOTION_HIGH, (l - pl).abs())
                        .max(smoothstep(ALPHA_LOW, ALPHA_HIGH, (new - old).abs()));
                    let weight = STILL_WEIGHT + (1.0 - STILL_WEIGHT) * motion;
                    old + weight * (new - old)
                })
                .collect(),
            _ => alpha.to_vec(),
        };
        self.held = Some(out.clone());
        self.luma = Some(luma.to_vec());
        out
    }

    pub fn reset(&mut self) {
        *self = MatteSmoother::default();
    }
}

fn smoothstep(lo: f32, hi: f32, x: f32) -> f32 {
    let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A temporally smoothed (low, high) range.
#[derive(Debug, Clone, Default)]
pub struct RangeSmoother {
    range: Option<(f32, f32)>,
}

/// Weight of each new range: about ten results to settle.
const RANGE_WEIGHT: f32 = 0.1;

impl RangeSmoother {
    pub fn smooth(&mut self, range: (f32, f32)) -> (f32, f32) {
        let out = match self.range {
            Some((lo, hi)) => (
                lo + RANGE_WEIGHT * (range.0 - lo),
                hi + RANGE_WEIGHT * (range.1 - hi),
            ),
            None => range,
        };
        self.range = Some(out);
        out
    }

    pub fn reset(&mut self) {
        self.range = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_euro_steadies_a_still_value_and_follows_a_moving_one() {
        let mut still = OneEuro::new(OneEuroSettings::default());
        let noise = |i: u32| if i % 2 == 0 { 1.0 } else { -1.0 };
        let outputs: Vec<f32> = (0..60)
            .map(|i| still.filter(100.0 + noise(i), 1.0 / 30.0))
            .collect();
        let swing = outputs[30..]
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        assert!(swing.1 - swing.0 < 0.5, "±1 noise held to {swing:?}");

        let mut moving = OneEuro::new(OneEuroSettings::default());
        let mut last = 0.0;
        for i in 0..60 {
            last = moving.filter(i as f32 * 10.0, 1.0 / 30.0);
        }
        // 300 px/s: the filter lags by a few pixels only, and knows the speed.
        assert!(590.0 - last < 15.0, "lag {}", 590.0 - last);
        assert!((moving.speed() - 300.0).abs() < 10.0, "{}", moving.speed());
    }

    #[test]
    fn matte_smoother_holds_still_cells_and_passes_moving_ones() {
        let mut smoother = MatteSmoother::default();
        let luma_still = vec![0.5; 2];
        smoother.smooth(&[0.0, 0.0], &luma_still);
        // Cell 0: picture still, matte flickers by 0.04 -> damped.
        // Cell 1: picture moved, matte changes by 0.04 -> taken at once.
        let out = smoother.smooth(&[0.04, 0.04], &[0.5, 0.9]);
        assert!((out[0] - 0.04 * STILL_WEIGHT).abs() < 1e-6, "{out:?}");
        assert!((out[1] - 0.04).abs() < 1e-6, "{out:?}");
        // A jump of the matte itself where the picture is still: a subject
        // edge arriving, taken at once.
        let out = smoother.smooth(&[1.0, 0.04], &[0.5, 0.9]);
        assert!((out[0] - 1.0).abs() < 1e-6, "{out:?}");
        smoother.reset();
        assert_eq!(smoother.smooth(&[0.3, 0.7], &luma_still), vec![0.3, 0.7]);
    }
}
