//! Baking a whole look into a 3D LUT, for LUT boxes, monitors and other
//! tools that take a `.cube`.
//!
//! How it works: the CPU reference of the grade ([`super::reference`]) is
//! evaluated at every point of an N x N x N grid over the input code values
//! [0, 1]. Applied with tetrahedral interpolation, the LUT reproduces the
//! look exactly at the grid points and only approximately in between: where
//! the grade bends sharply inside a cell (a display encoding's steep toe
//! just above black, a clip) the error can be many codes. [`bake_error`]
//! measures it, on a picture or on [`test_colours`], so `look export` says
//! how close its LUT is instead of leaving the user to find out on set.

use super::gamut::{conversion, mul_vec, Gamut};
use super::look::Look;
use super::lut::{Interpolation, Lut3d};
use super::reference::Grader;
use super::transform::InputTransform;
use crate::noise::SplitMix64;

/// The look as a `size`^3 LUT over input code values [0, 1].
pub fn bake_cube(look: &Look, size: usize) -> Lut3d {
    let mut lut = Lut3d::identity(size);
    lut.title = if look.name.is_empty() {
        "neurograde look".into()
    } else {
        look.name.clone()
    };
    let grader = Grader::new(look);
    for v in &mut lut.table {
        *v = grader.pixel(*v);
    }
    lut
}

/// How far a baked LUT lands from the live grade, in 10-bit codes of the
/// largest channel error, both clipped to the display range [0, 1] as a
/// monitor or LUT box shows them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BakeError {
    pub samples: usize,
    pub median: f32,
    pub p99: f32,
    pub max: f32,
    /// Share of the samples more than 2 codes off, 0 to 1.
    pub over_two_codes: f32,
}

impl std::fmt::Display for BakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "median {:.2}, p99 {:.2}, max {:.2} 10-bit codes; {:.1} % of {} colours more than 2 codes off",
            self.median,
            self.p99,
            self.max,
            100.0 * self.over_two_codes,
            self.samples
        )
    }
}

