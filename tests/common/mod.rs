//! Helpers shared by the integration tests: real footage from the set-up's
//! cache, the GPU (lavapipe without a GPU), and one-shot grading.
#![allow(dead_code)]

use neurograde::frame::{Frame, FrameId, PixelFormat, YuvEncoding};
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::{FramePipeline, GpuContext, OutputFormat, ReadbackQueue};
use neurograde::grade::Look;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use std::time::Instant;

/// A fetched footage file; fails with the fix when the set-up has not run.
pub fn footage(name: &str) -> PathBuf {
    let path = neurograde::assets::footage(name);
    assert!(
        path.exists(),
        "{} missing: run `scripts/setup` (make test does)",
        path.display()
    );
    path
}

/// The offline model mirror: `NEUROGRADE_MIRROR` (unless empty), else
/// `../shared/models`.
pub fn mirror() -> PathBuf {
    std::env::var_os("NEUROGRADE_MIRROR")
        .filter(|m| !m.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models")
        })
}

pub fn gpu() -> GpuContext {
    GpuContext::headless().expect("a GPU adapter (lavapipe: apt-get install mesa-vulkan-drivers)")
}

pub fn frame(width: u32, height: u32, format: PixelFormat, data: Vec<u8>) -> Frame {
    let f = Frame {
        id: FrameId(0),
        captured: Instant::now(),
        width,
        height,
        format,
        yuv: YuvEncoding::for_height(height),
        data,
    };
    assert!(f.is_consistent());
    f
}

/// Grades one frame on the GPU and reads it back in `format`.
pub fn grade_bytes(ctx: &GpuContext, frame: &Frame, look: &Look, format: OutputFormat) -> Vec<u8> {
    grade_bytes_via(ctx, frame, look, format, ctx.direct_readback)
}

/// As [`grade_bytes`], choosing the readback route: `direct` maps the
/// kernel's output (CPU rasterisers), otherwise it is copied first (GPUs).
pub fn grade_bytes_via(
    ctx: &GpuContext,
    frame: &Frame,
    look: &Look,
    format: OutputFormat,
    direct: bool,
) -> Vec<u8> {
    KernelGrader::with_route(ctx, direct).grade(frame, look, format)
}

/// One frame pipeline and readback kept across frames, as a run keeps
/// them: kernel variants compile once, and a look's state across frames
/// (noise reduction's history) carries from one frame to the next.
pub struct KernelGrader<'a> {
    ctx: &'a GpuContext,
    pipeline: FramePipeline,
    readback: ReadbackQueue<()>,
}

