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

use super::keys::{is_false, is_true};
use super::mask_expr::{MaskExpr, Op, Program};
use super::qualifier::Qualifier;
use super::ranges::MAX_GROW;
use crate::masks::{bilinear, face_code, unorm8, MaskChannel, MaskSet, MASK_CHANNELS};
use serde::{Deserialize, Serialize};

pub use super::mask_expr::MaskKind;

/// At most this many secondaries in a look (the GPU's uniform block holds
/// this many).
pub const MAX_SECONDARIES: usize = 4;

/// The largest grow or shrink in mask texels (the keying pass's window):
/// on the default 640-wide mask grid `ranges::MAX_GROW` is about 11 texels.
pub const MAX_GROW_TEXELS: i32 = 16;

/// One `[[secondary]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secondary {
    /// The masks it keys, combined (see `mask_expr.rs`): `"skin"`,
    /// `"skin & person"`, `"qualifier & background"`.
    pub mask: MaskExpr,
    /// Off keeps the settings but grades nothing (a panel's mask toggle).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Grade outside the mask instead (e.g. everything but skin).
    #[serde(default, skip_serializing_if = "is_false")]
    pub invert: bool,
    /// Grows (positive) or shrinks (negative) the mask by this share of the
    /// picture height, before the feather (at most `ranges::MAX_GROW`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grow: f32,
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
    #[serde(default = "ones", deserialize_with = "super::keys::rgb")]
    pub gain: [f32; 3],
    /// Skin smoothing strength inside the mask, 0..1 (Face Refinement:
    /// `soften.rs`; marks the look as retouching).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub soften: f32,
    /// Matte refinement, 0..1: how far the mask's edge moves onto the
    /// picture's own edges at full resolution (`refine.rs`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refine: f32,
    /// The object a `mask = "object"` follows: a point on it, in picture
    /// fractions from the top left (the operator's click or OSC
    /// `/object x y` set it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<[f32; 2]>,
    /// The face track it grades: the number the operator view shows beside
    /// the face (F2). It narrows the face masks (face, skin, the face's
    /// parts) to that face; person, depth, object and qualifier keys are
    /// not narrowed. Absent: every face. A track that has ended grades
    /// nothing (never another face).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<u32>,
    /// The HSL key of `mask = "qualifier & ..."` (see `qualifier.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<Qualifier>,
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
fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

impl Secondary {
    /// A neutral secondary on `mask`.
    pub fn new(mask: impl Into<MaskExpr>) -> Secondary {
        Secondary {
            mask: mask.into(),
            enabled: true,
            invert: false,
            grow: 0.0,
            feather: 0.0,
            smooth: 1.0,
            exposure: 0.0,
            saturation: 1.0,
            gain: [1.0; 3],
            soften: 0.0,
            refine: 0.0,
            point: None,
            face: None,
            qualifier: None,
        }
    }

    /// The linear-light gain inside the mask: `gain` times 2^`exposure`.
    pub fn linear_gain(&self) -> [f32; 3] {
        let exposure = self.exposure.exp2();
        self.gain.map(|g| g * exposure)
    }

    /// The mask's grid program (a parsed expression always compiles).
    pub fn program(&self) -> Program {
        self.mask
            .compile()
            .map(|c| c.program)
            .unwrap_or(Program { ops: Vec::new() })
    }

    /// How far its matte is refined: `refine`, or 0 when it is off.
    pub fn refine_amount(&self) -> f32 {
        if self.enabled {
            self.refine
        } else {
            0.0
        }
    }

    /// Whether its mask reads a mask drawn from the faces (which `face`
    /// narrows to one).
    pub fn reads_faces(&self) -> bool {
        self.program().channels().any(MaskChannel::follows_faces)
    }

    /// The face number its face masks are narrowed to (the mask layer's
    /// [`face_code`] of its `face`), 0 for every face.
    pub fn face_code(&self) -> u8 {
        self.face.map_or(0, face_code)
    }

    /// Whether its mask reads the object pointed at.
    pub fn reads_object(&self) -> bool {
        self.program().channels().any(|c| c == MaskChannel::Object)
    }

    /// The qualifier that narrows it, and whether inverted (`person -
    /// qualifier`).
    pub fn qualifier_key(&self) -> Option<(Qualifier, bool)> {
        let inverted = self.mask.compile().ok()?.qualifier?;
        Some((self.qualifier?, inverted))
    }

    /// The weight of a secondary whose mask is the whole picture (`mask =
    /// "qualifier"`), which needs no analysis: 1, or 0 when inverted or
    /// off. `None` for a secondary that reads masks.
    pub fn whole_picture_weight(&self) -> Option<f32> {
        if self.program().ops != [Op::One] {
            return None;
        }
        Some(if self.enabled && !self.invert {
            1.0
        } else {
            0.0
        })
    }

