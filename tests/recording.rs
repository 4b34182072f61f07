//! A live recording under load: the encoder beside the loop costs the
//! picture little, the file plays as long as the capture, and Ctrl-C stops
//! it at once. Alone in its test binary, so its busy loops slow no other
//! test.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Two processes that keep both cores busy until dropped.
struct BusyCores(Vec<Child>);

impl BusyCores {
    fn start() -> BusyCores {
        BusyCores(
            (0..2)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .unwrap()
                })
                .collect(),
        )
    }
}

impl Drop for BusyCores {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_live_recording_under_load_costs_the_picture_little_keeps_real_time_and_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let demo_look = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    let args = |sink: &str, stats: &Path| {
        [
            "run",
            "--source",
            "demo",
            "--size",
            "1280x720",
            "--fps",
            "30",
            "--look",
            demo_look,
            "--sink",
            sink,
            "--stats-json",
            stats.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let stats = |path: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let busy = BusyCores::start();
    let timed = |sink: &str, name: &str| {
        let json = dir.path().join(name);
        let mut line = args(sink, &json);
        line.extend(["--duration".into(), "5".into()]);
        let line: Vec<&str> = line.iter().map(String::as_str).collect();
        let o = neurograde(&line);
        assert_eq!(o.code, 0, "{}", o.stderr);
        stats(&json)
    };
    let null = timed("null", "null.json");
    let video = dir.path().join("recorded.mp4");
    let recorded = timed(&format!("file:{}", video.display()), "recorded.json");
    // Stopped by Ctrl-C after 4 s, still under load.
    let stopped_video = dir.path().join("stopped.mkv");
    let stopped_json = dir.path().join("stopped.json");
    let line = args(&format!("file:{}", stopped_video.display()), &stopped_json);
    let child = spawn(&line.iter().map(String::as_str).collect::<Vec<_>>());
    std::thread::sleep(Duration::from_secs(4));
    let signalled = Instant::now();
    let (code, stderr) = interrupt(child, "INT", Duration::ZERO);
    let stop_s = signalled.elapsed().as_secs_f64();
    drop(busy);

    let fps = |s: &serde_json::Value| s["fps"].as_f64().unwrap();
    println!(
        "under two busy loops, 1280x720: {:.1} fps to null, {:.1} fps recording; recording {}",
        fps(&null),
        fps(&recorded),
        recorded["recording"]
    );
    assert!(
        fps(&recorded) >= 0.8 * fps(&null),
        "the recording slowed the picture: {:.1} fps against {:.1}",
        fps(&recorded),
        fps(&null)
    );
    for (path, s) in [(&video, &recorded), (&stopped_video, &stats(&stopped_json))] {
        let r = &s["recording"];
        let captured = r["captured_s"].as_f64().unwrap();
        let plays = duration_s(path);
        println!(
            "{}: plays {plays:.3} s for {captured:.3} s captured",
            path.display()
        );
        assert!(
            (plays - captured).abs() <= 0.02 * captured,
            "{}: plays {plays:.3} s for {captured:.3} s captured",
            path.display()
        );
        // Every frame in the file was encoded once: as many as the report says.
        assert_eq!(
            decoded_frames(path),
            r["frames"].as_u64(),
            "{}: {r}",
            path.display()
        );
        let graded = s["frames"].as_u64().unwrap();
        let left_out =
            r["encoder_behind"].as_u64().unwrap() + r["faster_than_file"].as_u64().unwrap();
        assert_eq!(r["frames"].as_u64().unwrap() + left_out, graded, "{s}");
    }
    assert_eq!(code, Some(130), "{stderr}");
    println!("stopped {stop_s:.2} s after Ctrl-C");
    assert!(stop_s < 3.0, "{stop_s:.2} s to stop after Ctrl-C: {stderr}");
    assert!(partials(dir.path()).is_empty());
}
