//! GPU = CPU for every grading operator and every built-in transform, then
//! for the whole pipeline (with a display transform or a display LUT): each case is graded on the GPU (lavapipe without
//! a GPU) over the whole astronaut portrait, through both kernel routes
//! (16-bit input: analytic; 8-bit input: per-channel table), and compared
//! with the CPU reference. The table of max errors is printed
//! (`cargo test --test operators -- --nocapture`).
//!
//! The error of a pixel is measured in display light (the output's EOTF
//! applied to both sides) relative to the pixel's brightest channel, and
//! absolute below 1.0: a bright saturated colour whose small channel comes
//! out of a cancelling matrix (e.g. R 314, G -0.197 after AP1 -> Rec. 709)
//! carries the f32 rounding of its bright channels, invisible next to them.

mod common;

use common::*;
use neurograde::grade::gamut::{conversion, mul_vec, Gamut};
use neurograde::grade::lut::Lut3d;
use neurograde::grade::reference::Grader;
use neurograde::grade::transfer::{pq_decode_nits, Transfer, PQ_REFERENCE_WHITE_NITS};
use neurograde::grade::Look;
use std::path::Path;

const INPUTS: [&str; 12] = [
    "linear",
    "srgb",
    "rec709",
    "arri-logc3",
    "arri-logc4",
    "sony-slog3-sgamut3cine",
    "sony-slog3-sgamut3",
    "panasonic-vlog",
    "canon-clog3",
    "red-log3g10-rwg",
    "acescct",
    "acescc",
];
const OUTPUTS: [&str; 18] = [
    "linear",
    "srgb",
    "rec709",
    "display-p3",
    "p3-d65",
    "rec2020",
    "gamma22",
    "rec2100-pq",
    "rec2100-hlg",
    "p3-d65-pq",
    "aces2-rec709",
    "aces2-srgb",
    "aces2-p3-d65",
    "aces2-display-p3",
    "aces2-rec2100-pq-1000",
    "aces2-p3-d65-pq-1000",
    "aces13-rec709",
    "aces13-srgb",
];
const WORKING_SPACES: [&str; 3] = ["acescct", "acescc", "acescg"];

/// Every primary and the CDL, away from neutral.
const FULL_GRADE: &str = "[primary]\nexposure = 0.4\ncontrast = 1.2\npivot = 0.42\ntemperature = -25.0\ntint = 4.0\nsaturation = 1.15\n\
    lift = [0.01, 0.0, -0.01]\ngamma = [0.1, 0.0, -0.08]\ngain = [1.05, 1.0, 0.97]\n\
    [cdl]\nslope = [1.1, 1.0, 0.92]\noffset = [0.01, 0.0, -0.01]\npower = [0.95, 1.0, 1.05]\nsaturation = 1.2\n";

struct Case {
    name: String,
    toml: String,
    /// Loaded from a file beside the LUTs (`look.cube`, `display.cube`).
    with_lut: bool,
}

