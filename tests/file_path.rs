//! The whole file path as a user runs it: `neurograde grade` (and `run
//! --source file: --sink file:`) on every input layout the engine reads, at
//! sampled sizes 1..17 and at odd real frame sizes, filled with noise (a
//! shifted row, a swapped channel or a lost frame shows at once).
//!
//! How it checks:
//! - The inputs are written by other implementations than the engine's
//!   readers where one exists (ffmpeg for video, the `png` crate at every
//!   colour type and bit depth, `image` for TIFF, `exr`), and the outputs are
//!   decoded by ffmpeg where it reads the format (PNG, TIFF, video).
//! - Lossless stills: with no look the output holds the input's exact
//!   values at the input's depth; with a look it is within one code of the
//!   CPU reference (a float output within float rounding).
//! - Video: what ffmpeg decodes from the input, graded by the CPU reference
//!   (or not at all, with no look), is the expected picture. An ffmpeg-only
//!   peer encodes that expected picture with the same codec, layout and
//!   settings the engine wrote, and the engine's file may depart from the
//!   expected picture by no more than the peer's does: the codec's own
//!   round-trip error, and nothing of ours.
//!
//! The sizes are drawn from a fixed seed, so every run checks the same
//! cases; change `SEED` to explore others.

mod common;

use common::*;
use neurograde::grade::reference::{quantize_u16, quantize_u8, Grader};
use neurograde::grade::Look;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: u64 = 0x5eed_f11e;

/// Real frame sizes that are not multiples of anything convenient.
const REAL_SIZES: [(u32, u32); 5] = [
    (641, 361),
    (853, 480),
    (854, 480),
    (1919, 1079),
    (4096, 2160),
];

/// RGB in 0..1 for every pixel of one picture.
type Picture = Vec<[f32; 3]>;

// ---------------------------------------------------------------- stills

/// The PNG colour types and depths a camera, a grading tool or a web
/// export writes.
const PNG_KINDS: [(png::ColorType, png::BitDepth); 11] = {
    use png::BitDepth::*;
    use png::ColorType::*;
    [
        (Grayscale, One),
        (Grayscale, Four),
        (Grayscale, Eight),
        (Grayscale, Sixteen),
        (GrayscaleAlpha, Eight),
        (Rgb, Eight),
        (Rgb, Sixteen),
        (Rgba, Eight),
        (Rgba, Sixteen),
        (Indexed, Two),
        (Indexed, Eight),
    ]
};

/// Writes a noise PNG with the `png` crate; returns what it holds as RGB
/// and the bits a channel of the engine's output should have.
fn write_png(
    path: &Path,
    (w, h): (u32, u32),
    (colour, depth): (png::ColorType, png::BitDepth),
    noise: &mut Noise,
) -> (Picture, u32) {
    let bits = depth as u32;
    let samples = colour.samples();
    let row_bytes = (w as usize * samples * bits as usize).div_ceil(8);
    let data = noise.bytes(row_bytes * h as usize);
    let mut encoder = png::Encoder::new(std::fs::File::create(path).unwrap(), w, h);
    encoder.set_color(colour);
    encoder.set_depth(depth);
    let palette = noise.bytes(3 << bits);
    if colour == png::ColorType::Indexed {
        encoder.set_palette(palette.clone());
        // Some entries transparent: the engine drops alpha, keeps colour.
        encoder.set_trns(vec![0u8, 128]);
    }
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    // The value of sample `i` of row `y`, scaled to 0..1.
    let max = ((1u32 << bits) - 1) as f32;
    let sample = |y: usize, i: usize| -> u32 {
        let row = &data[y * row_bytes..][..row_bytes];
        match bits {
            16 => u32::from(u16::from_be_bytes([row[2 * i], row[2 * i + 1]])),
            8 => u32::from(row[i]),
            _ => {
                let bit = i * bits as usize;
                u32::from(row[bit / 8] >> (8 - bits as usize - bit % 8)) & ((1 << bits) - 1)
            }
        }
    };
    let mut picture = Vec::with_capacity((w * h) as usize);
    for y in 0..h as usize {
        for x in 0..w as usize {
            let s = |c: usize| sample(y, x * samples + c);
            picture.push(match colour {
                png::ColorType::Indexed => {
                    let i = s(0) as usize;
                    [0, 1, 2].map(|c| f32::from(palette[3 * i + c]) / 255.0)
                }
                png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => {
                    [s(0) as f32 / max; 3]
                }
                _ => [s(0), s(1), s(2)].map(|v| v as f32 / max),
            });
        }
    }
    // Palettes and low depths are 8-bit pictures.
    (picture, bits.max(8))
}

