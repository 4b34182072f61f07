//! The analysis as a user runs it: `neurograde analyze` on a spliced clip,
//! `run --analysis async` with a model made slow (frames reuse the newest
//! result, the loop never waits), and bad input (no models, a damaged
//! model, no runtime) that leaves the picture graded and says what to do.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// Three seconds of vtest.avi then three of the astronaut portrait, 640x360
/// at 10 fps, lossless: a scene cut at frame 30.
fn spliced_clip(dir: &Path) -> PathBuf {
    let clip = dir.join("spliced.mkv");
    let fit = "scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1,format=yuv444p";
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(footage("vtest.avi"))
        .args(["-loop", "1", "-framerate", "10", "-i"])
        .arg(footage("astronaut.png"))
        .args([
            "-filter_complex",
            &format!(
                "[0:v]trim=end_frame=30,setpts=PTS-STARTPTS,{fit}[a];\
                 [1:v]trim=end_frame=30,setpts=PTS-STARTPTS,{fit}[b];[a][b]concat=n=2:v=1[out]"
            ),
            "-map",
            "[out]",
            "-c:v",
            "ffv1",
        ])
        .arg(&clip)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    clip
}

#[test]
fn analyze_writes_faces_tracks_and_the_scene_cut_of_a_spliced_clip() {
    let dir = tempfile::tempdir().unwrap();
    let clip = spliced_clip(dir.path());
    let json = dir.path().join("analysis.json");
    let out = neurograde(&[
        "analyze",
        "--input",
        clip.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    println!("{}", out.stdout);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let frames = report["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 60);
    assert_eq!(report["summary"]["analysed"], 60);
    assert_eq!(report["summary"]["problems"].as_array().unwrap().len(), 0);
    let cuts: Vec<u64> = frames
        .iter()
        .filter(|f| f["scene_cut"] == true)
        .map(|f| f["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(cuts, vec![30]);
    for f in frames {
        // Synchronous: every frame graded with its own analysis.
        assert_eq!(f["age_frames"], 0);
        assert!(f["matte_coverage"].as_f64().is_some() && f["depth_range"].is_array());
    }
    // The portrait: one face every frame, one ID, with landmarks and pose.
    let ids: Vec<u64> = frames[30..]
        .iter()
        .map(|f| {
            let faces = f["faces"].as_array().unwrap();
            assert_eq!(faces.len(), 1, "frame {}: {faces:?}", f["frame"]);
            assert_eq!(faces[0]["landmarks"].as_array().unwrap().len(), 468);
            assert!(faces[0]["pose"]["roll"].is_number());
            faces[0]["id"].as_u64().unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let face = &frames[45]["faces"][0]["bbox"];
    let (x0, x1) = (face["x0"].as_f64().unwrap(), face["x1"].as_f64().unwrap());
    // The portrait is 360 px tall, centred: its face sits left of centre.
    assert!((230.0..330.0).contains(&((x0 + x1) / 2.0)), "{face}");
}

#[test]
fn a_slow_model_never_slows_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats.json");
    // A live source at 30 fps; every analysis takes 200 ms more than it would.
    let out = neurograde(&[
        "run",
        "--source",
        "demo",
        "--size",
        "640x360",
        "--sink",
        "null",
        "--frames",
        "150",
        "--analysis",
        "async",
        "--analysis-models",
        "faces,mesh",
        "--analysis-delay-ms",
        "200",
        "--stats-json",
        stats.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    println!("{}", out.stdout);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    let a = &report["analysis"];
    let analysed = a["analysed"].as_u64().unwrap();
    let with_result = a["frames_with_result"].as_u64().unwrap();
    let fps = report["fps"].as_f64().unwrap();
    assert_eq!(report["frames"], 150);
    assert!(analysed >= 2, "{a}");
    // Each result is reused on many frames, and its age is reported.
    assert!(with_result >= 4 * analysed, "{a}");
    assert!(a["age_frames_max"].as_u64().unwrap() >= 6, "{a}");
    assert!(a["age_ms_mean"].as_f64().unwrap() >= 100.0, "{a}");
    // A loop that waited for each analysis would run at 5 fps or less.
    assert!(fps > 15.0, "{fps} fps");
}

/// A cache holding the models of the real cache, for damaging.
fn cache_copy(dir: &Path) -> PathBuf {
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let real = neurograde::assets::cache_dir().join("models");
    for entry in std::fs::read_dir(real).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "onnx") {
            std::fs::copy(&path, models.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir.to_path_buf()
}

/// `run` of a pattern with analysis, in an environment of the test's making.
fn run_with(env: &[(&str, &Path)], mode: &str, stats: &Path) -> (Outcome, serde_json::Value) {
    let mut command = bin();
    command.args([
        "run",
        "--source",
        "pattern:gradient",
        "--size",
        "320x180",
        "--sink",
        "null",
        "--frames",
        "12",
        "--fast",
        "--analysis",
        mode,
        "--stats-json",
        stats.to_str().unwrap(),
        "--overwrite",
    ]);
    for (key, value) in env {
        command.env(key, value);
    }
    let out = outcome(&mut command);
    assert_eq!(out.code, 0, "the picture keeps going: {}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let report = serde_json::from_slice(&std::fs::read(stats).unwrap()).unwrap();
    (out, report)
}

fn problems(report: &serde_json::Value) -> Vec<String> {
    report["analysis"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn bad_models_or_no_runtime_leave_the_picture_graded_and_say_what_to_do() {
    let runtime = neurograde::assets::onnxruntime_library();
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("stats.json");

    // No models fetched.
    let empty = dir.path().join("empty-cache");
    std::fs::create_dir_all(&empty).unwrap();
    let env = [
        ("NEUROGRADE_CACHE", empty.as_path()),
        ("ORT_DYLIB_PATH", runtime.as_path()),
    ];
    let (out, report) = run_with(&env, "async", &stats);
    assert_eq!(report["frames"], 12);
    let p = problems(&report);
    assert_eq!(p.len(), 5, "{p:?}");
    assert!(
        p.iter().all(|p| p.contains("neurograde models fetch")),
        "{p:?}"
    );
    assert!(
        out.stdout.contains("analysis: not running"),
        "{}",
        out.stdout
    );

    // One model damaged: that one is left out, the others run.
    let cache = cache_copy(&dir.path().join("damaged-cache"));
    let depth = cache.join("models/tcmonodepth_tcsmallnet_192x320.onnx");
    let mut bytes = std::fs::read(&depth).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&depth, bytes).unwrap();
    let env = [
        ("NEUROGRADE_CACHE", cache.as_path()),
        ("ORT_DYLIB_PATH", runtime.as_path()),
    ];
    let (_, report) = run_with(&env, "sync", &stats);
    let p = problems(&report);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("tcmonodepth") && p[0].contains("SHA-256") && p[0].contains("models fetch"),
        "{p:?}"
    );
    assert_eq!(report["analysis"]["analysed"], 12);
    let verify = outcome(
        bin()
            .args(["models", "verify"])
            .env("NEUROGRADE_CACHE", &cache),
    );
    assert_clear_error(&verify, "neurograde models fetch");
    assert!(
        verify.stdout.contains("depth: SHA-256"),
        "{}",
        verify.stdout
    );

    // No runtime library.
    let missing = dir.path().join("no-such-libonnxruntime.so");
    let (_, report) = run_with(&[("ORT_DYLIB_PATH", missing.as_path())], "async", &stats);
    assert_eq!(report["frames"], 12);
    let p = problems(&report);
    assert!(
        p.len() == 1
            && p[0].contains("ONNX Runtime library not found")
            && p[0].contains("scripts/setup"),
        "{p:?}"
    );

    // `analyze` has nothing to give without models: a clear error.
    let json = dir.path().join("a.json");
    let out = outcome(
        bin()
            .args(["analyze", "--input"])
            .arg(footage("astronaut.png"))
            .arg("--json")
            .arg(&json)
            .env("ORT_DYLIB_PATH", &missing),
    );
    assert_clear_error(&out, "models verify");
    assert!(!json.exists());
}

#[test]
fn analysis_settings_are_checked() {
    let out = neurograde(&["run", "--source", "pattern:bars", "--analysis", "sometimes"]);
    assert_clear_error(&out, "expected off, sync or async");
    let out = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--analysis",
        "async",
        "--analysis-models",
        "faces,hands",
    ]);
    assert_clear_error(
        &out,
        "analysis `hands`: expected any of faces, mesh, matte, depth, object",
    );
    let out = neurograde(&[
        "analyze",
        "--input",
        "x.mp4",
        "--json",
        "x.json",
        "--analysis-threads",
        "0",
    ]);
    assert_clear_error(&out, "1 <= threads <= 16");
}

#[test]
fn a_picture_too_small_to_analyse_gets_no_made_up_results() {
    let dir = tempfile::tempdir().unwrap();
    let pixel = dir.path().join("pixel.png");
    image::RgbImage::from_pixel(1, 1, image::Rgb([200, 150, 120]))
        .save(&pixel)
        .unwrap();
    let json = dir.path().join("pixel.json");
    let o = outcome(
        bin()
            .args(["analyze", "--input"])
            .arg(&pixel)
            .arg("--json")
            .arg(&json),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("too small to analyse"), "{}", o.stderr);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let frame = &report["frames"][0];
    assert!(frame["depth_range"].is_null(), "{frame}");
    assert!(frame["matte_coverage"].is_null(), "{frame}");
    assert_eq!(frame["faces"].as_array().map(Vec::len), Some(0), "{frame}");
}
