//! Criterion benches of the GPU frame work at 1080p and 4K on whatever
//! adapter the machine has (Mesa lavapipe without a GPU).
//!
//! - `frame/*`: one whole frame, synchronously: upload + ingest + grade +
//!   pack + readback into CPU memory (what the null sink pays).
//! - `kernel/*`: upload + the frame kernel alone at 1080p, without readback.
//! - `display/*`: the same with a LogC3 look ending in the bare Rec. 709
//!   encoding, the ACES 2.0 and the ACES 1.3 output transforms
//!   (OpenColorIO's WGSL), in one run: the cost of display rendering as a
//!   ratio to the bare encoding.
//!
//! - `monitor/*`: what the window pays per frame at 1080p on real footage
//!   (the demo source: a portrait through a moving virtual camera): upload
//!   and grade into the working texture, without and with the scopes
//!   (histogram, waveform, parade, vectorscope counted and drawn), in one
//!   run: the scopes' cost as a ratio to the grade.
//!
//! - `nr/*`: upload, noise reduction and grade at 1080p on the demo's real
//!   footage, without `[nr]`, with its temporal filter, and with the
//!   spatial one too, in one run: its cost as a ratio to the grade.
//!
//! - `selective/*`: upload and grade at 1080p on the demo's real footage
//!   with the real models' masks of that frame, with the demo look alone
//!   (primaries), with face refinement added (skin smoothing, eyes and the
//!   band under them lifted), with refined mattes (background and person;
//!   also keyed again every frame), and with depth haze and defocus added,
//!   in one run: their cost as a ratio to the primaries.
//!
//! Whole-loop figures against ffmpeg come from `scripts/bench-loop`.

use criterion::{criterion_group, criterion_main, Criterion};
use neurograde::frame::{Frame, Size};
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::{FramePipeline, GpuContext, OutputFormat, ReadbackQueue};
use neurograde::grade::Look;
use neurograde::source::pattern::PatternSource;
use neurograde::source::{Source, SourceOptions};
use std::time::Instant;

fn gradient(size: Size) -> Frame {
    let options = SourceOptions {
        size,
        fps: 30.0,
        looping: true,
    };
    let mut source = PatternSource::new("gradient", &options).expect("pattern exists");
    source
        .next_frame(Vec::new())
        .expect("pattern renders")
        .expect("a frame")
}

/// A 1080p frame of the demo source: real footage (a portrait through a
/// moving virtual camera).
fn demo_frame() -> Frame {
    let options = SourceOptions {
        size: Size::HD,
        fps: 30.0,
        looping: true,
    };
    let mut demo = neurograde::source::demo::DemoSource::open(&options)
        .expect("demo footage (make demo fetches it)");
    demo.next_frame(Vec::new())
        .expect("demo renders")
        .expect("a frame")
}

/// `frame` as half-float RGBA.
fn half_float_frame(frame: &Frame) -> Frame {
    let mut data = Vec::with_capacity(frame.width as usize * frame.height as usize * 8);
    for y in 0..frame.height {
        for x in 0..frame.width {
            for v in frame.pixel(x, y) {
                data.extend_from_slice(&half::f16::from_f32(v).to_le_bytes());
            }
        }
    }
    Frame {
        id: frame.id,
        captured: frame.captured,
        width: frame.width,
        height: frame.height,
        format: neurograde::frame::PixelFormat::RgbaF16,
        yuv: frame.yuv,
        data,
    }
}

fn demo_look() -> GradeUniforms {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    GradeUniforms::from_look(&Look::load(std::path::Path::new(path)).expect("demo look loads"))
}

fn whole_frame(c: &mut Criterion) {
    let ctx = GpuContext::headless().expect("GPU adapter");
    let look = demo_look();
    let mut group = c.benchmark_group("frame");
    group.sample_size(10);
    let sizes = [
        ("1080p", Size::HD),
        (
            "4K",
            Size {
                width: 3840,
                height: 2160,
            },
        ),
    ];
    for (name, size) in sizes {
        let mut frame = gradient(size);
        let mut pipeline = FramePipeline::new(&ctx);
        let mut readback = ReadbackQueue::<()>::new(1, ctx.direct_readback);
        let bytes = FramePipeline::packed_bytes(&frame, OutputFormat::Rgba8);
        group.bench_function(format!("upload+grade+readback rgb8/{name}"), |b| {
            b.iter(|| {
                frame.captured = Instant::now();
                let mut encoder = ctx.device.create_command_encoder(&Default::default());
                let output = readback.target(&ctx.device, bytes);
                pipeline
                    .encode_packed(
                        &ctx,
                        &mut encoder,
                        &frame,
                        &look,
                        OutputFormat::Rgba8,
                        output,
                    )
                    .expect("fits");
                readback.submit(&ctx.queue, encoder, ());
                readback
                    .flush(&ctx.device, |_, bytes| {
                        std::hint::black_box(bytes.last());
                    })
                    .expect("readback");
            })
        });
    }
    group.finish();
}