    /// What it changes in how a person looks, if anything: skin smoothing,
    /// or any correction inside a part of the face its mask grades (the
    /// tonal controls of Face Refinement); `None` for a correction that
    /// changes no face (the seed's line between correcting the light and
    /// changing a person).
    pub fn appearance_change(&self) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let mut changes = Vec::new();
        if self.soften > 0.0 {
            changes.push(format!("skin smoothed {:.2}", self.soften));
        }
        let on_face = self
            .mask
            .graded_kinds(self.invert)
            .iter()
            .any(|k| k.is_face_part());
        if on_face {
            if self.exposure != 0.0 {
                changes.push(format!("exposure {:+.2}", self.exposure));
            }
            if self.saturation != 1.0 {
                changes.push(format!("saturation {:.2}", self.saturation));
            }
            if self.gain != [1.0; 3] {
                let [r, g, b] = self.gain;
                changes.push(format!("gain {r:.2} {g:.2} {b:.2}"));
            }
        }
        if changes.is_empty() {
            return None;
        }
        let on = self
            .face
            .map(|id| format!(" (face {id})"))
            .unwrap_or_default();
        Some(format!("{}{on}", changes.join(", ")))
    }

    /// Whether it keys anything in a run with the masks `present`: enabled,
    /// and every mask it reads was made (a secondary never grades the whole
    /// picture because a model is missing).
    pub fn keys_with(&self, present: &[bool; MASK_CHANNELS]) -> bool {
        let program = self.program();
        self.enabled && !program.ops.is_empty() && program.channels().all(|c| present[c as usize])
    }

    /// The key's ramp: weight 0 at `lo`, 1 at `hi` (see [`mask_weight`]).
    pub fn ramp(&self) -> (f32, f32) {
        let half_width = (self.smooth.clamp(0.0, 1.0) * 0.5).max(1e-4);
        (0.5 - half_width, 0.5 + half_width)
    }
}

/// The mask value a secondary keys: the feathered sample, inverted if the
/// secondary says so (`invert`), through the `smooth` ramp. CPU twin of
/// `mask_weight` in masks.wgsl.
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

/// Four values a texel on the masks' grid (one per secondary), as the GPU
/// stores them: 8-bit steps. Each secondary's combined mask, and then its
/// weight, take this shape.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondaryWeights {
    pub width: u32,
    pub height: u32,
    pub values: Vec<[f32; 4]>,
}

/// The feather radius in uv units for a picture of `width` x `height`:
/// `feather` is a share of the height, the same distance on both axes.
pub fn feather_radius(feather: f32, width: u32, height: u32) -> [f32; 2] {
    [feather * height as f32 / width.max(1) as f32, feather]
}

/// The grow (positive) or shrink window in mask texels for a grid
/// `grid_height` texels high, at most [`MAX_GROW_TEXELS`].
pub fn grow_texels(grow: f32, grid_height: u32) -> f32 {
    (grow.clamp(-MAX_GROW, MAX_GROW) * grid_height as f32)
        .clamp(-(MAX_GROW_TEXELS as f32), MAX_GROW_TEXELS as f32)
}

