//! Every input layout at every small size, and at odd real frame sizes,
//! through the frame kernel into every packed output, against the CPU
//! reference: nothing shifted, scrambled or cut off, whatever the size.
//!
//! The pictures are crops of real footage at varying offsets (so every row
//! differs from the next: a shifted row shows), in every byte layout the
//! engine ingests. Widths and heights 1..=17 cover every alignment of a row
//! to the GPU's 4-byte words and of a picture to the kernel's 4-pixel
//! groups; YUV layouts take the even sizes they allow.

mod common;

use common::*;
use neurograde::frame::{Frame, PixelFormat};
use neurograde::gpu::OutputFormat;
use neurograde::grade::reference::{quantize_u16, quantize_u8, Grader as Reference};
use neurograde::grade::Look;

const LAYOUTS: [PixelFormat; 10] = [
    PixelFormat::Rgb8,
    PixelFormat::Bgr8,
    PixelFormat::Rgba8,
    PixelFormat::Gray8,
    PixelFormat::Rgb16,
    PixelFormat::Rgba16,
    PixelFormat::RgbaF16,
    PixelFormat::RgbaF32,
    PixelFormat::Yuyv,
    PixelFormat::Nv12,
];

const OUTPUTS: [OutputFormat; 4] = [
    OutputFormat::Rgba8,
    OutputFormat::Rgba16,
    OutputFormat::RgbaF16,
    OutputFormat::RgbaF32,
];

/// A `w` x `h` crop of the portrait at (`x0`, `y0`) in `format`: 8-bit
/// samples widened with varying low bits for the deeper layouts, YUV
/// made by the BT.601 studio-range equations (as ffmpeg does).
fn crop(rgb: &(u32, u32, Vec<u8>), format: PixelFormat, w: u32, h: u32, x0: u32, y0: u32) -> Frame {
    let (pw, _, data) = rgb;
    let at = |x: u32, y: u32| {
        let i = (((y0 + y) * pw + (x0 + x)) * 3) as usize;
        [data[i], data[i + 1], data[i + 2]]
    };
    let mut bytes = Vec::with_capacity(format.frame_bytes(w, h));
    let luma = |p: [u8; 3]| {
        let [r, g, b] = p.map(f32::from);
        (0.299 * r + 0.587 * g + 0.114 * b) / 255.0
    };
    let y_code = |p| (16.0 + 219.0 * luma(p)).round() as u8;
    let c_codes = |p: [u8; 3]| {
        let [r, _, b] = p.map(|v| f32::from(v) / 255.0);
        let l = luma(p);
        (
            (128.0 + 224.0 * (b - l) / 1.772).round().clamp(0.0, 255.0) as u8,
            (128.0 + 224.0 * (r - l) / 1.402).round().clamp(0.0, 255.0) as u8,
        )
    };
    match format {
        PixelFormat::Yuyv => {
            for y in 0..h {
                for x in (0..w).step_by(2) {
                    let (u, v) = c_codes(at(x, y));
                    bytes.extend([y_code(at(x, y)), u, y_code(at(x + 1, y)), v]);
                }
            }
        }
        PixelFormat::Nv12 => {
            for y in 0..h {
                for x in 0..w {
                    bytes.push(y_code(at(x, y)));
                }
            }
            for y in (0..h).step_by(2) {
                for x in (0..w).step_by(2) {
                    let (u, v) = c_codes(at(x, y));
                    bytes.extend([u, v]);
                }
            }
        }
        _ => {
            for y in 0..h {
                for x in 0..w {
                    let p = at(x, y);
                    // Low bits that vary with the place, for deep layouts.
                    let wide = |c: usize| {
                        (u16::from(p[c]) * 257) ^ ((x * 7 + y * 13 + c as u32) % 251) as u16
                    };
                    let unit = |c: usize| f32::from(wide(c)) / 65535.0;
                    match format {
                        PixelFormat::Rgb8 => bytes.extend(p),
                        PixelFormat::Bgr8 => bytes.extend([p[2], p[1], p[0]]),
                        PixelFormat::Rgba8 => bytes.extend([p[0], p[1], p[2], 255 - p[1]]),
                        PixelFormat::Gray8 => bytes.push(p[1]),
                        PixelFormat::Rgb16 => {
                            bytes.extend((0..3).flat_map(|c| wide(c).to_le_bytes()))
                        }
                        PixelFormat::Rgba16 => bytes.extend(
                            [wide(0), wide(1), wide(2), 65535 - wide(1)]
                                .iter()
                                .flat_map(|v| v.to_le_bytes()),
                        ),
                        PixelFormat::RgbaF16 => bytes.extend(
                            [unit(0) * 1.5, unit(1), unit(2) - 0.1, 1.0]
                                .iter()
                                .flat_map(|v| half::f16::from_f32(*v).to_le_bytes()),
                        ),
                        PixelFormat::RgbaF32 => bytes.extend(
                            [unit(0) * 4.0 - 1.0, unit(1), unit(2) * 2.0, 0.5]
                                .iter()
                                .flat_map(|v| v.to_le_bytes()),
                        ),
                        _ => unreachable!(),
                    }
                }
            }
        }
    }
    let mut f = frame(w, h, format, bytes);
    f.yuv = neurograde::frame::YuvEncoding {
        matrix: neurograde::frame::YuvMatrix::Bt601,
        full_range: false,
    };
    f
}

