//! The GPU passes against their CPU references, on real footage, on
//! whatever adapter the machine has (Mesa lavapipe without a GPU).

mod common;

use common::*;
use neurograde::frame::{PixelFormat, YuvEncoding, YuvMatrix};
use neurograde::gpu::OutputFormat;
use neurograde::grade::reference::{grade_pixel, quantize_u16, quantize_u8};
use neurograde::grade::{Cdl, Look, Primary};

fn looks() -> Vec<(&'static str, Look)> {
    let warm = Look::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/looks/demo.toml"
    )))
    .unwrap();
    let extreme = Look {
        name: "extreme".into(),
        cdl: Cdl {
            slope: [2.5, 0.4, 1.3],
            offset: [-0.1, 0.05, 0.2],
            power: [2.2, 0.45, 1.0],
            saturation: 1.8,
            clamp: true,
        },
        primary: Primary {
            exposure: -1.5,
            ..Primary::default()
        },
        ..Look::default()
    };
    let mono = Look {
        name: "mono".into(),
        cdl: Cdl {
            saturation: 0.0,
            ..Cdl::default()
        },
        primary: Primary {
            exposure: 2.0,
            ..Primary::default()
        },
        ..Look::default()
    };
    // Every video-mode primary at once: the linear-light matrix route.
    let primaries = Look {
        name: "primaries".into(),
        primary: Primary {
            exposure: 0.3,
            contrast: 1.25,
            pivot: 0.4,
            temperature: 30.0,
            tint: -5.0,
            saturation: 1.3,
            lift: [0.02, 0.0, -0.01],
            gamma: [0.1, -0.15, 0.0],
            gain: [1.05, 1.0, 0.9],
        },
        ..Look::default()
    };
    let mut no_clamp = extreme.clone();
    no_clamp.name = "extreme, no clamp".into();
    no_clamp.cdl.clamp = false;
    vec![
        ("neutral", Look::default()),
        ("demo", warm),
        ("extreme", extreme),
        ("mono", mono),
        ("extreme no-clamp", no_clamp),
        ("primaries", primaries),
    ]
}

/// CPU expectation for a pixel.
fn expected(rgba: [f32; 4], look: &Look) -> [f32; 3] {
    grade_pixel([rgba[0], rgba[1], rgba[2]], look)
}

/// Largest difference between GPU float output and the CPU reference.
fn max_error(frame: &neurograde::frame::Frame, gpu: &[f32], look: &Look) -> f32 {
    let mut max_err = 0f32;
    for y in 0..frame.height {
        for x in 0..frame.width {
            let want = expected(frame.pixel(x, y), look);
            let i = ((y * frame.width + x) * 4) as usize;
            for c in 0..3 {
                max_err = max_err.max((gpu[i + c] - want[c]).abs());
            }
        }
    }
    max_err
}

#[test]
fn grade_matches_cpu_reference_on_real_footage() {
    let ctx = gpu();
    // 16-bit input takes the analytic route, 8-bit the table route (see
    // shaders/pipeline.wgsl).
    let (deep, eight) = astronaut_frames();
    for (name, look) in looks() {
        for (route, f) in [("analytic (16-bit in)", &deep), ("8-bit table", &eight)] {
            let max_err = max_error(f, &grade_f32(&ctx, f, &look), &look);
            println!(
                "grade vs CPU reference, look {name}, {route}: max abs error {max_err:.2e} on {}",
                ctx.summary.name
            );
            assert!(
                max_err < 1e-4,
                "look {name}, {route}: max abs error {max_err}"
            );
        }
    }
}

