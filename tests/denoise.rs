//! Noise reduction: the GPU pass against its CPU twin at every small size
//! and on real footage, what it gains on a clean clip with camera-like
//! noise added (PSNR, SSIM), and that moving edges leave no ghosts.

mod common;

use common::KernelGrader;
use common::{footage, frame};
use neurograde::frame::{Frame, FrameId, PixelFormat};
use neurograde::gpu::OutputFormat;
use neurograde::grade::denoise::{denoise, NrSection, Plane};
use neurograde::grade::reference::{linear_to_srgb, quantize_u8, srgb_to_linear, to_half};
use neurograde::grade::Look;
use neurograde::noise::SplitMix64;

/// Grades a frame through `grader` (whose pipeline keeps the noise
/// reduction's history from frame to frame) as RGB floats.
fn grade_rgb(grader: &mut KernelGrader, frame: &Frame, look: &Look) -> Vec<[f32; 3]> {
    grader
        .grade(frame, look, OutputFormat::RgbaF32)
        .chunks_exact(16)
        .map(|p| {
            let f = |i: usize| f32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
            [f(0), f(4), f(8)]
        })
        .collect()
}

fn nr_look(section: NrSection) -> Look {
    Look {
        nr: Some(section),
        ..Look::default()
    }
}

/// 8-bit RGB as the frame's code values.
fn codes(rgb: &[u8]) -> Vec<[f32; 3]> {
    rgb.chunks_exact(3)
        .map(|p| [0, 1, 2].map(|c| f32::from(p[c]) / 255.0))
        .collect()
}

/// Camera-like noise: signal-dependent (shot noise, variance `shot` x the
/// light) plus a floor (read noise), in linear light, then 8 bits.
fn noisy(rgb: &[u8], seed: u64, shot: f32, read: f32) -> Vec<u8> {
    let mut rng = SplitMix64(seed);
    let mut gaussian = move || {
        let (u, v) = (rng.next_unit().max(1e-12), rng.next_unit());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    };
    rgb.iter()
        .map(|&v| {
            let light = srgb_to_linear(f32::from(v) / 255.0);
            let sigma = (shot * light + read * read).sqrt();
            quantize_u8(linear_to_srgb((light + sigma * gaussian()).max(0.0)))
        })
        .collect()
}

fn clip(name: &str, first: u32, count: u32, (w, h): (u32, u32)) -> Vec<Vec<u8>> {
    let raw = common::ffmpeg_raw(
        &footage(name),
        "rgb24",
        &[
            "-vf",
            &format!("select=gte(n\\,{first}),scale={w}:{h}"),
            "-frames:v",
            &count.to_string(),
        ],
    );
    raw.chunks_exact((w * h * 3) as usize)
        .map(<[u8]>::to_vec)
        .collect()
}

fn rgb_frame(w: u32, h: u32, rgb: Vec<u8>, id: u64) -> Frame {
    let mut f = frame(w, h, PixelFormat::Rgb8, rgb);
    f.id = FrameId(id);
    f
}

/// Runs frames through the GPU and the CPU twin side by side; the worst
/// difference. `stream` starts afresh at a new size; `ids` numbers the
/// frames it has seen.
fn gpu_against_cpu(
    grader: &mut KernelGrader,
    ids: &mut u64,
    pictures: &[Vec<u8>],
    (w, h): (u32, u32),
    section: NrSection,
) -> f32 {
    let mut history: Option<Vec<[f32; 3]>> = None;
    let mut worst = 0.0f32;
    for p in pictures {
        *ids += 1;
        let gpu = grade_rgb(grader, &rgb_frame(w, h, p.clone(), *ids), &nr_look(section));
        let current = codes(p);
        let plane = Plane {
            width: w as usize,
            height: h as usize,
            rgb: &current,
        };
        let past = history.as_ref().map(|v| Plane {
            width: w as usize,
            height: h as usize,
            rgb: v,
        });
        // The GPU keeps its output (the next history) in half floats.
        let cpu: Vec<[f32; 3]> = denoise(&plane, past.as_ref(), None, &section)
            .into_iter()
            .map(|c| c.map(to_half))
            .collect();
        for (g, c) in gpu.iter().zip(&cpu) {
            for k in 0..3 {
                worst = worst.max((g[k] - c[k]).abs());
            }
        }
        history = Some(cpu);
    }
    worst
}