/// Checks one graded picture against the CPU reference; returns the largest
/// error in the output's own units (codes for integers, value for floats).
fn check(frame: &Frame, look: &Look, format: OutputFormat, out: &[u8]) -> Result<f32, String> {
    let (w, h) = (frame.width, frame.height);
    let bpp = format.bytes_per_pixel() as usize;
    if out.len() != (w * h) as usize * bpp {
        return Err(format!(
            "{} bytes, expected {}",
            out.len(),
            (w * h) as usize * bpp
        ));
    }
    let reference = Reference::new(look);
    let mut worst = 0f32;
    for y in 0..h {
        for x in 0..w {
            let px = frame.pixel(x, y);
            let want = reference.pixel([px[0], px[1], px[2]]);
            let p = (y * w + x) as usize * bpp;
            for c in 0..3 {
                let (got, expected, tolerance) = match format {
                    OutputFormat::Rgba8 => {
                        (f32::from(out[p + c]), f32::from(quantize_u8(want[c])), 1.0)
                    }
                    OutputFormat::Rgba16 => {
                        let v = u16::from_le_bytes([out[p + c * 2], out[p + c * 2 + 1]]);
                        (f32::from(v), f32::from(quantize_u16(want[c])), 2.0)
                    }
                    OutputFormat::RgbaF16 => {
                        let v = half::f16::from_le_bytes([out[p + c * 2], out[p + c * 2 + 1]]);
                        let step = half::f16::from_f32(want[c]).to_f32().abs().max(1.0) / 1024.0;
                        (v.to_f32(), want[c], step)
                    }
                    OutputFormat::RgbaF32 => {
                        let i = p + c * 4;
                        let v = f32::from_le_bytes([out[i], out[i + 1], out[i + 2], out[i + 3]]);
                        (v, want[c], 1e-4)
                    }
                };
                let err = (got - expected).abs();
                if err.is_nan() || err > tolerance {
                    return Err(format!(
                        "pixel ({x}, {y}) channel {c}: got {got}, expected {expected} (input {px:?})"
                    ));
                }
                worst = worst.max(err);
            }
        }
    }
    Ok(worst)
}

fn looks() -> Vec<(&'static str, Look)> {
    let demo = Look::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/looks/demo.toml"
    )))
    .unwrap();
    vec![("no look", Look::default()), ("demo look", demo)]
}

#[test]
fn every_layout_at_every_small_size_grades_like_the_reference() {
    let source = astronaut_rgb8();
    let ctx = gpu();
    let mut grader = KernelGrader::new(&ctx);
    let looks = looks();
    let mut checked = 0;
    for format in LAYOUTS {
        for h in 1..=17u32 {
            for w in 1..=17u32 {
                if format.is_yuv() && (w % 2 == 1 || h % 2 == 1) {
                    continue;
                }
                // Every output and look in turn; offsets vary the content.
                let output = OUTPUTS[((w + h) % 4) as usize];
                let (name, look) = &looks[((w * 3 + h) % 2) as usize];
                let f = crop(&source, format, w, h, 100 + w * 5, 150 + h * 3);
                let out = grader.grade(&f, look, output);
                if let Err(e) = check(&f, look, output, &out) {
                    panic!("{format:?} {w}x{h} -> {output:?}, {name}: {e}");
                }
                checked += 1;
            }
        }
    }
    println!("{checked} layout x size cases agree with the CPU reference");
}

