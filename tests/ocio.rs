//! Held against OpenColorIO (PyOpenColorIO, unpacked into the cache by
//! scripts/setup): what we export, applied the way other tools apply it.

mod common;

use neurograde::grade::bake::{bake_cube, test_colours};
use neurograde::grade::lut::Interpolation;
use neurograde::grade::Look;
use std::io::Write;
use std::path::Path;

/// Applies `cube` to `colours` with OpenColorIO's FileTransform
/// (tetrahedral), as a show's pipeline or a LUT box would.
fn ocio_apply_cube(cube: &Path, colours: &[[f32; 3]]) -> Vec<[f32; 3]> {
    let ocio = neurograde::assets::cache_dir().join("python/opencolorio-2.6.0");
    assert!(
        ocio.is_dir(),
        "{} missing: run scripts/setup (make test does)",
        ocio.display()
    );
    let script = r#"
import sys, PyOpenColorIO as O
t = O.FileTransform(src=sys.argv[1], interpolation=O.INTERP_TETRAHEDRAL)
cpu = O.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
for line in sys.stdin:
    print(" ".join(repr(v) for v in cpu.applyRGB([float(x) for x in line.split()])))
"#;
    let mut child = std::process::Command::new("python3")
        .env("PYTHONPATH", &ocio)
        .args(["-c", script])
        .arg(cube)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut input = String::new();
    for c in colours {
        input += &format!("{} {} {}\n", c[0], c[1], c[2]);
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "OpenColorIO failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f32> = l.split(' ').map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        })
        .collect()
}

/// A baked .cube means the same to OpenColorIO as to us: its tetrahedral
/// result equals our `Lut3d::apply` on the test colours of every shipped
/// example look, so the error `look export` prints is the error a show's
/// pipeline sees.
#[test]
fn opencolorio_applies_our_baked_cubes_as_we_do() {
    let dir = tempfile::tempdir().unwrap();
    let looks = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/looks");
    let mut checked = 0;
    for entry in std::fs::read_dir(&looks).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let look = Look::load(&path).unwrap();
        let lut = bake_cube(&look, 33);
        let cube = dir.path().join("look.cube");
        lut.write_cube(&cube).unwrap();
        let colours = test_colours(&look, 3000);
        let theirs = ocio_apply_cube(&cube, &colours);
        assert_eq!(theirs.len(), colours.len());
        let worst = colours
            .iter()
            .zip(&theirs)
            .map(|(c, t)| {
                let ours = lut.apply(*c, Interpolation::Tetrahedral);
                (0..3).map(|i| (ours[i] - t[i]).abs()).fold(0.0, f32::max)
            })
            .fold(0.0, f32::max);
        // The .cube's six decimals and f32 rounding: far below a 10-bit code.
        assert!(
            worst < 2e-5,
            "{}: OpenColorIO differs by {worst}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 3, "the example looks in {}", looks.display());
}
