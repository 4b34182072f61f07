//! Auto exposure and balance, and Color Match, on real footage.

mod common;

use common::{colour_science, footage, frame};
use neurograde::auto::grid::PROPOSAL_COLUMNS;
use neurograde::auto::{propose, LinearGrid};
use neurograde::frame::{Frame, PixelFormat};
use neurograde::grade::assist::AutoSection;
use neurograde::grade::lab::{chroma, delta_e_2000, srgb_to_lab};
use neurograde::grade::reference::{quantize_u8, Grader};
use neurograde::grade::{Look, Primary};
use std::path::Path;

/// A real picture as an 8-bit frame: a still, or picture `n` of a video.
fn picture(name: &str, n: u32) -> Frame {
    let path = footage(name);
    let img = if name.ends_with(".avi") {
        let raw = common::ffmpeg_raw(
            &path,
            "rgb24",
            &["-vf", &format!("select=eq(n\\,{n})"), "-frames:v", "1"],
        );
        let (w, h) = (768, 576);
        assert_eq!(raw.len(), w * h * 3);
        return frame(w as u32, h as u32, PixelFormat::Rgb8, raw);
    } else {
        image::open(&path).unwrap().into_rgb8()
    };
    frame(img.width(), img.height(), PixelFormat::Rgb8, img.into_raw())
}

/// `frame` graded by `look` on the CPU, quantised to 8 bits as a camera
/// file would be.
fn graded(frame: &Frame, look: &Look) -> Frame {
    let grader = Grader::new(look);
    let mut data = Vec::with_capacity(frame.data.len());
    for y in 0..frame.height {
        for x in 0..frame.width {
            let p = frame.pixel(x, y);
            let out = grader.pixel([p[0], p[1], p[2]]);
            data.extend(out.map(quantize_u8));
        }
    }
    common::frame(frame.width, frame.height, PixelFormat::Rgb8, data)
}

fn cast(exposure: f32, temperature: f32, tint: f32) -> Look {
    Look {
        primary: Primary {
            exposure,
            temperature,
            tint,
            ..Primary::default()
        },
        ..Look::default()
    }
}

/// `frame` graded by `look` on the CPU into float RGBA (light above 1 kept).
fn graded_float(frame: &Frame, look: &Look) -> Frame {
    let grader = Grader::new(look);
    let mut data = Vec::with_capacity(frame.data.len() * 16);
    for y in 0..frame.height {
        for x in 0..frame.width {
            let p = frame.pixel(x, y);
            let out = grader.pixel([p[0], p[1], p[2]]);
            for v in [out[0], out[1], out[2], 1.0] {
                data.extend(v.to_le_bytes());
            }
        }
    }
    common::frame(frame.width, frame.height, PixelFormat::RgbaF32, data)
}

/// Mean and 95th percentile CIEDE2000 between `reference` and `result`
/// over the reference's neutral pixels (C*ab < 6, 15 < L* < 95) that
/// `cast` did not clip; and their share of the picture.
fn neutral_delta_e(reference: &Frame, cast: &Frame, result: &Frame) -> (f64, f64, f64) {
    let mut d = Vec::new();
    for y in 0..reference.height {
        for x in 0..reference.width {
            let r = reference.pixel(x, y);
            let lab = srgb_to_lab([r[0], r[1], r[2]]);
            let c = cast.pixel(x, y);
            let clipped =
                cast.format == PixelFormat::Rgb8 && c[..3].iter().any(|&v| v >= 254.5 / 255.0);
            if chroma(lab) < 6.0 && lab[0] > 15.0 && lab[0] < 95.0 && !clipped {
                let o = result.pixel(x, y);
                d.push(delta_e_2000(lab, srgb_to_lab([o[0], o[1], o[2]])));
            }
        }
    }
    d.sort_by(f64::total_cmp);
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    (
        mean,
        d[d.len() * 95 / 100],
        d.len() as f64 / (reference.width * reference.height) as f64,
    )
}