fn case(name: impl Into<String>, toml: impl Into<String>) -> Case {
    Case {
        name: name.into(),
        toml: toml.into(),
        with_lut: false,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        case("exposure (video)", "[primary]\nexposure = 0.7\n"),
        case(
            "temperature/tint (video)",
            "[primary]\ntemperature = 35.0\ntint = -6.0\n",
        ),
        case("saturation (video)", "[primary]\nsaturation = 1.4\n"),
        case(
            "CDL slope/offset/power",
            "[cdl]\nslope = [1.2, 0.9, 1.05]\noffset = [0.02, -0.01, 0.0]\npower = [0.9, 1.1, 1.0]\n",
        ),
        case("CDL saturation", "[cdl]\nsaturation = 1.3\n"),
        case(
            "CDL no-clamp",
            "[cdl]\nslope = [1.6, 1.0, 1.0]\noffset = [-0.2, 0.0, 0.1]\npower = [1.2, 1.0, 0.8]\nclamp = false\n",
        ),
        case(
            "contrast/pivot",
            "[primary]\ncontrast = 1.35\npivot = 0.4\n",
        ),
        case(
            "lift/gamma/gain",
            "[primary]\nlift = [0.03, 0.0, -0.02]\ngamma = [0.25, -0.2, 0.0]\ngain = [1.1, 1.0, 0.9]\n",
        ),
    ];
    for input in INPUTS {
        cases.push(case(
            format!("input {input}"),
            format!("[input]\ntransform = \"{input}\"\n[output]\ntransform = \"linear\"\n"),
        ));
    }
    for output in OUTPUTS {
        cases.push(case(
            format!("output {output}"),
            format!("[input]\ntransform = \"linear\"\n[output]\ntransform = \"{output}\"\n"),
        ));
    }
    for space in WORKING_SPACES {
        cases.push(case(
            format!("working space {space}"),
            format!("working_space = \"{space}\"\n[input]\ntransform = \"sony-slog3-sgamut3cine\"\n[cdl]\nslope = [1.1, 1.0, 0.9]\noffset = [0.01, 0.0, -0.01]\n"),
        ));
    }
    // The whole pipeline: camera in, every primary, CDL, 33^3 LUT, out
    // (each kind of output once: every output alone is above).
    for output in [
        "linear",
        "rec709",
        "rec2100-pq",
        "rec2100-hlg",
        "aces2-rec709",
        "aces2-rec2100-pq-1000",
        "aces13-rec709",
    ] {
        cases.push(Case {
            name: format!("whole pipeline: arri-logc3 -> {output}, 33^3 LUT"),
            toml: format!(
                "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"{output}\"\n{FULL_GRADE}[lut]\nfile = \"look.cube\"\n"
            ),
            with_lut: true,
        });
    }
    cases.push(Case {
        name: "whole pipeline: arri-logc3 -> display LUT".into(),
        toml: format!(
            "[input]\ntransform = \"arri-logc3\"\n[output]\nlut = \"display.cube\"\n{FULL_GRADE}[lut]\nfile = \"look.cube\"\n"
        ),
        with_lut: true,
    });
    cases.push(Case {
        name: "whole pipeline: arri-logc3 -> show OCIO config (look, 3D LUT)".into(),
        toml: format!(
            "[input]\ntransform = \"arri-logc3\"\n[ocio]\nconfig = \"show.ocio\"\ndisplay = \"Monitor\"\nview = \"Show LUT\"\nlooks = \"warm\"\n{FULL_GRADE}[lut]\nfile = \"look.cube\"\n"
        ),
        with_lut: true,
    });
    cases.push(Case {
        name: "whole pipeline: shaped display LUT, shaped 17^3 LUT".into(),
        toml: format!(
            "[input]\ntransform = \"arri-logc3\"\n[output]\nlut = \"display-shaped.cube\"\n{FULL_GRADE}[lut]\nfile = \"shaped.cube\"\n"
        ),
        with_lut: true,
    });
    cases.push(Case {
        name: "video mode, shaped 17^3 LUT, trilinear".into(),
        toml: "[lut]\nfile = \"shaped.cube\"\ninterpolation = \"trilinear\"\n".into(),
        with_lut: true,
    });
    cases.push(Case {
        name: "whole pipeline: video mode, 33^3 LUT".into(),
        toml: format!("{FULL_GRADE}[lut]\nfile = \"look.cube\"\n"),
        with_lut: true,
    });
    cases
}

/// A show's OpenColorIO config: a "Monitor" display whose "Show LUT" view
/// encodes ACEScct and applies `display.cube` (see [`display_lut`]), and a
/// "warm" look (a CDL in ACEScct). The OpenColorIO WGSL of it reads a 3D
/// texture.
const SHOW_CONFIG: &str = r#"ocio_profile_version: 2.1
search_path: "."
roles:
  aces_interchange: ACES2065-1
  scene_linear: ACEScg
  default: ACEScg
file_rules:
  - !<Rule> {name: Default, colorspace: default}
displays:
  Monitor:
    - !<View> {name: Show LUT, colorspace: show}
looks:
  - !<Look>
    name: warm
    process_space: ACEScct
    transform: !<CDLTransform> {slope: [1.08, 1, 0.92], offset: [0.01, 0, -0.01], sat: 1.1}
colorspaces:
  - !<ColorSpace>
    name: ACES2065-1
  - !<ColorSpace>
    name: ACEScg
    to_scene_reference: !<BuiltinTransform> {style: ACEScg_to_ACES2065-1}
  - !<ColorSpace>
    name: ACEScct
    to_scene_reference: !<BuiltinTransform> {style: ACEScct_to_ACES2065-1}
  - !<ColorSpace>
    name: show
    from_scene_reference: !<GroupTransform>
      children:
        - !<BuiltinTransform> {style: ACEScct_to_ACES2065-1, direction: inverse}
        - !<FileTransform> {src: display.cube, interpolation: tetrahedral}
"#;

