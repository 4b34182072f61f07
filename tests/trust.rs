//! What a DIT relies on, tried as a hostile tester would: originals are
//! never written over, a signal or a full disk at any moment leaves a
//! complete file or none at the final name (and no partial file), a live
//! recording stopped by a signal is finalised, the live look is saved on
//! every terminating signal, and a graded clip keeps its audio, timecode,
//! colour tags and depth.
//!
//! The moments signals arrive at are drawn from a fixed seed, so every run
//! tries the same ones.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-y", "-v", "error"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A camera-like clip: 10-bit ProRes 422 HQ with a sine on two channels,
/// a timecode and BT.709 colour tags.
fn camera_clip(path: &Path, seconds: u32) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=s=320x180:r=25:d={seconds}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=f=440:d={seconds}"),
        "-vf",
        "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv",
        "-pix_fmt",
        "yuv422p10le",
        "-c:v",
        "prores_ks",
        "-profile:v",
        "3",
        "-c:a",
        "pcm_s24le",
        "-ac",
        "2",
        "-timecode",
        "01:02:03:04",
        path.to_str().unwrap(),
    ]);
}

fn exit_code_for(name: &str) -> i32 {
    match name {
        "INT" => 130,
        "TERM" => 143,
        "HUP" => 129,
        _ => unreachable!(),
    }
}

#[test]
fn a_graded_clip_keeps_audio_timecode_colour_tags_and_depth() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("A001C003.mov");
    camera_clip(&clip, 2);
    for name in ["graded.mov", "graded.mkv", "graded.mp4"] {
        let output = dir.path().join(name);
        let o = neurograde(&[
            "grade",
            "--input",
            clip.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let streams = probe(
            &output,
            "stream=codec_type,pix_fmt,color_primaries,color_transfer,color_space:stream_tags=timecode:format_tags=timecode",
        );
        println!("{name}:\n{streams}");
        assert!(streams.contains("codec_type=audio"), "{name}: audio kept");
        assert!(streams.contains("01:02:03:04"), "{name}: timecode kept");
        for tag in [
            "color_primaries=bt709",
            "color_transfer=bt709",
            "color_space=bt709",
        ] {
            assert!(streams.contains(tag), "{name}: {tag}");
        }
        let pix_fmt = streams
            .lines()
            .find_map(|l| l.strip_prefix("pix_fmt="))
            .unwrap();
        assert!(
            pix_fmt.contains("10"),
            "{name}: 10-bit stays 10-bit ({pix_fmt})"
        );
        assert_eq!(decoded_frames(&output), Some(50), "{name}: every frame");
    }
}

#[test]
fn audio_a_container_cannot_take_is_converted_as_ffmpeg_says() {
    use neurograde::sink::encoder::audio_copyable;
    use neurograde::sink::video::Container;
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // The table of what each container takes as it is, held against
    // ffmpeg's own muxers (a codec this ffmpeg cannot encode is skipped).
    let mut held = 0;
    for codec in [
        "flac",
        "alac",
        "pcm_s16le",
        "pcm_s24le",
        "opus",
        "mp3",
        "aac",
        "ac3",
        "eac3",
    ] {
        let source = d(&format!("{codec}.mka"));
        let made = Command::new("ffmpeg")
            .args([
                "-y",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "sine=d=0.3",
                "-c:a",
                codec,
            ])
            .arg(&source)
            .status()
            .unwrap();
        if !made.success() {
            continue;
        }
        for ext in ["mp4", "mov", "avi", "mkv"] {
            let container = Container::of_extension(ext).unwrap();
            let copied = Command::new("ffmpeg")
                .args(["-y", "-v", "error", "-i", &source, "-c:a", "copy"])
                .arg(d(&format!("copy.{ext}")))
                .status()
                .unwrap()
                .success();
            assert_eq!(
                audio_copyable(container, codec),
                copied,
                "{codec} in .{ext}: ffmpeg {} it as it is",
                if copied { "takes" } else { "refuses" }
            );
            held += 1;
        }
    }
    assert!(held >= 28, "{held}");
    // A clip with FLAC audio graded into MOV and MP4: the audio is there,
    // converted losslessly.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=160x90:r=25:d=1",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=1",
        "-c:v",
        "ffv1",
        "-c:a",
        "flac",
        &d("flac.mkv"),
    ]);
    for (ext, codec) in [("mov", "pcm_s24le"), ("mp4", "alac")] {
        let out = d(&format!("graded.{ext}"));
        let o = neurograde(&["grade", "--input", &d("flac.mkv"), "--output", &out]);
        assert_eq!(o.code, 0, "{ext}: {}", o.stderr);
        let audio = probe(
            Path::new(&out),
            "stream=codec_name:stream_tags=:format=duration",
        );
        assert!(
            audio.contains(&format!("codec_name={codec}")),
            "{ext}: {audio}"
        );
    }
}