fn codes(frame: &Frame, step: u32) -> Vec<[f32; 3]> {
    let mut out = Vec::new();
    for y in (0..frame.height).step_by(step as usize) {
        for x in (0..frame.width).step_by(step as usize) {
            let p = frame.pixel(x, y);
            out.push([p[0], p[1], p[2]]);
        }
    }
    out
}

/// How the tests apply a cast: in float (light above 1 kept) or into an
/// 8-bit file (clipped and quantised).
#[derive(Clone, Copy)]
struct Cast {
    label: &'static str,
    look: (f32, f32, f32),
    float: bool,
}

const CASTS: [Cast; 3] = [
    Cast {
        label: "+1 stop, 30 mired warm, float",
        look: (1.0, 30.0, 0.0),
        float: true,
    },
    Cast {
        label: "-1 stop, 30 mired cool, 5 green, 8-bit",
        look: (-1.0, -30.0, -5.0),
        float: false,
    },
    Cast {
        label: "+1 stop, 30 mired warm, 8-bit (clips)",
        look: (1.0, 30.0, 0.0),
        float: false,
    },
];

/// Real pictures: the portrait and street frames (well exposed, so their
/// own proposals are small), and a darker football picture.
const PICTURES: [(&str, u32, bool); 4] = [
    ("astronaut.png", 0, true),
    ("vtest.avi", 50, true),
    ("vtest.avi", 500, true),
    ("messi5.jpg", 0, false),
];

#[test]
fn auto_proposals_undo_known_casts_on_real_footage() {
    let target = AutoSection::default();
    let auto = |f: &Frame| {
        propose(
            &LinearGrid::of_frame(f, &Look::default(), PROPOSAL_COLUMNS),
            None,
            &target,
        )
    };
    println!("picture, cast: proposal; neutral areas' mean / p95 CIEDE2000 against the original and against the original's own proposal (before: the cast)");
    for (name, n, well_exposed) in PICTURES {
        let original = picture(name, n);
        let own = auto(&original);
        let own_applied = graded_float(&original, &own.apply_to(&Look::default(), &target));
        for cast_kind in CASTS {
            let (e, t, g) = cast_kind.look;
            let shifted = if cast_kind.float {
                graded_float(&original, &cast(e, t, g))
            } else {
                graded(&original, &cast(e, t, g))
            };
            let p = auto(&shifted);
            let fixed = graded_float(&shifted, &p.apply_to(&Look::default(), &target));
            let (vs_original, p95, share) = neutral_delta_e(&original, &shifted, &fixed);
            let (vs_own, own_p95, _) = neutral_delta_e(&own_applied, &shifted, &fixed);
            let (before, _, _) = neutral_delta_e(&original, &shifted, &shifted);
            println!(
                "{name}#{n}, {}: exposure {:+.2} (conf {:.2}), {:+.1} mired {:+.1} tint (conf {:.2}); {vs_original:.2} / {p95:.2} vs original, {vs_own:.2} / {own_p95:.2} vs its proposal (before {before:.2}) over {:.0} % of the picture",
                cast_kind.label,
                p.exposure,
                p.exposure_confidence,
                p.temperature,
                p.tint,
                p.balance_confidence,
                share * 100.0
            );
            let (bound, bound_original) = match (cast_kind.float, e > 0.0) {
                (true, _) => (3.5, 5.0),
                (false, false) => (4.5, 5.0),
                // Clipped: what is gone cannot come back; the proposal says
                // so with a lower exposure confidence.
                (false, true) => (5.5, 5.0),
            };
            assert!(vs_own <= bound, "{name} {}: {vs_own}", cast_kind.label);
            if well_exposed {
                assert!(vs_original <= bound_original, "{name}: {vs_original}");
                assert!(
                    vs_original < before / 3.0,
                    "{name}: {vs_original} vs {before}"
                );
            }
            if !cast_kind.float && e > 0.0 {
                assert!(p.clipped > 0.05 && p.exposure_confidence < own.exposure_confidence);
            }
        }
    }
}