/// TIFF layouts: (channels, bits) written by `image`.
const TIFF_KINDS: [(&str, u32); 4] = [("rgb", 8), ("grey", 8), ("rgb", 16), ("rgb", 32)];

fn write_tiff(
    path: &Path,
    (w, h): (u32, u32),
    (kind, bits): (&str, u32),
    noise: &mut Noise,
) -> Picture {
    let n = (w * h) as usize;
    match (kind, bits) {
        ("grey", _) => {
            let v = noise.bytes(n);
            image::GrayImage::from_raw(w, h, v.clone())
                .unwrap()
                .save(path)
                .unwrap();
            v.iter().map(|&g| [f32::from(g) / 255.0; 3]).collect()
        }
        (_, 8) => {
            let v = noise.bytes(n * 3);
            image::RgbImage::from_raw(w, h, v.clone())
                .unwrap()
                .save(path)
                .unwrap();
            v.chunks_exact(3)
                .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 255.0))
                .collect()
        }
        (_, 16) => {
            let v: Vec<u16> = (0..n * 3).map(|_| noise.next() as u16).collect();
            save_rgb16(path, w, h, &v);
            v.chunks_exact(3)
                .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 65535.0))
                .collect()
        }
        _ => {
            // Scene values, some above 1.
            let v: Vec<f32> = (0..n * 3)
                .map(|_| (noise.below(1 << 20) as f32) / 700_000.0)
                .collect();
            image::Rgb32FImage::from_raw(w, h, v.clone())
                .unwrap()
                .save(path)
                .unwrap();
            v.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect()
        }
    }
}

fn write_exr(path: &Path, (w, h): (u32, u32), half: bool, noise: &mut Noise) -> Picture {
    use exr::prelude::*;
    let picture: Picture = (0..w * h)
        .map(|_| {
            [0, 1, 2].map(|_| {
                let v = noise.below(1 << 20) as f32 / 600_000.0;
                if half {
                    f16::from_f32(v).to_f32()
                } else {
                    v
                }
            })
        })
        .collect();
    let at = |p: Vec2<usize>| picture[p.y() * w as usize + p.x()];
    if half {
        write_rgb_file(path, w as usize, h as usize, |x, y| {
            let [r, g, b] = at(Vec2(x, y)).map(f16::from_f32);
            (r, g, b)
        })
    } else {
        write_rgb_file(path, w as usize, h as usize, |x, y| {
            let [r, g, b] = at(Vec2(x, y));
            (r, g, b)
        })
    }
    .unwrap();
    picture
}

/// An EXR's RGB and whether its channels are half floats.
fn read_exr(path: &Path) -> (Picture, bool) {
    use exr::prelude::*;
    let image = read_first_rgba_layer_from_file(
        path,
        |res, _| (res.width(), vec![[0f32; 3]; res.width() * res.height()]),
        |(width, px), pos, (r, g, b, _a): (f32, f32, f32, f32)| {
            px[pos.y() * *width + pos.x()] = [r, g, b];
        },
    )
    .unwrap();
    let half = image.layer_data.channel_data.channels.0.sample_type == SampleType::F16;
    (image.layer_data.channel_data.pixels.1, half)
}

