//! Baking a whole look into a 3D LUT, for LUT boxes, monitors and other
//! tools that take a `.cube`.
//!
//! How it works: the CPU reference of the grade ([`super::reference`]) is
//! evaluated at every point of an N x N x N grid over the input code values
//! [0, 1]. Applied with tetrahedral interpolation, the LUT reproduces the
//! look exactly at the grid points and closely in between.

use super::look::Look;
use super::lut::Lut3d;
use super::reference::Grader;

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
}