/// Two grades a colourist might make: warm and soft, cool and contrasty.
fn look_a() -> Look {
    let mut l = cast(0.3, 25.0, 3.0);
    l.cdl.slope = [1.05, 1.0, 0.92];
    l.cdl.offset = [0.02, 0.01, 0.0];
    l.cdl.power = [0.95, 1.0, 1.05];
    l.cdl.saturation = 0.85;
    l
}

fn look_b() -> Look {
    let mut l = cast(-0.2, -20.0, -2.0);
    l.primary.contrast = 1.2;
    l.cdl.slope = [0.95, 1.02, 1.08];
    l.cdl.power = [1.1, 1.0, 0.95];
    l.cdl.saturation = 1.2;
    l
}

#[test]
fn color_match_recovers_a_grade_and_beats_the_baseline() {
    use neurograde::auto::matching::{fit, mean_std_transfer, MatchSamples};
    let mut sums = [0.0f64; 4];
    let pairs = [
        ("astronaut.png", 0, 0),
        ("vtest.avi", 50, 50),
        ("vtest.avi", 50, 500),
        ("messi5.jpg", 0, 0),
    ];
    println!("input graded A matched to a reference graded B; mean CIEDE2000 per pixel to the input graded B");
    for (name, n_input, n_reference) in pairs {
        let input = picture(name, n_input);
        let a = graded_float(&input, &look_a());
        let b = graded_float(&picture(name, n_reference), &look_b());
        let truth = graded_float(&input, &look_b());
        let base = Look::default();
        let samples = MatchSamples::new(&base, &codes(&a, 2), &codes(&b, 2)).unwrap();
        let m = fit(&base, &samples, std::path::Path::new("match.cube")).unwrap();
        let per_pixel = |out: &dyn Fn([f32; 3]) -> [f32; 3]| {
            let (got, want) = (codes(&a, 3), codes(&truth, 3));
            got.iter()
                .zip(&want)
                .map(|(g, w)| delta_e_2000(srgb_to_lab(out(*g)), srgb_to_lab(*w)))
                .sum::<f64>()
                / got.len() as f64
        };
        let none = per_pixel(&|c| c);
        // The baseline is a transfer of the samples, not a look: its pixels
        // are the input's moved to the reference's mean and deviation.
        let baseline_out = mean_std_transfer(&codes(&a, 3), &samples.reference);
        let want = codes(&truth, 3);
        let baseline = baseline_out
            .iter()
            .zip(&want)
            .map(|(g, w)| delta_e_2000(srgb_to_lab(*g), srgb_to_lab(*w)))
            .sum::<f64>()
            / want.len() as f64;
        let cdl = Grader::new(&m.cdl_look);
        let lut = Grader::new(&m.lut_look);
        let (cdl_de, lut_de) = (per_pixel(&|c| cdl.pixel(c)), per_pixel(&|c| lut.pixel(c)));
        println!(
            "{name} {n_input} -> {n_reference}: as graded {none:.2}, baseline {baseline:.2}, CDL {cdl_de:.2}, LUT {lut_de:.2}; distribution distance {:.2} -> baseline {:.2}, CDL {:.2} (score {:.2}), LUT {:.2} (score {:.2})",
            m.before.distance,
            m.baseline.distance,
            m.cdl.distance,
            m.cdl.score,
            m.rich.distance,
            m.rich.score
        );
        assert!(cdl_de < baseline && lut_de < baseline, "{name}");
        assert!(m.cdl.distance < m.baseline.distance && m.rich.distance < m.baseline.distance);
        for (sum, v) in sums.iter_mut().zip([none, baseline, cdl_de, lut_de]) {
            *sum += v / pairs.len() as f64;
        }
    }
    println!(
        "mean over the pairs: as graded {:.2}, baseline {:.2}, CDL {:.2}, LUT {:.2}",
        sums[0], sums[1], sums[2], sums[3]
    );
    assert!(sums[2] <= 2.5 && sums[3] <= 2.5, "{sums:?}");
    assert!(sums[1] >= 1.5 * sums[2].max(sums[3]), "{sums:?}");
}