/// Pictures whose headers claim more than the engine takes, with real
/// data after them: the fuzz corpus's bombs (100000 x 100000; 60000 x
/// 60000 for JPEG, whose sides are 16-bit), and a DPX and a video made
/// here claiming 16384 x 16000 (262 million pixels: within what ffmpeg
/// itself would decode, so the engine's own limit must refuse them).
fn bombs(dir: &Path) -> Vec<PathBuf> {
    let seeds = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/picture_header"
    ));
    let mut files = Vec::new();
    for (seed, ext) in [
        ("png", "png"),
        ("jpeg", "jpg"),
        ("tiff", "tif"),
        ("exr", "exr"),
    ] {
        let bytes = std::fs::read(seeds.join(format!("bomb-{seed}"))).unwrap();
        let path = dir.join(format!("bomb.{ext}"));
        // The corpus's first byte picks the format; the picture follows.
        std::fs::write(&path, &bytes[1..]).unwrap();
        files.push(path);
    }
    let dpx = dir.join("bomb.dpx");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x48",
        "-frames:v",
        "1",
        "-pix_fmt",
        "rgb48be",
        dpx.to_str().unwrap(),
    ]);
    let mut header = std::fs::read(&dpx).unwrap();
    assert_eq!(&header[..4], b"SDPX");
    // Pixels per line and lines per element, big-endian, in the image header.
    header[772..776].copy_from_slice(&16_384u32.to_be_bytes());
    header[776..780].copy_from_slice(&16_000u32.to_be_bytes());
    std::fs::write(&dpx, header).unwrap();
    files.push(dpx);
    let video = dir.join("bomb.y4m");
    let mut y4m = b"YUV4MPEG2 W16384 H16000 F25:1 Ip A1:1 C420jpeg\nFRAME\n".to_vec();
    y4m.extend(std::iter::repeat_n(128u8, 100_000));
    std::fs::write(&video, y4m).unwrap();
    files.push(video);
    files
}

#[test]
fn every_reader_refuses_an_enormous_picture_before_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let look = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    let portrait = footage("astronaut.png");
    let portrait = portrait.to_str().unwrap();
    let (out_png, out_json, auto, matched, cube, stills) = (
        d("out.png"),
        d("out.json"),
        d("auto.toml"),
        d("m.toml"),
        d("x.cube"),
        d("stills"),
    );
    for bomb in bombs(dir.path()) {
        let b = bomb.to_str().unwrap();
        let source = format!("file:{b}");
        let still = bomb.extension().is_some_and(|e| e != "y4m");
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["grade", "--input", b, "--output", &out_png],
            vec!["analyze", "--input", b, "--json", &out_json],
            vec!["auto", "--input", b, "--look-out", &auto],
            vec![
                "match",
                "--input",
                b,
                "--reference",
                portrait,
                "--look-out",
                &matched,
            ],
            vec![
                "match",
                "--input",
                portrait,
                "--reference",
                b,
                "--look-out",
                &matched,
            ],
            vec![
                "run", "--source", &source, "--sink", "null", "--frames", "1",
            ],
            vec!["stills", "grab", "--input", b, "--library", &stills],
        ];
        if still {
            // --check measures a bake on a still only.
            commands.push(vec![
                "look", "export", "--look", look, "--output", &cube, "--check", b,
            ]);
        }
        for command in commands {
            let o = neurograde(&command);
            assert_clear_error(&o, "larger than the engine takes");
            assert!(
                !o.stderr.contains("memory allocation"),
                "{}: {}",
                command.join(" "),
                o.stderr
            );
        }
    }
}