#[test]
fn the_gpu_pass_equals_its_cpu_twin_at_every_small_size_and_on_footage() {
    let ctx = common::gpu();
    let both = NrSection {
        spatial: 0.6,
        ..NrSection::default()
    };
    let mut grader = KernelGrader::new(&ctx);
    let mut ids = 0;
    let mut worst = 0.0f32;
    let source = clip("vtest.avi", 200, 3, (17, 17))
        .into_iter()
        .map(|p| noisy(&p, 3, 0.004, 0.01))
        .collect::<Vec<_>>();
    for w in 1..=17u32 {
        for h in 1..=17u32 {
            // Real pixels, cropped: the top-left w x h of each picture.
            let crop: Vec<Vec<u8>> = source
                .iter()
                .map(|p| {
                    (0..h)
                        .flat_map(|y| {
                            p[(y * 17 * 3) as usize..((y * 17 + w) * 3) as usize].to_vec()
                        })
                        .collect()
                })
                .collect();
            // Each size starts afresh: the pass drops its history when the
            // size changes, as the CPU twin's run does.
            worst = worst.max(gpu_against_cpu(&mut grader, &mut ids, &crop, (w, h), both));
        }
    }
    let size = (384, 288);
    let footage: Vec<Vec<u8>> = clip("vtest.avi", 100, 4, size)
        .iter()
        .enumerate()
        .map(|(i, p)| noisy(p, i as u64, 0.004, 0.01))
        .collect();
    let spatial = gpu_against_cpu(&mut grader, &mut ids, &footage, size, both);
    // A pipeline of its own, so the temporal run starts without the last
    // run's history (as the CPU twin does).
    let mut temporal_only = KernelGrader::new(&ctx);
    let temporal = gpu_against_cpu(
        &mut temporal_only,
        &mut ids,
        &footage,
        size,
        NrSection::default(),
    );
    println!("noise reduction, GPU against CPU: small sizes {worst:.2e}, 384x288 temporal {temporal:.2e}, with spatial {spatial:.2e}");
    assert!(worst < 2e-3 && temporal < 2e-3 && spatial < 2e-3);
}

/// Rec. 709 luma of code values, 0..255.
fn luma(c: &[[f32; 3]]) -> Vec<f64> {
    c.iter()
        .map(|p| 255.0 * f64::from(0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]))
        .collect()
}

fn psnr(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .flat_map(|(x, y)| (0..3).map(move |k| f64::from(x[k] - y[k]).powi(2)))
        .sum::<f64>()
        / (a.len() * 3) as f64;
    10.0 * (1.0 / mse).log10()
}