#[test]
fn creative_luts_match_the_cpu_reference() {
    let ctx = gpu();
    let dir = tempfile::tempdir().unwrap();
    // 16-bit input takes the analytic route, 8-bit the table route (see
    // shaders/pipeline.wgsl).
    let (deep, eight) = astronaut_frames();
    // A 1D LUT: a gentle per-channel curve.
    let one_d: String = (0..1024)
        .map(|i| {
            let x = i as f32 / 1023.0;
            format!("{} {} {}\n", x.powf(0.9), x * x * (3.0 - 2.0 * x), x.sqrt())
        })
        .collect();
    std::fs::write(
        dir.path().join("curve.cube"),
        format!("LUT_1D_SIZE 1024\n{one_d}"),
    )
    .unwrap();
    let cdl = "[cdl]\nslope = [1.05, 1.0, 0.95]\nsaturation = 1.1\n[primary]\nexposure = 0.3\n";
    let cases = [
        (
            "3D tetrahedral",
            format!("{cdl}[lut]\nfile = \"look.cube\"\n"),
        ),
        (
            "3D trilinear",
            format!("{cdl}[lut]\nfile = \"look.cube\"\ninterpolation = \"trilinear\"\n"),
        ),
        ("1D", format!("{cdl}[lut]\nfile = \"curve.cube\"\n")),
    ];
    for (name, toml) in cases {
        let look = look_with_cube(dir.path(), &toml);
        for (route, f) in [("analytic (16-bit in)", &deep), ("8-bit table", &eight)] {
            let max_err = max_error(f, &grade_f32(&ctx, f, &look), &look);
            println!("LUT {name}, {route}: GPU vs CPU max abs error {max_err:.2e}");
            assert!(max_err < 1e-4, "LUT {name}, {route}: {max_err}");
        }
    }
}

#[test]
fn window_texture_path_matches_cpu_reference() {
    let ctx = gpu();
    let (w, h, rgb8) = astronaut_rgb8();
    // The whole picture takes the table route (its rows start on a word);
    // a crop three pixels narrower, the general route.
    let narrow = w - 3;
    let cropped: Vec<u8> = rgb8
        .chunks_exact(w as usize * 3)
        .flat_map(|row| &row[..narrow as usize * 3])
        .copied()
        .collect();
    let look = &looks()[2].1;
    for (w, rgb8) in [(w, rgb8), (narrow, cropped)] {
        let f = frame(w, h, PixelFormat::Rgb8, rgb8);
        let mut pipeline = neurograde::gpu::FramePipeline::new(&ctx);
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        pipeline
            .encode_texture(
                &ctx,
                &mut encoder,
                &f,
                &neurograde::gpu::grade::GradeUniforms::from_look(look),
            )
            .unwrap();
        let halves = read_working_texture(&ctx, &pipeline, encoder);
        let mut max_err = 0f32;
        for y in 0..h {
            for x in 0..w {
                let want = expected(f.pixel(x, y), look);
                let i = ((y * w + x) * 4) as usize;
                for c in 0..3 {
                    max_err = max_err.max((halves[i + c] - want[c]).abs());
                }
            }
        }
        println!(
            "window texture (rgba16float, {w} wide) vs CPU reference: max abs error {max_err:.2e}"
        );
        // Half float keeps 11 significant bits: half a step at 1.0 is 4.9e-4.
        assert!(max_err <= 4.9e-4, "{w} wide: max abs error {max_err}");
    }
}

#[test]
fn integer_readback_quantises_like_the_reference() {
    let ctx = gpu();
    let (w, h, rgb8) = astronaut_rgb8();
    let frame = frame(w, h, PixelFormat::Rgb8, rgb8);
    let look = &looks()[1].1;
    let bytes8 = grade_bytes(&ctx, &frame, look, OutputFormat::Rgba8);
    let bytes16 = grade_bytes(&ctx, &frame, look, OutputFormat::Rgba16);
    let (mut off8, mut max16) = (0usize, 0i32);
    for y in 0..h {
        for x in 0..w {
            let want = expected(frame.pixel(x, y), look);
            let p = (y * w + x) as usize;
            for c in 0..3 {
                if bytes8[p * 4 + c] != quantize_u8(want[c]) {
                    off8 += 1;
                }
                let got16 =
                    u16::from_le_bytes([bytes16[p * 8 + c * 2], bytes16[p * 8 + c * 2 + 1]]);
                max16 = max16.max((i32::from(got16) - i32::from(quantize_u16(want[c]))).abs());
            }
        }
    }
    let total = (w * h * 3) as usize;
    println!("8-bit readback: {off8} of {total} samples differ from the reference by one code; 16-bit max diff {max16} codes");
    assert!(
        off8 * 1000 < total,
        "more than 0.1% of 8-bit samples differ: {off8}"
    );
    assert!(max16 <= 1, "16-bit readback off by {max16} codes");
}