/// The error of `lut` (tetrahedral, as OpenColorIO, ffmpeg's `lut3d` and
/// most LUT boxes apply a .cube) against the look's CPU reference over
/// `inputs`, code values in the look's input encoding.
pub fn bake_error(look: &Look, lut: &Lut3d, inputs: &[[f32; 3]]) -> BakeError {
    let grader = Grader::new(look);
    let mut errors: Vec<f32> = inputs
        .iter()
        .map(|&v| {
            let (want, got) = (grader.pixel(v), lut.apply(v, Interpolation::Tetrahedral));
            (0..3)
                .map(|c| (want[c].clamp(0.0, 1.0) - got[c].clamp(0.0, 1.0)).abs() * 1023.0)
                .fold(0.0, f32::max)
        })
        .collect();
    errors.sort_by(f32::total_cmp);
    let n = errors.len();
    let at = |q: f64| {
        errors
            .get(((n as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    BakeError {
        samples: n,
        median: at(0.5),
        p99: at(0.99),
        max: at(1.0),
        over_two_codes: errors.iter().filter(|e| **e > 2.0).count() as f32 / n.max(1) as f32,
    }
}

/// `count` colours in the look's input encoding, the same every time: for a
/// scene-referred look, scene colours from 7 stops under to 5 stops over
/// mid grey with chroma inside Rec. 709, taken to the camera's gamut and
/// encoded by its input transform (what a camera records of ordinary
/// scenes); for a video-mode look, code values uniform over [0, 1].
pub fn test_colours(look: &Look, count: usize) -> Vec<[f32; 3]> {
    let mut sequence = SplitMix64(0x5eed);
    let mut uniform = move || sequence.next_unit();
    let scene = look.scene().is_some();
    let input = look.input.as_ref();
    let (transfer, gamut) = input
        .map_or(InputTransform::Srgb, |i| i.transform)
        .parts(input.and_then(|i| i.ei).unwrap_or(800));
    let to_camera = conversion(Gamut::Rec709, gamut);
    (0..count)
        .map(|_| {
            if !scene {
                return [uniform(), uniform(), uniform()].map(|c| c as f32);
            }
            let level = 0.18 * (uniform() * 12.0 - 7.0).exp2();
            let chroma = [uniform(), uniform(), uniform()];
            let peak = chroma.iter().fold(f64::MIN, |a, &b| a.max(b)).max(1e-9);
            let rec709 = chroma.map(|c| level * c / peak);
            mul_vec(&to_camera, rec709).map(|c| transfer.encode(c as f32))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::lut::Interpolation;
    use crate::grade::reference::grade_pixel;
    use crate::grade::{Cdl, Primary};

    #[test]
    fn baked_lut_reproduces_the_look() {
        let look = Look {
            name: "t".into(),
            cdl: Cdl {
                slope: [1.1, 1.0, 0.9],
                offset: [0.02, 0.0, -0.01],
                power: [0.9, 1.0, 1.1],
                saturation: 1.2,
                clamp: true,
            },
            primary: Primary {
                exposure: 0.5,
                ..Primary::default()
            },
            ..Look::default()
        };
        let lut = bake_cube(&look, 33);
        let (mut max_err, mut sum) = (0f32, 0f64);
        for i in 0..1000 {
            let v = [
                (i % 10) as f32 / 9.3,
                ((i / 10) % 10) as f32 / 9.7,
                (i / 100) as f32 / 9.1,
            ]
            .map(|c| c.min(1.0));
            let (want, got) = (
                grade_pixel(v, &look),
                lut.apply(v, Interpolation::Tetrahedral),
            );
            for c in 0..3 {
                max_err = max_err.max((want[c] - got[c]).abs());
                sum += f64::from((want[c] - got[c]).abs());
            }
        }
        let mean = sum / 3000.0;
        // A grid cannot follow the CDL's clamps and a power curve's steep toe
        // exactly: small on average, bounded at the worst point.
        assert!(
            mean < 1e-3 && max_err < 0.02,
            "33^3 bake: mean {mean}, max {max_err}"
        );
        // Exact at grid points.
        let g = 16.0 / 32.0;
        assert_eq!(
            lut.apply([g, g, g], Interpolation::Tetrahedral),
            grade_pixel([g, g, g], &look)
        );
    }

    #[test]
    fn bake_error_is_measured_in_ten_bit_codes() {
        let look = Look {
            cdl: Cdl {
                slope: [1.1, 1.0, 0.9],
                ..Cdl::default()
            },
            ..Look::default()
        };
        let lut = bake_cube(&look, 33);
        let colours = test_colours(&look, 5000);
        assert_eq!(colours, test_colours(&look, 5000), "the same every time");
        let exact = bake_error(&look, &lut, &colours);
        // Off only in the cells the CDL's clip at 1.0 crosses.
        assert!(exact.median < 0.01 && exact.p99 < 2.0, "{exact}");
        // The same LUT 4 codes too dark everywhere away from black.
        let mut dark = lut.clone();
        for v in &mut dark.table {
            *v = v.map(|c| if c > 0.1 { c - 4.0 / 1023.0 } else { c });
        }
        let off = bake_error(&look, &dark, &colours);
        assert!((off.median - 4.0).abs() < 0.05, "{off}");
        assert!(off.over_two_codes > 0.8, "{off}");
    }

    #[test]
    fn scene_test_colours_are_in_the_input_encoding() {
        let look: Look = Look::parse(
            "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"rec709\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let colours = test_colours(&look, 2000);
        // LogC3 (EI 800) puts black at 0.0928 and 5 stops over grey near 0.71.
        let all = colours.iter().flatten();
        assert!(
            all.clone().all(|&c| (0.0..0.75).contains(&c)),
            "LogC3 codes"
        );
        assert!(all.clone().any(|&c| c < 0.2) && all.clone().any(|&c| c > 0.6));
    }
}