/// ffprobe's answer for the first video stream (`pix_fmt`, `codec_name`, ...).
fn probe(path: &Path, entry: &str) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg(format!("stream={entry}"))
        .args(["-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The pictures of a file as ffmpeg decodes them, RGB at 16 bits (or 8,
/// for an 8-bit still: ffmpeg widens grey to 16 bits by a shift, not
/// exactly). Y'CbCr is read with the BT.709 studio-range matrix the test
/// videos are tagged with.
fn ffmpeg_decode(path: &Path, (w, h): (u32, u32), bits: u32) -> Vec<Picture> {
    let (pix_fmt, bytes) = if bits == 8 {
        ("rgb24", 1)
    } else {
        ("rgb48le", 2)
    };
    // The tagged range; untagged Y'CbCr is studio range, grey and RGB full.
    let coded = probe(path, "pix_fmt");
    let range = match probe(path, "color_range").as_str() {
        "tv" | "pc" => probe(path, "color_range"),
        _ if coded.starts_with("yuv") || coded.starts_with("nv") => "tv".into(),
        _ => "pc".into(),
    };
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-vf",
            &format!("scale=in_color_matrix=bt709:in_range={range}:flags=accurate_rnd"),
            "-f",
            "rawvideo",
            "-pix_fmt",
            pix_fmt,
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frame = (w * h * 3 * bytes) as usize;
    assert_eq!(
        out.stdout.len() % frame,
        0,
        "{}: whole frames",
        path.display()
    );
    let sample = |b: &[u8]| match b {
        [v] => f32::from(*v) / 255.0,
        [lo, hi] => f32::from(u16::from_le_bytes([*lo, *hi])) / 65535.0,
        _ => unreachable!(),
    };
    out.stdout
        .chunks_exact(frame)
        .map(|f| {
            f.chunks_exact(3 * bytes as usize)
                .map(|p| {
                    let mut c = p.chunks_exact(bytes as usize).map(sample);
                    [c.next().unwrap(), c.next().unwrap(), c.next().unwrap()]
                })
                .collect()
        })
        .collect()
}

/// The look every "with a look" case grades with: exposure, a CDL with
/// saturation, and a creative 3D LUT.
fn test_look(dir: &Path) -> (PathBuf, Look) {
    let toml = "name = \"file path\"\n[primary]\nexposure = 0.25\n\
        [cdl]\nslope = [1.08, 1.0, 0.90]\noffset = [0.01, 0.0, -0.01]\n\
        power = [0.95, 1.0, 1.06]\nsaturation = 1.15\n[lut]\nfile = \"look.cube\"\n";
    let look = look_with_cube(dir, toml);
    (dir.join("look.toml"), look)
}

/// How a case runs the engine.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Grade,
    /// `run --source file:IN --sink file:OUT --fast` (every frame in order).
    Run,
}

fn render(via: Via, input: &Path, output: &Path, look: Option<&Path>) {
    let mut command = bin();
    match via {
        Via::Grade => command
            .arg("grade")
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(output),
        Via::Run => command
            .args(["run", "--fast", "--no-midi", "--source"])
            .arg(format!("file:{}", input.display()))
            .arg("--sink")
            .arg(format!("file:{}", output.display())),
    };
    if let Some(look) = look {
        command.arg("--look").arg(look);
    }
    let o = outcome(&mut command);
    assert_eq!(
        o.code,
        0,
        "{via:?} {} -> {}: {}",
        input.display(),
        output.display(),
        o.stderr
    );
}

/// Greatest difference in codes of `max` (255, 65535) between two pictures.
fn max_code_error(got: &Picture, want: &Picture, max: f32) -> f32 {
    assert_eq!(got.len(), want.len(), "pixel count");
    got.iter()
        .zip(want)
        .flat_map(|(g, w)| (0..3).map(move |c| ((g[c] * max).round() - (w[c] * max).round()).abs()))
        .fold(0.0, f32::max)
}

/// Sampled small sizes for one layout, then its share of the real sizes.
fn sizes(noise: &mut Noise, layout: usize, per_layout: usize) -> Vec<(u32, u32)> {
    let mut sizes: Vec<(u32, u32)> = (0..per_layout)
        .map(|_| (1 + noise.below(17) as u32, 1 + noise.below(17) as u32))
        .collect();
    if layout < REAL_SIZES.len() {
        sizes.push(REAL_SIZES[layout]);
    }
    sizes
}

#[derive(Clone, Copy, Debug)]
enum Still {
    Png(png::ColorType, png::BitDepth),
    Tiff(&'static str, u32),
    Exr { half: bool },
}

fn still_layouts() -> Vec<Still> {
    let mut layouts: Vec<Still> = PNG_KINDS.iter().map(|&(c, d)| Still::Png(c, d)).collect();
    layouts.extend(TIFF_KINDS.iter().map(|&(k, b)| Still::Tiff(k, b)));
    layouts.extend([Still::Exr { half: true }, Still::Exr { half: false }]);
    layouts
}

#[test]
fn every_still_layout_at_every_size_reproduces_its_input_or_the_reference_grade() {
    let dir = tempfile::tempdir().unwrap();
    let (look_path, look) = test_look(dir.path());
    let grader = Grader::new(&look);
    let mut noise = Noise::new(SEED);
    let mut cases = 0;
    for (index, layout) in still_layouts().into_iter().enumerate() {
        for (case, size) in sizes(&mut noise, index, 3).into_iter().enumerate() {
            let with_look = case % 2 == 1;
            // Real sizes through `run` too, once per layout kind.
            let via = if case == 3 && index % 3 == 0 {
                Via::Run
            } else {
                Via::Grade
            };
            let (ext, name) = match layout {
                Still::Png(..) => ("png", format!("{layout:?}")),
                Still::Tiff(..) => ("tif", format!("{layout:?}")),
                Still::Exr { .. } => ("exr", format!("{layout:?}")),
            };
            let input = dir.path().join(format!("in{index}-{case}.{ext}"));
            let output = dir.path().join(format!("out{index}-{case}.{ext}"));
            let (picture, bits) = match layout {
                Still::Png(c, d) => write_png(&input, size, (c, d), &mut noise),
                Still::Tiff(k, b) => (write_tiff(&input, size, (k, b), &mut noise), b),
                Still::Exr { half } => (
                    write_exr(&input, size, half, &mut noise),
                    if half { 16 } else { 32 },
                ),
            };
            render(
                via,
                &input,
                &output,
                with_look.then_some(look_path.as_path()),
            );
            let label = format!("{name} {}x{} {via:?} look={with_look}", size.0, size.1);
            let want: Picture = if with_look {
                picture.iter().map(|p| grader.pixel(*p)).collect()
            } else {
                picture
            };
            match layout {
                Still::Exr { half } => {
                    let (got, got_half) = read_exr(&output);
                    assert_eq!(got_half, half, "{label}: EXR depth kept");
                    let tolerance = match (with_look, half) {
                        (false, true) => 0.0,
                        (false, false) => 1e-6,
                        (true, true) => 1e-3,
                        (true, false) => 1e-5,
                    };
                    let err = relative_error(&got, &want);
                    assert!(err <= tolerance, "{label}: relative error {err:e}");
                }
                Still::Tiff(_, 32) => {
                    let got: Picture = image::open(&output)
                        .unwrap()
                        .into_rgb32f()
                        .pixels()
                        .map(|p| p.0)
                        .collect();
                    let err = relative_error(&got, &want);
                    // No look: float rounding of the no-op operators.
                    assert!(
                        err <= if with_look { 1e-5 } else { 1e-6 },
                        "{label}: relative error {err:e}"
                    );
                }
                _ => {
                    let pix_fmt = probe(&output, "pix_fmt");
                    let deep =
                        pix_fmt.contains("48") || pix_fmt.contains("64") || pix_fmt.contains("16");
                    assert_eq!(deep, bits == 16, "{label}: depth kept ({pix_fmt})");
                    let got = ffmpeg_decode(&output, size, bits).remove(0);
                    let (max, quantize): (f32, fn(f32) -> f32) = if bits == 16 {
                        (65535.0, |v| f32::from(quantize_u16(v)) / 65535.0)
                    } else {
                        (255.0, |v| f32::from(quantize_u8(v)) / 255.0)
                    };
                    let want: Picture = want.iter().map(|p| p.map(quantize)).collect();
                    let err = max_code_error(&got, &want, max);
                    let allowed = if with_look { 1.0 } else { 0.0 };
                    assert!(
                        err <= allowed,
                        "{label}: {err} codes from the expected picture"
                    );
                }
            }
            cases += 1;
        }
    }
    println!(
        "{cases} still cases: exact without a look, within a code of the CPU reference with one"
    );
}

/// Greatest difference relative to the value's size (at least 1).
fn relative_error(got: &Picture, want: &Picture) -> f32 {
    assert_eq!(got.len(), want.len(), "pixel count");
    got.iter()
        .zip(want)
        .flat_map(|(g, w)| (0..3).map(move |c| (g[c] - w[c]).abs() / w[c].abs().max(1.0)))
        .fold(0.0, f32::max)
}

// ----------------------------------------------------------------- video

/// A video layout: how ffmpeg writes the input.
#[derive(Clone, Copy, Debug)]
struct VideoLayout {
    pix_fmt: &'static str,
    codec: &'static [&'static str],
    ext: &'static str,
    /// Sizes the layout can hold: (width, height) multiple of.
    multiple: (u32, u32),
}

const VIDEO_LAYOUTS: [VideoLayout; 9] = [
    VideoLayout {
        pix_fmt: "yuv420p",
        codec: &["-c:v", "libx264", "-crf", "10"],
        ext: "mp4",
        multiple: (2, 2),
    },
    VideoLayout {
        pix_fmt: "yuv420p",
        codec: &["-c:v", "ffv1"],
        ext: "mkv",
        multiple: (2, 2),
    },
    VideoLayout {
        pix_fmt: "yuv422p10le",
        codec: &["-c:v", "ffv1"],
        ext: "mkv",
        multiple: (2, 1),
    },
    VideoLayout {
        pix_fmt: "yuv444p",
        codec: &["-c:v", "libx264", "-qp", "0"],
        ext: "mov",
        multiple: (1, 1),
    },
    VideoLayout {
        pix_fmt: "nv12",
        codec: &["-c:v", "rawvideo"],
        ext: "nut",
        multiple: (2, 2),
    },
    VideoLayout {
        pix_fmt: "rgb24",
        codec: &["-c:v", "rawvideo"],
        ext: "nut",
        multiple: (1, 1),
    },
    VideoLayout {
        pix_fmt: "gray",
        codec: &["-c:v", "ffv1"],
        ext: "mkv",
        multiple: (1, 1),
    },
    VideoLayout {
        pix_fmt: "gbrp10le",
        codec: &["-c:v", "ffv1"],
        ext: "mkv",
        multiple: (1, 1),
    },
    VideoLayout {
        pix_fmt: "yuv422p10le",
        codec: &["-c:v", "prores_ks", "-profile:v", "3"],
        ext: "mov",
        multiple: (2, 1),
    },
];

const VIDEO_FRAMES: usize = 3;

/// Writes `VIDEO_FRAMES` frames of noise in the layout, tagged BT.709.
fn write_video(path: &Path, (w, h): (u32, u32), layout: &VideoLayout, noise: &mut Noise) {
    let raw = noise.bytes((w * h * 6) as usize * VIDEO_FRAMES);
    encode_rgb48(
        path,
        (w, h),
        &raw,
        &[&["-pix_fmt", layout.pix_fmt], layout.codec].concat(),
    );
}

/// Encodes raw rgb48le frames with ffmpeg, converting to Y'CbCr with the
/// BT.709 studio-range matrix (grey and RGB full range) and tagging the
/// stream so.
fn encode_rgb48(path: &Path, (w, h): (u32, u32), raw: &[u8], args: &[&str]) {
    use std::io::Write;
    let pix_fmt = args
        .iter()
        .skip_while(|a| **a != "-pix_fmt")
        .nth(1)
        .copied()
        .unwrap_or("");
    let range = if pix_fmt.starts_with("yuv") || pix_fmt.starts_with("nv") {
        "tv"
    } else {
        "pc"
    };
    let mut child = Command::new("ffmpeg")
        .args([
            "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb48le", "-s",
        ])
        .arg(format!("{w}x{h}"))
        .args(["-framerate", "10", "-i", "-"])
        .args([
            "-vf",
            &format!("scale=out_color_matrix=bt709:out_range={range}:flags=accurate_rnd"),
        ])
        .args(args)
        .args([
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
        ])
        .args(["-color_range", range])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The encoder settings the engine used for `output`, from what ffprobe
/// reads there (the peer encodes with the same).
/// (FFmpeg's H.264 decoder reports a 4:0:0 stream as yuv420p: `grey` says
/// what the engine asked for.)
fn same_encoder(output: &Path, grey: bool) -> Vec<String> {
    let codec = probe(output, "codec_name");
    let profile = probe(output, "profile");
    let args: Vec<&str> = match codec.as_str() {
        "h264" => vec!["-c:v", "libx264", "-preset", "medium", "-crf", "14"],
        "hevc" => vec![
            "-c:v",
            "libx265",
            "-preset",
            "medium",
            "-crf",
            "16",
            "-x265-params",
            "log-level=error",
        ],
        "prores" if profile.contains("4444") => {
            vec!["-c:v", "prores_ks", "-profile:v", "4", "-vendor", "apl0"]
        }
        "prores" => vec!["-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"],
        "ffv1" => vec![
            "-c:v",
            "ffv1",
            "-level",
            "3",
            "-g",
            "1",
            "-slicecrc",
            "1",
            "-slices",
            "1",
        ],
        other => panic!("{}: unexpected codec {other}", output.display()),
    };
    let mut args: Vec<String> = args.into_iter().map(String::from).collect();
    let pix_fmt = match codec.as_str() {
        "h264" | "hevc" if grey => "gray".to_string(),
        _ => probe(output, "pix_fmt"),
    };
    args.extend(["-pix_fmt".into(), pix_fmt]);
    args
}

fn mean_max(got: &[Picture], want: &[Picture]) -> (f64, f32) {
    assert_eq!(got.len(), want.len(), "frame count");
    let (mut sum, mut n, mut max) = (0f64, 0usize, 0f32);
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len());
        for (a, b) in g.iter().zip(w) {
            for c in 0..3 {
                let d = (a[c] - b[c]).abs() * 65535.0;
                sum += f64::from(d);
                max = max.max(d);
                n += 1;
            }
        }
    }
    (sum / n as f64, max)
}

