//! Held against OpenColorIO (PyOpenColorIO, unpacked into the cache by
//! scripts/setup): what we export, applied the way other tools apply it.

mod common;

use neurograde::grade::bake::{bake_cube, test_colours};
use neurograde::grade::gamut::{mul_vec, Gamut};
use neurograde::grade::lut::Interpolation;
use neurograde::grade::reference::Grader;
use neurograde::grade::Look;
use std::io::Write;
use std::path::Path;

/// Applies `cube` to `colours` with OpenColorIO's FileTransform
/// (tetrahedral), as a show's pipeline or a LUT box would.
fn ocio_apply_cube(cube: &Path, colours: &[[f32; 3]]) -> Vec<[f32; 3]> {
    ocio_apply(
        "O.FileTransform(src=sys.argv[1], interpolation=O.INTERP_TETRAHEDRAL)",
        &cube.display().to_string(),
        colours,
    )
}

/// Runs `colours` through the OpenColorIO transform the Python expression
/// `transform` makes (`sys.argv[1]` is `argument`), on its CPU processor.
fn ocio_apply(transform: &str, argument: &str, colours: &[[f32; 3]]) -> Vec<[f32; 3]> {
    let ocio = neurograde::assets::cache_dir().join("python/opencolorio-2.6.0");
    assert!(
        ocio.is_dir(),
        "{} missing: run scripts/setup (make test does)",
        ocio.display()
    );
    let script = format!(
        r#"
import sys, PyOpenColorIO as O
t = {transform}
cpu = O.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
for line in sys.stdin:
    print(" ".join(repr(v) for v in cpu.applyRGB([float(x) for x in line.split()])))
"#
    );
    let mut child = std::process::Command::new("python3")
        .env("PYTHONPATH", &ocio)
        .args(["-c", &script, argument])
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

/// Every SDR display output ends where OpenColorIO's builtin display
/// transform of the same name puts the same colour (given as CIE XYZ D65,
/// from BT.709 primaries), in code values: gamut, white and curve.
#[test]
fn display_outputs_match_opencolorio_builtins() {
    let outputs = [
        ("srgb", "DISPLAY - CIE-XYZ-D65_to_sRGB"),
        ("rec709", "DISPLAY - CIE-XYZ-D65_to_REC.1886-REC.709"),
        ("display-p3", "DISPLAY - CIE-XYZ-D65_to_DisplayP3"),
        ("p3-d65", "DISPLAY - CIE-XYZ-D65_to_G2.6-P3-D65"),
        ("rec2020", "DISPLAY - CIE-XYZ-D65_to_REC.1886-REC.2020"),
        ("gamma22", "DISPLAY - CIE-XYZ-D65_to_G2.2-REC.709"),
    ];
    // Linear BT.709 colours inside every one of these gamuts: greys from
    // deep shadow to white, and saturated mixtures.
    let mut colours = vec![];
    for i in 0..200u32 {
        let t = f64::from(i) / 199.0;
        colours.push([t, t, t].map(|c| (c * c) as f32));
        let hue = [
            (t * 6.3).sin(),
            (t * 6.3 + 2.1).sin(),
            (t * 6.3 + 4.2).sin(),
        ];
        colours.push(hue.map(|c| (0.05 + 0.9 * (0.5 + 0.5 * c)) as f32));
    }
    let to_xyz = Gamut::Rec709.to_xyz();
    let xyz: Vec<[f32; 3]> = colours
        .iter()
        .map(|c| mul_vec(&to_xyz, c.map(f64::from)).map(|v| v as f32))
        .collect();
    for (output, builtin) in outputs {
        let look = Look::parse(
            &format!("[input]\ntransform = \"linear\"\n[output]\ntransform = \"{output}\"\n"),
            Path::new("t.toml"),
        )
        .unwrap();
        let grader = Grader::new(&look);
        let theirs = ocio_apply("O.BuiltinTransform(sys.argv[1])", builtin, &xyz);
        let worst = colours
            .iter()
            .zip(&theirs)
            .map(|(c, t)| {
                let ours = grader.pixel(*c);
                (0..3).map(|i| (ours[i] - t[i]).abs()).fold(0.0, f32::max)
            })
            .fold(0.0, f32::max);
        // Half a 10-bit code: the matrices' rounding, magnified near black
        // by the steepest curve (gamma 2.6).
        println!("{output} vs {builtin}: {worst:.2e}");
        assert!(worst < 5e-4, "{output} vs {builtin}: {worst}");
    }
}

/// Every camera input transform decodes and converts to ACES as the
/// maker's ACES input transform does (OpenColorIO's builtins carry them):
/// code values from below black to the top of each curve, saturated and
/// neutral, compared in ACES2065-1 linear.
#[test]
fn camera_inputs_match_the_makers_aces_input_transforms() {
    let inputs = [
        ("arri-logc3", "ARRI_ALEXA-LOGC-EI800-AWG_to_ACES2065-1"),
        ("arri-logc4", "ARRI_LOGC4_to_ACES2065-1"),
        (
            "sony-slog3-sgamut3cine",
            "SONY_SLOG3-SGAMUT3.CINE_to_ACES2065-1",
        ),
        ("sony-slog3-sgamut3", "SONY_SLOG3-SGAMUT3_to_ACES2065-1"),
        ("panasonic-vlog", "PANASONIC_VLOG-VGAMUT_to_ACES2065-1"),
        ("canon-clog3", "CANON_CLOG3-CGAMUT_to_ACES2065-1"),
        ("red-log3g10-rwg", "RED_LOG3G10-RWG_to_ACES2065-1"),
    ];
    let mut codes = vec![];
    for i in 0..=60u32 {
        let v = 0.05 + 0.9 * f64::from(i) / 60.0;
        codes.push([v, v, v]);
        codes.push([v, 0.3, 0.15]);
        codes.push([0.2, v, 0.4]);
        codes.push([0.35, 0.1, v]);
    }
    let codes: Vec<[f32; 3]> = codes.iter().map(|c| c.map(|v| v as f32)).collect();
    for (input, builtin) in inputs {
        let look = Look::parse(
            &format!("[input]\ntransform = \"{input}\"\n[output]\ntransform = \"linear\"\n"),
            Path::new("t.toml"),
        )
        .unwrap();
        let scene = look.scene().unwrap();
        let to_ap0 = neurograde::grade::gamut::conversion(Gamut::AcesAp1, Gamut::AcesAp0);
        let theirs = ocio_apply("O.BuiltinTransform(sys.argv[1])", builtin, &codes);
        let mut worst = 0f64;
        for (c, t) in codes.iter().zip(&theirs) {
            let linear = c.map(|v| f64::from(scene.input.decode(v)));
            let ours = mul_vec(&to_ap0, mul_vec(&scene.input_matrix, linear));
            for i in 0..3 {
                let scale = f64::from(t[i].abs()).max(0.01);
                worst = worst.max((ours[i] - f64::from(t[i])).abs() / scale);
            }
        }
        println!("{input} vs {builtin}: worst relative {worst:.2e}");
        assert!(worst < 3e-4, "{input} vs {builtin}: {worst}");
    }
}
