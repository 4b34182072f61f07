//! Primary corrections: exposure, white balance (temperature and tint) and
//! saturation in linear light; contrast, lift, gamma and gain in the working
//! space.
//!
//! How it works: the linear-light primaries are each a 3x3 matrix in the
//! working gamut's RGB, so [`linear_matrix`] multiplies them into one. A
//! scene-referred look folds that matrix into the input transform's matrix
//! (camera -> AP1), so exposure, white balance and saturation cost nothing
//! per pixel; a video-mode look applies it between the sRGB decode and
//! encode. The working-space primaries are per-channel curves applied after
//! the CDL: [`apply_contrast`], then [`apply_lift_gamma_gain`]. Each has a
//! WGSL twin of the same name in `shaders/grade.wgsl`.

use super::gamut::{bradford, invert, mul, Gamut, Mat3, IDENTITY};
use super::keys::rgb;
use super::transfer::Transfer;
use serde::{Deserialize, Serialize};

/// Primary corrections. Exposure, temperature, tint and saturation act in
/// linear light; contrast, lift, gamma and gain in the working space, after
/// the CDL (see `primary.rs` for the formulas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Primary {
    /// Exposure in stops, applied in linear light: +1 doubles the light.
    pub exposure: f32,
    /// Contrast around `pivot` in the working space (1 = none).
    pub contrast: f32,
    /// The working-space value contrast turns around (0.435 in ACEScct is
    /// about 0.2 linear, just above mid grey).
    pub pivot: f32,
    /// White balance in mired, as gels are rated: + warmer, - cooler.
    pub temperature: f32,
    /// Green-magenta in thousandths of Duv: + magenta, - green.
    pub tint: f32,
    /// Saturation in linear light around luminance (1 = none), after the
    /// white balance; the CDL's saturation is separate.
    pub saturation: f32,
    #[serde(deserialize_with = "rgb")]
    pub lift: [f32; 3],
    /// 0 is neutral; +1 brightens the mid-tones (exponent 1/2).
    #[serde(deserialize_with = "rgb")]
    pub gamma: [f32; 3],
    #[serde(deserialize_with = "rgb")]
    pub gain: [f32; 3],
}

impl Default for Primary {
    fn default() -> Self {
        Primary {
            exposure: 0.0,
            contrast: 1.0,
            pivot: 0.435,
            temperature: 0.0,
            tint: 0.0,
            saturation: 1.0,
            lift: [0.0; 3],
            gamma: [0.0; 3],
            gain: [1.0; 3],
        }
    }
}

impl Primary {
    /// True when the linear-light part (exposure, white balance,
    /// saturation) is a plain gain, as the GPU's video-mode fast path needs.
    pub fn linear_is_gain(&self) -> bool {
        self.temperature == 0.0 && self.tint == 0.0 && self.saturation == 1.0
    }

    /// The keys set away from neutral, e.g. `["exposure", "gain"]` (what a
    /// CDL-only export has to refuse).
    pub fn changed_keys(&self) -> Vec<&'static str> {
        let d = Primary::default();
        [
            ("exposure", self.exposure != d.exposure),
            ("contrast", self.contrast != d.contrast),
            ("temperature", self.temperature != d.temperature),
            ("tint", self.tint != d.tint),
            ("saturation", self.saturation != d.saturation),
            ("lift", self.lift != d.lift),
            ("gamma", self.gamma != d.gamma),
            ("gain", self.gain != d.gain),
        ]
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
    }
}

/// The colour temperature temperature/tint shifts are measured around: the
/// correlated colour temperature of CIE D65 (6504 K), in mired.
pub const REFERENCE_MIRED: f64 = 1e6 / 6504.0;

/// CIE 1960 UCS (u, v) of a Planckian (black body) radiator at `kelvin`:
/// Krystek's rational approximation (M. Krystek, "An algorithm to calculate
/// correlated colour temperature", Color Research & Application 10(1),
/// 1985), within about 1e-4 of the exact locus from 1000 K to 15000 K.
pub fn planckian_uv(kelvin: f64) -> [f64; 2] {
    let t = kelvin;
    let u = (0.860_117_757 + 1.541_182_54e-4 * t + 1.286_412_12e-7 * t * t)
        / (1.0 + 8.424_202_35e-4 * t + 7.081_451_63e-7 * t * t);
    let v = (0.317_398_726 + 4.228_062_45e-5 * t + 4.204_816_91e-8 * t * t)
        / (1.0 - 2.897_418_16e-5 * t + 1.614_560_53e-7 * t * t);
    [u, v]
}

/// CIE 1960 (u, v) to CIE 1931 (x, y) (CIE 15:2004, section 8.1).
pub fn uv_to_xy([u, v]: [f64; 2]) -> [f64; 2] {
    let d = 2.0 * u - 8.0 * v + 4.0;
    [3.0 * u / d, 2.0 * v / d]
}