/// Mean SSIM of the luma (Wang et al. 2004) with 7x7 uniform windows and
/// K1 = 0.01, K2 = 0.03, as scikit-image computes it by default.
fn ssim(a: &[[f32; 3]], b: &[[f32; 3]], w: usize, h: usize) -> f64 {
    let (x, y) = (luma(a), luma(b));
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mut total = 0.0;
    let mut n = 0.0;
    for cy in 3..h - 3 {
        for cx in 3..w - 3 {
            let (mut mx, mut my, mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for dy in 0..7 {
                for dx in 0..7 {
                    let i = (cy + dy - 3) * w + cx + dx - 3;
                    mx += x[i];
                    my += y[i];
                    xx += x[i] * x[i];
                    yy += y[i] * y[i];
                    xy += x[i] * y[i];
                }
            }
            let k = 49.0;
            let (mx, my) = (mx / k, my / k);
            // Sample covariances, as scikit-image uses.
            let vx = (xx / k - mx * mx) * k / (k - 1.0);
            let vy = (yy / k - my * my) * k / (k - 1.0);
            let cxy = (xy / k - mx * my) * k / (k - 1.0);
            total += ((2.0 * mx * my + c1) * (2.0 * cxy + c2))
                / ((mx * mx + my * my + c1) * (vx + vy + c2));
            n += 1.0;
        }
    }
    total / n
}

#[test]
fn noise_reduction_gains_psnr_and_ssim_on_real_footage_with_camera_noise() {
    let ctx = common::gpu();
    let (w, h) = (384u32, 288u32);
    // Street footage as the clean reference; low-light camera noise added
    // (shot noise and a read-noise floor), new every frame.
    let clean = clip("vtest.avi", 300, 30, (w, h));
    let noisy: Vec<Vec<u8>> = clean
        .iter()
        .enumerate()
        .map(|(i, p)| noisy(p, 100 + i as u64, 0.004, 0.01))
        .collect();
    // The noise expected, as the colourist sets it for this camera: about
    // the noise's standard deviation in code values (PSNR 27.4 dB).
    let level = 0.04;
    let mut results = Vec::new();
    for (name, section) in [
        (
            "temporal",
            NrSection {
                level,
                ..NrSection::default()
            },
        ),
        (
            "temporal + spatial",
            NrSection {
                level,
                spatial: 0.7,
                ..NrSection::default()
            },
        ),
    ] {
        let look = nr_look(section);
        let mut grader = KernelGrader::new(&ctx);
        let (mut before, mut after, mut s_before, mut s_after) = (0.0, 0.0, 0.0, 0.0);
        let mut n = 0.0;
        for (i, (c, p)) in clean.iter().zip(&noisy).enumerate() {
            let out = grade_rgb(&mut grader, &rgb_frame(w, h, p.clone(), i as u64), &look);
            if i < 10 {
                continue; // the recursion settling
            }
            let (c, p) = (codes(c), codes(p));
            before += psnr(&p, &c);
            after += psnr(&out, &c);
            s_before += ssim(&p, &c, w as usize, h as usize);
            s_after += ssim(&out, &c, w as usize, h as usize);
            n += 1.0;
        }
        println!(
            "{name}: PSNR {:.2} -> {:.2} dB (+{:.2}), SSIM {:.4} -> {:.4}",
            before / n,
            after / n,
            (after - before) / n,
            s_before / n,
            s_after / n
        );
        results.push(((after - before) / n, (s_after - s_before) / n));
    }
    assert!(results[0].0 > 2.0 && results[0].1 > 0.02, "{results:?}");
    assert!(results[1].0 > results[0].0, "{results:?}");
}

#[test]
fn moving_edges_leave_no_ghosts() {
    let ctx = common::gpu();
    // The portrait panning 4 pixels a frame (every edge moves), and street
    // footage with people walking, both with camera noise.
    let portrait = image::open(footage("astronaut.png")).unwrap().into_rgb8();
    let (w, h) = (320u32, 256u32);
    let pan: Vec<Vec<u8>> = (0..20)
        .map(|i| {
            let x0 = 40 + 4 * i;
            image::imageops::crop_imm(&portrait, x0, 100, w, h)
                .to_image()
                .into_raw()
        })
        .collect();
    let street = clip("vtest.avi", 50, 20, (w, h));
    // At the noise level the PSNR test sets (the larger it is, the larger
    // a change must be to count as motion).
    let section = NrSection {
        level: 0.04,
        spatial: 0.7,
        ..NrSection::default()
    };
    for (name, clean) in [("pan", pan), ("walkers", street)] {
        let look = nr_look(section);
        let mut grader = KernelGrader::new(&ctx);
        let (mut err_noisy, mut err_out, mut count) = (0.0f64, 0.0f64, 0usize);
        let mut worst_out = Vec::new();
        let mut worst_noisy = Vec::new();
        for (i, c) in clean.iter().enumerate() {
            let p = noisy(c, 500 + i as u64, 0.004, 0.01);
            let out = grade_rgb(&mut grader, &rgb_frame(w, h, p.clone(), i as u64), &look);
            if i == 0 {
                continue;
            }
            // Where the picture moved: the clean frame differs from the
            // one before by more than 0.1.
            let (now, before, p) = (codes(c), codes(&clean[i - 1]), codes(&p));
            for k in 0..now.len() {
                let moved = (0..3).any(|j| (now[k][j] - before[k][j]).abs() > 0.1);
                if moved {
                    let e_out = (0..3)
                        .map(|j| (out[k][j] - now[k][j]).abs())
                        .fold(0.0f32, f32::max);
                    let e_noisy = (0..3)
                        .map(|j| (p[k][j] - now[k][j]).abs())
                        .fold(0.0f32, f32::max);
                    err_out += f64::from(e_out);
                    err_noisy += f64::from(e_noisy);
                    worst_out.push(e_out);
                    worst_noisy.push(e_noisy);
                    count += 1;
                }
            }
        }
        worst_out.sort_by(f32::total_cmp);
        worst_noisy.sort_by(f32::total_cmp);
        let p99 = |v: &[f32]| v[v.len() * 99 / 100];
        println!(
            "{name}: on moving edges ({count} pixels) the error is {:.4} denoised vs {:.4} noisy (mean), p99 {:.4} vs {:.4}",
            err_out / count as f64,
            err_noisy / count as f64,
            p99(&worst_out),
            p99(&worst_noisy)
        );
        // No ghost: where things moved, the output is hardly further from
        // the truth than the noisy input (within 10 %: changes of 0.1 under
        // noise of 0.04 are at the edge of what a filter without motion
        // compensation can tell from noise).
        assert!(err_out <= err_noisy * 1.1, "{name}");
        assert!(p99(&worst_out) <= p99(&worst_noisy) * 1.1, "{name}");
    }
}

#[test]
fn neurograde_grade_reduces_noise_on_every_frame() {
    // The engine's own path: a noisy image sequence graded by a look with
    // [nr], read back and measured against the clean footage.
    let (w, h) = (384u32, 288u32);
    let clean = clip("vtest.avi", 300, 20, (w, h));
    let noisy: Vec<Vec<u8>> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| noisy(c, 900 + i as u64, 0.004, 0.01))
        .collect();
    let graded = common::grade_sequence(&noisy, (w, h), "[nr]\nlevel = 0.04\nspatial = 0.7\n");
    let (mut before, mut after) = (0.0, 0.0);
    for i in 10..20 {
        let c = codes(&clean[i]);
        before += psnr(&codes(&noisy[i]), &c) / 10.0;
        after += psnr(&codes(&graded[i]), &c) / 10.0;
    }
    println!("neurograde grade with [nr]: PSNR {before:.2} -> {after:.2} dB");
    assert!(after > before + 5.0, "{before} -> {after}");
}
