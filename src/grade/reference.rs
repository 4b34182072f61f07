//! CPU reference of the grade: plain f32, one function per operation, each
//! mirrored by a function of the same name in `shaders/grade.wgsl`.
//!
//! Tests compare the GPU against it. Besides them, it evaluates a whole
//! look on the CPU where no frame is graded: whether a grey source stays
//! grey ([`keeps_grey`], when a render starts), `look export`'s .cube bake
//! and Color Match's fit. The live path does not call it: the kernel's
//! 8-bit table is made by `gpu::grade` from the operators' own functions
//! (`primary::apply_exposure`, `Cdl::apply_sop`).

use super::atmosphere::AtmosphereGrid;
use super::gamut::{invert, mul_vec, Gamut, Mat3};
use super::look::{Cdl, Look};
use super::primary::{apply_contrast, apply_exposure, apply_lift_gamma_gain, linear_matrix};
use super::refine::{refined, RefineGrid};
use super::secondary::{secondary_linear, Secondary, SecondaryWeights, AP1_LUMA};
use super::transfer::Transfer;
use super::transform::SceneTransforms;

/// Rec. 709 luma weights, as ASC CDL v1.2 saturation specifies
/// (ITU-R BT.709-6, item 3.3).
pub const REC709_LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// sRGB encoded value to linear light (IEC 61966-2-1:1999 section 4.2, in
/// [`Transfer::Srgb`]), extended to negative values by symmetry.
pub fn srgb_to_linear(v: f32) -> f32 {
    Transfer::Srgb.decode(v)
}

/// Linear light to sRGB encoded value (IEC 61966-2-1:1999 section 5.2).
pub fn linear_to_srgb(v: f32) -> f32 {
    Transfer::Srgb.encode(v)
}

/// The linear-light primaries of a video-mode look on a display-encoded
/// signal: sRGB decode, the matrix of `primary::linear_matrix` in Rec. 709
/// RGB, sRGB encode. With only exposure set this is `primary::apply_exposure`.
pub fn apply_linear_primaries(rgb: [f32; 3], matrix: &Mat3) -> [f32; 3] {
    let linear = rgb.map(|c| f64::from(srgb_to_linear(c)));
    mul_vec(matrix, linear).map(|c| linear_to_srgb(c as f32))
}

/// ASC CDL v1.2 (ASC Technology Committee, "ASC Color Decision List (ASC CDL)
/// Transfer Functions and Interchange Syntax", 2009):
/// `out = clamp(in * slope + offset)^power`, then saturation around Rec. 709
/// luma, `out = luma + sat * (in - luma)`, clamped to [0, 1] (an identity
/// CDL clamps nothing: see [`Cdl::bounds`]).
/// With `clamp = false` (the no-clamp style ACES and OpenColorIO use for
/// scene-linear data) nothing is clipped and negative values pass the power
/// unchanged.
pub fn apply_cdl(rgb: [f32; 3], cdl: &Cdl) -> [f32; 3] {
    let (lo, hi) = cdl.bounds();
    let sop = cdl.apply_sop(rgb);
    let luma = sop[0] * REC709_LUMA[0] + sop[1] * REC709_LUMA[1] + sop[2] * REC709_LUMA[2];
    sop.map(|c| (luma + cdl.saturation * (c - luma)).clamp(lo, hi))
}

/// The whole grade of one pixel. Video mode (no `[input]`/`[output]`):
/// linear-light primaries through the sRGB curve, then the working-space
/// operators on the display signal. Scene-referred: camera decode, to ACES
/// AP1 with the linear-light primaries folded in, into the working space,
/// the working-space operators, then back out to the display (see
/// `transform.rs`), or through the `[output]` display LUT. The
/// working-space operators, in order: ASC CDL, contrast, lift/gamma/gain,
/// creative LUT, then the secondaries (which need masks: see
/// [`Grader::pixel_masked`]). For many pixels, resolve the
/// look once with [`Grader`].
pub fn grade_pixel(rgb: [f32; 3], look: &Look) -> [f32; 3] {
    Grader::new(look).pixel(rgb)
}

/// Whether the look leaves a grey picture grey: every grey from black to
/// above white comes out with equal channels, and no secondary can tint a
/// region. A grey source graded so stays grey in a file; otherwise the file
/// carries colour.
pub fn keeps_grey(look: &Look) -> bool {
    if !look.secondaries.is_empty() {
        return false;
    }
    let grader = Grader::new(look);
    (0..=40).all(|i| {
        let [r, g, b] = grader.pixel([i as f32 / 32.0; 3]);
        (r - g).abs() <= 1e-5 && (g - b).abs() <= 1e-5
    })
}

