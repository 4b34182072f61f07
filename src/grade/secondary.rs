//! Secondaries: grades gated by a mask, the look's `[[secondary]]` tables.
//!
//! How it works: a secondary picks one of the analysis masks (face, skin,
//! person, depth; `background` and `depth-far` are the person and depth
//! masks inverted), softens its edge in space (`feather`, a 3 x 3 binomial
//! blur over a radius that is a share of the picture height) and in value
//! (`smooth`, a linear ramp around one half: 1 takes the mask as it is, 0
//! keys it hard at one half), and mixes its own correction into the
//! graded picture by that weight, in the working space:
//! `out = mix(v, correction(v), weight)`. The correction decodes the
//! working-space value to linear light, applies gain (per channel) and
//! exposure (2^stops), then saturation around luminance, and encodes back.
//!
//! This file holds the look's part and the CPU reference of the mask
//! sampling and the correction; `shaders/grade.wgsl` (`apply_secondaries`)
//! mirrors each function, and `src/gpu/grade.rs` packs the uniforms. The
//! masks are the analysis's [`MaskSet`], sampled with bilinear filtering
//! and clamped edges, as the GPU's sampler reads the mask texture.
//! A mask the run has no analysis for (analysis off, no depth model) gives
//! weight 0, inverted or not: a secondary never grades the whole picture
//! because a model is missing.

use crate::analysis::masks::{MaskChannel, MaskSet};
use serde::{Deserialize, Serialize};

/// At most this many secondaries in a look (the GPU's uniform block holds
/// this many).
pub const MAX_SECONDARIES: usize = 4;

/// Which mask gates a secondary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaskKind {
    Face,
    Skin,
    Person,
    Background,
    DepthNear,
    DepthFar,
}

impl MaskKind {
    /// The mask texture channel it reads, and whether it reads it inverted.
    pub fn channel(self) -> (MaskChannel, bool) {
        match self {
            MaskKind::Face => (MaskChannel::Face, false),
            MaskKind::Skin => (MaskChannel::Skin, false),
            MaskKind::Person => (MaskChannel::Person, false),
            MaskKind::Background => (MaskChannel::Person, true),
            MaskKind::DepthNear => (MaskChannel::Depth, false),
            MaskKind::DepthFar => (MaskChannel::Depth, true),
        }
    }
}

/// One `[[secondary]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secondary {
    pub mask: MaskKind,
    /// Off keeps the settings but grades nothing (a panel's mask toggle).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Grade outside the mask instead (e.g. everything but skin).
    #[serde(default, skip_serializing_if = "is_false")]
    pub invert: bool,
    /// Edge blur radius as a share of the picture height (0 = none).
    #[serde(default)]
    pub feather: f32,
    /// Edge softness in value: 1 takes the mask as it is, 0 keys it hard at
    /// one half; between, the ramp from 0 to 1 spans `smooth` around one half.
    #[serde(default = "one")]
    pub smooth: f32,
    /// Stops of exposure inside the mask, in linear light.
    #[serde(default)]
    pub exposure: f32,
    /// Saturation inside the mask, around luminance (1 = none).
    #[serde(default = "one")]
    pub saturation: f32,
    /// Per-channel gain inside the mask, in linear light.
    #[serde(default = "ones")]
    pub gain: [f32; 3],
}

fn yes() -> bool {
    true
}
fn one() -> f32 {
    1.0
}
fn ones() -> [f32; 3] {
    [1.0; 3]
}
fn is_true(v: &bool) -> bool {
    *v
}
fn is_false(v: &bool) -> bool {
    !*v
}

impl Secondary {
    /// A neutral secondary on `mask`.
    pub fn new(mask: MaskKind) -> Secondary {
        Secondary {
            mask,
            enabled: true,
            invert: false,
            feather: 0.0,
            smooth: 1.0,
            exposure: 0.0,
            saturation: 1.0,
            gain: [1.0; 3],
        }
    }

    /// Whether the mask is read inverted (the kind's own inversion and
    /// `invert` cancel).
    pub fn inverted(&self) -> bool {
        self.mask.channel().1 != self.invert
    }

    /// The key's ramp: weight 0 at `lo`, 1 at `hi` (see [`mask_weight`]).
    pub fn ramp(&self) -> (f32, f32) {
        let half_width = (self.smooth.clamp(0.0, 1.0) * 0.5).max(1e-4);
        (0.5 - half_width, 0.5 + half_width)
    }
}

/// The mask value a secondary keys: the feathered sample, inverted if the
/// secondary says so, through the `smooth` ramp. `present` is false when the
/// run has no analysis for this mask: the weight is 0 then. CPU twin of
/// `mask_weight` in grade.wgsl.
pub fn mask_weight(sampled: f32, inverted: bool, ramp: (f32, f32), present: bool) -> f32 {
    if !present {
        return 0.0;
    }
    let m = if inverted { 1.0 - sampled } else { sampled };
    ((m - ramp.0) / (ramp.1 - ramp.0)).clamp(0.0, 1.0)
}

/// The correction inside the mask, on linear-light RGB: gain and exposure,
/// then saturation around luminance `luma` weights (Rec. 709 for video
/// mode, ACES AP1 for scene-referred looks: ACES S-2014-004's AP1 to XYZ Y
/// row). CPU twin of `secondary_linear` in grade.wgsl.
pub fn secondary_linear(
    rgb: [f32; 3],
    gain: [f32; 3],
    saturation: f32,
    luma: [f32; 3],
) -> [f32; 3] {
    let lit = [0, 1, 2].map(|c| rgb[c] * gain[c]);
    let y = lit[0] * luma[0] + lit[1] * luma[1] + lit[2] * luma[2];
    lit.map(|c| y + saturation * (c - y))
}