#[test]
fn odd_real_frame_sizes_grade_like_the_reference() {
    // The portrait tiled to larger sizes, shifted per tile so no two rows match.
    let (pw, ph, data) = astronaut_rgb8();
    let ctx = gpu();
    let mut grader = KernelGrader::new(&ctx);
    for (w, h) in [
        (641u32, 361u32),
        (853, 480),
        (854, 480),
        (1919, 1079),
        (4096, 2160),
    ] {
        let mut big = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = ((x + y / ph * 37) % pw, (y + x / pw * 11) % ph);
                let i = ((sy * pw + sx) * 3) as usize;
                big.extend_from_slice(&data[i..i + 3]);
            }
        }
        let tiled = (w, h, big);
        for (format, output) in [
            (PixelFormat::Rgb8, OutputFormat::Rgba8),
            (PixelFormat::Rgb16, OutputFormat::Rgba16),
            (PixelFormat::Gray8, OutputFormat::RgbaF16),
            (PixelFormat::RgbaF16, OutputFormat::RgbaF16),
            (PixelFormat::Nv12, OutputFormat::Rgba8),
        ] {
            // At 4K, the two routes users meet most (8-bit video, 16-bit
            // stills) keep the suite's time down.
            let common = matches!(format, PixelFormat::Rgb8 | PixelFormat::Rgb16);
            if (format.is_yuv() && (w % 2 == 1 || h % 2 == 1)) || (w == 4096 && !common) {
                continue;
            }
            for (name, look) in looks() {
                let f = crop(&tiled, format, w, h, 0, 0);
                let out = grader.grade(&f, &look, output);
                match check(&f, &look, output, &out) {
                    Ok(worst) => {
                        println!("{format:?} {w}x{h} -> {output:?}, {name}: worst {worst}")
                    }
                    Err(e) => panic!("{format:?} {w}x{h} -> {output:?}, {name}: {e}"),
                }
            }
        }
    }
}

/// Noise reduction reads every layout through the same decode: two frames
/// (the second a crop a few pixels over, so the temporal filter and its
/// motion test both act) at every small size, against the CPU twin on the
/// decoded pixels (the GPU keeps its output in half floats).
#[test]
fn noise_reduction_reads_every_layout_at_every_small_size() {
    use neurograde::grade::denoise::{denoise, NrSection, Plane};
    use neurograde::grade::reference::to_half;
    let source = astronaut_rgb8();
    let ctx = gpu();
    let mut grader = KernelGrader::new(&ctx);
    let section = NrSection {
        spatial: 0.6,
        level: 0.03,
        ..NrSection::default()
    };
    let look = Look {
        nr: Some(section),
        ..Look::default()
    };
    let mut id = 0;
    let mut worst = 0.0f32;
    for format in LAYOUTS {
        for h in 1..=17u32 {
            for w in 1..=17u32 {
                if format.is_yuv() && (w % 2 == 1 || h % 2 == 1) {
                    continue;
                }
                let mut history: Option<Vec<[f32; 3]>> = None;
                for shift in [0, 3] {
                    let mut f = crop(&source, format, w, h, 120 + w * 5 + shift, 160 + h * 3);
                    id += 1;
                    f.id = neurograde::frame::FrameId(id);
                    let out = grader.grade(&f, &look, OutputFormat::RgbaF32);
                    let current: Vec<[f32; 3]> = (0..h)
                        .flat_map(|y| (0..w).map(move |x| (x, y)))
                        .map(|(x, y)| {
                            let p = f.pixel(x, y);
                            [p[0], p[1], p[2]]
                        })
                        .collect();
                    let plane = |rgb| Plane {
                        width: w as usize,
                        height: h as usize,
                        rgb,
                    };
                    let past = history.as_deref().map(plane);
                    let cpu: Vec<[f32; 3]> =
                        denoise(&plane(&current), past.as_ref(), None, &section)
                            .into_iter()
                            .map(|c| c.map(to_half))
                            .collect();
                    for (i, want) in cpu.iter().enumerate() {
                        for c in 0..3 {
                            let got = f32::from_le_bytes(
                                out[i * 16 + c * 4..i * 16 + c * 4 + 4].try_into().unwrap(),
                            );
                            let error = (got - want[c]).abs() / want[c].abs().max(1.0);
                            assert!(
                                error < 4e-3,
                                "{format:?} {w}x{h} shift {shift}, pixel {i} channel {c}: {got} vs {want:?}"
                            );
                            worst = worst.max(error);
                        }
                    }
                    history = Some(cpu);
                }
            }
        }
    }
    println!("noise reduction, every layout and size: worst {worst:.2e}");
}
