//! RGB gamuts (primaries and white points) and the 3x3 matrices between them.
//!
//! How it works: each [`Gamut`] is four CIE 1931 xy chromaticities from its
//! specification. [`Gamut::to_xyz`] builds the normalised primary matrix
//! (SMPTE RP 177-1993, section 3.3); [`conversion`] chains gamut -> XYZ ->
//! (Bradford chromatic adaptation where the white points differ) -> XYZ ->
//! gamut. Matrices are f64 here and handed to the GPU as f32.

/// A 3x3 matrix, rows first: `out[i] = sum_j m[i][j] * in[j]`.
pub type Mat3 = [[f64; 3]; 3];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gamut {
    /// ITU-R BT.709-6 (also sRGB), D65.
    Rec709,
    /// ITU-R BT.2020-2, D65.
    Rec2020,
    /// P3 primaries with D65 white (SMPTE EG 432-1; Apple's Display P3).
    P3D65,
    /// ARRI ALEXA Wide Gamut 3 (ARRI 2017), D65.
    ArriWideGamut3,
    /// ARRI Wide Gamut 4 (ARRI LogC4 specification 2022), D65.
    ArriWideGamut4,
    /// Sony S-Gamut3 (Sony technical summary 2014), D65.
    SonySGamut3,
    /// Sony S-Gamut3.Cine (Sony technical summary 2014), D65.
    SonySGamut3Cine,
    /// Panasonic V-Gamut (V-Log/V-Gamut reference manual 2014), D65.
    PanasonicVGamut,
    /// Canon Cinema Gamut (Canon 2014), D65.
    CanonCinemaGamut,
    /// REDWideGamutRGB (RED 2017), D65.
    RedWideGamutRgb,
    /// ACES AP0 (SMPTE ST 2065-1), ACES white.
    AcesAp0,
    /// ACES AP1 (Academy S-2014-004), ACES white: ACEScg, ACEScc, ACEScct.
    AcesAp1,
}

/// CIE 1931 xy of red, green, blue and white.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chromaticities {
    pub red: [f64; 2],
    pub green: [f64; 2],
    pub blue: [f64; 2],
    pub white: [f64; 2],
}

/// CIE D65 as the video and camera specifications round it.
const D65: [f64; 2] = [0.3127, 0.3290];
/// The ACES white point (SMPTE ST 2065-1), near D60.
const ACES_WHITE: [f64; 2] = [0.32168, 0.33767];

impl Gamut {
    pub fn chromaticities(self) -> Chromaticities {
        let c = |red, green, blue, white| Chromaticities {
            red,
            green,
            blue,
            white,
        };
        match self {
            Gamut::Rec709 => c([0.64, 0.33], [0.30, 0.60], [0.15, 0.06], D65),
            Gamut::Rec2020 => c([0.708, 0.292], [0.170, 0.797], [0.131, 0.046], D65),
            Gamut::P3D65 => c([0.680, 0.320], [0.265, 0.690], [0.150, 0.060], D65),
            Gamut::ArriWideGamut3 => c([0.684, 0.313], [0.221, 0.848], [0.0861, -0.102], D65),
            Gamut::ArriWideGamut4 => c([0.7347, 0.2653], [0.1424, 0.8576], [0.0991, -0.0308], D65),
            Gamut::SonySGamut3 => c([0.730, 0.280], [0.140, 0.855], [0.100, -0.050], D65),
            Gamut::SonySGamut3Cine => c([0.766, 0.275], [0.225, 0.800], [0.089, -0.087], D65),
            Gamut::PanasonicVGamut => c([0.730, 0.280], [0.165, 0.840], [0.100, -0.030], D65),
            Gamut::CanonCinemaGamut => c([0.740, 0.270], [0.170, 1.140], [0.080, -0.100], D65),
            Gamut::RedWideGamutRgb => c(
                [0.780_308, 0.304_253],
                [0.121_595, 1.493_994],
                [0.095_612, -0.084_589],
                D65,
            ),
            Gamut::AcesAp0 => c([0.7347, 0.2653], [0.0, 1.0], [0.0001, -0.0770], ACES_WHITE),
            Gamut::AcesAp1 => c([0.713, 0.293], [0.165, 0.830], [0.128, 0.044], ACES_WHITE),
        }
    }