/// One video case: the layout (and its place in `VIDEO_LAYOUTS`), a size,
/// the command, with or without the look.
struct VideoCase {
    layout: &'static VideoLayout,
    index: usize,
    size: (u32, u32),
    via: Via,
    with_look: bool,
}

fn check_video(case: &VideoCase, dir: &Path, look: (&Path, &Grader), noise: &mut Noise) -> String {
    let &VideoCase {
        layout,
        index,
        size,
        via,
        with_look,
    } = case;
    let input = dir.join(format!("v{index}-{}x{}.{}", size.0, size.1, layout.ext));
    let output = dir.join(format!(
        "v{index}-{}x{}-{via:?}-out.{}",
        size.0, size.1, layout.ext
    ));
    let peer = dir.join(format!(
        "v{index}-{}x{}-{via:?}-peer.{}",
        size.0, size.1, layout.ext
    ));
    write_video(&input, size, layout, noise);
    render(via, &input, &output, with_look.then_some(look.0));
    let label = format!(
        "{} {} {}x{} {via:?} look={with_look}",
        layout.ext, layout.pix_fmt, size.0, size.1
    );
    let decoded = ffmpeg_decode(&input, size, 16);
    assert_eq!(decoded.len(), VIDEO_FRAMES, "{label}: input frames");
    let want: Vec<Picture> = decoded
        .iter()
        .map(|f| {
            f.iter()
                .map(|p| {
                    let v = if with_look { look.1.pixel(*p) } else { *p };
                    v.map(|c| f32::from(quantize_u16(c)) / 65535.0)
                })
                .collect()
        })
        .collect();
    let got = ffmpeg_decode(&output, size, 16);
    assert_eq!(got.len(), VIDEO_FRAMES, "{label}: every frame written");
    // Deep input stays deep.
    let out_fmt = probe(&output, "pix_fmt");
    let in_deep = layout.pix_fmt.contains("10");
    assert!(
        !in_deep || out_fmt.contains("10") || out_fmt.contains("12") || out_fmt.contains("16"),
        "{label}: {out_fmt}"
    );
    // The peer: the expected picture through the same encoder, by ffmpeg alone.
    let raw: Vec<u8> = want
        .iter()
        .flatten()
        .flat_map(|p| p.map(|c| quantize_u16(c).to_le_bytes()))
        .flatten()
        .collect();
    // A grey input stays grey only when nothing can tint it.
    let grey = layout.pix_fmt == "gray" && via == Via::Grade && !with_look;
    let args = same_encoder(&output, grey);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    encode_rgb48(&peer, size, &raw, &args);
    let peer_got = ffmpeg_decode(&peer, size, 16);
    let (ours_mean, ours_max) = mean_max(&got, &want);
    let (peer_mean, peer_max) = mean_max(&peer_got, &want);
    // Within the peer's error, give or take one 16-bit code on average. A
    // lossy codec's error on noise moves with any change of its input (our
    // output is within a code of the reference, not equal to it), most on
    // tiny pictures: a tenth more on average and half more at most. A
    // shifted row or a wrong matrix costs thousands of codes on average.
    let lossy = !args.contains(&"ffv1");
    let (mean_slack, max_slack) = if lossy { (1.1, 1.5) } else { (1.02, 1.0) };
    assert!(
        ours_mean <= peer_mean * mean_slack + 1.0 && ours_max <= peer_max * max_slack + 64.0,
        "{label}: engine mean {ours_mean:.1} max {ours_max} 16-bit codes from the expected picture; \
         ffmpeg alone with the same codec ({}) mean {peer_mean:.1} max {peer_max}",
        args.join(" ")
    );
    format!("  {label:<40} -> {out_fmt:<12} engine mean {ours_mean:8.1} max {ours_max:6}  peer mean {peer_mean:8.1} max {peer_max:6}")
}

