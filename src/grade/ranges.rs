//! The valid range of every number a look holds: one table that the look's
//! validation (`Look::validate`), the control surfaces' clamping
//! (`control::params`) and so OSC and the panels all read.
//!
//! The CDL ranges are those of the ASC CDL v1.2 spec (slope and power
//! non-negative / positive); the upper bounds elsewhere are generous limits
//! that catch typos.

/// The largest `density` (extinction per unit of distance) a look holds.
pub const MAX_DENSITY: f32 = 16.0;
/// The largest `haze` value a look holds (linear light).
pub const MAX_HAZE: f32 = 16.0;
/// The largest grow or shrink of a secondary's mask, as a share of the
/// picture height.
pub const MAX_GROW: f32 = 0.03;

/// A number's valid range and how an error message states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub lo: f32,
    pub hi: f32,
    pub expected: &'static str,
}

pub const SLOPE_RANGE: Range = Range {
    lo: 0.0,
    hi: 100.0,
    expected: "0 <= slope <= 100",
};
pub const OFFSET_RANGE: Range = Range {
    lo: -10.0,
    hi: 10.0,
    expected: "-10 <= offset <= 10",
};
pub const POWER_RANGE: Range = Range {
    lo: 0.01,
    hi: 100.0,
    expected: "0.01 <= power <= 100",
};
pub const SATURATION_RANGE: Range = Range {
    lo: 0.0,
    hi: 100.0,
    expected: "0 <= saturation <= 100",
};
pub const EXPOSURE_RANGE: Range = Range {
    lo: -16.0,
    hi: 16.0,
    expected: "-16 <= exposure <= 16 (stops)",
};
pub const CONTRAST_RANGE: Range = Range {
    lo: 0.0,
    hi: 10.0,
    expected: "0 <= contrast <= 10",
};
pub const PIVOT_RANGE: Range = Range {
    lo: -1.0,
    hi: 2.0,
    expected: "-1 <= pivot <= 2 (working-space value)",
};
/// Krystek's locus approximation holds from 1000 K to 15000 K; +/-170 mired
/// around D65 keeps both adapted whites inside it.
pub const TEMPERATURE_RANGE: Range = Range {
    lo: -170.0,
    hi: 170.0,
    expected: "-170 <= temperature <= 170 (mired)",
};
pub const TINT_RANGE: Range = Range {
    lo: -50.0,
    hi: 50.0,
    expected: "-50 <= tint <= 50 (thousandths of Duv)",
};
pub const PRIMARY_SATURATION_RANGE: Range = Range {
    lo: 0.0,
    hi: 10.0,
    expected: "0 <= saturation <= 10",
};
pub const LIFT_RANGE: Range = Range {
    lo: -1.0,
    hi: 1.0,
    expected: "-1 <= lift <= 1",
};
pub const GAMMA_RANGE: Range = Range {
    lo: -4.0,
    hi: 4.0,
    expected: "-4 <= gamma <= 4 (0 is neutral)",
};
pub const GAIN_RANGE: Range = Range {
    lo: 0.0,
    hi: 16.0,
    expected: "0 <= gain <= 16",
};

pub const SECONDARY_EXPOSURE_RANGE: Range = Range {
    lo: -8.0,
    hi: 8.0,
    expected: "-8 <= exposure <= 8 (stops)",
};
pub const SECONDARY_SATURATION_RANGE: Range = Range {
    lo: 0.0,
    hi: 4.0,
    expected: "0 <= saturation <= 4",
};
pub const FEATHER_RANGE: Range = Range {
    lo: 0.0,
    hi: 0.25,
    expected: "0 <= feather <= 0.25 (share of the picture height)",
};
pub const GROW_RANGE: Range = Range {
    lo: -MAX_GROW,
    hi: MAX_GROW,
    expected: "-0.03 <= grow <= 0.03 (share of the picture height; negative shrinks)",
};
pub const HUE_RANGE: Range = Range {
    lo: 0.0,
    hi: 360.0,
    expected: "[from, to] in degrees, each 0 <= hue <= 360",
};
pub const QUALIFIER_SATURATION_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "[low, high] with 0 <= low <= high <= 1",
};
pub const QUALIFIER_LUMA_RANGE: Range = Range {
    lo: -0.5,
    hi: 2.0,
    expected: "[low, high] with -0.5 <= low <= high <= 2 (working-space luma)",
};
pub const SOFTNESS_RANGE: Range = Range {
    lo: 0.0,
    hi: 0.5,
    expected: "0 <= softness <= 0.5",
};
pub const SOFTEN_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= soften <= 1 (skin smoothing strength)",
};
pub const POINT_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "[x, y] with 0 <= x, y <= 1 (picture fractions from the top left)",
};
pub const REFINE_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= refine <= 1 (matte refinement)",
};
pub const SMOOTH_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= smooth <= 1",
};

pub const ATMOSPHERE_DENSITY_RANGE: Range = Range {
    lo: 0.0,
    hi: MAX_DENSITY,
    expected: "0 <= density <= 16 (extinction per unit of distance)",
};
pub const ATMOSPHERE_START_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= start <= 1 (distance, 0 nearest)",
};
pub const ATMOSPHERE_DEFOCUS_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= defocus <= 1",
};
pub const ATMOSPHERE_FOCUS_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= focus <= 1 (distance, 0 nearest)",
};
pub const HAZE_RANGE: Range = Range {
    lo: 0.0,
    hi: MAX_HAZE,
    expected: "0 <= haze <= 16 (linear light)",
};

pub const AUTO_KEY_RANGE: Range = Range {
    lo: 0.01,
    hi: 1.0,
    expected: "0.01 <= key <= 1 (linear light; 0.18 is mid grey)",
};
pub const AUTO_SPEED_RANGE: Range = Range {
    lo: 0.01,
    hi: 8.0,
    expected: "0.01 <= speed <= 8 (stops a second)",
};
pub const AUTO_DEAD_BAND_RANGE: Range = Range {
    lo: 0.0,
    hi: 2.0,
    expected: "0 <= dead_band <= 2 (stops)",
};
pub const STABILISE_STRENGTH_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= strength <= 1",
};
pub const STABILISE_WINDOW_RANGE: Range = Range {
    lo: 0.1,
    hi: 10.0,
    expected: "0.1 <= window <= 10 (seconds)",
};
pub const STABILISE_SPAN_RANGE: Range = Range {
    lo: 0.01,
    hi: 2.0,
    expected: "0.01 <= range <= 2 (stops)",
};
pub const NR_TEMPORAL_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= temporal <= 1",
};
pub const NR_SPATIAL_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= spatial <= 1",
};
pub const NR_LEVEL_RANGE: Range = Range {
    lo: 0.0005,
    hi: 0.2,
    expected: "0.0005 <= level <= 0.2 (code values)",
};
pub const NR_PROTECT_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 <= protect <= 1",
};