    /// RGB to CIE XYZ (Y of white = 1), SMPTE RP 177-1993 section 3.3.
    pub fn to_xyz(self) -> Mat3 {
        let c = self.chromaticities();
        let xyz = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
        let (r, g, b) = (xyz(c.red), xyz(c.green), xyz(c.blue));
        let primaries = [[r[0], g[0], b[0]], [r[1], g[1], b[1]], [r[2], g[2], b[2]]];
        let s = mul_vec(&invert(&primaries), xyz(c.white));
        let mut m = primaries;
        for row in &mut m {
            for (j, v) in row.iter_mut().enumerate() {
                *v *= s[j];
            }
        }
        m
    }
}

/// Bradford cone response matrix (Lam 1985; as in ICC.1 annex E).
const BRADFORD: Mat3 = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
];

/// CIECAM02's CAT02 cone response matrix (CIE 159:2004, section 3.1): the
/// adaptation ARRI, Sony and Canon use in their ACES input transforms.
const CAT02: Mat3 = [
    [0.7328, 0.4296, -0.1624],
    [-0.7036, 1.6975, 0.0061],
    [0.0030, 0.0136, 0.9834],
];

/// XYZ under white `from` to XYZ under white `to`, von Kries scaling in the
/// Bradford cone space.
pub fn bradford(from: [f64; 2], to: [f64; 2]) -> Mat3 {
    von_kries(&BRADFORD, from, to)
}

/// XYZ under white `from` to XYZ under white `to`, scaled in `cones`.
fn von_kries(cones: &Mat3, from: [f64; 2], to: [f64; 2]) -> Mat3 {
    let xyz = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
    let (src, dst) = (mul_vec(cones, xyz(from)), mul_vec(cones, xyz(to)));
    let scale = [
        [dst[0] / src[0], 0.0, 0.0],
        [0.0, dst[1] / src[1], 0.0],
        [0.0, 0.0, dst[2] / src[2]],
    ];
    mul(&invert(cones), &mul(&scale, cones))
}

impl Gamut {
    /// Whether the camera maker's ACES input transform adapts its white to
    /// the ACES white with CAT02 (ARRI's, Sony's and Canon's IDTs) rather
    /// than Bradford (RED's and Panasonic's, and every display gamut). With
    /// it, [`conversion`] to AP0 / AP1 reproduces the makers' published
    /// matrices (held against OpenColorIO's builtins in tests/ocio.rs).
    fn adapts_with_cat02(self) -> bool {
        matches!(
            self,
            Gamut::ArriWideGamut3
                | Gamut::ArriWideGamut4
                | Gamut::SonySGamut3
                | Gamut::SonySGamut3Cine
                | Gamut::CanonCinemaGamut
        )
    }
}

/// The matrix taking linear RGB in `from` to linear RGB in `to`, adapting
/// the white point where the two differ: with CAT02 where a camera maker's
/// ACES input transform does (see `adapts_with_cat02`), else Bradford.
pub fn conversion(from: Gamut, to: Gamut) -> Mat3 {
    let (wf, wt) = (from.chromaticities().white, to.chromaticities().white);
    let cones = if from.adapts_with_cat02() || to.adapts_with_cat02() {
        &CAT02
    } else {
        &BRADFORD
    };
    let adapt = if wf == wt {
        IDENTITY
    } else {
        von_kries(cones, wf, wt)
    };
    mul(&invert(&to.to_xyz()), &mul(&adapt, &from.to_xyz()))
}

pub const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

pub fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