#[test]
fn every_video_layout_at_every_size_is_within_the_codecs_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let (look_path, look) = test_look(dir.path());
    let grader = Grader::new(&look);
    let mut noise = Noise::new(SEED ^ 0x7);
    let mut report = Vec::new();
    for (index, layout) in VIDEO_LAYOUTS.iter().enumerate() {
        // The real sizes go to other layouts than the stills' first five.
        let real = REAL_SIZES[(index + 2) % REAL_SIZES.len()];
        let mut sizes: Vec<(u32, u32)> = (0..2)
            .map(|_| (1 + noise.below(17) as u32, 1 + noise.below(17) as u32))
            .collect();
        if index < 4 && real.0 < 4000 {
            sizes.push(real);
        }
        for (case, (w, h)) in sizes.into_iter().enumerate() {
            let round = |v: u32, m: u32| v.div_ceil(m) * m;
            let size = (round(w, layout.multiple.0), round(h, layout.multiple.1));
            let with_look = (case + index) % 2 == 1;
            let via = if case == 0 && index % 2 == 0 {
                Via::Run
            } else {
                Via::Grade
            };
            let case = VideoCase {
                layout,
                index,
                size,
                via,
                with_look,
            };
            report.push(check_video(
                &case,
                dir.path(),
                (&look_path, &grader),
                &mut noise,
            ));
        }
    }
    println!(
        "16-bit codes from the expected picture (engine vs ffmpeg alone, same codec):\n{}",
        report.join("\n")
    );
}