/// `lut` behind a 1D shaper (Resolve's .cube form) that gives the
/// shadows more of the grid: x^0.6 per channel, 256 entries.
fn shaped(mut lut: Lut3d) -> Lut3d {
    let table = (0..256)
        .map(|i| [(i as f32 / 255.0).powf(0.6); 3])
        .collect();
    lut.shaper = Some(neurograde::grade::lut::Lut1d {
        title: String::new(),
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table,
    });
    lut
}

/// A display LUT as a show's pipeline builds one: ACEScct in, Rec. 709
/// (BT.1886) code values out, through the same transforms as
/// `[output] transform = "rec709"` (unclipped: the display clips).
fn display_lut(size: usize) -> Lut3d {
    let to_709 = conversion(Gamut::AcesAp1, Gamut::Rec709);
    let mut lut = Lut3d::identity(size);
    lut.title = "ACEScct to Rec.709".into();
    for v in &mut lut.table {
        let linear = v.map(|c| f64::from(Transfer::AcesCct.decode(c)));
        *v = mul_vec(&to_709, linear).map(|c| Transfer::Bt1886.encode(c as f32));
    }
    lut
}

#[test]
fn a_display_lut_shows_what_the_display_transform_shows() {
    let dir = tempfile::tempdir().unwrap();
    display_lut(65)
        .write_cube(&dir.path().join("display.cube"))
        .unwrap();
    let grade = "[input]\ntransform = \"srgb\"\n[cdl]\nslope = [1.1, 1.0, 0.9]\n";
    let path = dir.path().join("a.toml");
    std::fs::write(&path, format!("{grade}[output]\nlut = \"display.cube\"\n")).unwrap();
    let with_lut = Look::load(&path).unwrap();
    let with_transform = Look::parse(
        &format!("{grade}[output]\ntransform = \"rec709\"\n"),
        Path::new("b.toml"),
    )
    .unwrap();
    let (a, b) = (Grader::new(&with_lut), Grader::new(&with_transform));
    let (_, _, rgb8) = astronaut_rgb8();
    // Compared in the light a monitor shows (code values clipped to 0-1,
    // then BT.1886).
    let light = |v: f32| Transfer::Bt1886.decode(v.clamp(0.0, 1.0));
    let mut worst = 0f32;
    for px in rgb8.chunks_exact(3) {
        let rgb = [px[0], px[1], px[2]].map(|c| f32::from(c) / 255.0);
        let (x, y) = (a.pixel(rgb), b.pixel(rgb));
        for c in 0..3 {
            worst = worst.max((light(x[c]) - light(y[c])).abs());
        }
    }
    println!("display LUT (65^3, ACEScct -> Rec.709) vs the rec709 transform: max {worst:.2e} in display light");
    // A 65^3 LUT interpolates the curve between its points.
    assert!(worst < 5e-3, "{worst}");
    // Both [output] keys at once, or neither, is refused.
    let both = Look::parse(
        "[output]\ntransform = \"rec709\"\nlut = \"display.cube\"\n",
        Path::new("c.toml"),
    )
    .unwrap();
    let err = both.validate("c.toml").unwrap_err().to_string();
    assert!(
        err.contains("c.toml") && err.contains("output") && err.contains("either"),
        "{err}"
    );
}

/// Max error of the GPU against the CPU over the whole frame (see the
/// module comment for the measure).
fn max_error(frame: &neurograde::frame::Frame, gpu: &[f32], look: &Look) -> f32 {
    // The light a display shows for a code value: the inverse of each
    // encoding, but for PQ the ST 2084 EOTF alone (not undoing the BT.2390
    // roll-off, whose flat top would magnify differences no display shows).
    let light = match look.scene().map(|s| s.output) {
        Some(Transfer::Rec2100Pq) => |v: f32| {
            (pq_decode_nits(f64::from(v.abs())) / PQ_REFERENCE_WHITE_NITS).copysign(f64::from(v))
                as f32
        },
        Some(t) => return max_error_in(frame, gpu, look, |v| t.decode(v)),
        None => |v: f32| v,
    };
    max_error_in(frame, gpu, look, light)
}

fn max_error_in(
    frame: &neurograde::frame::Frame,
    gpu: &[f32],
    look: &Look,
    eotf: impl Fn(f32) -> f32,
) -> f32 {
    let grader = Grader::new(look);
    let mut worst = 0f32;
    for y in 0..frame.height {
        for x in 0..frame.width {
            let px = frame.pixel(x, y);
            let want = grader.pixel([px[0], px[1], px[2]]).map(&eotf);
            let i = ((y * frame.width + x) * 4) as usize;
            let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
            for c in 0..3 {
                let got = eotf(gpu[i + c]);
                worst = worst.max((got - want[c]).abs() / scale);
            }
        }
    }
    worst
}

