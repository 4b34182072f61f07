//! Depth atmosphere (`[atmosphere]`): haze that thickens with distance, and
//! depth-of-field softening of the far planes, from the depth model's map.
//!
//! How it works: the depth mask (1 = nearest) gives each mask texel a
//! distance `1 - depth` (0 nearest, 1 farthest in this picture: the depth
//! model's range, normalised and smoothed over time by the analysis). The
//! keying pass turns it into two amounts per texel, stored as 8-bit steps
//! (CPU twin: [`AtmosphereGrid::key`]):
//! - haze: `1 - exp(-density x max(0, distance - start))`, Beer-Lambert
//!   extinction through a uniform medium (Koschmieder's law of atmospheric
//!   visibility);
//! - defocus: `defocus x clamp((distance - focus) / (1 - focus), 0, 1)`.
//!
//! Each pixel reads both bilinearly. Defocus blurs the camera picture
//! before the grade (a Gaussian of 5 x 5 taps whose spacing grows with the
//! amount, up to [`DEFOCUS_RADIUS_SHARE`] of the picture height: CPU twin
//! [`defocus_pixel`]); haze mixes the graded value towards the haze colour
//! in the working space's linear light, after the secondaries:
//! `out = mix(v, haze, amount)`. A run without a depth model has no
//! atmosphere (amount 0), never a uniform fog.

use super::ranges::{
    Range, ATMOSPHERE_DEFOCUS_RANGE, ATMOSPHERE_DENSITY_RANGE, ATMOSPHERE_FOCUS_RANGE,
    ATMOSPHERE_START_RANGE, HAZE_RANGE,
};
use crate::masks::{bilinear, unorm8};
use crate::masks::{MaskChannel, MaskSet};
use serde::{Deserialize, Serialize};

/// The widest defocus tap spacing, as a share of the picture height (at
/// full defocus the 5 x 5 taps span four times this).
pub const DEFOCUS_RADIUS_SHARE: f32 = 0.004;

/// `focus` when the look does not say.
pub const DEFAULT_FOCUS: f32 = 0.3;

/// The `[atmosphere]` section.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtmosphereSection {
    /// The haze colour, linear light in the working space's primaries
    /// (ACES AP1, or Rec. 709 in video mode).
    #[serde(default = "default_haze", deserialize_with = "super::keys::rgb")]
    pub haze: [f32; 3],
    /// Extinction per unit of distance beyond `start` (0 = no haze).
    #[serde(default)]
    pub density: f32,
    /// The distance (0 nearest, 1 farthest) where the haze begins.
    #[serde(default)]
    pub start: f32,
    /// Depth-of-field softening of the far planes, 0..1 (0 = none).
    #[serde(default)]
    pub defocus: f32,
    /// The distance up to which nothing is softened.
    #[serde(default = "default_focus")]
    pub focus: f32,
}

impl Default for AtmosphereSection {
    /// What a bare `[atmosphere]` holds: the default haze colour and
    /// focus, no haze and no defocus.
    fn default() -> AtmosphereSection {
        AtmosphereSection {
            haze: default_haze(),
            density: 0.0,
            start: 0.0,
            defocus: 0.0,
            focus: DEFAULT_FOCUS,
        }
    }
}

fn default_haze() -> [f32; 3] {
    [0.7, 0.75, 0.8]
}
fn default_focus() -> f32 {
    DEFAULT_FOCUS
}

impl AtmosphereSection {
    /// Each key, its value and its range, for `Look::validate`.
    pub(super) fn checks(&self) -> Vec<(&'static str, f32, Range)> {
        let mut checks = vec![
            ("atmosphere.density", self.density, ATMOSPHERE_DENSITY_RANGE),
            ("atmosphere.start", self.start, ATMOSPHERE_START_RANGE),
            ("atmosphere.defocus", self.defocus, ATMOSPHERE_DEFOCUS_RANGE),
            ("atmosphere.focus", self.focus, ATMOSPHERE_FOCUS_RANGE),
        ];
        checks.extend(self.haze.map(|c| ("atmosphere.haze", c, HAZE_RANGE)));
        checks
    }

    /// The haze amount at `distance`. CPU twin of `haze_amount` in
    /// masks.wgsl.
    pub fn haze_amount(&self, distance: f32) -> f32 {
        1.0 - (-self.density * (distance - self.start).max(0.0)).exp()
    }

    /// The defocus amount at `distance`. CPU twin of `defocus_amount`.
    pub fn defocus_amount(&self, distance: f32) -> f32 {
        self.defocus * ((distance - self.focus) / (1.0 - self.focus).max(1e-6)).clamp(0.0, 1.0)
    }
}

/// The haze and defocus amounts on the masks' grid, as the GPU stores them.
#[derive(Debug, Clone, PartialEq)]
pub struct AtmosphereGrid {
    pub width: u32,
    pub height: u32,
    /// (haze, defocus) per texel, row by row.
    pub values: Vec<[f32; 2]>,
}