/// ACES AP1 luminance weights (ACES S-2014-004, the Y row of AP1 to XYZ).
pub const AP1_LUMA: [f32; 3] = [0.272_228_7, 0.674_081_8, 0.053_689_5];

/// The analysis masks as the GPU samples them: bilinear between texel
/// centres, edges clamped, 8-bit values as unorm.
pub struct MaskSampler<'a> {
    masks: &'a MaskSet,
}

impl<'a> MaskSampler<'a> {
    pub fn new(masks: &'a MaskSet) -> MaskSampler<'a> {
        MaskSampler { masks }
    }

    fn texel(&self, x: i64, y: i64, channel: usize) -> f32 {
        let (w, h) = (i64::from(self.masks.width), i64::from(self.masks.height));
        let (x, y) = (x.clamp(0, w - 1), y.clamp(0, h - 1));
        f32::from(self.masks.rgba[((y * w + x) * 4) as usize + channel]) / 255.0
    }

    /// One bilinear sample at `uv` (0..1 over the picture).
    pub fn bilinear(&self, uv: [f32; 2], channel: MaskChannel) -> f32 {
        let c = channel as usize;
        let x = uv[0] * self.masks.width as f32 - 0.5;
        let y = uv[1] * self.masks.height as f32 - 0.5;
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = self.texel(x0, y0, c) * (1.0 - fx) + self.texel(x0 + 1, y0, c) * fx;
        let bottom = self.texel(x0, y0 + 1, c) * (1.0 - fx) + self.texel(x0 + 1, y0 + 1, c) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// The feathered mask: nine bilinear samples at -r, 0, +r on each
    /// axis weighted 1-2-1 (a binomial blur). `radius` is in uv units per
    /// axis; zero takes one sample. CPU twin of `feathered_mask`.
    pub fn feathered(&self, uv: [f32; 2], radius: [f32; 2], channel: MaskChannel) -> f32 {
        if radius == [0.0, 0.0] {
            return self.bilinear(uv, channel);
        }
        let mut sum = 0.0;
        for (j, wy) in [(-1.0f32, 1.0f32), (0.0, 2.0), (1.0, 1.0)] {
            for (i, wx) in [(-1.0f32, 1.0f32), (0.0, 2.0), (1.0, 1.0)] {
                let at = [uv[0] + i * radius[0], uv[1] + j * radius[1]];
                sum += wx * wy * self.bilinear(at, channel);
            }
        }
        sum / 16.0
    }
}

/// The feather radius in uv units for a picture of `width` x `height`:
/// `feather` is a share of the height, the same distance on both axes.
pub fn feather_radius(feather: f32, width: u32, height: u32) -> [f32; 2] {
    [feather * height as f32 / width.max(1) as f32, feather]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_ramps_inverts_and_needs_its_mask() {
        let mut s = Secondary::new(MaskKind::Person);
        assert_eq!(mask_weight(0.25, s.inverted(), s.ramp(), true), 0.25);
        s.smooth = 0.0;
        assert_eq!(mask_weight(0.49, s.inverted(), s.ramp(), true), 0.0);
        assert_eq!(mask_weight(0.51, s.inverted(), s.ramp(), true), 1.0);
        let background = Secondary::new(MaskKind::Background);
        assert!(background.inverted());
        assert_eq!(mask_weight(0.0, true, background.ramp(), true), 1.0);
        // No person matte in the run: the background is not "everything".
        assert_eq!(mask_weight(0.0, true, background.ramp(), false), 0.0);
        let mut not_background = background.clone();
        not_background.invert = true;
        assert!(!not_background.inverted());
    }

    #[test]
    fn sampler_is_bilinear_between_texel_centres_and_feather_blurs() {
        let mut masks = MaskSet::empty(4, 1);
        masks.rgba[4 * 2] = 255; // face channel of texel 2
        let s = MaskSampler::new(&masks);
        // Texel centres sit at (i + 0.5) / 4.
        assert_eq!(s.bilinear([2.5 / 4.0, 0.5], MaskChannel::Face), 1.0);
        assert_eq!(s.bilinear([1.5 / 4.0, 0.5], MaskChannel::Face), 0.0);
        assert!((s.bilinear([2.0 / 4.0, 0.5], MaskChannel::Face) - 0.5).abs() < 1e-6);
        // Edges clamp: beyond the last texel is the last texel.
        assert_eq!(s.bilinear([1.2, 0.5], MaskChannel::Face), 0.0);
        let blurred = s.feathered([2.5 / 4.0, 0.5], [0.25, 0.0], MaskChannel::Face);
        assert!((blurred - 0.5).abs() < 1e-6, "{blurred}");
    }

    #[test]
    fn correction_is_gain_then_saturation_around_luma() {
        let grey = secondary_linear([0.18; 3], [2.0; 3], 0.0, AP1_LUMA);
        assert!(grey.iter().all(|c| (c - 0.36).abs() < 1e-5), "{grey:?}");
        let red = secondary_linear([1.0, 0.0, 0.0], [1.0; 3], 0.0, [0.2126, 0.7152, 0.0722]);
        assert!(red.iter().all(|c| (c - 0.2126).abs() < 1e-6), "{red:?}");
    }
}
