//! Secondaries: grades gated by a mask, the look's `[[secondary]]` tables.
//!
//! How it works: a secondary picks one of the analysis masks (face, skin,
//! person, depth; `background` and `depth-far` are the person and depth
//! masks inverted), softens its edge in space (`feather`, a 3 x 3 binomial
//! blur over a radius that is a share of the picture height) and in value
//! (`smooth`, a linear ramp around one half: 1 takes the mask as it is, 0
//! keys it hard at one half), and mixes its own correction into the
//! graded picture by that weight, in the working space's linear light:
//! `out = mix(v, correction(v), weight)`, one secondary after the other.
//! The correction applies gain (per channel) and exposure (2^stops), then
//! saturation around luminance.
//!
//! The keying (feather, invert, smooth) happens once per mask update on
//! the masks' own grid ([`SecondaryWeights`], the GPU's `key_masks` pass in
//! shaders/masks.wgsl): one weight per secondary and mask texel. Each pixel
//! then reads its four weights bilinearly, so the per-pixel cost does not
//! grow with the feather. This file holds the look's part and the CPU
//! reference of the keying and the correction; the WGSL mirrors each
//! function, and `src/gpu/grade.rs` packs the uniforms. The masks are the
//! analysis's [`MaskSet`], read bilinearly between texel centres with
//! clamped edges (in code on the GPU, so it equals this reference).
//! A mask the run has no analysis for (analysis off, no depth model) gives
//! weight 0, inverted or not: a secondary never grades the whole picture
//! because a model is missing.

use super::look::is_true;
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
    #[serde(default = "ones", deserialize_with = "super::look::rgb")]
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

    /// The linear-light gain inside the mask: `gain` times 2^`exposure`.
    pub fn linear_gain(&self) -> [f32; 3] {
        let exposure = self.exposure.exp2();
        self.gain.map(|g| g * exposure)
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
/// secondary says so, through the `smooth` ramp. CPU twin of `mask_weight`
/// in masks.wgsl.
pub fn mask_weight(sampled: f32, inverted: bool, ramp: (f32, f32)) -> f32 {
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

/// Bilinear interpolation between texel centres with clamped edges, of a
/// `width` x `height` grid of four-channel texels at `uv` (0..1). CPU twin
/// of `mask_bilinear` in shaders/masks.wgsl and `weights_at` in
/// shaders/grade.wgsl.
pub fn bilinear(
    width: u32,
    height: u32,
    texel: impl Fn(u32, u32) -> [f32; 4],
    uv: [f32; 2],
) -> [f32; 4] {
    let x = uv[0] * width as f32 - 0.5;
    let y = uv[1] * height as f32 - 0.5;
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let clamp = |v: f32, n: u32| (v as i64).clamp(0, i64::from(n) - 1) as u32;
    let (lx, hx) = (clamp(x0, width), clamp(x0 + 1.0, width));
    let (ly, hy) = (clamp(y0, height), clamp(y0 + 1.0, height));
    let (a, b, c, d) = (texel(lx, ly), texel(hx, ly), texel(lx, hy), texel(hx, hy));
    [0, 1, 2, 3].map(|i| {
        let top = a[i] * (1.0 - fx) + b[i] * fx;
        let bottom = c[i] * (1.0 - fx) + d[i] * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

/// The analysis masks as the GPU reads them: 8-bit values as unorm,
/// bilinear between texel centres.
pub struct MaskSampler<'a> {
    masks: &'a MaskSet,
}

impl<'a> MaskSampler<'a> {
    pub fn new(masks: &'a MaskSet) -> MaskSampler<'a> {
        MaskSampler { masks }
    }

    /// One bilinear sample at `uv` (0..1 over the picture).
    pub fn bilinear(&self, uv: [f32; 2], channel: MaskChannel) -> f32 {
        let m = self.masks;
        let texel = |x: u32, y: u32| {
            let i = ((y * m.width + x) * 4) as usize;
            [0, 1, 2, 3].map(|c| f32::from(m.rgba[i + c]) / 255.0)
        };
        bilinear(m.width, m.height, texel, uv)[channel as usize]
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

/// WGSL's `pack4x8unorm` then `unpack4x8unorm` of one value: the nearest of
/// the 256 steps from 0 to 1.
fn unorm8(v: f32) -> f32 {
    (0.5 + 255.0 * v.clamp(0.0, 1.0)).floor() / 255.0
}

/// Each secondary's weight on the masks' grid (secondary `i` in channel
/// `i`), as the GPU stores it: 8-bit steps. The key is made once per mask
/// update rather than per pixel, then read bilinearly at each pixel. CPU twin of `key_masks` in
/// shaders/masks.wgsl and `secondary_weights` in grade.wgsl.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondaryWeights {
    pub width: u32,
    pub height: u32,
    pub values: Vec<[f32; 4]>,
}

impl SecondaryWeights {
    /// Keys `masks` for `secondaries` on a picture of `picture` pixels.
    pub fn key(
        masks: &MaskSet,
        secondaries: &[Secondary],
        picture: (u32, u32),
    ) -> SecondaryWeights {
        let sampler = MaskSampler::new(masks);
        let (w, h) = (masks.width, masks.height);
        let mut values = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let uv = [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32];
                let mut texel = [0.0; 4];
                for (weight, s) in texel.iter_mut().zip(secondaries) {
                    let (channel, _) = s.mask.channel();
                    if !s.enabled || !masks.present[channel as usize] {
                        continue;
                    }
                    let radius = feather_radius(s.feather, picture.0, picture.1);
                    let sampled = sampler.feathered(uv, radius, channel);
                    *weight = unorm8(mask_weight(sampled, s.inverted(), s.ramp()));
                }
                values.push(texel);
            }
        }
        SecondaryWeights {
            width: w,
            height: h,
            values,
        }
    }

    /// The weights at `uv` (0..1 over the picture), bilinear.
    pub fn at(&self, uv: [f32; 2]) -> [f32; 4] {
        let texel = |x: u32, y: u32| self.values[(y * self.width + x) as usize];
        bilinear(self.width, self.height, texel, uv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_ramps_inverts_and_needs_its_mask() {
        let mut s = Secondary::new(MaskKind::Person);
        assert_eq!(mask_weight(0.25, s.inverted(), s.ramp()), 0.25);
        s.smooth = 0.0;
        assert_eq!(mask_weight(0.49, s.inverted(), s.ramp()), 0.0);
        assert_eq!(mask_weight(0.51, s.inverted(), s.ramp()), 1.0);
        let background = Secondary::new(MaskKind::Background);
        assert!(background.inverted());
        assert_eq!(mask_weight(0.0, true, background.ramp()), 1.0);
        let mut not_background = background.clone();
        not_background.invert = true;
        assert!(!not_background.inverted());
        // No person matte in the run: the background is not "everything".
        let mut masks = MaskSet::empty(2, 2);
        masks.present[MaskChannel::Person as usize] = false;
        let weights = SecondaryWeights::key(&masks, &[background], (2, 2));
        assert!(weights.values.iter().all(|w| *w == [0.0; 4]));
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