#[test]
fn the_input_is_never_written_over() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mov");
    camera_clip(&clip, 1);
    let original = std::fs::read(&clip).unwrap();
    std::os::unix::fs::symlink(&clip, dir.path().join("link.mov")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for output in [d("clip.mov"), d("sub/../clip.mov"), d("link.mov")] {
        let o = neurograde(&["grade", "--input", &d("clip.mov"), "--output", &output]);
        assert_clear_error(&o, "which this command reads");
        assert_eq!(std::fs::read(&clip).unwrap(), original, "{output}");
    }
    // An existing output is kept too, unless asked.
    std::fs::write(d("taken.mov"), b"someone's file").unwrap();
    let o = neurograde(&[
        "grade",
        "--input",
        &d("clip.mov"),
        "--output",
        &d("taken.mov"),
    ]);
    assert_clear_error(&o, "--overwrite");
    assert_eq!(std::fs::read(d("taken.mov")).unwrap(), b"someone's file");
    // --overwrite never replaces what the command reads...
    let o = neurograde(&[
        "grade",
        "--input",
        &d("link.mov"),
        "--output",
        &d("clip.mov"),
        "--overwrite",
    ]);
    assert_clear_error(&o, "which this command reads");
    assert_eq!(std::fs::read(&clip).unwrap(), original);
    // ...but replaces an existing output once the new file is complete;
    // through a link, the link stays a link and its target is replaced.
    std::os::unix::fs::symlink(d("taken.mov"), d("taken-link.mov")).unwrap();
    let o = neurograde(&[
        "grade",
        "--input",
        &d("clip.mov"),
        "--output",
        &d("taken-link.mov"),
        "--overwrite",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::symlink_metadata(d("taken-link.mov"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(decoded_frames(Path::new(&d("taken.mov"))), Some(25));
    assert!(partials(dir.path()).is_empty());
}

#[test]
fn signals_at_any_moment_of_a_grade_leave_a_complete_file_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mov");
    camera_clip(&clip, 12);
    let mut moments = Noise::new(0x0516_7a15);
    let mut interrupted = 0;
    for (trial, name) in ["INT", "TERM", "HUP", "INT", "TERM"].iter().enumerate() {
        let output = dir.path().join(format!("graded{trial}.mov"));
        let child = spawn(&[
            "grade",
            "--input",
            clip.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ]);
        // From 0.2 s: the signal handlers are in place by then.
        let after = moments.between(0.2, 2.5);
        let (code, stderr) = interrupt(child, name, after);
        match code {
            Some(0) => assert_eq!(decoded_frames(&output), Some(300), "finished: complete"),
            Some(c) => {
                assert_eq!(c, exit_code_for(name), "SIG{name} at {after:?}: {stderr}");
                assert!(
                    !output.exists(),
                    "SIG{name} at {after:?}: nothing published"
                );
                assert!(stderr.contains("stopped by SIG"), "{stderr}");
                interrupted += 1;
            }
            None => panic!("SIG{name} at {after:?} killed the process: {stderr}"),
        }
        assert!(partials(dir.path()).is_empty(), "SIG{name} at {after:?}");
        println!("SIG{name} at {after:.2?}: exit {code:?}");
    }
    assert!(
        interrupted >= 2,
        "the signals came too late to test anything"
    );
    // SIGKILL cannot be caught: the final name still holds nothing or a
    // complete file, and the next run removes the dead run's partial.
    for trial in 0..2 {
        let output = dir.path().join(format!("killed{trial}.mov"));
        let child = spawn(&[
            "grade",
            "--input",
            clip.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ]);
        let after = moments.between(0.5, 3.0);
        let (code, _) = interrupt(child, "KILL", after);
        assert!(
            !output.exists() || decoded_frames(&output) == Some(300),
            "SIGKILL at {after:?} (exit {code:?}): a truncated file at the final name"
        );
        let o = neurograde(&[
            "grade",
            "--input",
            clip.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--overwrite",
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(decoded_frames(&output), Some(300));
        assert!(partials(dir.path()).is_empty(), "stale partials removed");
    }
}

#[test]
fn signals_during_analyze_publish_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mov");
    camera_clip(&clip, 6);
    let mut moments = Noise::new(0xa7a1);
    for name in ["INT", "TERM"] {
        let output = dir.path().join(format!("analysis-{name}.json"));
        let child = spawn(&[
            "analyze",
            "--input",
            clip.to_str().unwrap(),
            "--json",
            output.to_str().unwrap(),
        ]);
        let after = moments.between(0.3, 2.0);
        let (code, stderr) = interrupt(child, name, after);
        if code == Some(0) {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
            assert!(json.is_object() || json.is_array());
        } else {
            assert_eq!(code, Some(exit_code_for(name)), "{stderr}");
            assert!(
                !output.exists(),
                "SIG{name} at {after:?}: nothing published"
            );
            // The message names what was not written: the JSON, not a sink.
            let said = format!("--json {} not written", output.display());
            assert!(stderr.contains(&said), "SIG{name}: {stderr}");
        }
        assert!(partials(dir.path()).is_empty());
        println!("analyze, SIG{name} at {after:.2?}: exit {code:?}");
    }
}

#[test]
fn a_live_recording_stopped_by_a_signal_is_finalised_and_the_look_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut moments = Noise::new(0x11fe);
    for (name, container) in [("INT", "mp4"), ("TERM", "mov"), ("HUP", "mkv")] {
        let record = dir.path().join(format!("rec-{name}.{container}"));
        let saved = dir.path().join(format!("looks/saved-{name}.toml"));
        std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
        let child = spawn(&[
            "run",
            "--source",
            "pattern:bars",
            "--size",
            "320x180",
            "--fps",
            "25",
            "--no-midi",
            "--sink",
            &format!("file:{}", record.display()),
            "--look",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml"),
            "--save-look",
            saved.to_str().unwrap(),
        ]);
        let after = moments.between(1.5, 3.0);
        let (code, stderr) = interrupt(child, name, after);
        assert_eq!(code, Some(exit_code_for(name)), "{stderr}");
        let frames = decoded_frames(&record);
        assert!(
            frames.is_some_and(|f| f > 0),
            "SIG{name} at {after:?}: the recording is playable ({frames:?}): {stderr}"
        );
        // Real time: the file lasts as long as the recording ran (less the
        // start-up before the first frame), frames dropped live or not.
        let seconds = duration_s(&record);
        let wall = after.as_secs_f64();
        assert!(
            seconds <= wall + 0.2 && seconds >= wall - 1.2,
            "SIG{name} after {wall:.2} s: the file plays {seconds:.2} s"
        );
        let look = neurograde::grade::Look::load(&saved).expect("the live look is saved");
        assert_eq!(look.primary.exposure, 0.25);
        assert!(partials(dir.path()).is_empty());
        println!("run --sink file:, SIG{name} at {after:.2?}: {frames:?} frames kept, look saved");
    }
}

#[test]
fn a_full_disk_leaves_no_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mov");
    camera_clip(&clip, 2);
    let still = dir.path().join("still.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360",
        "-frames:v",
        "1",
        still.to_str().unwrap(),
    ]);
    // A file size limit (ulimit -f) fails writes as a full disk does.
    for (input, output) in [
        (&clip, "big.mov"),
        (&still, "big.png"),
        (&still, "big.exr"),
        (&still, "big.dpx"),
    ] {
        let output = dir.path().join(output);
        let out = Command::new("prlimit")
            .arg("--fsize=20000")
            .arg(env!("CARGO_BIN_EXE_neurograde"))
            .env(
                "NEUROGRADE_DATA",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("neurograde-data"),
            )
            .args(["grade", "--input"])
            .arg(input)
            .arg("--output")
            .arg(&output)
            .output()
            .unwrap();
        let o = Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_clear_error(&o, output.file_name().unwrap().to_str().unwrap());
        assert!(
            !output.exists(),
            "{}: nothing at the final name",
            output.display()
        );
        assert!(partials(dir.path()).is_empty());
    }
    // A device that is always full.
    let o = neurograde(&[
        "grade",
        "--input",
        still.to_str().unwrap(),
        "--output",
        "/dev/full",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("/dev/full"), "{}", o.stderr);
}

#[test]
fn paths_that_cannot_be_written_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/x");
    let m = |ext: &str| format!("{}.{ext}", missing.display());
    let started = Instant::now();
    for args in [
        vec![
            "run",
            "--source",
            "pattern:bars",
            "--frames",
            "2000",
            "--sink",
            "null",
            "--no-midi",
            "--save-look",
            &m("toml"),
        ],
        vec![
            "run",
            "--source",
            "pattern:bars",
            "--frames",
            "2000",
            "--sink",
            "null",
            "--no-midi",
            "--stats-json",
            &m("json"),
        ],
        vec![
            "run",
            "--source",
            "pattern:bars",
            "--frames",
            "2000",
            "--sink",
            "null",
            "--no-midi",
            "--autosave",
            &m("toml"),
        ],
        vec![
            "run",
            "--source",
            "pattern:bars",
            "--frames",
            "2000",
            "--no-midi",
            "--sink",
            &format!("file:{}", m("mp4")),
        ],
    ] {
        assert_clear_error(&neurograde(&args), "no/such/folder");
    }
    // Refused at once, not after 2000 frames.
    println!("refused in {:.2?}", started.elapsed());
}

#[test]
fn a_saved_look_keeps_its_lut_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let looks = dir.path().join("show/looks");
    std::fs::create_dir_all(&looks).unwrap();
    look_with_cube(&looks, "name = \"lut look\"\n[lut]\nfile = \"look.cube\"\n");
    let saved = dir.path().join("day2/saved.toml");
    std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
    let o = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--size",
        "64x36",
        "--frames",
        "3",
        "--sink",
        "null",
        "--no-midi",
        "--look",
        looks.join("look.toml").to_str().unwrap(),
        "--save-look",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("../show/looks/look.cube"), "{text}");
    let look = neurograde::grade::Look::load(&saved).expect("the saved look loads");
    assert!(look.loaded_lut.is_some());
    // And it grades the same picture as the original look.
    let original = neurograde::grade::Look::load(&looks.join("look.toml")).unwrap();
    let grade = |look: &neurograde::grade::Look| {
        neurograde::grade::reference::grade_pixel([0.2, 0.5, 0.8], look)
    };
    assert_eq!(grade(&look), grade(&original));
}