/// A GPU buffer the kernel packs `frame` into as `format` (never read back).
fn kernel_output(ctx: &GpuContext, frame: &Frame, format: OutputFormat) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: FramePipeline::packed_bytes(frame, format),
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    })
}

/// Uploads and grades `frame` into `output`, and waits for the GPU.
fn grade_and_wait(
    ctx: &GpuContext,
    pipeline: &mut FramePipeline,
    frame: &Frame,
    look: &GradeUniforms,
    format: OutputFormat,
    output: &wgpu::Buffer,
) {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    pipeline
        .encode_packed(ctx, &mut encoder, frame, look, format, output)
        .expect("fits");
    ctx.queue.submit([encoder.finish()]);
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .expect("poll");
}

fn kernel_only(c: &mut Criterion) {
    let ctx = GpuContext::headless().expect("GPU adapter");
    let look = demo_look();
    let frame = gradient(Size::HD);
    let mut pipeline = FramePipeline::new(&ctx);
    let mut group = c.benchmark_group("kernel");
    group.sample_size(10);
    for (name, format) in [
        ("rgba8", OutputFormat::Rgba8),
        ("f16", OutputFormat::RgbaF16),
    ] {
        let output = kernel_output(&ctx, &frame, format);
        group.bench_function(format!("upload+decode+grade+pack {name}/1080p"), |b| {
            b.iter(|| grade_and_wait(&ctx, &mut pipeline, &frame, &look, format, &output))
        });
    }
    // Half-float input (what noise reduction hands the kernel, and 16-bit
    // or EXR sources): no 8-bit table, the look per pixel.
    let halves = half_float_frame(&frame);
    let output = kernel_output(&ctx, &halves, OutputFormat::Rgba8);
    group.bench_function("upload+decode+grade+pack f16 in, rgba8 out/1080p", |b| {
        b.iter(|| {
            grade_and_wait(
                &ctx,
                &mut pipeline,
                &halves,
                &look,
                OutputFormat::Rgba8,
                &output,
            )
        })
    });
    group.finish();
}

fn display_rendering(c: &mut Criterion) {
    let ctx = GpuContext::headless().expect("GPU adapter");
    let frame = gradient(Size::HD);
    let mut pipeline = FramePipeline::new(&ctx);
    let output = kernel_output(&ctx, &frame, OutputFormat::Rgba8);
    let mut group = c.benchmark_group("display");
    group.sample_size(10);
    for output_transform in ["rec709", "aces2-rec709", "aces13-rec709"] {
        let look = Look::parse(
            &format!(
                "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"{output_transform}\"\n"
            ),
            std::path::Path::new("bench.toml"),
        )
        .expect("look parses");
        let look = GradeUniforms::from_look(&look);
        group.bench_function(format!("logc3 -> {output_transform} rgb8/1080p"), |b| {
            b.iter(|| {
                grade_and_wait(
                    &ctx,
                    &mut pipeline,
                    &frame,
                    &look,
                    OutputFormat::Rgba8,
                    &output,
                )
            })
        });
    }
    group.finish();
}

fn monitor(c: &mut Criterion) {
    use neurograde::gpu::scopes::ScopePass;
    let ctx = GpuContext::headless().expect("GPU adapter");
    let look = demo_look();
    let frame = demo_frame();
    let mut pipeline = FramePipeline::new(&ctx);
    let mut scopes = ScopePass::new(&ctx.device);
    let mut group = c.benchmark_group("monitor");
    group.sample_size(10);
    for with_scopes in [false, true] {
        let name = if with_scopes { "grade+scopes" } else { "grade" };
        group.bench_function(format!("{name}/1080p"), |b| {
            b.iter(|| {
                let mut encoder = ctx.device.create_command_encoder(&Default::default());
                let view = pipeline
                    .encode_texture(&ctx, &mut encoder, &frame, &look)
                    .expect("fits")
                    .clone();
                if with_scopes {
                    scopes.encode(
                        &ctx,
                        &mut encoder,
                        &view,
                        (frame.width, frame.height),
                        [true; 4],
                    );
                }
                ctx.queue.submit([encoder.finish()]);
                ctx.device
                    .poll(wgpu::PollType::wait_indefinitely())
                    .expect("poll");
            })
        });
    }
    group.finish();
}