#[test]
fn ciede2000_agrees_with_colour_science() {
    let mut noise = neurograde::noise::SplitMix64(2000);
    let mut lab = || {
        [
            noise.next_unit() * 100.0,
            noise.next_unit() * 200.0 - 100.0,
            noise.next_unit() * 200.0 - 100.0,
        ]
    };
    let pairs: Vec<([f64; 3], [f64; 3])> = (0..500)
        .map(|i| {
            let a = lab();
            // Half the pairs close together, where the formula's terms matter.
            let b = if i % 2 == 0 {
                let d = lab();
                [a[0] + d[0] / 25.0, a[1] + d[1] / 25.0, a[2] + d[2] / 25.0]
            } else {
                lab()
            };
            (a, b)
        })
        .collect();
    let input: String = pairs
        .iter()
        .map(|(a, b)| format!("{} {} {} {} {} {}\n", a[0], a[1], a[2], b[0], b[1], b[2]))
        .collect();
    let script = "import sys, numpy as np, colour\nv = np.loadtxt(sys.stdin).reshape(-1, 6)\nfor d in colour.delta_E(v[:, :3], v[:, 3:], method='CIE 2000'):\n    print(repr(float(d)))\n";
    let theirs: Vec<f64> = colour_science(script, &input)
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(theirs.len(), pairs.len());
    let worst = pairs
        .iter()
        .zip(&theirs)
        .map(|((a, b), t)| (delta_e_2000(*a, *b) - t).abs())
        .fold(0.0f64, f64::max);
    println!("CIEDE2000 against colour-science on 500 pairs: worst difference {worst:.2e}");
    assert!(worst < 1e-9, "{worst}");
}

