//! Live assistance on real footage: follow mode (auto exposure and balance
//! applied continuously) and the stabiliser (flicker removal), frame by
//! frame as the engine runs them, and through `neurograde grade`.

mod common;

use common::{footage, frame};
use neurograde::auto::follow::Correction;
use neurograde::auto::live::{with_correction, LiveAssist};
use neurograde::frame::{Frame, PixelFormat};
use neurograde::grade::assist::{AutoSection, StabiliseSection};
use neurograde::grade::reference::{quantize_u8, srgb_to_linear, Grader};
use neurograde::grade::{Look, Primary};
use neurograde::noise::SplitMix64;

const W: u32 = 384;
const H: u32 = 288;
const FPS: f64 = 25.0;

/// `count` pictures of a real clip from picture `first`, at W x H, 8-bit.
fn clip(name: &str, first: u32, count: u32) -> Vec<Vec<u8>> {
    let raw = common::ffmpeg_raw(
        &footage(name),
        "rgb24",
        &[
            "-vf",
            &format!("select=gte(n\\,{first}),scale={W}:{H}"),
            "-frames:v",
            &count.to_string(),
        ],
    );
    let size = (W * H * 3) as usize;
    assert_eq!(raw.len(), size * count as usize, "{name}");
    raw.chunks_exact(size).map(<[u8]>::to_vec).collect()
}

/// A still repeated, at W x H.
fn still(name: &str, count: u32) -> Vec<Vec<u8>> {
    let img = image::open(footage(name))
        .unwrap()
        .resize_exact(W, H, image::imageops::FilterType::Triangle)
        .into_rgb8()
        .into_raw();
    vec![img; count as usize]
}

/// A picture with its light scaled per channel (log2 gains), as a camera
/// would record it (8-bit, clipped).
fn lit(rgb: &[u8], stops: [f32; 3]) -> Vec<u8> {
    let gains = stops.map(f32::exp2);
    let lut: Vec<[u8; 3]> = (0..256)
        .map(|v| {
            let l = srgb_to_linear(v as f32 / 255.0);
            gains.map(|g| quantize_u8(neurograde::grade::reference::linear_to_srgb(l * g)))
        })
        .collect();
    rgb.chunks_exact(3)
        .flat_map(|p| {
            [
                lut[p[0] as usize][0],
                lut[p[1] as usize][1],
                lut[p[2] as usize][2],
            ]
        })
        .collect()
}

fn as_frame(rgb: Vec<u8>, id: u64) -> Frame {
    let mut f = frame(W, H, PixelFormat::Rgb8, rgb);
    f.id = neurograde::frame::FrameId(id);
    f
}

/// Mean log2 luminance (Rec. 709 light) of a picture graded by `look`,
/// over every 4th pixel of every 4th row where `clean` is in the lower
/// mid-tones (codes 40 to 120: in 8 bits a few percent of gain is lost to
/// rounding below, and a stop brighter clips above).
fn level(rgb: &[u8], look: &Look, clean: &[u8]) -> f64 {
    let grader = Grader::new(look);
    let mut sum = 0.0;
    let mut n = 0.0;
    for y in (0..H).step_by(4) {
        for x in (0..W).step_by(4) {
            let i = ((y * W + x) * 3) as usize;
            if clean[i..i + 3].iter().any(|&v| !(40..=120).contains(&v)) {
                continue;
            }
            let code = [0, 1, 2].map(|c| f32::from(rgb[i + c]) / 255.0);
            let out = grader.pixel(code).map(srgb_to_linear);
            let y = 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2];
            sum += f64::from(y.max(1e-4)).log2();
            n += 1.0;
        }
    }
    sum / n
}

fn follow_look() -> Look {
    Look {
        auto: Some(AutoSection {
            follow: true,
            ..AutoSection::default()
        }),
        ..Look::default()
    }
}