impl SecondaryWeights {
    fn filled(width: u32, height: u32, value: impl Fn(u32, u32) -> [f32; 4]) -> SecondaryWeights {
        let values = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| value(x, y).map(unorm8))
            .collect();
        SecondaryWeights {
            width,
            height,
            values,
        }
    }

    pub(super) fn texel(&self, x: i64, y: i64) -> [f32; 4] {
        let x = x.clamp(0, i64::from(self.width) - 1) as u32;
        let y = y.clamp(0, i64::from(self.height) - 1) as u32;
        self.values[(y * self.width + x) as usize]
    }

    /// Keys `masks` for `secondaries` on a picture of `picture` pixels, in
    /// the keying pass's four steps (CPU twin of shaders/masks.wgsl):
    /// each secondary's mask expression at every texel (`combine_masks`),
    /// grown or shrunk by the largest or smallest value in a square window,
    /// along rows then columns (`grow_rows`, `grow_columns`), then
    /// feathered, inverted and put through the smooth ramp (`key_masks`).
    /// A secondary that is off, or reads a mask the run has none of, keys 0.
    pub fn key(
        masks: &MaskSet,
        secondaries: &[Secondary],
        picture: (u32, u32),
    ) -> SecondaryWeights {
        let (w, h) = (masks.width, masks.height);
        let programs: Vec<(Program, bool, u8)> = secondaries
            .iter()
            .take(MAX_SECONDARIES)
            .map(|s| (s.program(), s.keys_with(&masks.present), s.face_code()))
            .collect();
        let combined = SecondaryWeights::filled(w, h, |x, y| {
            let mut texel = [0.0; 4];
            let face_here = masks.face_code_at(x, y);
            for (v, (program, on, face)) in texel.iter_mut().zip(&programs) {
                // Another face's texels read 0 in the face masks.
                let other_face = *face != 0 && *face != face_here;
                if *on {
                    *v = program.eval(|c: MaskChannel| {
                        if other_face && c.follows_faces() {
                            0.0
                        } else {
                            f32::from(masks.value(x, y, c)) / 255.0
                        }
                    });
                }
            }
            texel
        });
        let mut grow = [0.0f32; 4];
        for (g, s) in grow.iter_mut().zip(secondaries) {
            *g = grow_texels(s.grow, h);
        }
        let rows = combined.grown(grow, [1, 0]);
        let grown = rows.grown(grow, [0, 1]);
        let mut radius = [[0.0f32; 2]; 4];
        for (r, s) in radius.iter_mut().zip(secondaries) {
            *r = feather_radius(s.feather, picture.0, picture.1);
        }
        let feathered = grown.feathered(radius);
        SecondaryWeights::filled(w, h, |x, y| {
            let mut texel = [0.0; 4];
            for (i, (weight, s)) in texel.iter_mut().zip(secondaries).enumerate() {
                if !programs[i].1 {
                    continue;
                }
                let sampled = feathered[(y * w + x) as usize][i];
                *weight = mask_weight(sampled, s.invert, s.ramp());
            }
            texel
        })
    }

    /// Each value replaced by the largest (grow > 0) or smallest (grow < 0)
    /// within `grow[i]` texels along `step`, edges clamped. CPU twin of
    /// `grow_line` in masks.wgsl.
    fn grown(&self, grow: [f32; 4], step: [i64; 2]) -> SecondaryWeights {
        SecondaryWeights::filled(self.width, self.height, |x, y| {
            let mut out = self.texel(i64::from(x), i64::from(y));
            for d in -MAX_GROW_TEXELS..=MAX_GROW_TEXELS {
                let v = self.texel(
                    i64::from(x) + step[0] * i64::from(d),
                    i64::from(y) + step[1] * i64::from(d),
                );
                for i in 0..4 {
                    if (d as f32).abs() <= grow[i].abs() {
                        out[i] = if grow[i] > 0.0 {
                            out[i].max(v[i])
                        } else {
                            out[i].min(v[i])
                        };
                    }
                }
            }
            out
        })
    }

    /// The values at `uv` (0..1 over the picture), bilinear.
    pub fn at(&self, uv: [f32; 2]) -> [f32; 4] {
        let texel = |x: u32, y: u32| self.values[(y * self.width + x) as usize];
        bilinear(self.width, self.height, texel, uv)
    }

    /// Every texel's feathered values, channel `i` over `radius[i]` (uv
    /// units per axis): three linear samples at -r, 0, +r along each row
    /// weighted 1-2-1, then the same down each column of those (a
    /// binomial blur: the nine bilinear samples of a 3 x 3 tap, in two
    /// passes of six reads rather than one of 36); a zero radius takes
    /// the one sample at the texel. Unquantised. CPU twin of
    /// `feather_rows` then `key_masks` in masks.wgsl.
    pub fn feathered(&self, radius: [[f32; 2]; 4]) -> Vec<[f32; 4]> {
        let (w, h) = (self.width, self.height);
        let rows: Vec<[f32; 4]> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let u = (x as f32 + 0.5) / w as f32;
                std::array::from_fn(|c| {
                    feather_line(w, |i| self.values[(y * w + i) as usize][c], u, radius[c][0])
                })
            })
            .collect();
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let v = (y as f32 + 0.5) / h as f32;
                std::array::from_fn(|c| {
                    feather_line(h, |j| rows[(j * w + x) as usize][c], v, radius[c][1])
                })
            })
            .collect()
    }
}

/// A line of `n` values at `t` (0..1 along it), linear between their
/// centres with clamped ends: one axis of [`crate::masks::bilinear`].
fn line_sample(n: u32, value: &impl Fn(u32) -> f32, t: f32) -> f32 {
    let p = t * n as f32 - 0.5;
    let p0 = p.floor();
    let f = p - p0;
    let clamp = |v: f32| (v as i64).clamp(0, i64::from(n) - 1) as u32;
    value(clamp(p0)) * (1.0 - f) + value(clamp(p0 + 1.0)) * f
}

