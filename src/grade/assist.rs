//! The look's assistance sections: `[auto]` (what the exposure and balance
//! proposals aim for, and the live follow mode) and `[stabilise]` (colour
//! and exposure flicker removal). Each key's default and range live here;
//! the look file, the proposals (`src/auto/`) and the engine read them.
//!
//! Neither section changes the look's own controls: follow and the
//! stabiliser add a correction on top of the manual grade, per frame, and
//! the manual values stay what the colourist set.

use super::ranges::*;
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

/// A key, its value and its allowed range, for the look's validation.
pub(super) type Check = (&'static str, f32, Range);

impl AutoSection {
    pub(super) fn checks(&self) -> [Check; 3] {
        [
            ("auto.key", self.key, AUTO_KEY_RANGE),
            ("auto.speed", self.speed, AUTO_SPEED_RANGE),
            ("auto.dead_band", self.dead_band, AUTO_DEAD_BAND_RANGE),
        ]
    }
}

impl StabiliseSection {
    pub(super) fn checks(&self) -> [Check; 3] {
        [
            (
                "stabilise.strength",
                self.strength,
                STABILISE_STRENGTH_RANGE,
            ),
            ("stabilise.window", self.window, STABILISE_WINDOW_RANGE),
            ("stabilise.range", self.range, STABILISE_SPAN_RANGE),
        ]
    }
}

#[cfg(test)]
mod tests {
    use crate::grade::Look;

    #[test]
    fn each_section_names_a_key_out_of_range_with_its_range() {
        for (text, key, expected) in [
            ("[auto]\nspeed = 0.0\n", "auto.speed", "0.01 <= speed <= 8"),
            (
                "[stabilise]\nrange = 3.0\n",
                "stabilise.range",
                "0.01 <= range <= 2",
            ),
            ("[nr]\nlevel = 5.0\n", "nr.level", "0.0005 <= level <= 0.2"),
        ] {
            let look = Look::parse(text, std::path::Path::new("t.toml")).unwrap();
            let e = look.validate("t.toml").unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(expected), "{e}");
        }
        let fine = "[auto]\nfollow = true\n[stabilise]\n[nr]\nspatial = 0.5\n";
        let look = Look::parse(fine, std::path::Path::new("t.toml")).unwrap();
        assert!(look.validate("t.toml").is_ok());
    }
}