/// Where a pixel sits, for the secondaries: their weights keyed from the
/// analysis masks ([`SecondaryWeights::key`]) and the pixel's place.
#[derive(Clone, Copy)]
pub struct MaskedPixel<'a> {
    pub weights: &'a SecondaryWeights,
    /// The `[atmosphere]`'s haze and defocus amounts from the same masks
    /// ([`AtmosphereGrid::key`]), when the look has one.
    pub atmosphere: Option<&'a AtmosphereGrid>,
    /// The pixel centre over the picture, 0..1: ((x + 0.5) / w, (y + 0.5) / h).
    pub uv: [f32; 2],
    /// The matte refinement's coefficients from the same masks
    /// ([`RefineGrid::key`]), when a secondary refines.
    pub refine: Option<&'a RefineGrid>,
    /// The pixel's camera code value before any filter (refinement's
    /// guide).
    pub guide: [f32; 3],
}

impl MaskedPixel<'_> {
    /// Each secondary's keyed weight here: the keyed masks at `uv`, each
    /// moved onto the picture's edges by its `refine` amount. CPU twin of
    /// `mask_weights` in grade.wgsl (without the whole-picture weights).
    fn keyed(&self, secondaries: &[Secondary]) -> [f32; 4] {
        let mut keyed = self.weights.at(self.uv);
        if let Some(grid) = self.refine {
            let coefficients = grid.at(self.uv);
            for (i, s) in secondaries.iter().take(4).enumerate() {
                keyed[i] = refined(keyed[i], coefficients[i], self.guide, s.refine_amount());
            }
        }
        keyed
    }
}

/// A look with its matrices resolved once (they take a few hundred
/// operations to build), for grading many pixels.
pub struct Grader<'a> {
    look: &'a Look,
    scene: Option<SceneTransforms>,
    /// Video mode's linear-light primaries in Rec. 709 RGB.
    video_matrix: Mat3,
}

