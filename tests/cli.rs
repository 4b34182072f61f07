//! The `neurograde` command as a user runs it: figures, files in and out,
//! the window, the demo, and one-line errors for bad input.

mod common;

use common::*;
use neurograde::grade::reference::{grade_pixel, quantize_u16};
use neurograde::grade::Look;
use std::path::Path;

fn demo_look() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml").to_string()
}

#[test]
fn run_on_bars_writes_stats_json() {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("s.json");
    let stats_arg = stats.to_str().unwrap();
    let o = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--sink",
        "null",
        "--frames",
        "600",
        "--size",
        "1920x1080",
        "--stats-json",
        stats_arg,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["frames"], 600);
    let fps = json["fps"].as_f64().unwrap();
    let (p50, p95, p99) = (
        json["latency_ms"]["p50"].as_f64().unwrap(),
        json["latency_ms"]["p95"].as_f64().unwrap(),
        json["latency_ms"]["p99"].as_f64().unwrap(),
    );
    assert!(fps > 1.0 && p50 > 0.0 && p50 <= p95 && p95 <= p99, "{json}");
    assert!(json["dropped"]["total"].as_u64().is_some());
    println!("{}", o.stdout.lines().last().unwrap());
}

#[test]
fn png16_and_tiff16_round_trip_match_the_cpu_reference() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in16.png");
    let (w, h, rgb16) = astronaut_rgb16();
    save_rgb16(&input, w, h, &rgb16);
    let look = Look::load(Path::new(&demo_look())).unwrap();
    for name in ["out16.png", "out16.tif"] {
        let output = dir.path().join(name);
        let o = neurograde(&[
            "grade",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--look",
            &demo_look(),
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let graded = image::open(&output).unwrap().into_rgb16();
        assert_eq!((graded.width(), graded.height()), (w, h));
        let mut max_diff = 0i32;
        for (i, px) in rgb16.chunks_exact(3).enumerate() {
            let want = grade_pixel([0, 1, 2].map(|c| f32::from(px[c]) / 65535.0), &look);
            for (got, v) in graded.as_raw()[i * 3..][..3].iter().zip(want) {
                max_diff = max_diff.max((i32::from(*got) - i32::from(quantize_u16(v))).abs());
            }
        }
        println!("{name}: 16-bit file round trip, max difference from the CPU reference {max_diff} codes");
        assert!(max_diff <= 1, "{name}: {max_diff} codes");
    }
}

#[test]
fn exr_round_trip_matches_the_cpu_reference() {
    use exr::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.exr");
    let (w, h, rgb8) = astronaut_rgb8();
    // Scene-like float values, some above 1.0.
    let value =
        |x: usize, y: usize, c: usize| f32::from(rgb8[(y * w as usize + x) * 3 + c]) / 255.0 * 1.3;
    write_rgb_file(&input, w as usize, h as usize, |x, y| {
        (value(x, y, 0), value(x, y, 1), value(x, y, 2))
    })
    .unwrap();
    let look = Look::load(Path::new(&demo_look())).unwrap();
    for (depth, tolerance) in [("float", 1e-5f32), ("half", 1e-3)] {
        let output = dir.path().join(format!("out-{depth}.exr"));
        let o = neurograde(&[
            "grade",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--look",
            &demo_look(),
            "--depth",
            depth,
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let graded = read_first_rgba_layer_from_file(
            &output,
            |res, _| (res.width(), vec![0f32; res.width() * res.height() * 4]),
            |(width, px), pos, (r, g, b, a): (f32, f32, f32, f32)| {
                let i = (pos.y() * *width + pos.x()) * 4;
                px[i..i + 4].copy_from_slice(&[r, g, b, a]);
            },
        )
        .unwrap();
        let (_, pixels) = graded.layer_data.channel_data.pixels;
        let mut max_err = 0f32;
        for y in 0..h as usize {
            for x in 0..w as usize {
                let want = grade_pixel([value(x, y, 0), value(x, y, 1), value(x, y, 2)], &look);
                let got = &pixels[(y * w as usize + x) * 4..][..3];
                for (g, v) in got.iter().zip(want) {
                    max_err = max_err.max((g - v).abs());
                }
            }
        }
        println!("EXR {depth}: round trip max abs error {max_err:.2e} against the CPU reference");
        assert!(max_err <= tolerance, "{depth}: {max_err}");
    }
}

#[test]
fn video_is_graded_frame_for_frame() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mkv");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(footage("vtest.avi"))
        .args(["-frames:v", "25", "-c:v", "ffv1"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(status.success());
    let output = dir.path().join("graded.mp4");
    let o = neurograde(&[
        "grade",
        "--input",
        clip.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--look",
        &demo_look(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&output)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout);
    assert_eq!(text.trim(), "768,576,25", "{text}");
    assert!(
        !dir.path().join(".graded.partial.mp4").exists(),
        "the partial file is renamed into place"
    );
}

#[test]
fn window_sink_runs_under_a_virtual_display() {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("w.json");
    let out = xvfb("1280x720")
        .arg(env!("CARGO_BIN_EXE_neurograde"))
        .args([
            "run",
            "--source",
            "pattern:bars",
            "--size",
            "640x360",
            "--sink",
            "window",
            "--frames",
            "30",
            "--no-vsync",
            "--stats-json",
        ])
        .arg(&stats)
        .output()
        .expect("xvfb-run (Debian: xvfb) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["frames"], 30);
    assert!(
        json["sink"].as_str().unwrap().starts_with("window"),
        "{json}"
    );
}

#[test]
fn demo_records_real_footage() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("demo.mp4");
    let o = neurograde(&[
        "run",
        "--source",
        "demo",
        "--size",
        "640x360",
        "--fps",
        "30",
        "--frames",
        "200",
        "--fast",
        "--look",
        &demo_look(),
        "--sink",
        &format!("file:{}", video.display()),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("demo"), "{}", o.stdout);
    // Both shots (portrait, then street after 6 s = 180 frames) are there and differ.
    let frame_at = |t: &str| {
        std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-ss", t, "-i"])
            .arg(&video)
            .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
            .output()
            .unwrap()
            .stdout
    };
    let (portrait, street) = (frame_at("1"), frame_at("6.3"));
    assert_eq!(portrait.len(), 640 * 360);
    let mean_diff: f64 = portrait
        .iter()
        .zip(&street)
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / portrait.len() as f64;
    assert!(
        mean_diff > 10.0,
        "the two shots should differ, mean difference {mean_diff}"
    );
}

#[test]
fn adapter_choice_honours_wgpu_adapter_name() {
    let run = |name: &str| {
        outcome(bin().env("WGPU_ADAPTER_NAME", name).args([
            "run",
            "--source",
            "pattern:bars",
            "--size",
            "64x64",
            "--sink",
            "null",
            "--frames",
            "2",
            "--fast",
        ]))
    };
    let missing = run("no-such-gpu-9000");
    assert_clear_error(&missing, "no-such-gpu-9000");
    assert!(
        missing.stderr.contains("found:"),
        "the error lists the adapters: {}",
        missing.stderr
    );
    // The adapter this machine has, asked for by part of its name, is used.
    let adapter = neurograde::gpu::GpuContext::headless()
        .unwrap()
        .summary
        .name;
    let part: String = adapter.chars().take(6).collect();
    let chosen = run(&part);
    assert_eq!(chosen.code, 0, "{}", chosen.stderr);
    assert!(chosen.stdout.contains(&adapter), "{}", chosen.stdout);
}

#[test]
fn bad_input_gets_one_clear_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    assert_clear_error(
        &neurograde(&[
            "run",
            "--source",
            "file:/no/such/clip.mov",
            "--sink",
            "null",
        ]),
        "/no/such/clip.mov",
    );

    std::fs::write(d("corrupt.png"), b"\x89PNG\r\n\x1a\nthis is not a picture").unwrap();
    assert_clear_error(
        &neurograde(&[
            "grade",
            "--input",
            &d("corrupt.png"),
            "--output",
            &d("out.png"),
        ]),
        "corrupt.png",
    );

    std::fs::write(
        d("typo.toml"),
        "name = \"x\"\n[cdl]\nslope = [1, 1, 1]\nsatuation = 1.2\n",
    )
    .unwrap();
    let o = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--sink",
        "null",
        "--frames",
        "1",
        "--look",
        &d("typo.toml"),
    ]);
    assert_clear_error(&o, "satuation");
    assert_clear_error(&o, "line 4");

    std::fs::write(d("range.toml"), "[cdl]\npower = [1, -2, 1]\n").unwrap();
    assert_clear_error(
        &neurograde(&[
            "run",
            "--source",
            "pattern:bars",
            "--sink",
            "null",
            "--look",
            &d("range.toml"),
        ]),
        "cdl.power",
    );

    assert_clear_error(
        &neurograde(&[
            "run",
            "--source",
            "pattern:bars",
            "--sink",
            "null",
            "--size",
            "0x0",
        ]),
        "0x0",
    );
    assert_clear_error(
        &neurograde(&[
            "run",
            "--source",
            "pattern:bars",
            "--sink",
            "null",
            "--size",
            "99999x99999",
        ]),
        "99999x99999",
    );
    assert_clear_error(
        &neurograde(&["run", "--source", "camera:7", "--sink", "null"]),
        "camera 7",
    );
    assert_clear_error(
        &neurograde(&["run", "--source", "pattern:zebra", "--sink", "null"]),
        "zebra",
    );
    assert_clear_error(
        &neurograde(&["run", "--source", "pattern:bars", "--sink", "tape"]),
        "tape",
    );
    let png = d("in.png");
    image::RgbImage::new(8, 8).save(&png).unwrap();
    assert_clear_error(
        &neurograde(&["grade", "--input", &png, "--output", &d("out.jpg")]),
        "out.jpg",
    );
    assert_clear_error(
        &neurograde(&[
            "grade",
            "--input",
            &png,
            "--output",
            &d("no/such/dir/out.png"),
        ]),
        "does not exist",
    );
}

#[test]
fn looks_travel_through_cdl_xml_and_cube() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let look_text = "name = \"Day ext A\"\n[cdl]\nslope = [1.0812, 0.97, 0.9012]\noffset = [-0.0123, 0.004, 0.1]\npower = [0.95, 1.0, 1.0634]\nsaturation = 1.1572\n";
    std::fs::write(d("day.toml"), look_text).unwrap();
    let original = Look::load(Path::new(&d("day.toml"))).unwrap();
    for ext in ["cc", "ccc", "cdl"] {
        let xml = d(&format!("day.{ext}"));
        let back = d(&format!("back-{ext}.toml"));
        let o = neurograde(&["look", "export", "--look", &d("day.toml"), "--output", &xml]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stderr
                .contains("ASC CDL v1.2's clamp to [0, 1] (`clamp = true`)"),
            "{}",
            o.stderr
        );
        let o = neurograde(&["look", "import", "--input", &xml, "--output", &back]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let imported = Look::load(Path::new(&back)).unwrap();
        assert_eq!(imported.cdl, original.cdl, "{ext} round trip");
        assert_eq!(imported.name, "Day ext A");
    }
    // A scene-referred look's CDL carries too, noted as unclamped and in
    // its working space.
    std::fs::write(
        d("scene.toml"),
        format!(
            "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"aces2-rec709\"\n{}",
            look_text.split_once('\n').unwrap().1
        ),
    )
    .unwrap();
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &d("scene.toml"),
        "--output",
        &d("scene.cc"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("in the look's working space (ACEScct) without a clamp"),
        "{}",
        o.stderr
    );
    let imported = neurograde::grade::cdl_xml::read_one(Path::new(&d("scene.cc")), None).unwrap();
    assert_eq!(imported.cdl.slope, original.cdl.slope);

    // A collection: pick by id; an unknown id lists the ids there are.
    assert_clear_error(
        &neurograde(&[
            "look",
            "import",
            "--input",
            &d("day.ccc"),
            "--id",
            "nope",
            "--output",
            &d("x.toml"),
        ]),
        "Day ext A",
    );

    // Baked .cube of the whole look.
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &demo_look(),
        "--output",
        &d("demo.cube"),
        "--size",
        "17",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lut = neurograde::grade::lut::Lut::read(Path::new(&d("demo.cube"))).unwrap();
    let neurograde::grade::lut::Lut::ThreeD(lut) = lut else {
        panic!("a 3D LUT")
    };
    assert_eq!(lut.size, 17);
    assert!(
        o.stderr
            .contains("bake error against the live grade, test colours: median"),
        "{}",
        o.stderr
    );

    // Behind a shaper (Resolve's form), read back as such; a shaper is
    // for a .cube only.
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &demo_look(),
        "--output",
        &d("shaped.cube"),
        "--size",
        "17",
        "--shaper",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lut = neurograde::grade::lut::Lut::read(Path::new(&d("shaped.cube"))).unwrap();
    assert_eq!(lut.shaper().map(|s| s.table.len()), Some(1024));
    assert_clear_error(
        &neurograde(&[
            "look",
            "export",
            "--look",
            &demo_look(),
            "--output",
            &d("demo.cc"),
            "--shaper",
        ]),
        "--check and --shaper are for a baked .cube",
    );

    // A look whose display encoding bends too sharply for the grid (a
    // strong grade into the bare BT.1886 curve, whose toe is steep above
    // black) is measured as such, on the test colours and on a picture
    // given to --check, and the user is told.
    std::fs::write(
        d("steep.toml"),
        "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"rec709\"\n\
         [primary]\nexposure = 0.4\ncontrast = 1.2\n[cdl]\nslope = [1.1, 1.0, 0.92]\nsaturation = 1.2\n",
    )
    .unwrap();
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &d("steep.toml"),
        "--output",
        &d("scene.cube"),
        "--check",
        common::footage("astronaut.png").to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("astronaut.png: median"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("scene.cube: this .cube is more than 2 10-bit codes from the live grade"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("(try --size 65, or --shaper for OpenColorIO and Resolve)"),
        "{}",
        o.stderr
    );
    // A --check picture that cannot be read is an error naming it, and no
    // .cube is left behind.
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &demo_look(),
        "--output",
        &d("unchecked.cube"),
        "--check",
        &d("missing.png"),
    ]);
    assert_clear_error(&o, "missing.png");
    assert!(!Path::new(&d("unchecked.cube")).exists());

    // What CDL cannot carry, and broken files.
    assert_clear_error(
        &neurograde(&[
            "look",
            "export",
            "--look",
            &demo_look(),
            "--output",
            &d("demo.cc"),
        ]),
        "exposure",
    );
    let scene_look = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/looks/logc3-rec709.toml"
    );
    assert_clear_error(
        &neurograde(&[
            "look",
            "export",
            "--look",
            scene_look,
            "--output",
            &d("scene.cc"),
            "--overwrite",
        ]),
        "[primary] exposure, contrast, temperature, tint, saturation, lift, gamma, gain cannot be carried by ASC CDL",
    );
    assert_clear_error(
        &neurograde(&[
            "look",
            "export",
            "--look",
            &demo_look(),
            "--output",
            &d("demo.cube"),
            "--size",
            "300",
        ]),
        "300",
    );
    std::fs::write(d("broken.cc"), "<ColorCorrection id=\"s1\">\n  <SatNode><Saturation>1</Saturation></SatNode>\n</ColorCorrection>\n").unwrap();
    let o = neurograde(&[
        "look",
        "import",
        "--input",
        &d("broken.cc"),
        "--output",
        &d("y.toml"),
    ]);
    assert_clear_error(&o, "no SOPNode");
    assert_clear_error(&o, "line 1");
    assert!(
        !Path::new(&d("y.toml")).exists(),
        "nothing is written from a broken file"
    );
}

/// A look that changes how people look says so everywhere it goes: saved
/// with `retouching = true` on its first lines, in the run report of
/// `grade`, and in what `look export` writes (the retouching itself left
/// out). A look that only corrects (the background without the face) says
/// nothing.
#[test]
fn a_retouching_look_is_disclosed_wherever_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let text = "name = \"Refine\"\n[[secondary]]\nmask = \"skin\"\nsoften = 0.6\n[[secondary]]\nmask = \"background - face\"\nexposure = -0.5\n[[secondary]]\nmask = \"eyes\"\nexposure = 0.3\n";
    std::fs::write(d("refine.toml"), text).unwrap();
    let look = Look::load(Path::new(&d("refine.toml"))).unwrap();
    assert!(look.retouching);
    assert_eq!(
        look.appearance_changes(),
        [
            "secondary 1 (skin): skin smoothed 0.60",
            "secondary 3 (eyes): exposure +0.30"
        ]
    );
    look.save(Path::new(&d("saved.toml"))).unwrap();
    let saved = std::fs::read_to_string(d("saved.toml")).unwrap();
    assert!(
        saved.lines().take(3).any(|l| l == "retouching = true"),
        "{saved}"
    );

    let o = neurograde(&[
        "grade",
        "--input",
        footage("astronaut.png").to_str().unwrap(),
        "--output",
        &d("out.png"),
        "--look",
        &d("refine.toml"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The summary line (stdout) and the log (stderr) both say it.
    assert!(
        o.stdout.contains(
            "RETOUCHED: secondary 1 (skin): skin smoothed 0.60; secondary 3 (eyes): exposure +0.30"
        ),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr.contains("retouching: secondary 1 (skin)"),
        "{}",
        o.stderr
    );

    for (file, marker) in [
        ("r.cube", "# retouching left out: secondary 1 (skin)"),
        (
            "r.cdl",
            "<Description>retouching left out: secondary 1 (skin)",
        ),
    ] {
        let o = neurograde(&[
            "look",
            "export",
            "--look",
            &d("refine.toml"),
            "--output",
            &d(file),
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stderr.contains("changes how people look"), "{}", o.stderr);
        let written = std::fs::read_to_string(d(file)).unwrap();
        assert!(written.contains(marker), "{written}");
    }

    // Correcting the background around a face changes no one.
    std::fs::write(
        d("plain.toml"),
        "[[secondary]]\nmask = \"background - face\"\nexposure = -0.5\n",
    )
    .unwrap();
    let plain = Look::load(Path::new(&d("plain.toml"))).unwrap();
    assert!(!plain.retouching && plain.appearance_changes().is_empty());
    let o = neurograde(&[
        "look",
        "export",
        "--look",
        &d("plain.toml"),
        "--output",
        &d("p.cube"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        !o.stderr.contains("people")
            && !std::fs::read_to_string(d("p.cube"))
                .unwrap()
                .contains("retouch")
    );
}

#[test]
fn what_a_command_says_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let ffmpeg = |args: &[&str]| {
        let ok = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y"])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ffmpeg {args:?}");
    };
    // A 6-frame NUT (its header has no frame count; its duration says 5).
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x48:r=25",
        "-frames:v",
        "6",
        "-c:v",
        "ffv1",
        &d("six.nut"),
    ]);
    assert_clear_error(
        &neurograde(&["grade", "--input", &d("six.nut"), "--output", &d("one.png")]),
        "cannot hold the input's 6 frames",
    );
    // A picture with alpha: graded opaque, and said so.
    let mut rgba = image::RgbaImage::new(32, 24);
    for (i, p) in rgba.pixels_mut().enumerate() {
        *p = image::Rgba([
            (i * 7) as u8,
            (i * 13) as u8,
            (i * 3) as u8,
            (i % 256) as u8,
        ]);
    }
    rgba.save(d("alpha.png")).unwrap();
    let o = neurograde(&[
        "grade",
        "--input",
        &d("alpha.png"),
        "--output",
        &d("opaque.png"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("alpha.png: its alpha channel is left out"),
        "{}",
        o.stderr
    );
    // A render's time includes finishing the file (the encoder's flush,
    // the rename): the summary's seconds are the whole render's.
    let o = neurograde(&["grade", "--input", &d("six.nut"), "--output", &d("six.mp4")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let finishing: f64 = o
        .stdout
        .split("; ")
        .nth(1)
        .and_then(|r| r.split(" s finishing the output").next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}", o.stdout));
    assert!(finishing > 0.0, "{}", o.stdout);
}