pub fn mul_vec(m: &Mat3, v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// Inverse by the adjugate (the matrices here are well conditioned).
pub fn invert(m: &Mat3) -> Mat3 {
    let cof =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adj = [
        [cof(1, 2, 1, 2), -cof(0, 2, 1, 2), cof(0, 1, 1, 2)],
        [-cof(1, 2, 0, 2), cof(0, 2, 0, 2), -cof(0, 1, 0, 2)],
        [cof(1, 2, 0, 1), -cof(0, 2, 0, 1), cof(0, 1, 0, 1)],
    ];
    let det = m[0][0] * adj[0][0] + m[0][1] * adj[1][0] + m[0][2] * adj[2][0];
    adj.map(|row| row.map(|v| v / det))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_matrix(got: &Mat3, want: &Mat3, tol: f64, what: &str) {
        for i in 0..3 {
            for j in 0..3 {
                assert!(
                    (got[i][j] - want[i][j]).abs() <= tol,
                    "{what}[{i}][{j}]: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn rec709_to_xyz_matches_bt709() {
        // ITU-R BT.709 / IEC 61966-2-1 matrix (4 decimals as published).
        let want = [
            [0.4124, 0.3576, 0.1805],
            [0.2126, 0.7152, 0.0722],
            [0.0193, 0.1192, 0.9505],
        ];
        assert_matrix(&Gamut::Rec709.to_xyz(), &want, 1e-4, "709 to XYZ");
    }

    #[test]
    fn ap0_to_xyz_matches_st2065_1() {
        // SMPTE ST 2065-1 (and the ACES CTL AP0_2_XYZ_MAT).
        let want = [
            [0.952_552_395_9, 0.0, 0.000_093_678_6],
            [0.343_966_449_8, 0.728_166_096_6, -0.072_132_546_4],
            [0.0, 0.0, 1.008_825_184_4],
        ];
        assert_matrix(&Gamut::AcesAp0.to_xyz(), &want, 1e-9, "AP0 to XYZ");
    }

    #[test]
    fn camera_and_display_gamuts_to_aces_match_reference_matrices() {
        // Bradford-adapted, as colour-science 0.4.7 computes it (and the
        // ACES sRGB/Rec.709 input transform uses).
        let rec709 = [
            [0.613_097_402_4, 0.339_523_146_2, 0.047_379_451_4],
            [0.070_193_722_5, 0.916_353_879_1, 0.013_452_398_5],
            [0.020_615_592_9, 0.109_569_772_9, 0.869_814_634_2],
        ];
        assert_matrix(
            &conversion(Gamut::Rec709, Gamut::AcesAp1),
            &rec709,
            1e-6,
            "709 to AP1",
        );
        // ARRI's ACES input transform (IDT.ARRI.Alexa-v3-logC-EI800, the
        // matrix to ACES2065-1 as published, 6 decimals): CAT02-adapted.
        let awg3 = [
            [0.680_206, 0.236_137, 0.083_658],
            [0.085_415, 1.017_471, -0.102_886],
            [0.002_057, -0.062_563, 1.060_506],
        ];
        assert_matrix(
            &conversion(Gamut::ArriWideGamut3, Gamut::AcesAp0),
            &awg3,
            1e-6,
            "AWG3 to AP0",
        );
    }

    #[test]
    fn white_stays_white_and_conversions_invert() {
        let all = [
            Gamut::Rec709,
            Gamut::Rec2020,
            Gamut::P3D65,
            Gamut::ArriWideGamut3,
            Gamut::ArriWideGamut4,
            Gamut::SonySGamut3,
            Gamut::SonySGamut3Cine,
            Gamut::PanasonicVGamut,
            Gamut::CanonCinemaGamut,
            Gamut::RedWideGamutRgb,
            Gamut::AcesAp0,
            Gamut::AcesAp1,
        ];
        for from in all {
            for to in all {
                let m = conversion(from, to);
                let white = mul_vec(&m, [1.0, 1.0, 1.0]);
                assert!(
                    white.iter().all(|c| (c - 1.0).abs() < 1e-9),
                    "{from:?} -> {to:?}: {white:?}"
                );
                assert_matrix(
                    &mul(&conversion(to, from), &m),
                    &IDENTITY,
                    1e-9,
                    "round trip",
                );
            }
        }
    }
}
