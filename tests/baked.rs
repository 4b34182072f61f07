//! The baked live path (`gpu::bake`, shaders/bake.wgsl): the lattice made
//! on the GPU against its CPU twin, and the baked picture against the exact
//! one within the error the run report prints, on real footage.

mod common;

use common::*;
use neurograde::frame::Frame;
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::OutputFormat;
use neurograde::grade::bake::{
    live_display_lattice, live_lattice, live_shaper, LiveBake, LIVE_SIZE,
};
use neurograde::grade::lut::Interpolation;
use neurograde::grade::reference::Grader;
use neurograde::grade::Look;
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Looks of every lattice kind: an OpenColorIO ACES 2.0 rendering (display
/// lattice), the same with a creative cube, a video-mode look (its 16-bit
/// and window routes bake), a whole-picture qualifier secondary on the
/// ACES 2.0 look (a working-space lattice, the secondary exact after it,
/// then the display lattice) and on a video-mode look (the working-space
/// lattice alone).
fn looks(dir: &Path) -> Vec<(&'static str, Look, LiveBake)> {
    let aces = Look::load(&repo("config/looks/logc3-rec709.toml")).unwrap();
    let logc3 = std::fs::read_to_string(repo("config/looks/logc3-rec709.toml")).unwrap();
    let creative = look_with_cube(dir, &format!("{logc3}\n[lut]\nfile = \"look.cube\"\n"));
    let demo = Look::load(&repo("config/looks/demo.toml")).unwrap();
    let qualified = Look::parse(
        &format!(
            "{logc3}\n[[secondary]]\nmask = \"qualifier\"\nexposure = 0.4\nsaturation = 0.7\n\
             [secondary.qualifier]\nhue = [10, 60]\nsoftness = 0.05\n"
        ),
        &dir.join("qualified.toml"),
    )
    .unwrap();
    let demo_text = std::fs::read_to_string(repo("config/looks/demo.toml")).unwrap();
    let video_qualified = Look::parse(
        &format!(
            "{demo_text}\n[[secondary]]\nmask = \"qualifier\"\nexposure = -0.3\nsaturation = 1.3\n\
             [secondary.qualifier]\nhue = [180, 260]\nsoftness = 0.05\n"
        ),
        &dir.join("video-qualified.toml"),
    )
    .unwrap();
    vec![
        ("ACES 2.0", aces, LiveBake::Display),
        ("ACES 2.0 + cube", creative, LiveBake::Display),
        ("video mode", demo, LiveBake::Display),
        (
            "ACES 2.0 + qualifier secondary",
            qualified,
            LiveBake::WorkingAndDisplay,
        ),
        (
            "video mode + qualifier secondary",
            video_qualified,
            LiveBake::Working,
        ),
    ]
}

/// The CPU twin of the baked picture of `frame`.
fn cpu_baked(look: &Look, bake: LiveBake, frame: &Frame) -> Vec<[f32; 3]> {
    let lattice = live_lattice(look, &live_shaper(look), LIVE_SIZE, bake);
    let display = live_display_lattice(look, LIVE_SIZE);
    let grader = Grader::new(look);
    (0..frame.height)
        .flat_map(|y| (0..frame.width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let [r, g, b, _] = frame.pixel(x, y);
            let value = lattice.apply([r, g, b], Interpolation::Tetrahedral);
            match bake {
                LiveBake::Display => value,
                LiveBake::Working => grader.finishing(value, None),
                LiveBake::WorkingAndDisplay => display.apply(
                    grader.secondaries_and_haze(value, None),
                    Interpolation::Tetrahedral,
                ),
            }
        })
        .collect()
}

#[test]
fn the_gpu_bake_matches_its_cpu_twin_on_real_footage() {
    let ctx = gpu();
    let dir = tempfile::tempdir().unwrap();
    let (deep, eight) = astronaut_frames();
    for (name, look, bake) in looks(dir.path()) {
        assert_eq!(
            LiveBake::of(&look, look.scene().as_ref()),
            Ok(bake),
            "{name}"
        );
        let mut grader = KernelGrader::new(&ctx).baked();
        for (route, frame) in [("16-bit", &deep), ("8-bit", &eight)] {
            let gpu: Vec<f32> = grader
                .grade(frame, &look, OutputFormat::RgbaF32)
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            // 8-bit video mode stays on the exact channel-table route.
            let table = GradeUniforms::from_look(&look)
                .variant
                .cheap_after_channel_table();
            let cpu = if route == "8-bit" && table {
                let grader = Grader::new(&look);
                (0..frame.height)
                    .flat_map(|y| (0..frame.width).map(move |x| (x, y)))
                    .map(|(x, y)| {
                        let [r, g, b, _] = frame.pixel(x, y);
                        grader.pixel([r, g, b])
                    })
                    .collect()
            } else {
                cpu_baked(&look, bake, frame)
            };
            let mut worst = 0f32;
            for (i, want) in cpu.iter().enumerate() {
                for c in 0..3 {
                    worst = worst.max((gpu[i * 4 + c] - want[c]).abs());
                }
            }
            println!("{name}, {route}: baked GPU vs CPU twin, max abs {worst:.2e}");
            assert!(worst < 2e-3, "{name}, {route}: {worst}");
        }
    }
}

/// Per-pixel largest channel difference of two 8-bit RGB pictures.
fn differences(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.chunks_exact(3)
        .zip(b.chunks_exact(3))
        .map(|(p, q)| (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap())
        .collect()
}

fn quantile(sorted: &[u8], q: f64) -> f32 {
    f32::from(sorted[((sorted.len() - 1) as f64 * q).round() as usize])
}

#[test]
fn a_baked_run_stays_within_the_error_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let logc3 = std::fs::read_to_string(repo("config/looks/logc3-rec709.toml")).unwrap();
    look_with_cube(dir, &format!("{logc3}\n[lut]\nfile = \"look.cube\"\n"));
    let cube_look = dir.join("look.toml");
    // A secondary between the two lattices (its qualifier keys from colour:
    // no models needed).
    let qualified = dir.join("qualified.toml");
    std::fs::write(
        &qualified,
        format!(
            "{logc3}\n[[secondary]]\nmask = \"qualifier\"\nexposure = 0.4\nsaturation = 0.7\n\
             [secondary.qualifier]\nhue = [10, 60]\nsoftness = 0.05\n"
        ),
    )
    .unwrap();
    let (portrait, building) = (footage("astronaut.png"), footage("building.jpg"));
    let runs = [
        (repo("config/looks/logc3-rec709.toml"), &portrait),
        (repo("config/looks/logc3-rec709.toml"), &building),
        (cube_look.clone(), &building),
        (qualified.clone(), &portrait),
    ];
    for (look, picture) in runs {
        let source = format!("file:{}", picture.display());
        let run = |path: &str| {
            let out = dir.join(format!("{path}.png"));
            let stats = dir.join(format!("{path}.json"));
            let o = neurograde(&[
                "run",
                "--source",
                &source,
                "--look",
                look.to_str().unwrap(),
                "--sink",
                &format!("file:{}", out.display()),
                "--frames",
                "1",
                "--grade-path",
                path,
                "--stats-json",
                stats.to_str().unwrap(),
                "--overwrite",
            ]);
            assert_eq!(o.code, 0, "{}", o.stderr);
            let report: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
            (ffmpeg_raw(&out, "rgb24", &[]), report)
        };
        let (exact, _) = run("exact");
        let (baked, report) = run("baked");
        let path = &report["grade_path"];
        assert_eq!(path["baked_frames"], 1, "{path}");
        let printed = &path["bake_error"]["picture"];
        let mut d = differences(&exact, &baked);
        d.sort_unstable();
        // The report measures 16,384 pixels in 10-bit codes; the files
        // are 8-bit, each rounded once (one code between them).
        let p99 = quantile(&d, 0.99);
        let median = quantile(&d, 0.5);
        let allowed = |codes10: f32| codes10 / 4.0 + 1.0;
        println!(
            "{} on {}: 8-bit codes from exact median {median}, p99 {p99}, max {}; printed {printed}",
            look.file_name().unwrap().to_string_lossy(),
            picture.file_name().unwrap().to_string_lossy(),
            d.last().unwrap()
        );
        assert!(
            p99 <= allowed(printed["p99"].as_f64().unwrap() as f32),
            "{printed}"
        );
        assert!(
            median <= allowed(printed["median"].as_f64().unwrap() as f32),
            "{printed}"
        );
    }
}

#[test]
fn auto_bakes_a_live_run_on_a_cpu_rasteriser_and_grades_offline_exactly() {
    let ctx = gpu();
    let dir = tempfile::tempdir().unwrap();
    let look = repo("config/looks/logc3-rec709.toml");
    for (fast, want) in [(false, "baked_frames"), (true, "exact_frames")] {
        let stats = dir.path().join("stats.json");
        let mut args = vec![
            "run",
            "--source",
            "demo",
            "--size",
            "320x180",
            "--frames",
            "5",
            "--sink",
            "null",
            "--look",
            look.to_str().unwrap(),
            "--stats-json",
            stats.to_str().unwrap(),
            "--overwrite",
        ];
        if fast {
            args.push("--fast");
        }
        let o = neurograde(&args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
        let path = &report["grade_path"];
        println!("fast {fast}: {path}");
        if ctx.is_cpu {
            assert_eq!(path[want], 5, "{path}");
        } else {
            assert_eq!(path["exact_frames"], 5, "{path}");
        }
        assert!(o.stdout.contains("grade path"), "{}", o.stdout);
    }
}