#[test]
fn image_sequences_keep_their_numbers_and_a_gap_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // VFX numbering: frames 1001..1005, noise so a swapped frame shows.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=33x17:r=24,geq=random(1)*255:random(2)*255:random(3)*255",
        "-frames:v",
        "5",
        "-start_number",
        "1001",
        &d("plate_%04d.png"),
    ]);
    let o = neurograde(&[
        "grade",
        "--input",
        &d("plate_%04d.png"),
        "--output",
        &d("graded_%04d.png"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for n in 1001..=1005 {
        let original = image::open(d(&format!("plate_{n}.png")))
            .unwrap()
            .into_rgb8();
        let graded = image::open(d(&format!("graded_{n}.png")))
            .unwrap()
            .into_rgb8();
        assert_eq!(original, graded, "frame {n} kept its number and its pixels");
    }
    assert!(!Path::new(&d("graded_1006.png")).exists());
    // Into EXR and DPX sequences too.
    for out in ["graded_%06d.exr", "graded_%04d.dpx"] {
        let o = neurograde(&[
            "grade",
            "--input",
            &d("plate_%04d.png"),
            "--output",
            &d(out),
        ]);
        assert_eq!(o.code, 0, "{out}: {}", o.stderr);
    }
    assert!(Path::new(&d("graded_001005.exr")).exists());
    assert!(Path::new(&d("graded_1005.dpx")).exists());
    // A missing frame is an error naming it, and nothing is published.
    std::fs::remove_file(d("plate_1003.png")).unwrap();
    let o = neurograde(&[
        "grade",
        "--input",
        &d("plate_%04d.png"),
        "--output",
        &d("gap_%04d.png"),
    ]);
    assert_clear_error(&o, "1003");
    assert!(!Path::new(&d("gap_1001.png")).exists());
    // A moving input into one still name is refused, naming a sequence.
    let clip = dir.path().join("clip.mov");
    camera_clip(&clip, 1);
    let o = neurograde(&[
        "grade",
        "--input",
        clip.to_str().unwrap(),
        "--output",
        &d("one.png"),
    ]);
    assert_clear_error(&o, "%06d");
    assert!(!Path::new(&d("one.png")).exists());
}