#[test]
fn the_cli_writes_proposals_as_looks_and_never_over_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let clip = footage("vtest.avi");
    let out = dir.path().join("auto.toml");
    let run = common::neurograde(&[
        "auto",
        "--input",
        clip.to_str().unwrap(),
        "--picture",
        "51",
        "--look-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let look = Look::load(&out).unwrap();
    let direct = propose(
        &LinearGrid::of_frame(
            &neurograde::source::read_picture(&clip, 50).unwrap(),
            &Look::default(),
            PROPOSAL_COLUMNS,
        ),
        None,
        &AutoSection::default(),
    );
    assert_eq!(look.primary.exposure, direct.exposure);
    assert_eq!(look.primary.temperature, direct.temperature);
    assert!(run.stderr.contains("confidence"), "{}", run.stderr);

    // The same proposal carried by the CDL, for CDL-only interchange: the
    // primaries stay, the CDL grades the picture (nearly) the same.
    let as_cdl = dir.path().join("auto-cdl.toml");
    let run = common::neurograde(&[
        "auto",
        "--input",
        clip.to_str().unwrap(),
        "--picture",
        "51",
        "--as",
        "cdl",
        "--look-out",
        as_cdl.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cdl_look = Look::load(&as_cdl).unwrap();
    assert_eq!(cdl_look.primary, neurograde::grade::Primary::default());
    assert_ne!(cdl_look.cdl, neurograde::grade::Cdl::default());
    let error: f64 = run
        .stderr
        .split("within ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}", run.stderr));
    println!("auto as a CDL: within {error} CIEDE2000 of the primaries");
    assert!(error < 1.0, "{}", run.stderr);

    // The proposal never replaces the base look or the input.
    let base = dir.path().join("base.toml");
    std::fs::write(&base, "name = \"day\"\n[primary]\ncontrast = 1.2\n").unwrap();
    let refused = common::neurograde(&[
        "auto",
        "--input",
        clip.to_str().unwrap(),
        "--look",
        base.to_str().unwrap(),
        "--look-out",
        base.to_str().unwrap(),
    ]);
    common::assert_clear_error(&refused, "is --look");
    assert_eq!(
        std::fs::read_to_string(&base).unwrap(),
        "name = \"day\"\n[primary]\ncontrast = 1.2\n"
    );
    let past_end = common::neurograde(&[
        "auto",
        "--input",
        footage("astronaut.png").to_str().unwrap(),
        "--picture",
        "2",
        "--look-out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    common::assert_clear_error(&past_end, "has no picture 2");

    // Match, as a LUT: the look names the cube written beside it, and both
    // load; the base look's contrast is kept.
    let matched = dir.path().join("matched.toml");
    let run = common::neurograde(&[
        "match",
        "--input",
        clip.to_str().unwrap(),
        "--picture",
        "51",
        "--reference",
        footage("messi5.jpg").to_str().unwrap(),
        "--look",
        base.to_str().unwrap(),
        "--look-out",
        matched.to_str().unwrap(),
        "--fit",
        "lut",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let look = Look::load(&matched).unwrap();
    assert_eq!(look.primary.contrast, 1.2);
    assert!(dir.path().join("matched.cube").is_file() && look.loaded_lut.is_some());
    let figures: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let distance = |k: &str| figures[k]["distance"].as_f64().unwrap();
    assert!(distance("lut") < distance("before") / 1.5, "{figures}");
    assert!(distance("cdl") < distance("before"), "{figures}");

    // Matched on the skin only (the face models find it in both): fewer
    // samples, the skin's colours brought together.
    let skin = dir.path().join("skin.toml");
    let reference = dir.path().join("cool.png");
    let portrait = picture("astronaut.png", 0);
    let cool = graded(&portrait, &cast(-0.3, -25.0, 2.0));
    image::RgbImage::from_raw(cool.width, cool.height, cool.data.clone())
        .unwrap()
        .save(&reference)
        .unwrap();
    let run = common::neurograde(&[
        "match",
        "--input",
        footage("astronaut.png").to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
        "--region",
        "skin",
        "--look-out",
        skin.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let figures: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let samples = figures["samples"]["input"].as_u64().unwrap();
    println!("skin-only match: {figures}");
    assert!(samples > 200 && samples < 10_000, "{figures}");
    assert!(figures["cdl"]["score"].as_f64().unwrap() > 0.7, "{figures}");
}

#[test]
fn proposals_for_pictures_with_nothing_to_measure_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let black = dir.path().join("black.png");
    image::RgbImage::new(64, 48).save(&black).unwrap();
    let portrait = footage("astronaut.png");
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // Auto on black: nothing measured, no confidence, and it says so.
    let run = common::neurograde(&[
        "auto",
        "--input",
        black.to_str().unwrap(),
        "--look-out",
        &out("auto.toml"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing in it can be measured"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("confidence 0.00"), "{}", run.stderr);
    assert!(!run.stderr.contains("confidence 1.00"), "{}", run.stderr);
    // Match to a black reference: refused, naming the reference; no file.
    let refused = common::neurograde(&[
        "match",
        "--input",
        portrait.to_str().unwrap(),
        "--reference",
        black.to_str().unwrap(),
        "--look-out",
        &out("m.toml"),
    ]);
    common::assert_clear_error(&refused, "black.png: the reference is too dark or too flat");
    assert!(!Path::new(&out("m.toml")).exists());
    // Skin asked of a reference without any: the reference is named.
    let refused = common::neurograde(&[
        "match",
        "--input",
        portrait.to_str().unwrap(),
        "--reference",
        footage("building.jpg").to_str().unwrap(),
        "--region",
        "skin",
        "--look-out",
        &out("skin.toml"),
    ]);
    common::assert_clear_error(&refused, "the reference (");
    assert!(
        refused.stderr.contains("building.jpg"),
        "{}",
        refused.stderr
    );
}