#[test]
fn every_operator_and_transform_matches_the_cpu_reference() {
    let ctx = gpu();
    let (deep, eight) = astronaut_frames();
    let dir = tempfile::tempdir().unwrap();
    let mut report = Vec::new();
    let mut worst = 0f32;
    for case in cases() {
        let look = if case.with_lut {
            display_lut(33)
                .write_cube(&dir.path().join("display.cube"))
                .unwrap();
            shaped(display_lut(33))
                .write_cube(&dir.path().join("display-shaped.cube"))
                .unwrap();
            shaped(common::creative_cube(17))
                .write_cube(&dir.path().join("shaped.cube"))
                .unwrap();
            std::fs::write(dir.path().join("show.ocio"), SHOW_CONFIG).unwrap();
            look_with_cube(dir.path(), &case.toml)
        } else {
            let look = Look::parse(&case.toml, Path::new("case.toml")).unwrap();
            look.validate(&case.name).unwrap();
            look
        };
        let errors = [&deep, &eight].map(|f| max_error(f, &grade_f32(&ctx, f, &look), &look));
        worst = worst.max(errors[0]).max(errors[1]);
        let above = errors.iter().any(|e| *e >= 1e-4);
        report.push(format!(
            "  {:<52} {:>9.2e} {:>9.2e}{}",
            case.name,
            errors[0],
            errors[1],
            if above { "  ABOVE 1e-4" } else { "" }
        ));
    }
    println!(
        "GPU vs CPU, max error relative to the pixel's brightest channel in display light:\n  {:<52} {:>9} {:>9}\n{}\nworst: {worst:.2e}",
        "operator / transform",
        "16-bit",
        "8-bit",
        report.join("\n")
    );
    assert!(worst < 1e-4, "GPU vs CPU above 1e-4 (see the table)");
}

/// The portrait cropped to an odd size (317 x 211, rows not a multiple of
/// four pixels) in every deep layout: 16-bit RGB and RGBA, half and float
/// RGBA.
fn deep_odd_frames() -> Vec<(&'static str, neurograde::frame::Frame)> {
    use neurograde::frame::PixelFormat;
    let (w, _, rgb16) = astronaut_rgb16();
    let (cw, ch) = (317u32, 211u32);
    let at = |x: u32, y: u32, c: usize| rgb16[((y + 100) * w + x + 90) as usize * 3 + c];
    let mut layouts = Vec::new();
    for (name, format) in [
        ("rgb16", PixelFormat::Rgb16),
        ("rgba16", PixelFormat::Rgba16),
        ("rgba-f16", PixelFormat::RgbaF16),
        ("rgba-f32", PixelFormat::RgbaF32),
    ] {
        let mut data = Vec::new();
        for y in 0..ch {
            for x in 0..cw {
                let rgba = [at(x, y, 0), at(x, y, 1), at(x, y, 2), 65535];
                for (c, v) in rgba.into_iter().enumerate() {
                    if format == PixelFormat::Rgb16 && c == 3 {
                        continue;
                    }
                    let unit = f32::from(v) / 65535.0;
                    match format {
                        PixelFormat::RgbaF16 => {
                            data.extend_from_slice(&half::f16::from_f32(unit).to_le_bytes())
                        }
                        PixelFormat::RgbaF32 => data.extend_from_slice(&unit.to_le_bytes()),
                        _ => data.extend_from_slice(&v.to_le_bytes()),
                    }
                }
            }
        }
        layouts.push((name, frame(cw, ch, format, data)));
    }
    layouts
}

#[test]
fn every_shipped_look_grades_deep_frames_as_the_cpu_reference() {
    let ctx = gpu();
    let frames = deep_odd_frames();
    let mut looks: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    looks.sort();
    assert!(looks.len() >= 5, "{looks:?}");
    let mut worst = 0f32;
    for path in &looks {
        let look = Look::load(path).unwrap();
        for (layout, frame) in &frames {
            // (Without analysis a look's secondaries grade nothing, here as
            // on the CPU.)
            let error = max_error(frame, &grade_f32(&ctx, frame, &look), &look);
            println!(
                "{:<28} {layout:<9} {error:.2e}",
                path.file_name().unwrap().to_string_lossy()
            );
            worst = worst.max(error);
        }
    }
    assert!(worst < 1e-4, "GPU vs CPU {worst:.2e}");
}