/// Runs the assistance over `pictures` as the engine does; the correction
/// of each frame.
fn run(pictures: &[Vec<u8>], look: &Look) -> (Vec<Correction>, Vec<bool>) {
    let mut assist = LiveAssist::default();
    let mut corrections = Vec::new();
    let mut cuts = Vec::new();
    for (i, p) in pictures.iter().enumerate() {
        let f = as_frame(p.clone(), i as u64);
        corrections.push(assist.update(&f, look, i as f64 / FPS));
        cuts.push(assist.report.cut);
    }
    (corrections, cuts)
}

#[test]
fn follow_compensates_a_slow_ramp_keeps_a_step_and_restarts_at_a_cut() {
    let look = follow_look();
    let section = look.auto.unwrap();
    // 0-39 steady; 40-159 the light falls 1.2 stops (a slow cloud, an iris
    // drifting); 160-219 steady; at 220 a light is switched on (+1.3
    // stops); 300: a cut to another shot.
    let street = clip("vtest.avi", 0, 300);
    let cast = |i: usize| {
        -1.2 * ((i as f32 - 40.0) / 120.0).clamp(0.0, 1.0) + if i >= 220 { 1.3 } else { 0.0 }
    };
    let mut pictures: Vec<Vec<u8>> = street
        .iter()
        .enumerate()
        .map(|(i, p)| lit(p, [cast(i); 3]))
        .collect();
    pictures.extend(still("astronaut.png", 40));
    let (c, cuts) = run(&pictures, &look);
    let exposure: Vec<f32> = c.iter().map(|c| c.exposure).collect();
    let steps: Vec<f32> = exposure.windows(2).map(|w| w[1] - w[0]).collect();
    let largest = steps[..299].iter().fold(0.0f32, |m, s| m.max(s.abs()));
    // Oscillation: the correction's direction reversing within the shot.
    let reversals = steps[..299]
        .windows(2)
        .filter(|w| w[0] * w[1] < -1e-9)
        .count();
    let ramp_residual = (cast(200) + exposure[200]) - (cast(30) + exposure[30]);
    let step_kept = exposure[260] - exposure[215];
    println!(
        "follow: largest frame-to-frame step {largest:.4} stops (limit {:.4}); {reversals} reversals; after the ramp the picture is {ramp_residual:+.3} stops from where it was; across the light switched on the correction moved {step_kept:+.3} stops (the picture keeps {:+.2} of the +1.3); at the cut {:+.2} -> {:+.2}",
        section.speed / FPS as f32,
        1.3 + step_kept,
        exposure[299],
        exposure[300]
    );
    assert!(largest <= section.speed / FPS as f32 + 1e-5);
    assert_eq!(reversals, 0, "{exposure:?}");
    assert!(
        ramp_residual.abs() < section.dead_band + 0.1,
        "{ramp_residual}"
    );
    assert!(step_kept.abs() < 0.1, "{step_kept}");
    assert!(cuts[300] && cuts[1..300].iter().all(|c| !c), "{cuts:?}");
    // The new shot's own proposal at once.
    let mut fresh = LiveAssist::default();
    let own = fresh.update(&as_frame(pictures[300].clone(), 0), &look, 0.0);
    assert!((exposure[300] - own.exposure).abs() < 1e-6);
}

