//! The look's assistance sections: `[auto]` (what the exposure and balance
//! proposals aim for, and the live follow mode) and `[stabilise]` (colour
//! and exposure flicker removal). Each key's default and range live here;
//! the look file, the proposals (`src/auto/`) and the engine read them.
//!
//! Neither section changes the look's own controls: follow and the
//! stabiliser add a correction on top of the manual grade, per frame, and
//! the manual values stay what the colourist set.

use serde::{Deserialize, Serialize};

/// `[auto]`: auto exposure and white balance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoSection {
    /// Propose (and follow) exposure.
    pub exposure: bool,
    /// Propose (and follow) white balance: temperature and tint.
    pub balance: bool,
    /// The log-average scene luminance exposure aims for (0.18: mid grey).
    pub key: f32,
    /// Live: apply the proposal continuously, on top of the manual grade
    /// (rate-limited, with hysteresis; a cut starts afresh, a sudden change
    /// of the light within a shot is kept).
    pub follow: bool,
    /// Follow's fastest move: stops a second (the balance moves
    /// [`MIRED_PER_STOP`] times as many mired).
    pub speed: f32,
    /// How far (stops; balance: that many times [`MIRED_PER_STOP`] mired)
    /// the proposal must move before follow moves.
    pub dead_band: f32,
}

/// Mired per stop, for follow's speed and dead band in the balance: a
/// 25-mired shift looks about as large as a stop of exposure.
pub const MIRED_PER_STOP: f32 = 25.0;

impl Default for AutoSection {
    fn default() -> AutoSection {
        AutoSection {
            exposure: true,
            balance: true,
            key: 0.18,
            follow: false,
            speed: 0.5,
            dead_band: 0.15,
        }
    }
}

/// `[stabilise]`: flicker removal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StabiliseSection {
    /// 0 = off, 1 = the whole measured flicker removed.
    pub strength: f32,
    /// Seconds of recent frames the steady level is fitted over.
    pub window: f32,
    /// A frame further than this (stops, or its colour as many times 25
    /// mired) from the steady level is a deliberate change (a light
    /// switched on): kept, and the level starts again from it.
    pub range: f32,
}

impl Default for StabiliseSection {
    fn default() -> StabiliseSection {
        StabiliseSection {
            strength: 1.0,
            window: 2.0,
            range: 0.25,
        }
    }
}

/// A key's allowed range, for the look's validation.
pub struct Check {
    pub key: &'static str,
    pub value: f32,
    pub lo: f32,
    pub hi: f32,
    pub expected: &'static str,
}

impl AutoSection {
    pub fn checks(&self) -> [Check; 3] {
        [
            Check {
                key: "auto.key",
                value: self.key,
                lo: 0.01,
                hi: 1.0,
                expected: "0.01 <= key <= 1 (linear light; 0.18 is mid grey)",
            },
            Check {
                key: "auto.speed",
                value: self.speed,
                lo: 0.01,
                hi: 8.0,
                expected: "0.01 <= speed <= 8 (stops a second)",
            },
            Check {
                key: "auto.dead_band",
                value: self.dead_band,
                lo: 0.0,
                hi: 2.0,
                expected: "0 <= dead_band <= 2 (stops)",
            },
        ]
    }
}

impl StabiliseSection {
    pub fn checks(&self) -> [Check; 3] {
        [
            Check {
                key: "stabilise.strength",
                value: self.strength,
                lo: 0.0,
                hi: 1.0,
                expected: "0 <= strength <= 1",
            },
            Check {
                key: "stabilise.window",
                value: self.window,
                lo: 0.1,
                hi: 10.0,
                expected: "0.1 <= window <= 10 (seconds)",
            },
            Check {
                key: "stabilise.range",
                value: self.range,
                lo: 0.01,
                hi: 2.0,
                expected: "0.01 <= range <= 2 (stops)",
            },
        ]
    }
}