fn noise_reduction(c: &mut Criterion) {
    use neurograde::grade::denoise::NrSection;
    let ctx = GpuContext::headless().expect("GPU adapter");
    let mut frame = demo_frame();
    let output = kernel_output(&ctx, &frame, OutputFormat::Rgba8);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    let demo_look = Look::load(std::path::Path::new(path)).expect("demo look loads");
    let mut group = c.benchmark_group("nr");
    group.sample_size(10);
    for (name, nr) in [
        ("grade", None),
        ("temporal+grade", Some(NrSection::default())),
        (
            "temporal+spatial+grade",
            Some(NrSection {
                spatial: 0.7,
                ..NrSection::default()
            }),
        ),
    ] {
        let look = GradeUniforms::from_look(&Look {
            nr,
            ..demo_look.clone()
        });
        let mut pipeline = FramePipeline::new(&ctx);
        group.bench_function(format!("{name}/1080p"), |b| {
            b.iter(|| {
                // A new frame each time, so the filter runs (a frame graded
                // again reuses its output).
                frame.id.0 += 1;
                grade_and_wait(
                    &ctx,
                    &mut pipeline,
                    &frame,
                    &look,
                    OutputFormat::Rgba8,
                    &output,
                )
            })
        });
    }
    group.finish();
}

fn selective(c: &mut Criterion) {
    use neurograde::analysis::picture::{copy_size, downscaled_rgba8, RgbPicture};
    use neurograde::analysis::{AnalysisInput, Analyzer, AnalyzerSettings};
    use neurograde::gpu::masks::MaskTexture;
    use neurograde::grade::atmosphere::AtmosphereSection;
    use neurograde::grade::mask_expr::MaskExpr;
    use neurograde::grade::secondary::{MaskKind, Secondary};
    let ctx = GpuContext::headless().expect("GPU adapter");
    let frame = demo_frame();
    // The frame's masks from the real models, as the live analysis makes
    // them (on a copy 640 pixels across).
    let (w, h) = copy_size(frame.width, frame.height, 640);
    let rgba = downscaled_rgba8(frame.width, frame.height, w, h, |x, y| frame.pixel(x, y));
    let mut analyzer = Analyzer::open(AnalyzerSettings::default());
    let input = AnalysisInput {
        frame: frame.id,
        captured: frame.captured,
        frame_size: [frame.width, frame.height],
        picture: RgbPicture::from_rgba8(w, h, &rgba),
        object_point: None,
    };
    analyzer.analyse(&input);
    let result = analyzer.analyse(&input);
    let masks = result.masks(&result.faces_at(frame.captured));
    let mut slot = None;
    MaskTexture::upload(&mut slot, &ctx.device, &ctx.queue, &masks);
    let output = kernel_output(&ctx, &frame, OutputFormat::Rgba8);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    let primaries = Look::load(std::path::Path::new(path)).expect("demo look loads");
    let mask = |text: &str| MaskExpr::parse(text).expect("a mask");
    let face_refinement = Look {
        secondaries: vec![
            Secondary {
                feather: 0.004,
                soften: 0.6,
                ..Secondary::new(MaskKind::Skin)
            },
            Secondary {
                exposure: 0.3,
                ..Secondary::new(mask("eyes"))
            },
            Secondary {
                feather: 0.006,
                exposure: 0.2,
                ..Secondary::new(mask("under-eyes"))
            },
        ],
        ..primaries.clone()
    };
    let haze = Look {
        atmosphere: Some(AtmosphereSection {
            haze: [0.7, 0.75, 0.8],
            density: 2.0,
            start: 0.2,
            defocus: 0.7,
            focus: 0.4,
        }),
        ..primaries.clone()
    };
    let refined_mattes = Look {
        secondaries: vec![
            Secondary {
                refine: 1.0,
                exposure: -0.7,
                saturation: 0.6,
                ..Secondary::new(MaskKind::Background)
            },
            Secondary {
                refine: 1.0,
                exposure: 0.2,
                ..Secondary::new(MaskKind::Person)
            },
        ],
        ..primaries.clone()
    };
    let faces_path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/faces.toml");
    let faces = Look::load(std::path::Path::new(faces_path)).expect("faces look loads");
    let mut group = c.benchmark_group("selective");
    group.sample_size(10);
    for (name, look, new_masks) in [
        ("primaries", &primaries, false),
        ("two secondaries", &faces, false),
        ("two secondaries, new masks each frame", &faces, true),
        ("face refinement", &face_refinement, false),
        ("refined mattes", &refined_mattes, false),
        (
            "refined mattes, new masks each frame",
            &refined_mattes,
            true,
        ),
        ("depth haze+defocus", &haze, false),
    ] {
        let uniforms = GradeUniforms::from_look(look);
        let mut pipeline = FramePipeline::new(&ctx);
        pipeline.set_look(&ctx, look).expect("look fits");
        pipeline.set_masks(slot.as_ref().expect("uploaded"));
        group.bench_function(format!("{name}/1080p"), |b| {
            b.iter(|| {
                if new_masks {
                    // Keyed again, refinement included, as when the
                    // analysis delivers masks at the frame rate.
                    pipeline.set_masks(slot.as_ref().expect("uploaded"));
                }
                grade_and_wait(
                    &ctx,
                    &mut pipeline,
                    &frame,
                    &uniforms,
                    OutputFormat::Rgba8,
                    &output,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    whole_frame,
    kernel_only,
    display_rendering,
    monitor,
    noise_reduction,
    selective
);
criterion_main!(benches);