#[test]
fn the_stabiliser_removes_flicker_and_keeps_a_step_and_a_cut() {
    let look = Look {
        stabilise: Some(StabiliseSection::default()),
        ..Look::default()
    };
    // Street frames with irregular flicker of a few percent (a camera's
    // auto exposure hunting, a mains light beating against the shutter,
    // slightly coloured), a light switched on at 120, and a cut at 200 to
    // another clip with its own flicker.
    let mut noise = SplitMix64(50);
    let mut flicker = |i: usize| {
        let beat = 0.03 * (i as f32 * 0.9).sin();
        let jitter = (noise.next_unit() as f32 - 0.5) * 0.08;
        let tint = (noise.next_unit() as f32 - 0.5) * 0.03;
        [beat + jitter + tint, beat + jitter, beat + jitter - tint]
    };
    let mut clean = clip("vtest.avi", 100, 200);
    clean.extend(clip("Megamind.avi", 10, 80));
    let step = |i: usize| if (120..200).contains(&i) { 1.0 } else { 0.0 };
    let applied: Vec<[f32; 3]> = (0..clean.len())
        .map(|i| flicker(i).map(|f| f + step(i)))
        .collect();
    let pictures: Vec<Vec<u8>> = clean
        .iter()
        .zip(&applied)
        .map(|(p, s)| lit(p, *s))
        .collect();
    let (c, cuts) = run(&pictures, &look);
    let plain = Look::default();
    let base: Vec<f64> = clean.iter().map(|p| level(p, &plain, p)).collect();
    let input: Vec<f64> = pictures
        .iter()
        .zip(&clean)
        .map(|(p, k)| level(p, &plain, k))
        .collect();
    let output: Vec<f64> = pictures
        .iter()
        .zip(&c)
        .zip(&clean)
        .map(|((p, c), k)| level(p, &with_correction(&plain, *c), k))
        .collect();
    // Flicker: the std over time of the level against the clean clip's
    // (with the deliberate step taken out), within each shot, skipping
    // the first second after a start.
    let std_of = |levels: &[f64], range: std::ops::Range<usize>| {
        let d: Vec<f64> = range
            .map(|i| levels[i] - base[i] - f64::from(step(i)))
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt()
    };
    // A close-up where the whole frame moves (the second clip) is
    // harder: the face's own changes of light are measured as flicker.
    for (name, range, factor) in [
        ("street", 25..120, 2.5),
        ("street, lit", 145..200, 2.5),
        ("close-up", 225..280, 1.5),
    ] {
        let (before, after) = (
            std_of(&input, range.clone()),
            std_of(&output, range.clone()),
        );
        println!(
            "stabiliser, {name}: flicker {before:.4} -> {after:.4} stops ({:.1}x less)",
            before / after
        );
        assert!(after < before / factor, "{name}: {before} -> {after}");
    }
    // The light switched on and the cut are kept: the output moves with
    // the input there.
    for at in [120, 200] {
        let (moved_in, moved_out) = (input[at] - input[at - 1], output[at] - output[at - 1]);
        println!("at {at}: input moves {moved_in:+.3}, output {moved_out:+.3} stops");
        assert!(
            (moved_in - moved_out).abs() < 0.12,
            "{at}: {moved_in} vs {moved_out}"
        );
    }
    assert!(cuts[200] && cuts[1..200].iter().all(|c| !c));
    assert!(c[200].is_zero(), "the cut's frame is left as it is");
}

#[test]
fn a_look_without_assistance_costs_nothing_and_changes_nothing() {
    let pictures = clip("vtest.avi", 0, 5);
    let (c, _) = run(&pictures, &Look::default());
    assert!(c.iter().all(|c| c.is_zero()));
    let look = Look {
        primary: Primary {
            exposure: 0.5,
            ..Primary::default()
        },
        ..Look::default()
    };
    assert_eq!(with_correction(&look, Correction::default()), look);
}

#[test]
fn neurograde_grade_runs_the_stabiliser_on_every_frame() {
    // The engine's own path: a flickering image sequence graded by a look
    // with [stabilise], read back and measured.
    let clean = clip("vtest.avi", 100, 60);
    let mut noise = SplitMix64(9);
    let flickering: Vec<Vec<u8>> = clean
        .iter()
        .map(|p| lit(p, [(noise.next_unit() as f32 - 0.5) * 0.1; 3]))
        .collect();
    let graded = common::grade_sequence(
        &flickering,
        (W, H),
        "name = \"steady\"\n[stabilise]\nstrength = 1.0\n",
    );
    let plain = Look::default();
    let spread = |pictures: &[Vec<u8>]| {
        let d: Vec<f64> = (25..60)
            .map(|i| level(&pictures[i], &plain, &clean[i]) - level(&clean[i], &plain, &clean[i]))
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt()
    };
    let (before, after) = (spread(&flickering), spread(&graded));
    println!(
        "neurograde grade with [stabilise]: flicker {before:.4} -> {after:.4} stops ({:.1}x less)",
        before / after
    );
    assert!(after < before / 2.5, "{before} -> {after}");
}