impl<'a> KernelGrader<'a> {
    pub fn new(ctx: &'a GpuContext) -> KernelGrader<'a> {
        Self::with_route(ctx, ctx.direct_readback)
    }

    /// See [`grade_bytes_via`] for `direct`.
    pub fn with_route(ctx: &'a GpuContext, direct: bool) -> KernelGrader<'a> {
        KernelGrader {
            ctx,
            pipeline: FramePipeline::new(ctx),
            readback: ReadbackQueue::new(1, direct),
        }
    }

    /// Grades from the look's live lattice from now on (`gpu::bake`).
    pub fn baked(mut self) -> KernelGrader<'a> {
        let path = neurograde::gpu::bake::GradePath::Baked;
        self.pipeline.set_grade_path(self.ctx, path, true);
        self
    }

    /// The frame pipeline it grades with.
    pub fn pipeline(&mut self) -> &mut FramePipeline {
        &mut self.pipeline
    }

    /// Grades `frame` with `look` and reads it back in `format`.
    pub fn grade(&mut self, frame: &Frame, look: &Look, format: OutputFormat) -> Vec<u8> {
        let ctx = self.ctx;
        self.pipeline
            .set_look(ctx, look)
            .expect("the LUT fits the GPU");
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let output = self
            .readback
            .target(&ctx.device, FramePipeline::packed_bytes(frame, format));
        self.pipeline
            .encode_packed(
                ctx,
                &mut encoder,
                frame,
                &GradeUniforms::from_look(look),
                format,
                output,
            )
            .expect("frame fits the GPU");
        self.readback.submit(&ctx.queue, encoder, ());
        let mut out = Vec::new();
        self.readback
            .flush(&ctx.device, |_, bytes| out = bytes.to_vec())
            .expect("readback");
        out
    }
}

/// Noise masks on the models' 160 x 90 grid, every channel present, a new
/// pattern for each `seed` (for what keys the masks, not their shapes).
pub fn noise_mask_set(seed: usize) -> neurograde::masks::MaskSet {
    let (w, h) = (160u32, 90u32);
    let noise = |salt: usize| {
        (0..w * h * 4)
            .map(|k| ((k as usize * 2654435761 + seed + salt) >> 7) as u8)
            .collect()
    };
    neurograde::masks::MaskSet {
        width: w,
        height: h,
        rgba: noise(0),
        parts: noise(13),
        objects: noise(41),
        guide: noise(29),
        present: [true; 9],
    }
}

/// Grades one frame on the GPU and reads it back as float RGBA.
pub fn grade_f32(ctx: &GpuContext, frame: &Frame, look: &Look) -> Vec<f32> {
    grade_bytes(ctx, frame, look, OutputFormat::RgbaF32)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The astronaut portrait as 8-bit RGB.
pub fn astronaut_rgb8() -> (u32, u32, Vec<u8>) {
    let img = image::open(footage("astronaut.png"))
        .expect("astronaut.png decodes")
        .into_rgb8();
    (img.width(), img.height(), img.into_raw())
}

/// The portrait widened to 16 bits, the low bits varied so a sweep covers
/// more than 256 levels (and falls between LUT grid points everywhere).
pub fn astronaut_rgb16() -> (u32, u32, Vec<u16>) {
    let (w, h, rgb8) = astronaut_rgb8();
    let rgb16 = rgb8
        .iter()
        .enumerate()
        .map(|(i, v)| (u16::from(*v) * 257) ^ (i as u16 % 257))
        .collect();
    (w, h, rgb16)
}

/// The portrait as a 16-bit frame and as an 8-bit frame: the frame kernel's
/// analytic and table routes.
pub fn astronaut_frames() -> (Frame, Frame) {
    let (w, h, rgb16) = astronaut_rgb16();
    let (_, _, rgb8) = astronaut_rgb8();
    let bytes = rgb16.iter().flat_map(|v| v.to_le_bytes()).collect();
    (
        frame(w, h, PixelFormat::Rgb16, bytes),
        frame(w, h, PixelFormat::Rgb8, rgb8),
    )
}

/// Saves 16-bit RGB as a PNG or TIFF (by extension).
pub fn save_rgb16(path: &std::path::Path, w: u32, h: u32, rgb16: &[u16]) {
    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, rgb16.to_vec())
        .expect("size matches")
        .save(path)
        .expect("the picture saves");
}

/// Converts a still with ffmpeg into a raw layout (e.g. yuyv422, nv12).
pub fn ffmpeg_raw(input: &std::path::Path, pix_fmt: &str, extra: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(extra)
        .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The neurograde binary built for these tests.
/// Its data folder (autosave, snapshots) is one under the build's
/// temporary folder, never the user's `~/.local/share/neurograde`.
pub fn bin() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_neurograde"));
    command.env("NEUROGRADE_DATA", test_data());
    command
}

/// The binary's data folder in tests.
fn test_data() -> PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("neurograde-data")
}

/// `xvfb-run` with a virtual screen of `size` (`1280x800`) and the
/// binary's data folder set as [`bin`] sets it; the program to run and its
/// arguments follow.
pub fn xvfb(size: &str) -> std::process::Command {
    let mut command = std::process::Command::new("xvfb-run");
    command
        .args(["-a", "-s", &format!("-screen 0 {size}x24")])
        .env("NEUROGRADE_DATA", test_data());
    command
}

/// A smooth, clearly non-identity look as a cube LUT: channel mixing, an
/// S-curve and a lift, so every tetrahedron matters.
pub fn creative_cube(size: usize) -> neurograde::grade::lut::Lut3d {
    let mut lut = neurograde::grade::lut::Lut3d::identity(size);
    lut.title = "test look".into();
    for v in &mut lut.table {
        let [r, g, b] = *v;
        let s = |x: f32| x * x * (3.0 - 2.0 * x);
        *v = [
            s(0.8 * r + 0.15 * g + 0.05 * b),
            0.05 + 0.9 * s(0.1 * r + 0.8 * g + 0.1 * b),
            (0.2 * r + 0.1 * g + 0.7 * b).powf(0.8),
        ];
    }
    lut
}

/// Writes `look_toml` beside a `look.cube` (the creative cube) in `dir` and
/// loads it, LUT included.
pub fn look_with_cube(dir: &std::path::Path, look_toml: &str) -> Look {
    creative_cube(33)
        .write_cube(&dir.join("look.cube"))
        .unwrap();
    let path = dir.join("look.toml");
    std::fs::write(&path, look_toml).unwrap();
    Look::load(&path).unwrap()
}