impl<'a> Grader<'a> {
    pub fn new(look: &'a Look) -> Grader<'a> {
        Grader {
            look,
            scene: look.scene(),
            video_matrix: linear_matrix(&look.primary, Gamut::Rec709),
        }
    }

    /// The secondaries, in order, on a working-space value (see
    /// `secondary.rs`): each mixes its correction in by its weight, in
    /// linear light. CPU twin of `apply_secondaries` in grade.wgsl.
    fn secondaries(&self, graded: [f32; 3], at: Option<MaskedPixel>) -> [f32; 3] {
        let (transfer, luma) = match &self.scene {
            Some(scene) => (scene.working, AP1_LUMA),
            None => (Transfer::Srgb, REC709_LUMA),
        };
        let weights = self.secondary_weights(graded, at, luma);
        if weights == [0.0; 4] {
            return graded;
        }
        let mut linear = graded.map(|c| transfer.decode(c));
        for (s, weight) in self.look.secondaries.iter().zip(weights) {
            if weight == 0.0 {
                continue;
            }
            let corrected = secondary_linear(linear, s.linear_gain(), s.saturation, luma);
            linear = [0, 1, 2].map(|c| linear[c] + (corrected[c] - linear[c]) * weight);
        }
        linear.map(|c| transfer.encode(c))
    }

    /// Each secondary's weight at a pixel: its keyed masks (none without
    /// analysis) or its whole-picture weight, narrowed by its qualifier on
    /// the graded value. CPU twin of `weights_of` in grade.wgsl.
    fn secondary_weights(
        &self,
        graded: [f32; 3],
        at: Option<MaskedPixel>,
        luma: [f32; 3],
    ) -> [f32; 4] {
        let keyed = at.map_or([0.0; 4], |at| at.keyed(&self.look.secondaries));
        let mut weights = [0.0; 4];
        for (i, s) in self.look.secondaries.iter().take(4).enumerate() {
            weights[i] = s.whole_picture_weight().unwrap_or(keyed[i]);
            if let Some((q, inverted)) = s.qualifier_key() {
                let key = q.weight(graded, luma);
                weights[i] *= if inverted { 1.0 - key } else { key };
            }
        }
        weights
    }

    /// Haze by depth on a graded working-space value: mixed towards the
    /// haze colour by its amount, in linear light. CPU twin of `apply_haze`
    /// in grade.wgsl.
    fn haze(&self, graded: [f32; 3], at: Option<MaskedPixel>) -> [f32; 3] {
        let (Some(section), Some(grid)) = (&self.look.atmosphere, at.and_then(|a| a.atmosphere))
        else {
            return graded;
        };
        let amount = grid.at(at.map_or([0.0; 2], |a| a.uv))[0];
        if amount == 0.0 {
            return graded;
        }
        let transfer = self.scene.as_ref().map_or(Transfer::Srgb, |s| s.working);
        let linear = graded.map(|c| transfer.decode(c));
        [0, 1, 2].map(|c| transfer.encode(linear[c] + (section.haze[c] - linear[c]) * amount))
    }

    /// The defocus amount at a pixel (0 without an `[atmosphere]`).
    pub fn defocus_amount(&self, at: Option<MaskedPixel>) -> f32 {
        match at.and_then(|a| a.atmosphere.map(|g| g.at(a.uv))) {
            Some([_, defocus]) if self.look.atmosphere.is_some() => defocus,
            _ => 0.0,
        }
    }

    /// The skin smoothing amount at a pixel: the largest `soften` x weight
    /// among the secondaries (their keyed masks; the qualifier does not
    /// narrow it). CPU twin of `soften_amount` in filters.wgsl.
    pub fn soften_amount(&self, at: Option<MaskedPixel>) -> f32 {
        let keyed = at.map_or([0.0; 4], |at| at.keyed(&self.look.secondaries));
        self.look
            .secondaries
            .iter()
            .take(4)
            .zip(keyed)
            .map(|(s, k)| {
                let weight = s.whole_picture_weight().unwrap_or(k);
                weight * if s.enabled { s.soften } else { 0.0 }
            })
            .fold(0.0, f32::max)
    }

    /// The operators of the working space, in order: CDL, contrast,
    /// lift / gamma / gain, creative LUT.
    pub fn working(&self, rgb: [f32; 3]) -> [f32; 3] {
        let look = self.look;
        let p = &look.primary;
        let graded = apply_lift_gamma_gain(
            apply_contrast(apply_cdl(rgb, &look.cdl), p.contrast, p.pivot),
            p,
        );
        match (&look.loaded_lut, &look.lut) {
            (Some(lut), Some(r)) => lut.apply(graded, r.interpolation),
            _ => graded,
        }
    }

    /// A code value into the working space, the linear-light primaries
    /// applied: what the CDL receives.
    pub fn entering(&self, rgb: [f32; 3]) -> [f32; 3] {
        match &self.scene {
            None if self.look.primary.linear_is_gain() => {
                apply_exposure(rgb, self.look.primary.exposure)
            }
            None => apply_linear_primaries(rgb, &self.video_matrix),
            Some(scene) => {
                let camera = rgb.map(|c| f64::from(scene.input.decode(c)));
                mul_vec(&scene.input_matrix, camera).map(|c| scene.working.encode(c as f32))
            }
        }
    }

    /// A graded working-space value out to the display: nothing in video
    /// mode; the display LUT, the OpenColorIO rendering or the output
    /// matrix and encoding of a scene-referred look.
    pub fn leaving(&self, graded: [f32; 3]) -> [f32; 3] {
        let Some(scene) = &self.scene else {
            return graded;
        };
        if let (Some(lut), Some(output)) = (&self.look.loaded_display_lut, &self.look.output) {
            return lut.apply(graded, output.interpolation);
        }
        if let Some(display) = &scene.display {
            return display.apply(graded.map(|c| scene.working.decode(c)));
        }
        let linear = graded.map(|c| f64::from(scene.working.decode(c)));
        mul_vec(&scene.output_matrix, linear).map(|c| scene.output.encode(c as f32))
    }

    /// The inverse of [`Grader::leaving`]: a display code value back into
    /// the working space. `None` where the display path has no inverse
    /// here (a display LUT, an OpenColorIO rendering).
    pub fn returning(&self, display: [f32; 3]) -> Option<[f32; 3]> {
        let Some(scene) = &self.scene else {
            return Some(display);
        };
        if self.look.loaded_display_lut.is_some() || scene.display.is_some() {
            return None;
        }
        let linear = display.map(|c| f64::from(scene.output.decode(c)));
        let ap1 = mul_vec(&invert(&scene.output_matrix), linear);
        Some(ap1.map(|c| scene.working.encode(c as f32)))
    }

    /// See [`grade_pixel`]. Secondaries that read masks grade nothing here
    /// (no masks); a whole-picture one (`mask = "qualifier"`) grades.
    pub fn pixel(&self, rgb: [f32; 3]) -> [f32; 3] {
        self.pixel_masked(rgb, None)
    }

    /// The whole grade of the pixel at `at`, secondaries included (`None`:
    /// no analysis in the run, so no secondary grades).
    pub fn pixel_masked(&self, rgb: [f32; 3], at: Option<MaskedPixel>) -> [f32; 3] {
        self.finishing(self.working(self.entering(rgb)), at)
    }

    /// A graded working-space value to the display: the secondaries and
    /// haze at `at`, then [`Grader::leaving`] (what follows the live
    /// lattice of `LiveBake::Working`). CPU twin of `grade_finish` in
    /// grade.wgsl.
    pub fn finishing(&self, working: [f32; 3], at: Option<MaskedPixel>) -> [f32; 3] {
        self.leaving(self.secondaries_and_haze(working, at))
    }

    /// The secondaries and the haze at `at` on a graded working-space
    /// value. CPU twin of `secondaries_and_haze` in grade.wgsl.
    pub fn secondaries_and_haze(&self, working: [f32; 3], at: Option<MaskedPixel>) -> [f32; 3] {
        self.haze(self.secondaries(working, at), at)
    }
}

/// Rounds to the nearest IEEE half float, as the GPU's rgba16float working
/// textures store values between passes.
pub fn to_half(v: f32) -> f32 {
    half::f16::from_f32(v).to_f32()
}

/// 8-bit quantisation as WGSL's `pack4x8unorm` does it (WGSL spec 17.9):
/// `floor(0.5 + 255 * clamp(v, 0, 1))`.
pub fn quantize_u8(v: f32) -> u8 {
    (0.5 + 255.0 * v.clamp(0.0, 1.0)).floor() as u8
}

/// 16-bit quantisation as WGSL's `pack2x16unorm` does it.
pub fn quantize_u16(v: f32) -> u16 {
    (0.5 + 65535.0 * v.clamp(0.0, 1.0)).floor() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_curve_matches_spec_points() {
        // IEC 61966-2-1: code 0.5 decodes to 0.21404; the curves are inverse.
        assert!((srgb_to_linear(0.5) - 0.214_041).abs() < 1e-5);
        for i in 0..=100 {
            let v = i as f32 / 100.0;
            assert!((linear_to_srgb(srgb_to_linear(v)) - v).abs() < 1e-6);
        }
    }

    #[test]
    fn cdl_matches_hand_computed_values() {
        let cdl = Cdl {
            slope: [1.2, 1.0, 0.8],
            offset: [0.01, 0.0, -0.02],
            power: [1.1, 1.0, 0.9],
            saturation: 1.0,
            clamp: true,
        };
        let out = apply_cdl([0.5, 0.5, 0.5], &cdl);
        let expected = [(0.61f32).powf(1.1), 0.5, (0.38f32).powf(0.9)];
        for c in 0..3 {
            assert!(
                (out[c] - expected[c]).abs() < 1e-6,
                "{out:?} vs {expected:?}"
            );
        }
        // Saturation 0 gives Rec. 709 luma on every channel.
        let grey = apply_cdl(
            [1.0, 0.0, 0.0],
            &Cdl {
                saturation: 0.0,
                ..Cdl::default()
            },
        );
        assert!(grey.iter().all(|c| (c - 0.2126).abs() < 1e-6));
    }

    #[test]
    fn no_clamp_keeps_negatives_and_highlights() {
        let cdl = Cdl {
            offset: [-0.2, 0.0, 0.0],
            power: [2.0, 2.0, 2.0],
            slope: [1.0, 2.0, 1.0],
            clamp: false,
            ..Cdl::default()
        };
        let out = apply_cdl([0.1, 0.9, 0.5], &cdl);
        assert!(
            (out[0] + 0.1).abs() < 1e-6,
            "negative passes the power: {out:?}"
        );
        assert!((out[1] - 3.24).abs() < 1e-5, "no clip above 1: {out:?}");
        assert!((out[2] - 0.25).abs() < 1e-6);
        let clamped = apply_cdl([0.1, 0.9, 0.5], &Cdl { clamp: true, ..cdl });
        assert_eq!(clamped[0], 0.0);
        assert_eq!(clamped[1], 1.0);
    }

    #[test]
    fn one_stop_doubles_linear_light() {
        let out = apply_exposure([0.5; 3], 1.0);
        assert!((srgb_to_linear(out[0]) - 2.0 * srgb_to_linear(0.5)).abs() < 1e-5);
    }

    #[test]
    fn quantisation_rounds_half_up() {
        assert_eq!(quantize_u8(0.5), 128);
        assert_eq!(quantize_u8(2.0), 255);
        assert_eq!(quantize_u16(1.0), 65535);
    }
}