/// The feather along one line at `t`: samples at -r, 0, +r weighted
/// 1-2-1, or the one at `t` when `r` is zero. CPU twin of `feather_line`
/// in masks.wgsl (the same operations in the same order).
fn feather_line(n: u32, value: impl Fn(u32) -> f32, t: f32, r: f32) -> f32 {
    if r == 0.0 {
        return line_sample(n, &value, t);
    }
    let mut sum = 0.0;
    for (i, weight) in [(-1.0f32, 1.0f32), (0.0, 2.0), (1.0, 1.0)] {
        sum += weight * line_sample(n, &value, t + i * r);
    }
    sum / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_ramps_inverts_and_needs_its_mask() {
        let mut s = Secondary::new(MaskKind::Person);
        assert_eq!(mask_weight(0.25, s.invert, s.ramp()), 0.25);
        s.smooth = 0.0;
        assert_eq!(mask_weight(0.49, s.invert, s.ramp()), 0.0);
        assert_eq!(mask_weight(0.51, s.invert, s.ramp()), 1.0);
        assert_eq!(mask_weight(0.0, true, s.ramp()), 1.0);
        // The background is the person matte inverted; `invert` inverts it
        // back.
        let mut masks = MaskSet::empty(2, 2);
        let background = Secondary::new(MaskKind::Background);
        let weights = SecondaryWeights::key(&masks, std::slice::from_ref(&background), (2, 2));
        assert!(weights.values.iter().all(|w| w[0] == 1.0));
        let not_background = Secondary {
            invert: true,
            ..background.clone()
        };
        let weights = SecondaryWeights::key(&masks, &[not_background], (2, 2));
        assert!(weights.values.iter().all(|w| w[0] == 0.0));
        // No person matte in the run: the background is not "everything".
        masks.present[MaskChannel::Person as usize] = false;
        let weights = SecondaryWeights::key(&masks, &[background], (2, 2));
        assert!(weights.values.iter().all(|w| *w == [0.0; 4]));
    }

    #[test]
    fn keying_is_bilinear_between_texel_centres_and_feather_blurs() {
        let mut masks = MaskSet::empty(4, 1);
        masks.rgba[4 * 2] = 255; // face channel of texel 2
        let weights = SecondaryWeights::key(&masks, &[Secondary::new(MaskKind::Face)], (4, 1));
        let at = |u: f32| weights.at([u, 0.5])[0];
        // Texel centres sit at (i + 0.5) / 4.
        assert_eq!(at(2.5 / 4.0), 1.0);
        assert_eq!(at(1.5 / 4.0), 0.0);
        assert!((at(2.0 / 4.0) - 0.5).abs() < 1e-6);
        // Edges clamp: beyond the last texel is the last texel.
        assert_eq!(at(1.2), 0.0);
        let blurred = weights.feathered([[0.25, 0.0]; 4])[2][0];
        assert!((blurred - 0.5).abs() < 1e-6, "{blurred}");
    }

    #[test]
    fn grow_and_shrink_move_an_edge_by_whole_texels() {
        // A 3-texel-wide bar in a 20 x 20 grid; grow by 2 texels on a
        // 20-high picture grid is 0.1 of the height (clamped to MAX_GROW:
        // use a taller grid for the share).
        let mut masks = MaskSet::empty(40, 100);
        for y in 0..100 {
            for x in 18..21 {
                masks.rgba[(y * 40 + x) * 4 + 2] = 255;
            }
        }
        let width_of = |grow: f32| {
            let s = Secondary {
                grow,
                ..Secondary::new(MaskKind::Person)
            };
            let w = SecondaryWeights::key(&masks, &[s], (40, 100));
            (0..40).filter(|x| w.values[50 * 40 + x][0] > 0.5).count()
        };
        assert_eq!(width_of(0.0), 3);
        assert_eq!(width_of(0.02), 7);
        assert_eq!(width_of(-0.01), 1);
        assert_eq!(grow_texels(1.0, 100), 3.0, "clamped to MAX_GROW");
    }

    #[test]
    fn correction_is_gain_then_saturation_around_luma() {
        let grey = secondary_linear([0.18; 3], [2.0; 3], 0.0, AP1_LUMA);
        assert!(grey.iter().all(|c| (c - 0.36).abs() < 1e-5), "{grey:?}");
        let red = secondary_linear([1.0, 0.0, 0.0], [1.0; 3], 0.0, [0.2126, 0.7152, 0.0722]);
        assert!(red.iter().all(|c| (c - 0.2126).abs() < 1e-6), "{red:?}");
    }
}
