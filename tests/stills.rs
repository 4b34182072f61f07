//! The stills library as a DIT uses it (`neurograde stills`), and what a
//! kill in the middle of a save leaves: nothing corrupt, at most the still
//! being saved missing.

mod common;

use common::{assert_clear_error, bin, footage, outcome, Noise};
use neurograde::grade::Look;
use neurograde::stills::Library;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn demo_look() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml").to_string()
}

fn grab(library: &Path) -> Child {
    bin()
        .args(["stills", "grab", "--input"])
        .arg(footage("astronaut.png"))
        .args(["--look", &demo_look(), "--library"])
        .arg(library)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every still listed is whole: its pictures decode at its size, its look
/// loads, its thumbnail decodes. Returns how many there are.
fn check_library(root: &Path) -> usize {
    let library = Library::open(root).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "opening cleans up: {leftovers:?}");
    let stills = library.list().unwrap();
    for (n, still) in stills.iter().enumerate() {
        assert_eq!(still.info.id, format!("{:04}", n + 1), "numbered in order");
        for picture in [still.graded(), still.ungraded()] {
            let image =
                image::open(&picture).unwrap_or_else(|e| panic!("{}: {e}", picture.display()));
            assert_eq!((image.width(), image.height()), (512, 512));
            assert_eq!(image.color(), image::ColorType::Rgb16);
        }
        image::open(still.thumbnail()).unwrap();
        let look: Look = still.look().unwrap();
        assert_eq!(look.name, "Demo warm");
    }
    stills.len()
}

#[test]
fn a_kill_during_a_save_loses_at_most_that_still() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stills");
    // One still saved whole first.
    assert!(grab(&root).wait().unwrap().success());
    assert_eq!(check_library(&root), 1);

    // Killed while the still is being written: caught by its partial
    // folder appearing.
    for round in 0..3 {
        let mut child = grab(&root);
        let started = Instant::now();
        let caught = loop {
            let partial = std::fs::read_dir(&root).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".partial-")
            });
            if partial || child.try_wait().unwrap().is_some() {
                break partial;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the grab hangs"
            );
            std::thread::sleep(Duration::from_micros(200));
        };
        child.kill().ok();
        child.wait().unwrap();
        let count = check_library(&root);
        println!("round {round}: killed mid-save: {caught}, {count} stills");
        if caught {
            // The still being written is not there; the others are. It
            // is grabbed again, so each round starts one still further.
            assert_eq!(count, 1 + round, "round {round}");
            assert!(grab(&root).wait().unwrap().success());
        } else {
            // The kill came too late: the finished save is kept whole.
            assert_eq!(count, 2 + round);
        }
        assert_eq!(check_library(&root), 2 + round);
    }

    // Killed at seeded random moments: every still that finished is
    // there, nothing listed is broken.
    let mut noise = Noise::new(1429);
    let before = check_library(&root);
    let mut finished = 0;
    for _ in 0..5 {
        let mut child = grab(&root);
        std::thread::sleep(noise.between(0.0, 2.5));
        if child.try_wait().unwrap().is_some_and(|s| s.success()) {
            finished += 1;
        }
        child.kill().ok();
        child.wait().unwrap();
    }
    let after = check_library(&root);
    println!(
        "random kills: {finished} of 5 grabs finished, {} stills added",
        after - before
    );
    assert!(after - before >= finished && after - before <= 5);
}

#[test]
fn stills_export_their_look_and_delete_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("stills");
    assert!(grab(&root).wait().unwrap().success());
    assert!(grab(&root).wait().unwrap().success());
    let cube = dir.path().join("still1.cube");
    let out = outcome(
        bin()
            .args(["stills", "export", "1", "--output"])
            .arg(&cube)
            .arg("--library")
            .arg(&root),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lut = neurograde::grade::lut::Lut::read(&cube).unwrap();
    assert!(matches!(lut, neurograde::grade::lut::Lut::ThreeD(_)));
    let list = outcome(bin().args(["stills", "list", "--library"]).arg(&root));
    let text = list.stdout;
    assert!(
        text.contains("0001") && text.contains("0002") && text.contains("astronaut.png"),
        "{text}"
    );
    let out = outcome(
        bin()
            .args(["stills", "delete", "1", "--library"])
            .arg(&root),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let library = Library::open(&root).unwrap();
    let ids: Vec<String> = library
        .list()
        .unwrap()
        .into_iter()
        .map(|s| s.info.id)
        .collect();
    assert_eq!(ids, ["0002"]);
    // A still that is not there is a clear error.
    let out = outcome(
        bin()
            .args(["stills", "delete", "9", "--library"])
            .arg(&root),
    );
    assert_clear_error(&out, "still 0009");
}

/// A still grabbed from a timecoded clip names its picture's timecode.
#[test]
fn a_still_from_a_timecoded_clip_carries_its_timecode() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("tc.mov");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(footage("vtest.avi"))
        .args([
            "-t",
            "1",
            "-r",
            "25",
            "-timecode",
            "01:02:03:04",
            "-c:v",
            "mjpeg",
        ])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(made.success());
    let root = dir.path().join("stills");
    let out = outcome(
        bin()
            .args(["stills", "grab", "--picture", "10", "--input"])
            .arg(&clip)
            .arg("--library")
            .arg(&root),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let still = Library::open(&root).unwrap().get("1").unwrap();
    assert_eq!(still.info.timecode.as_deref(), Some("01:02:03:13"));
    assert_eq!(still.info.source, "tc.mov");
}

#[test]
fn the_library_names_what_failed_and_leaves_other_folders_alone() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("stills");
    std::fs::create_dir_all(library.join("notes")).unwrap();
    // A file where the first still's folder would go: the save fails.
    std::fs::write(library.join("0001"), b"not a still").unwrap();
    let input = footage("astronaut.png");
    let grab = |picture: &str| {
        outcome(
            bin()
                .args(["stills", "grab", "--picture", picture, "--input"])
                .arg(&input)
                .arg("--library")
                .arg(&library),
        )
    };
    let o = grab("1");
    assert_clear_error(&o, &format!("{}: cannot save the still", library.display()));
    // A picture the input does not have is a reading error, not a writing one.
    let o = grab("999");
    assert_clear_error(
        &o,
        "cannot read as a picture: it has no picture 999 (it has 1)",
    );
    assert!(!o.stderr.contains("cannot write"), "{}", o.stderr);
    // A folder that is not a still is left alone, without a warning.
    let o = outcome(bin().args(["stills", "list", "--library"]).arg(&library));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("notes"), "{}", o.stderr);
    assert!(library.join("notes").is_dir());
}
