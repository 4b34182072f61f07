//! LUT interpolation against an independent reference: ffmpeg's `lut3d`
//! filter applying the same .cube to the same 16-bit picture.

mod common;

use common::*;
use neurograde::grade::lut::{Interpolation, Lut, Lut3d};

/// A smooth, clearly non-identity look as a 33^3 cube: channel mixing,
/// an S-curve and a lift, so every tetrahedron matters.
fn creative_cube(size: usize) -> Lut3d {
    let mut lut = Lut3d::identity(size);
    lut.title = "test look".into();
    for v in &mut lut.table {
        let [r, g, b] = *v;
        let s = |x: f32| x * x * (3.0 - 2.0 * x);
        *v = [
            s(0.8 * r + 0.15 * g + 0.05 * b),
            0.05 + 0.9 * s(0.1 * r + 0.8 * g + 0.1 * b),
            (0.2 * r + 0.1 * g + 0.7 * b).powf(0.8),
        ];
    }
    lut
}

#[test]
fn tetrahedral_matches_ffmpeg_lut3d_on_a_16_bit_picture() {
    let dir = tempfile::tempdir().unwrap();
    let cube_path = dir.path().join("look.cube");
    creative_cube(33).write_cube(&cube_path).unwrap();
    let lut = Lut::read(&cube_path).unwrap();

    // A 16-bit picture from the real portrait, with the low bits filled so
    // values fall between grid points everywhere.
    let (w, h, rgb8) = astronaut_rgb8();
    let rgb16: Vec<u16> = rgb8
        .iter()
        .enumerate()
        .map(|(i, v)| (u16::from(*v) << 8) | (i as u16 % 251))
        .collect();
    let tiff = dir.path().join("in16.tif");
    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, rgb16.clone())
        .unwrap()
        .save(&tiff)
        .unwrap();

    let filter = format!("lut3d=file={}:interp=tetrahedral", cube_path.display());
    let out = ffmpeg_raw(&tiff, "rgb48le", &["-vf", &filter]);
    assert_eq!(out.len(), (w * h * 6) as usize);
    let mut max_err = 0f32;
    for (i, px) in rgb16.chunks_exact(3).enumerate() {
        let want = lut.apply(
            [0, 1, 2].map(|c| f32::from(px[c]) / 65535.0),
            Interpolation::Tetrahedral,
        );
        for (c, want) in want.iter().enumerate() {
            let o = (i * 3 + c) * 2;
            let got = f32::from(u16::from_le_bytes([out[o], out[o + 1]])) / 65535.0;
            max_err = max_err.max((got - want.clamp(0.0, 1.0)).abs());
        }
    }
    println!("CPU tetrahedral vs ffmpeg lut3d (33^3, 16-bit): max abs error {max_err:.2e} ({:.3} of a 10-bit code)", max_err * 1023.0);
    assert!(max_err < 1.0 / 1023.0, "max abs error {max_err}");
}
