//! CIELAB and the CIEDE2000 colour difference: how far apart two colours
//! look, the unit the auto proposals and Color Match report in.
//!
//! How it works: display code values (sRGB / Rec. 709 primaries, D65) are
//! decoded to linear light, taken to CIE XYZ, then to CIE 1976 L*a*b*
//! against D65 (CIE 15:2004, section 8.2.1). [`delta_e_2000`] is the
//! CIEDE2000 formula as Sharma, Wu and Dalal give it ("The CIEDE2000
//! Color-Difference Formula: Implementation Notes, Supplementary Test Data,
//! and Mathematical Observations", Color Research & Application 30(1),
//! 2005), equations (1)-(22), with kL = kC = kH = 1. The tests hold it to
//! that paper's test pairs; `tests/auto.rs` holds it to colour-science.

use super::gamut::{mul_vec, Gamut};
use super::transfer::Transfer;

/// CIE D65 white in XYZ (Y = 1), from the xy the video specifications use.
fn d65_xyz() -> [f64; 3] {
    let [x, y] = [0.3127, 0.3290];
    [x / y, 1.0, (1.0 - x - y) / y]
}

/// Linear Rec. 709 / sRGB light (D65) to CIE L*a*b* (D65 white).
pub fn linear_rec709_to_lab(rgb: [f32; 3]) -> [f64; 3] {
    let xyz = mul_vec(&Gamut::Rec709.to_xyz(), rgb.map(f64::from));
    xyz_to_lab(xyz, d65_xyz())
}

/// sRGB code values (IEC 61966-2-1) to CIE L*a*b* (D65 white).
pub fn srgb_to_lab(rgb: [f32; 3]) -> [f64; 3] {
    linear_rec709_to_lab(rgb.map(|c| Transfer::Srgb.decode(c)))
}

/// CIE XYZ to L*a*b* against `white` (CIE 15:2004, equations 8.6-8.10).
pub fn xyz_to_lab(xyz: [f64; 3], white: [f64; 3]) -> [f64; 3] {
    const EPSILON: f64 = 216.0 / 24389.0;
    const KAPPA: f64 = 24389.0 / 27.0;
    let f = |t: f64| {
        if t > EPSILON {
            t.cbrt()
        } else {
            (KAPPA * t + 16.0) / 116.0
        }
    };
    let [fx, fy, fz] = [0, 1, 2].map(|i| f(xyz[i] / white[i]));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The chroma C*ab of a L*a*b* colour.
pub fn chroma(lab: [f64; 3]) -> f64 {
    lab[1].hypot(lab[2])
}

/// CIEDE2000 between two L*a*b* colours (Sharma et al. 2005).
pub fn delta_e_2000(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    use std::f64::consts::PI;
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    // (2)-(6): a' stretched by G, C' and h'.
    let c_bar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let c7 = c_bar.powi(7);
    let g = 0.5 * (1.0 - (c7 / (c7 + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            b.atan2(a).rem_euclid(2.0 * PI)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    // (8)-(10): differences.
    let dlp = l2 - l1;
    let dcp = c2p - c1p;
    let dhp = if c1p * c2p == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > PI {
            d - 2.0 * PI
        } else if d < -PI {
            d + 2.0 * PI
        } else {
            d
        }
    };
    let dhp_big = 2.0 * (c1p * c2p).sqrt() * (dhp / 2.0).sin();
    // (12)-(22): means and weights.
    let lp_bar = (l1 + l2) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let hp_bar = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= PI {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 2.0 * PI {
        (h1p + h2p + 2.0 * PI) / 2.0
    } else {
        (h1p + h2p - 2.0 * PI) / 2.0
    };
    let deg = |d: f64| d.to_radians();
    let t = 1.0 - 0.17 * (hp_bar - deg(30.0)).cos()
        + 0.24 * (2.0 * hp_bar).cos()
        + 0.32 * (3.0 * hp_bar + deg(6.0)).cos()
        - 0.20 * (4.0 * hp_bar - deg(63.0)).cos();
    let d_theta = deg(30.0) * (-((hp_bar.to_degrees() - 275.0) / 25.0).powi(2)).exp();
    let cp7 = cp_bar.powi(7);
    let r_c = 2.0 * (cp7 / (cp7 + 25f64.powi(7))).sqrt();
    let l50 = (lp_bar - 50.0).powi(2);
    let s_l = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let s_c = 1.0 + 0.045 * cp_bar;
    let s_h = 1.0 + 0.015 * cp_bar * t;
    let r_t = -(2.0 * d_theta).sin() * r_c;
    let (l, c, h) = (dlp / s_l, dcp / s_c, dhp_big / s_h);
    (l * l + c * c + h * h + r_t * c * h).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sharma_test_pairs() {
        // Sharma, Wu, Dalal 2005, table 1: pairs 1, 7, 13, 17, 19, 25, 34
        // (the hue wrap, the achromatic and the large-difference cases).
        let pairs: [([f64; 3], [f64; 3], f64); 7] = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0011], 7.2195),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            ([50.0, 2.5, 0.0], [50.0, 3.1736, 0.5854], 1.0000),
            (
                [60.2574, -34.0099, 36.2677],
                [60.4626, -34.1751, 39.4387],
                1.2644,
            ),
            (
                [2.0776, 0.0795, -1.1350],
                [0.9033, -0.0636, -0.5514],
                0.9082,
            ),
        ];
        for (a, b, want) in pairs {
            let got = delta_e_2000(a, b);
            assert!((got - want).abs() < 1e-4, "{a:?} {b:?}: {got} vs {want}");
            assert!((delta_e_2000(b, a) - want).abs() < 1e-4, "symmetric");
        }
    }

    #[test]
    fn white_and_grey_are_neutral() {
        let white = srgb_to_lab([1.0; 3]);
        assert!((white[0] - 100.0).abs() < 1e-3 && chroma(white) < 1e-3);
        // sRGB 0.5 is 21.4 % linear: L* 53.4 (CIE 15:2004 equation 8.6).
        let grey = srgb_to_lab([0.5; 3]);
        assert!((grey[0] - 53.389).abs() < 0.01 && chroma(grey) < 1e-3);
    }
}