/// The unit normal of the Planckian locus at `kelvin` in (u, v), pointing to
/// the green side (+v): the direction of Duv in ANSI C78.377.
fn locus_normal(kelvin: f64) -> [f64; 2] {
    let h = kelvin * 1e-4;
    let (a, b) = (planckian_uv(kelvin - h), planckian_uv(kelvin + h));
    let (du, dv) = (b[0] - a[0], b[1] - a[1]);
    let len = du.hypot(dv);
    let n = [-dv / len, du / len];
    if n[1] >= 0.0 {
        n
    } else {
        [-n[0], -n[1]]
    }
}

/// A white on the Planckian locus at `mired`, moved `duv` along the normal.
fn white_at(mired: f64, duv: f64) -> [f64; 2] {
    let kelvin = 1e6 / mired;
    let p = planckian_uv(kelvin);
    let n = locus_normal(kelvin);
    uv_to_xy([p[0] + duv * n[0], p[1] + duv * n[1]])
}

/// White balance as a chromatic adaptation, in CIE XYZ.
///
/// `temperature` is in mired, as lighting gels are rated (+ warmer: a full
/// CTO is about +159); `tint` in thousandths of Duv (+ magenta, - green).
/// The picture is adapted, von Kries in the Bradford cone space (Lam 1985),
/// from the white at `REFERENCE_MIRED - temperature / 2` (and `+tint / 2`
/// Duv) to the white at `REFERENCE_MIRED + temperature / 2` (and `-tint /
/// 2`): a neutral takes the colour shift a gel of `temperature` mired would
/// give the light, scaled in cone responses rather than in RGB. Opposite
/// settings are exact inverses, and zero is the identity.
pub fn white_balance(temperature: f32, tint: f32) -> Mat3 {
    if temperature == 0.0 && tint == 0.0 {
        return IDENTITY;
    }
    let (half_mired, half_duv) = (f64::from(temperature) / 2.0, f64::from(tint) / 2000.0);
    bradford(
        white_at(REFERENCE_MIRED - half_mired, half_duv),
        white_at(REFERENCE_MIRED + half_mired, -half_duv),
    )
}

/// The luminance weights of a gamut's linear RGB: the Y row of its RGB to
/// XYZ matrix (for AP1, S-2014-004 gives 0.2722287, 0.6740818, 0.0536895).
pub fn luminance_weights(gamut: Gamut) -> [f64; 3] {
    gamut.to_xyz()[1]
}

/// Saturation in linear light around luminance: `Y + s (rgb - Y)`, which
/// keeps every pixel's luminance.
pub fn saturation_matrix(saturation: f32, weights: [f64; 3]) -> Mat3 {
    let s = f64::from(saturation);
    let mut m = [weights.map(|w| (1.0 - s) * w); 3];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] += s;
    }
    m
}

/// The linear-light primaries as one matrix in `gamut`'s linear RGB:
/// exposure (2^stops), then white balance, then saturation.
pub fn linear_matrix(primary: &Primary, gamut: Gamut) -> Mat3 {
    let balance = if primary.temperature == 0.0 && primary.tint == 0.0 {
        IDENTITY
    } else {
        let to_xyz = gamut.to_xyz();
        let adapt = white_balance(primary.temperature, primary.tint);
        mul(&invert(&to_xyz), &mul(&adapt, &to_xyz))
    };
    let gain = f64::from(primary.exposure).exp2();
    let saturation = saturation_matrix(primary.saturation, luminance_weights(gamut));
    mul(&saturation, &balance).map(|row| row.map(|v| v * gain))
}

/// Contrast around a pivot, per channel in the working space:
/// `(v - pivot) * contrast + pivot` (a straight line through the pivot, so
/// the pivot's grey keeps its value).
pub fn apply_contrast(rgb: [f32; 3], contrast: f32, pivot: f32) -> [f32; 3] {
    rgb.map(|v| (v - pivot) * contrast + pivot)
}

/// Lift, gamma and gain per channel in the working space, the classic
/// formula `out = (gain (v + lift (1 - v)))^(1 / g)` with `g = 2^gamma`, so
/// the look's `gamma = 0` is the identity and `+1` doubles the exponent's
/// reciprocal (brighter mid-tones). Lift moves black to `gain * lift` and
/// leaves 1.0 at `gain`. Below 0 the power is odd-symmetric, so values
/// outside the working range stay continuous and ordered.
pub fn apply_lift_gamma_gain(rgb: [f32; 3], primary: &Primary) -> [f32; 3] {
    let mut out = [0.0f32; 3];
    for c in 0..3 {
        let v = primary.gain[c] * (rgb[c] + primary.lift[c] * (1.0 - rgb[c]));
        let exponent = (-primary.gamma[c]).exp2();
        out[c] = v.abs().powf(exponent).copysign(v);
    }
    out
}