impl AtmosphereGrid {
    /// The amounts of `section` from `masks`' depth (none without depth).
    pub fn key(masks: &MaskSet, section: &AtmosphereSection) -> AtmosphereGrid {
        let present = masks.present[MaskChannel::Depth as usize];
        let values = (0..masks.height)
            .flat_map(|y| (0..masks.width).map(move |x| (x, y)))
            .map(|(x, y)| {
                if !present {
                    return [0.0; 2];
                }
                let distance = 1.0 - f32::from(masks.value(x, y, MaskChannel::Depth)) / 255.0;
                [
                    unorm8(section.haze_amount(distance)),
                    unorm8(section.defocus_amount(distance)),
                ]
            })
            .collect();
        AtmosphereGrid {
            width: masks.width,
            height: masks.height,
            values,
        }
    }

    /// The amounts at `uv` (0..1 over the picture), bilinear between texel
    /// centres. CPU twin of `atmosphere_at` in grade.wgsl.
    pub fn at(&self, uv: [f32; 2]) -> [f32; 2] {
        let texel = |x: u32, y: u32| {
            let [a, b] = self.values[(y * self.width + x) as usize];
            [a, b, 0.0, 0.0]
        };
        let v = bilinear(self.width, self.height, texel, uv);
        [v[0], v[1]]
    }
}

/// The widest defocus tap spacing in pixels for a picture `height` high.
pub fn defocus_radius(height: u32) -> f32 {
    height as f32 * DEFOCUS_RADIUS_SHARE
}

/// The defocused code value of pixel `(x, y)`: a Gaussian (sigma 1.5 taps)
/// over 5 x 5 taps `amount x radius` pixels apart (rounded, at least the
/// pixel itself), edges clamped. CPU twin of `defocused` in filters.wgsl.
pub fn defocus_pixel(
    pixel: impl Fn(u32, u32) -> [f32; 3],
    (x, y): (u32, u32),
    (width, height): (u32, u32),
    amount: f32,
    radius: f32,
) -> [f32; 3] {
    let spacing = amount * radius;
    let mut sum = [0.0f32; 3];
    let mut total = 0.0f32;
    for j in -2i32..=2 {
        for i in -2i32..=2 {
            let at = |v: u32, d: i32, n: u32| {
                (i64::from(v) + (d as f32 * spacing).round() as i64).clamp(0, i64::from(n) - 1)
                    as u32
            };
            let n = pixel(at(x, i, width), at(y, j, height));
            let w = (-((i * i + j * j) as f32) / 4.5).exp();
            for c in 0..3 {
                sum[c] += w * n[c];
            }
            total += w;
        }
    }
    sum.map(|s| s / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haze_thickens_beyond_start_and_defocus_beyond_focus() {
        let a = AtmosphereSection {
            haze: [1.0; 3],
            density: 2.0,
            start: 0.25,
            defocus: 0.8,
            focus: 0.5,
        };
        assert_eq!(a.haze_amount(0.1), 0.0);
        assert!((a.haze_amount(0.75) - (1.0 - (-1.0f32).exp())).abs() < 1e-6);
        assert_eq!(a.defocus_amount(0.4), 0.0);
        assert!((a.defocus_amount(0.75) - 0.4).abs() < 1e-6);
        assert!((a.defocus_amount(1.0) - 0.8).abs() < 1e-6);
        // No depth in the run: no atmosphere at all.
        let mut masks = MaskSet::empty(2, 2);
        masks.present[MaskChannel::Depth as usize] = false;
        assert!(AtmosphereGrid::key(&masks, &a)
            .values
            .iter()
            .all(|v| *v == [0.0; 2]));
        // Far (depth 0) everywhere otherwise.
        masks.present[MaskChannel::Depth as usize] = true;
        let far = AtmosphereGrid::key(&masks, &a);
        assert!((far.at([0.5, 0.5])[0] - unorm8(a.haze_amount(1.0))).abs() < 1e-6);
    }

    #[test]
    fn defocus_is_a_normalised_blur() {
        let flat = |_: u32, _: u32| [0.3, 0.2, 0.1];
        let v = defocus_pixel(flat, (3, 3), (8, 8), 1.0, 2.0);
        assert!((v[0] - 0.3).abs() < 1e-6);
        let edge = |x: u32, _: u32| if x < 4 { [0.0; 3] } else { [1.0; 3] };
        assert_eq!(defocus_pixel(edge, (3, 3), (8, 8), 0.0, 2.0), [0.0; 3]);
        let blurred = defocus_pixel(edge, (3, 3), (8, 8), 1.0, 2.0)[0];
        assert!(blurred > 0.2 && blurred < 0.5, "{blurred}");
    }
}
