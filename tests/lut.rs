//! LUT interpolation against an independent reference: ffmpeg's `lut3d`
//! filter applying the same .cube to the same 16-bit picture.

mod common;

use common::*;
use neurograde::grade::lut::{Interpolation, Lut};

#[test]
fn tetrahedral_matches_ffmpeg_lut3d_on_a_16_bit_picture() {
    let dir = tempfile::tempdir().unwrap();
    let cube_path = dir.path().join("look.cube");
    creative_cube(33).write_cube(&cube_path).unwrap();
    let lut = Lut::read(&cube_path).unwrap();

    // A 16-bit picture from the real portrait, with the low bits filled so
    // values fall between grid points everywhere.
    let (w, h, rgb16) = astronaut_rgb16();
    let tiff = dir.path().join("in16.tif");
    save_rgb16(&tiff, w, h, &rgb16);

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

#[test]
fn grade_with_a_cube_matches_ffmpeg_lut3d_within_a_10_bit_code() {
    let dir = tempfile::tempdir().unwrap();
    let look_path = dir.path().join("look.toml");
    std::fs::write(
        &look_path,
        "name = \"LUT only\"\n[lut]\nfile = \"look.cube\"\n",
    )
    .unwrap();
    creative_cube(33)
        .write_cube(&dir.path().join("look.cube"))
        .unwrap();

    let (w, h, rgb16) = astronaut_rgb16();
    let input = dir.path().join("in16.tif");
    save_rgb16(&input, w, h, &rgb16);
    let output = dir.path().join("graded16.tif");
    let out = bin()
        .args(["grade", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .arg("--look")
        .arg(&look_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = image::open(&output).unwrap().into_rgb16().into_raw();

    let filter = format!(
        "lut3d=file={}:interp=tetrahedral",
        dir.path().join("look.cube").display()
    );
    let theirs = ffmpeg_raw(&input, "rgb48le", &["-vf", &filter]);
    let mut max_diff = 0i32;
    for (i, v) in ours.iter().enumerate() {
        let t = u16::from_le_bytes([theirs[i * 2], theirs[i * 2 + 1]]);
        max_diff = max_diff.max((i32::from(*v) - i32::from(t)).abs());
    }
    let in_10_bit = max_diff as f64 / 65535.0 * 1023.0;
    println!("neurograde grade vs ffmpeg lut3d (tetrahedral, 16-bit TIFF): max diff {max_diff} of 65535 = {in_10_bit:.3} of a 10-bit code");
    assert!(in_10_bit < 1.0, "{max_diff}");
}

#[test]
fn a_broken_lut_stops_the_look_from_loading() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.cube"),
        "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n",
    )
    .unwrap();
    let look = dir.path().join("look.toml");
    std::fs::write(&look, "[lut]\nfile = \"bad.cube\"\n").unwrap();
    let look = look.to_str().unwrap();
    let o = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--sink",
        "null",
        "--frames",
        "1",
        "--look",
        look,
    ]);
    assert_clear_error(&o, "bad.cube: 3D LUT expects 8 data lines, found 3");
}