#[test]
fn copied_and_direct_readback_agree() {
    let ctx = gpu();
    let (w, h, rgb8) = astronaut_rgb8();
    let f = frame(w, h, PixelFormat::Rgb8, rgb8);
    let look = &looks()[1].1;
    let copied = grade_bytes_via(&ctx, &f, look, OutputFormat::Rgba16, false);
    assert_eq!(copied.len(), (w * h * 8) as usize);
    if ctx.direct_readback {
        assert_eq!(
            copied,
            grade_bytes_via(&ctx, &f, look, OutputFormat::Rgba16, true)
        );
    }
}

#[test]
fn every_ingest_layout_decodes_like_the_cpu_reference() {
    let ctx = gpu();
    let (w, h, rgb8) = astronaut_rgb8();
    let astronaut = footage("astronaut.png");
    let rgba8: Vec<u8> = rgb8
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 200])
        .collect();
    let bgr8: Vec<u8> = rgb8
        .chunks_exact(3)
        .flat_map(|p| [p[2], p[1], p[0]])
        .collect();
    let gray8: Vec<u8> = rgb8.chunks_exact(3).map(|p| p[1]).collect();
    let rgba16: Vec<u8> = rgb8
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255].map(|v| u16::from(v) * 257))
        .flat_map(u16::to_le_bytes)
        .collect();
    let rgbaf16: Vec<u8> = rgb8
        .chunks_exact(3)
        .flat_map(|p| {
            [p[0], p[1], p[2], 255].map(|v| half::f16::from_f32(f32::from(v) / 255.0 * 1.5))
        })
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let rgbaf32: Vec<u8> = rgb8
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255].map(|v| f32::from(v) / 255.0 * 4.0 - 1.0))
        .flat_map(f32::to_le_bytes)
        .collect();
    // YUV from an independent encoder (ffmpeg), studio range, BT.601 for this 512-line picture.
    let yuyv = ffmpeg_raw(&astronaut, "yuyv422", &[]);
    let nv12 = ffmpeg_raw(&astronaut, "nv12", &[]);
    let cases = [
        (PixelFormat::Rgb8, rgb8.clone()),
        (PixelFormat::Bgr8, bgr8),
        (PixelFormat::Rgba8, rgba8),
        (PixelFormat::Gray8, gray8),
        (PixelFormat::Rgba16, rgba16),
        (PixelFormat::RgbaF16, rgbaf16),
        (PixelFormat::RgbaF32, rgbaf32),
        (PixelFormat::Yuyv, yuyv),
        (PixelFormat::Nv12, nv12),
    ];
    for (format, data) in cases {
        let mut f = frame(w, h, format, data);
        f.yuv = YuvEncoding {
            matrix: YuvMatrix::Bt601,
            full_range: false,
        };
        let gpu = grade_f32(&ctx, &f, &Look::default());
        let (mut max_err, mut sum_vs_original) = (0f32, 0f64);
        for y in 0..h {
            for x in 0..w {
                let px = f.pixel(x, y);
                let want = expected(px, &Look::default());
                let i = ((y * w + x) * 4) as usize;
                for c in 0..3 {
                    max_err = max_err.max((gpu[i + c] - want[c]).abs());
                }
                if format.is_yuv() {
                    let o = ((y * w + x) * 3) as usize;
                    for c in 0..3 {
                        let original = f32::from(rgb8[o + c]) / 255.0;
                        sum_vs_original += f64::from((px[c].clamp(0.0, 1.0) - original).abs());
                    }
                }
            }
        }
        println!("ingest {format:?}: GPU vs CPU max abs error {max_err:.2e}");
        assert!(max_err < 1e-4, "{format:?}: max abs error {max_err}");
        if format.is_yuv() {
            // Chroma subsampling blurs colour edges, but a wrong matrix or
            // range would be off across the whole picture.
            let mean = sum_vs_original / f64::from(w * h * 3);
            println!("ingest {format:?}: decoded vs original RGB mean abs error {mean:.4}");
            assert!(mean < 0.01, "{format:?}: mean abs error {mean}");
        }
    }
}

