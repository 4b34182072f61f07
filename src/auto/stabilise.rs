//! Colour stabilisation: frame-to-frame exposure and colour flicker removed
//! (a camera's auto exposure hunting, mains light flicker, clouds on a
//! time-lapse) without fighting deliberate changes.
//!
//! How it works: [`super::shot::ShotTracker`] gives each frame's light
//! level per channel (the median change over blocks since a key frame,
//! robust to motion). The steady level is a straight line
//! fitted (least squares) to the levels of the last `window` seconds and
//! read at this frame (their mean until they span half the window), so a
//! slow deliberate change (a ramp) is followed without lag, while the frame's difference from the line is flicker,
//! taken out by a correction of `-strength` times that difference. A
//! difference larger than `range` is not flicker but a deliberate change (a
//! light switched on): kept, uncorrected, and the line starts again from
//! it; a cut starts it again too. The correction is given as the look's
//! own controls: the luminance part as exposure, the colour part as the
//! temperature and tint of the pipeline's white balance that make the
//! same shift.

use super::balance::neutralise;
use super::follow::Correction;
use super::shot::Change;
use crate::grade::assist::StabiliseSection;
use crate::grade::gamut::Gamut;
use crate::grade::primary::luminance_weights;
use std::collections::VecDeque;

/// The stabiliser's state for one stream.
#[derive(Debug, Clone, Default)]
pub struct Stabiliser {
    /// (time, level) of the recent frames since the last restart.
    history: VecDeque<(f64, [f32; 3])>,
}

/// One frame's stabilisation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Steadied {
    pub correction: Correction,
    /// The frame's difference from the steady level, log2 per channel.
    pub flicker: [f32; 3],
    /// This frame was a deliberate change (or a cut): kept.
    pub restarted: bool,
}

impl Stabiliser {
    /// The correction for the frame at `time` (seconds) whose change from
    /// the previous frame is `change`, in a grid of `gamut`.
    pub fn update(
        &mut self,
        section: &StabiliseSection,
        change: &Change,
        time: f64,
        gamut: Gamut,
    ) -> Steadied {
        if change.cut {
            self.history.clear();
            self.history.push_back((time, change.level));
            return Steadied {
                restarted: true,
                ..Steadied::default()
            };
        }
        while self
            .history
            .front()
            .is_some_and(|(t, _)| time - t > f64::from(section.window))
        {
            self.history.pop_front();
        }
        // The slope is trusted once the points span half the window: a
        // line through a few noisy points extrapolates their noise.
        let span = self.history.front().map_or(0.0, |(t, _)| time - t);
        let steady = fit_line(&self.history, time, span >= f64::from(section.window) / 2.0);
        self.history.push_back((time, change.level));
        let Some(steady) = steady else {
            return Steadied::default();
        };
        let flicker = [0, 1, 2].map(|c| change.level[c] - steady[c]);
        let w = luminance_weights(gamut).map(|v| v as f32);
        let luma = flicker[0] * w[0] + flicker[1] * w[1] + flicker[2] * w[2];
        let colour = [0, 1, 2].map(|c| flicker[c] - luma);
        let colour_size = colour.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if luma.abs() > section.range || colour_size > section.range {
            // Deliberate: start the line again from this frame.
            self.history.clear();
            self.history.push_back((time, change.level));
            return Steadied {
                flicker,
                restarted: true,
                ..Steadied::default()
            };
        }
        let s = section.strength;
        let (temperature, tint) = if colour_size > 1e-5 {
            // The white balance that scales the channels by 2^(-s colour).
            neutralise(colour.map(|c| f64::from(c * s).exp2()), gamut)
        } else {
            (0.0, 0.0)
        };
        Steadied {
            correction: Correction {
                exposure: -s * luma,
                temperature,
                tint,
            },
            flicker,
            restarted: false,
        }
    }
}

/// The least-squares line through `points` read at `at`, per channel (their
/// mean where `sloped` is false or they span no time); none without points.
fn fit_line(points: &VecDeque<(f64, [f32; 3])>, at: f64, sloped: bool) -> Option<[f32; 3]> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let t_mean = points.iter().map(|(t, _)| t).sum::<f64>() / n;
    let var: f64 = points.iter().map(|(t, _)| (t - t_mean).powi(2)).sum();
    Some([0, 1, 2].map(|c| {
        let v_mean = points.iter().map(|(_, v)| f64::from(v[c])).sum::<f64>() / n;
        if !sloped || var < 1e-12 || points.len() < 3 {
            return v_mean as f32;
        }
        let cov: f64 = points
            .iter()
            .map(|(t, v)| (t - t_mean) * (f64::from(v[c]) - v_mean))
            .sum();
        (v_mean + cov / var * (at - t_mean)) as f32
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame at `level` stops.
    fn change(level: f32) -> Change {
        Change {
            level: [level; 3],
            scatter: 0.0,
            cut: false,
        }
    }

    #[test]
    fn removes_flicker_follows_a_ramp_and_keeps_a_step() {
        let section = StabiliseSection::default();
        let mut s = Stabiliser::default();
        let dt = 1.0 / 25.0;
        s.update(
            &section,
            &Change {
                cut: true,
                ..change(0.0)
            },
            0.0,
            Gamut::Rec709,
        );
        // A ramp of 0.01 stops a frame: followed, nothing corrected once
        // the line has points.
        for i in 1..50 {
            let out = s.update(
                &section,
                &change(0.01 * i as f32),
                i as f64 * dt,
                Gamut::Rec709,
            );
            if i > 30 {
                assert!(out.correction.exposure.abs() < 1e-3, "{i}: {out:?}");
            }
        }
        // A flicker of +0.08 stops on one frame: corrected back.
        let out = s.update(&section, &change(0.58), 50.0 * dt, Gamut::Rec709);
        assert!((out.correction.exposure + 0.08).abs() < 0.01, "{out:?}");
        let out = s.update(&section, &change(0.51), 51.0 * dt, Gamut::Rec709);
        assert!(out.correction.exposure.abs() < 0.02, "{out:?}");
        // A light switched on (+1 stop): kept.
        let out = s.update(&section, &change(1.51), 52.0 * dt, Gamut::Rec709);
        assert!(out.restarted && out.correction.is_zero(), "{out:?}");
    }
}