/// Exposure in stops on a display-encoded signal: decode to linear light,
/// multiply by 2^stops, encode again.
pub fn apply_exposure(rgb: [f32; 3], stops: f32) -> [f32; 3] {
    let gain = stops.exp2();
    rgb.map(|c| Transfer::Srgb.encode(Transfer::Srgb.decode(c) * gain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::gamut::mul_vec;

    #[test]
    fn planckian_locus_matches_cie_illuminant_a() {
        // CIE illuminant A is a Planckian radiator at 2856 K: CIE 15:2004
        // table T.3 gives x = 0.44757, y = 0.40745, i.e. u = 0.25596,
        // v = 0.34953.
        let [u, v] = planckian_uv(2856.0);
        let distance = (u - 0.255_964).hypot(v - 0.349_529);
        assert!(distance < 1.5e-4, "{u} {v}: {distance}");
        let [x, y] = uv_to_xy([0.255_964, 0.349_529]);
        assert!((x - 0.447_57).abs() < 1e-5 && (y - 0.407_45).abs() < 1e-5);
    }

    #[test]
    fn ap1_luminance_weights_match_s_2014_004() {
        let w = luminance_weights(Gamut::AcesAp1);
        let want = [0.272_228_7, 0.674_081_8, 0.053_689_5];
        for c in 0..3 {
            assert!((w[c] - want[c]).abs() < 1e-6, "{w:?}");
        }
    }

    #[test]
    fn white_balance_is_a_von_kries_shift_along_the_locus() {
        // The adaptation takes the white at REFERENCE - t/2 exactly to the
        // white at REFERENCE + t/2 (both on the Planckian locus).
        let m = white_balance(40.0, 0.0);
        let xyz = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
        let from = xyz(uv_to_xy(planckian_uv(1e6 / (REFERENCE_MIRED - 20.0))));
        let to = xyz(uv_to_xy(planckian_uv(1e6 / (REFERENCE_MIRED + 20.0))));
        let got = mul_vec(&m, from);
        for c in 0..3 {
            assert!((got[c] - to[c]).abs() < 1e-9, "{got:?} vs {to:?}");
        }
        // Warmer: a neutral grey gets more red than blue; opposite settings
        // undo each other.
        let rgb = linear_matrix(
            &Primary {
                temperature: 40.0,
                tint: 3.0,
                ..Primary::default()
            },
            Gamut::Rec709,
        );
        let grey = mul_vec(&rgb, [0.18; 3]);
        assert!(grey[0] > 0.18 && grey[2] < 0.18, "{grey:?}");
        let back = linear_matrix(
            &Primary {
                temperature: -40.0,
                tint: -3.0,
                ..Primary::default()
            },
            Gamut::Rec709,
        );
        let round = mul_vec(&back, grey);
        assert!(round.iter().all(|c| (c - 0.18).abs() < 1e-12), "{round:?}");
        // Tint + is magenta: green drops against red and blue.
        let magenta = linear_matrix(
            &Primary {
                tint: 10.0,
                ..Primary::default()
            },
            Gamut::Rec709,
        );
        let g = mul_vec(&magenta, [0.18; 3]);
        assert!(g[1] < g[0] && g[1] < g[2], "{g:?}");
    }

    #[test]
    fn saturation_keeps_luminance() {
        let weights = luminance_weights(Gamut::AcesAp1);
        let m = saturation_matrix(1.7, weights);
        let rgb = [0.3, 0.1, 0.05];
        let out = mul_vec(&m, rgb);
        let y = |v: [f64; 3]| (0..3).map(|c| v[c] * weights[c]).sum::<f64>();
        assert!((y(out) - y(rgb)).abs() < 1e-12);
        let grey = mul_vec(&saturation_matrix(0.0, weights), rgb);
        assert!(grey.iter().all(|c| (c - y(rgb)).abs() < 1e-12));
    }

    #[test]
    fn contrast_and_lift_gamma_gain_by_hand() {
        let out = apply_contrast([0.435, 0.535, 0.335], 1.5, 0.435);
        assert!((out[0] - 0.435).abs() < 1e-7);
        assert!((out[1] - 0.585).abs() < 1e-6 && (out[2] - 0.285).abs() < 1e-6);
        let p = Primary {
            lift: [0.1, 0.0, 0.0],
            gamma: [0.0, 1.0, 0.0],
            gain: [1.0, 1.0, 2.0],
            ..Primary::default()
        };
        // Lift moves black to 0.1 and keeps 1; gamma +1 is a square root;
        // gain scales.
        let black = apply_lift_gamma_gain([0.0; 3], &p);
        let white = apply_lift_gamma_gain([1.0; 3], &p);
        assert!((black[0] - 0.1).abs() < 1e-7 && (white[0] - 1.0).abs() < 1e-7);
        let mid = apply_lift_gamma_gain([0.25; 3], &p);
        assert!((mid[1] - 0.5).abs() < 1e-7 && (mid[2] - 0.5).abs() < 1e-7);
        // Odd-symmetric below zero.
        let neg = apply_lift_gamma_gain([-0.25; 3], &p);
        assert!((neg[1] + 0.5).abs() < 1e-7);
        assert_eq!(
            apply_lift_gamma_gain([0.3, -0.2, 1.4], &Primary::default()),
            [0.3, -0.2, 1.4]
        );
    }
}