/// Noise masks uploaded (the keying's pipelines and bind groups are what
/// they are for, not the shapes).
fn noise_masks(ctx: &neurograde::gpu::GpuContext) -> neurograde::gpu::masks::MaskTexture {
    let masks = noise_mask_set(0);
    let mut slot = None;
    neurograde::gpu::masks::MaskTexture::upload(&mut slot, &ctx.device, &ctx.queue, &masks);
    slot.expect("uploaded")
}

/// A live look change that needs pipelines not compiled yet (a fader
/// leaving neutral, a secondary added): the frame pipeline says it is not
/// ready and compiles them on another thread, the look shown before grades
/// the frames meanwhile exactly as it did, and once they are in the newer
/// look grades exactly as a pipeline that compiled it in place. Exact 8-bit
/// (the kernel alone) and baked 16-bit with masks (the kernel, the bake
/// and the keying).
#[test]
fn a_look_that_needs_new_pipelines_compiles_beside_the_loop() {
    use neurograde::gpu::grade::GradeUniforms;
    use neurograde::grade::secondary::{MaskKind, Secondary};
    let ctx = gpu();
    let (deep, eight) = astronaut_frames();
    let shown = Look {
        primary: Primary {
            exposure: 0.3,
            ..Primary::default()
        },
        ..Look::default()
    };
    let mut newer = shown.clone();
    newer.primary.gamma = [0.1, 0.0, -0.05];
    newer.cdl.power = [1.1, 1.0, 0.95];
    for (frame, baked) in [(&eight, false), (&deep, true)] {
        let mut newer = newer.clone();
        let masks = baked.then(|| noise_masks(&ctx));
        if baked {
            newer.secondaries.push(Secondary {
                saturation: 0.5,
                ..Secondary::new(MaskKind::Skin)
            });
        }
        let grader = |ctx| {
            let grader = KernelGrader::new(ctx);
            let mut grader = if baked { grader.baked() } else { grader };
            if let Some(masks) = &masks {
                grader.pipeline().set_masks(masks);
            }
            grader
        };
        let format = OutputFormat::Rgba8;
        let in_place = |look: &Look| grader(&ctx).grade(frame, look, format);
        let mut live = grader(&ctx);
        let first = live.grade(frame, &shown, format);
        assert_eq!(first, in_place(&shown), "baked {baked}");
        let uniforms = GradeUniforms::from_look(&newer);
        assert!(
            !live.pipeline().ready_for(&ctx, frame, &uniforms),
            "baked {baked}: the newer look's pipelines are not compiled yet"
        );
        assert_eq!(live.grade(frame, &shown, format), first, "baked {baked}");
        let asked = std::time::Instant::now();
        while !live.pipeline().ready_for(&ctx, frame, &uniforms) {
            assert!(
                asked.elapsed() < std::time::Duration::from_secs(300),
                "baked {baked}: the compiler thread never finished"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let graded = live.grade(frame, &newer, format);
        assert_ne!(
            graded, first,
            "baked {baked}: the newer look changes the picture"
        );
        assert_eq!(graded, in_place(&newer), "baked {baked}");
    }
}