/// What a run of the binary printed and returned.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a prepared command of the binary (see [`bin`]) to the end.
pub fn outcome(command: &mut std::process::Command) -> Outcome {
    let out = command.output().expect("the binary runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `neurograde ARGS...`.
pub fn neurograde(args: &[&str]) -> Outcome {
    outcome(bin().args(args))
}

/// Asserts a clean failure: exit 2, one `error:` line naming `needle`, no panic.
pub fn assert_clear_error(outcome: &Outcome, needle: &str) {
    assert_eq!(outcome.code, 2, "stderr: {}", outcome.stderr);
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    let errors: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert!(
        errors.iter().any(|l| l.contains(needle)),
        "no one-line error naming {needle:?} in: {}",
        outcome.stderr
    );
    println!("{needle}: {}", errors.last().unwrap());
}

/// Copies the working texture to a buffer and reads it as f32 (from f16).
pub fn read_working_texture(
    ctx: &neurograde::gpu::GpuContext,
    pipeline: &neurograde::gpu::FramePipeline,
    encoder: wgpu::CommandEncoder,
) -> Vec<f32> {
    let (view, size) = pipeline.working().expect("a graded texture");
    read_rgba16f(ctx, view, size, encoder)
}

/// Runs `encoder`, then reads an rgba16float texture of any size as f32
/// RGBA, row after row.
pub fn read_rgba16f(
    ctx: &neurograde::gpu::GpuContext,
    view: &wgpu::TextureView,
    size: (u32, u32),
    encoder: wgpu::CommandEncoder,
) -> Vec<f32> {
    neurograde::gpu::readback::read_rgba16f(ctx, encoder, view, size).expect("readback")
}

/// Runs `encoder`, then reads an rgba8unorm texture as bytes, row after
/// row.
pub fn read_rgba8(
    ctx: &neurograde::gpu::GpuContext,
    texture: &wgpu::Texture,
    size: (u32, u32),
    encoder: wgpu::CommandEncoder,
) -> Vec<u8> {
    neurograde::gpu::readback::read_texture(ctx, encoder, texture, size, 4).expect("readback")
}

/// A repeatable random source (SplitMix64): the seeded sizes, noise
/// pictures and signal moments of the property tests.
pub struct Noise(neurograde::noise::SplitMix64);

impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(neurograde::noise::SplitMix64(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// A moment between `lo` and `hi` seconds.
    pub fn between(&mut self, lo: f64, hi: f64) -> std::time::Duration {
        std::time::Duration::from_secs_f64(lo + (hi - lo) * self.0.next_unit())
    }
}

/// Grades `pictures` (8-bit RGB, `width` x `height`) with `neurograde
/// grade` and the look `look_toml`, through a PNG sequence in a temporary
/// folder (the engine's whole file path); the graded pictures.
pub fn grade_sequence(
    pictures: &[Vec<u8>],
    (width, height): (u32, u32),
    look_toml: &str,
) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in pictures.iter().enumerate() {
        image::RgbImage::from_raw(width, height, p.clone())
            .expect("size matches")
            .save(dir.path().join(format!("in_{i:04}.png")))
            .unwrap();
    }
    let look = dir.path().join("look.toml");
    std::fs::write(&look, look_toml).unwrap();
    let run = neurograde(&[
        "grade",
        "--input",
        dir.path().join("in_%04d.png").to_str().unwrap(),
        "--output",
        dir.path().join("out_%04d.png").to_str().unwrap(),
        "--look",
        look.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (0..pictures.len())
        .map(|i| {
            image::open(dir.path().join(format!("out_{i:04}.png")))
                .unwrap()
                .into_rgb8()
                .into_raw()
        })
        .collect()
}

/// Runs a Python `script` with colour-science (and numpy) importable, fed
/// `input` on stdin; its stdout.
pub fn colour_science(script: &str, input: &str) -> String {
    let dir = neurograde::assets::cache_dir().join("python/colour-science-0.4.7");
    assert!(
        dir.is_dir(),
        "{} missing: run scripts/setup (make test does)",
        dir.display()
    );
    let mut child = std::process::Command::new("python3")
        .env("PYTHONPATH", &dir)
        .args(["-W", "ignore", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "colour-science failed");
    String::from_utf8(out.stdout).unwrap()
}

// ---- processes and the files they write (trust, recording)

/// ffprobe's `entries` (e.g. `stream=codec_type`) as `key=value` lines.
pub fn probe(path: &Path, entries: &str) -> String {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            entries,
            "-of",
            "default=nw=1",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The frames ffmpeg decodes from `path`, or `None` when it reports any
/// error (a truncated or damaged file).
pub fn decoded_frames(path: &Path) -> Option<u64> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let errors = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !errors.trim().is_empty() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// How long a video plays, in seconds (its container's duration).
pub fn duration_s(path: &Path) -> f64 {
    probe(path, "format=duration")
        .trim()
        .strip_prefix("duration=")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("{}: no duration", path.display()))
}

/// Files in `dir` that are partial writes (`.NAME.PID.partial.EXT`).
pub fn partials(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".partial."))
        .collect()
}

pub fn spawn(args: &[&str]) -> Child {
    bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

/// Sends `name` after `after` (unless the command ended first), then waits:
/// the exit code and stderr.
pub fn interrupt(child: Child, name: &str, after: Duration) -> (Option<i32>, String) {
    let start = Instant::now();
    let mut child = child;
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if child.try_wait().unwrap().is_none() {
        signal(&child, name);
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
