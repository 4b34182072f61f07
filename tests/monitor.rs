//! The monitoring station as a user runs it: the operator view and the
//! program output under a virtual display (Xvfb) on the software GPU,
//! checked through their screenshots; the exposure aids against their CPU
//! reference.

mod common;

use common::{footage, frame, gpu, read_rgba16f, xvfb};
use neurograde::frame::PixelFormat;
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::present::{Compare, Placement, PresentPass};
use neurograde::gpu::FramePipeline;
use neurograde::grade::reference::{grade_pixel, quantize_u8, to_half};
use neurograde::grade::Look;
use neurograde::scopes::{self, ExposureAids};

fn demo_look_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml").to_string()
}

fn demo_look() -> Look {
    Look::load(std::path::Path::new(&demo_look_path())).unwrap()
}

/// A look that keeps the portrait's levels inside the range (so the
/// waveform's extent says something).
const MID_LOOK: &str = r#"
name = "Levels kept between black and white"

[cdl]
slope = [0.55, 0.5, 0.45]
offset = [0.15, 0.15, 0.15]
power = [1.0, 1.0, 1.0]
saturation = 1.15
"#;

/// The portrait graded by the CPU reference, as the window shows it
/// (half-float working texture, 8-bit surface): row-major RGB.
fn reference_picture(look: &Look) -> (u32, u32, Vec<[f32; 3]>) {
    let (w, h, rgb) = common::astronaut_rgb8();
    let graded = rgb
        .chunks_exact(3)
        .map(|p| {
            let rgb = [p[0], p[1], p[2]].map(|v| f32::from(v) / 255.0);
            grade_pixel(rgb, look).map(to_half)
        })
        .collect();
    (w, h, graded)
}

/// A texture to present into and read back.
fn render_target(
    ctx: &neurograde::gpu::GpuContext,
    size: (u32, u32),
    format: wgpu::TextureFormat,
) -> wgpu::Texture {
    neurograde::gpu::texture_2d(
        &ctx.device,
        "present target",
        size,
        format,
        wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
    )
}

fn load_rgb(path: &std::path::Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_rgb8()
}

/// Bilinear sample of the reference at picture coordinates (pixel
/// centres at +0.5), clamped at the edges, as the present pass samples.
fn bilinear(w: u32, h: u32, picture: &[[f32; 3]], u: f32, v: f32) -> [f32; 3] {
    let x = (u * w as f32 - 0.5).clamp(0.0, (w - 1) as f32);
    let y = (v * h as f32 - 0.5).clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: u32, y: u32| picture[(y * w + x) as usize];
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let top = at(x0, y0)[c] * (1.0 - fx) + at(x1, y0)[c] * fx;
        let bottom = at(x0, y1)[c] * (1.0 - fx) + at(x1, y1)[c] * fx;
        *o = top * (1.0 - fy) + bottom * fy;
    }
    out
}

#[test]
fn operator_view_and_program_output_under_a_virtual_display() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("station.png");
    let look_path = dir.path().join("mid.toml");
    std::fs::write(&look_path, MID_LOOK).unwrap();
    let look = Look::load(&look_path).unwrap();
    let stats = dir.path().join("stats.json");
    let out = xvfb("1280x800")
        .arg(env!("CARGO_BIN_EXE_neurograde"))
        .args(["run", "--source"])
        .arg(format!("file:{}", footage("astronaut.png").display()))
        .arg("--look")
        .arg(&look_path)
        .args(["--sink", "window", "--program", "0"])
        .args(["--frames", "6", "--no-vsync", "--screenshot"])
        .arg(&shot)
        .arg("--stats-json")
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
    assert_eq!(json["frames"], 6, "{json}");
    let sink = json["sink"].as_str().unwrap();
    assert!(
        sink.contains("operator view") && sink.contains("program"),
        "{sink}"
    );
    let (w, h, reference) = reference_picture(&look);

    // The program output: the picture texel for texel, centred, exact.
    let program = load_rgb(&dir.path().join("station-program.png"));
    let left = ((program.width() as f32 / 2.0) - w as f32 / 2.0).round() as u32;
    let top = ((program.height() as f32 / 2.0) - h as f32 / 2.0).round() as u32;
    let mut worst = 0i32;
    for y in 0..h {
        for x in 0..w {
            let shown = program.get_pixel(left + x, top + y).0;
            let expected = reference[(y * w + x) as usize].map(quantize_u8);
            for c in 0..3 {
                worst = worst.max((i32::from(shown[c]) - i32::from(expected[c])).abs());
            }
        }
    }
    println!("program output vs the CPU reference: worst {worst} codes of 255");
    assert!(worst <= 1, "{worst}");
    // Nothing but black around it.
    assert_eq!(program.get_pixel(left - 1, top).0, [0, 0, 0]);
    assert_eq!(program.get_pixel(left, top - 1).0, [0, 0, 0]);

    // The operator view: the picture fitted into its area, bilinear.
    let view = load_rgb(&shot);
    let layout: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("station.json")).unwrap())
            .unwrap();
    let area: Vec<f32> = layout["picture_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let placement = Placement {
        area: [
            area[0] / view.width() as f32,
            area[1] / view.height() as f32,
            area[2] / view.width() as f32,
            area[3] / view.height() as f32,
        ],
        ..Placement::fit()
    };
    let rect = placement.rect((w, h), (view.width(), view.height()));
    let (x0, y0) = (
        rect[0] * view.width() as f32,
        rect[1] * view.height() as f32,
    );
    let (x1, y1) = (
        rect[2] * view.width() as f32,
        rect[3] * view.height() as f32,
    );
    let mut errors = Vec::new();
    // Whole pixels inside the picture's rectangle.
    for py in (y0.ceil() as u32)..(y1.floor() as u32) {
        for px in (x0.ceil() as u32)..(x1.floor() as u32) {
            let u = (px as f32 + 0.5 - x0) / (x1 - x0);
            let v = (py as f32 + 0.5 - y0) / (y1 - y0);
            let expected = bilinear(w, h, &reference, u, v).map(quantize_u8);
            let shown = view.get_pixel(px, py).0;
            for c in 0..3 {
                errors.push((i32::from(shown[c]) - i32::from(expected[c])).unsigned_abs());
            }
        }
    }
    assert!(errors.len() > 100_000, "the picture is shown large");
    errors.sort_unstable();
    let mean = errors.iter().map(|e| f64::from(*e)).sum::<f64>() / errors.len() as f64;
    let p99 = errors[errors.len() * 99 / 100];
    println!("operator view picture vs the CPU reference: mean {mean:.3}, p99 {p99} codes");
    assert!(mean < 0.5 && p99 <= 2, "mean {mean}, p99 {p99}");

    // The UI: text in the status bar and the grade panel (light pixels on
    // egui's dark panels), beside the picture.
    let light = |x0: u32, y0: u32, x1: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| view.get_pixel(x, y).0.iter().all(|c| *c > 150))
            .count()
    };
    let panel_left = area[2] as u32 + 4;
    assert!(light(panel_left, area[1] as u32, view.width(), view.height() / 2) > 500);
    assert!(light(0, 0, view.width(), area[1] as u32) > 300);

    // The scopes: present, and the waveform's trace spans the picture's
    // luma levels as the CPU counts them, no more.
    let counts = scopes::compute(w, h, |x, y| reference[(y * w + x) as usize]);
    let levels: Vec<u32> = (0..scopes::LEVELS)
        .filter(|l| {
            (0..counts.grid.columns).any(|c| counts.waveform[(c * scopes::LEVELS + l) as usize] > 0)
        })
        .collect();
    let (lowest, highest) = (levels[0], *levels.last().unwrap());
    let shown: Vec<(String, Vec<f32>)> = layout["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s[0].as_str().unwrap().to_string();
            let r = s[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32);
            (name, r.collect())
        })
        .collect();
    let names: Vec<&str> = shown.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["waveform", "vectorscope", "histogram"]);
    let r = &shown[0].1;
    let (top, bottom) = (r[1].ceil() as u32, r[3].floor() as u32);
    let mut trace_rows = Vec::new();
    for y in top..bottom {
        for x in (r[0].ceil() as u32)..(r[2].floor() as u32) {
            let [red, green, _] = view.get_pixel(x, y).0;
            // The trace is green-white; the graticule is amber.
            if green > 60 && i32::from(green) > i32::from(red) + 10 {
                trace_rows.push(y);
            }
        }
    }
    assert!(trace_rows.len() > 500, "the waveform shows a trace");
    let row_of = |level: u32| {
        top as f32
            + (scopes::LEVELS - 1 - level) as f32 / scopes::LEVELS as f32 * (bottom - top) as f32
    };
    let (trace_top, trace_bottom) = (
        *trace_rows.iter().min().unwrap() as f32,
        *trace_rows.iter().max().unwrap() as f32,
    );
    println!(
        "waveform trace rows {trace_top}..{trace_bottom}, CPU levels {lowest}..{highest} -> rows {:.1}..{:.1}",
        row_of(highest),
        row_of(lowest)
    );
    assert!((trace_top - row_of(highest)).abs() <= 3.0);
    assert!((trace_bottom - row_of(lowest)).abs() <= 3.0);
}

#[test]
fn exposure_aids_paint_what_the_cpu_reference_paints() {
    let ctx = gpu();
    let look = demo_look();
    // The portrait is square.
    let (pw, _, rgb) = common::astronaut_rgb8();
    // Odd sizes from the portrait, false colour and both zebras on.
    let aids = ExposureAids {
        false_colour: true,
        zebra_high: Some(80.0),
        zebra_band: Some((40.0, 60.0)),
    };
    let format = wgpu::TextureFormat::Rgba8Unorm;
    let present = PresentPass::new(&ctx.device, format);
    for (w, h) in [(1, 1), (17, 3), (5, 16), (301, 199)] {
        let mut bytes = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let i = (((y * 2 + 50) % pw) * pw + (x + 50) % pw) as usize * 3;
                bytes.extend_from_slice(&rgb[i..i + 3]);
            }
        }
        let f = frame(w, h, PixelFormat::Rgb8, bytes);
        let mut pipeline = FramePipeline::new(&ctx);
        pipeline.set_look(&ctx, &look).unwrap();
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let picture = pipeline
            .encode_texture(&ctx, &mut encoder, &f, &GradeUniforms::from_look(&look))
            .unwrap()
            .clone();
        let texels = read_rgba16f(&ctx, &picture, (w, h), encoder);
        let target = render_target(&ctx, (w, h), format);
        let view = target.create_view(&Default::default());
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let placement = Placement {
            native: true,
            aids,
            ..Placement::fit()
        };
        present.encode(
            &ctx,
            &mut encoder,
            &picture,
            (w, h),
            &view,
            (w, h),
            &placement,
            None,
            None,
        );
        let shown = common::read_rgba8(&ctx, &target, (w, h), encoder);
        let mut worst = 0i32;
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 4) as usize;
                let codes = [texels[i], texels[i + 1], texels[i + 2]].map(scopes::code10);
                let luma = scopes::luma_code(codes);
                let expected = if scopes::zebra(&aids, x, y, luma) {
                    [1.0; 3]
                } else {
                    scopes::false_colour(codes)
                };
                for c in 0..3 {
                    let e = i32::from(quantize_u8(expected[c]));
                    worst = worst.max((i32::from(shown[i + c]) - e).abs());
                }
            }
        }
        assert!(worst <= 1, "{w}x{h}: worst {worst}");
    }
}

/// Keys as an operator presses them (xdotool into the virtual display):
/// `S` grabs a still (graded and ungraded, full resolution, with the
/// look), `D` shows the picture side by side with the ungraded source.
/// Exact grading, so the still can be held to the CPU reference (a live
/// run on lavapipe would otherwise grade from the look's lattice).
#[test]
fn operator_keys_grab_a_still_and_compare_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let stills = dir.path().join("stills");
    let shot = dir.path().join("compare.png");
    let script = r#"
"$1" run --source "file:$2" --look "$3" --sink window --frames 50 --no-vsync --stills "$4" --screenshot "$5" --grade-path exact &
engine=$!
window=$(xdotool search --sync --name neurograde | head -1)
sleep 2
xdotool windowfocus --sync "$window" 2>/dev/null || true
xdotool key s
sleep 1
xdotool key d
wait $engine
"#;
    let out = xvfb("1280x800")
        .args(["bash", "-c", script, "keys"])
        .arg(env!("CARGO_BIN_EXE_neurograde"))
        .arg(footage("astronaut.png"))
        .arg(demo_look_path())
        .arg(&stills)
        .arg(&shot)
        .output()
        .expect("xvfb-run and xdotool (Debian: xvfb xdotool) run");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("still 0001 saved"), "{log}");

    // The still: graded as the CPU reference grades, ungraded as the
    // source is, full resolution, its look beside it.
    let library = neurograde::stills::Library::open(&stills).unwrap();
    let still = library.get("1").unwrap();
    assert_eq!(still.look().unwrap().name, "Demo warm");
    let (w, h, reference) = reference_picture(&demo_look());
    let (_, _, source) = common::astronaut_rgb8();
    let graded = image::open(still.graded()).unwrap().into_rgb16();
    let ungraded = image::open(still.ungraded()).unwrap().into_rgb16();
    assert_eq!((graded.width(), graded.height()), (w, h));
    let mut worst = [0f32; 2];
    for (i, (g, u)) in graded.pixels().zip(ungraded.pixels()).enumerate() {
        for c in 0..3 {
            let g = f32::from(g.0[c]) / 65535.0;
            let u = f32::from(u.0[c]) / 65535.0;
            worst[0] = worst[0].max((g - reference[i][c]).abs());
            worst[1] = worst[1].max((u - f32::from(source[i * 3 + c]) / 255.0).abs());
        }
    }
    println!(
        "still vs CPU reference: graded {:.2e}, ungraded {:.2e}",
        worst[0], worst[1]
    );
    // Half-float working values: within one half-float step below 1.0
    // (2^-11, half a 10-bit code; the GPU may round the store either way)
    // and the 16-bit file's own step.
    let step = 2f32.powi(-11) + 1.0 / 65535.0;
    assert!(worst[0] <= step && worst[1] <= step, "{worst:?}");

    // Side by side: the graded picture left, the ungraded source right.
    let view = load_rgb(&shot);
    let [x0, y0, x1, y1] = shown_in(
        &view,
        &shot.with_extension("json"),
        (w, h),
        Compare::SideBySide,
    );
    let ungraded_reference: Vec<[f32; 3]> = source
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]].map(|v| to_half(f32::from(v) / 255.0)))
        .collect();
    let mut errors = [Vec::new(), Vec::new()];
    let middle = (x0 + x1) / 2.0;
    for py in (y0.ceil() as u32)..(y1.floor() as u32) {
        for px in (x0.ceil() as u32)..(x1.floor() as u32) {
            let x = px as f32 + 0.5;
            // Skip the two columns at the seam.
            if (x - middle).abs() < 2.0 {
                continue;
            }
            let right = x >= middle;
            let u = if right {
                (x - middle) / (x1 - middle)
            } else {
                (x - x0) / (middle - x0)
            };
            let v = (py as f32 + 0.5 - y0) / (y1 - y0);
            let picture = if right {
                &ungraded_reference
            } else {
                &reference
            };
            let expected = bilinear(w, h, picture, u, v).map(quantize_u8);
            let shown = view.get_pixel(px, py).0;
            for c in 0..3 {
                errors[usize::from(right)]
                    .push((i32::from(shown[c]) - i32::from(expected[c])).unsigned_abs());
            }
        }
    }
    for (side, e) in ["graded (left)", "source (right)"].iter().zip(&mut errors) {
        e.sort_unstable();
        let mean = e.iter().map(|v| f64::from(*v)).sum::<f64>() / e.len() as f64;
        let p99 = e[e.len() * 99 / 100];
        println!("side by side, {side}: mean {mean:.3}, p99 {p99} codes");
        assert!(
            e.len() > 50_000 && mean < 0.6 && p99 <= 2,
            "{side}: mean {mean}, p99 {p99}"
        );
    }
}

/// The mask overlays read the secondaries' keyed weights texel for texel:
/// a matte shows the weight as grey, a tint mixes the secondary's colour
/// in by the weight (noise weights, odd sizes).
#[test]
fn mask_overlays_show_the_keyed_weights() {
    use neurograde::gpu::present::{MaskView, MaskViews, Overlays, OVERLAY_COLOURS};
    use wgpu::util::DeviceExt;
    let ctx = gpu();
    let format = wgpu::TextureFormat::Rgba8Unorm;
    let present = PresentPass::new(&ctx.device, format);
    let mut noise = common::Noise::new(77);
    for (w, h) in [(1, 1), (7, 5), (16, 3), (33, 17)] {
        // A flat mid-grey picture, so a tint's mix is easy to predict.
        let f = frame(w, h, PixelFormat::Rgb8, vec![128; (w * h * 3) as usize]);
        let look = Look::default();
        let mut pipeline = FramePipeline::new(&ctx);
        pipeline.set_look(&ctx, &look).unwrap();
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let picture = pipeline
            .encode_texture(&ctx, &mut encoder, &f, &GradeUniforms::from_look(&look))
            .unwrap()
            .clone();
        let grey = read_rgba16f(&ctx, &picture, (w, h), encoder)[0];
        let weights: Vec<u8> = noise.bytes((w * h * 4) as usize);
        let keyed = ctx
            .device
            .create_texture_with_data(
                &ctx.queue,
                &wgpu::TextureDescriptor {
                    label: None,
                    size: wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: wgpu::TextureFormat::Rgba8Unorm,
                    usage: wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[],
                },
                wgpu::util::TextureDataOrder::LayerMajor,
                &weights,
            )
            .create_view(&Default::default());
        let masks = neurograde::gpu::texture_2d(
            &ctx.device,
            "masks",
            (w, h),
            wgpu::TextureFormat::Rgba8Unorm,
            wgpu::TextureUsages::TEXTURE_BINDING,
        )
        .create_view(&Default::default());
        for view in [MaskView::Matte, MaskView::Tint] {
            let target = render_target(&ctx, (w, h), format);
            let target_view = target.create_view(&Default::default());
            let placement = Placement {
                native: true,
                overlays: Overlays {
                    secondaries: [MaskView::Off, view, MaskView::Off, MaskView::Off],
                    depth: false,
                },
                ..Placement::fit()
            };
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            let views = MaskViews {
                masks: &masks,
                weights: &keyed,
                size: (w, h),
            };
            present.encode(
                &ctx,
                &mut encoder,
                &picture,
                (w, h),
                &target_view,
                (w, h),
                &placement,
                None,
                Some(&views),
            );
            let shown = common::read_rgba8(&ctx, &target, (w, h), encoder);
            for i in 0..(w * h) as usize {
                let weight = f32::from(weights[i * 4 + 1]) / 255.0;
                for c in 0..3 {
                    let expected = match view {
                        MaskView::Matte => weight,
                        _ => grey + (OVERLAY_COLOURS[1][c] - grey) * 0.6 * weight,
                    };
                    let e = i32::from(quantize_u8(expected));
                    let got = i32::from(shown[i * 4 + c]);
                    assert!(
                        (got - e).abs() <= 1,
                        "{view:?} {w}x{h} texel {i}: {got} vs {e}"
                    );
                }
            }
        }
    }
}

/// An analysis mask the operator turns off is absent for the grade: the
/// face look's secondaries (skin, background) then grade nothing, and the
/// picture is the look without them; on again, they grade.
#[test]
fn a_mask_turned_off_stops_its_secondaries() {
    use neurograde::engine::analysis_link::{AnalysisLink, AnalysisOptions};
    let ctx = gpu();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/faces.toml");
    let look = Look::load(std::path::Path::new(path)).unwrap();
    let options = neurograde::launch::analysis_for_look(&look, &AnalysisOptions::default());
    let (_, f) = common::astronaut_frames();
    let grade = |look: &Look, muted: &[usize], analysed: bool| {
        let mut pipeline = FramePipeline::new(&ctx);
        pipeline.set_look(&ctx, look).unwrap();
        if analysed {
            let mut link = AnalysisLink::start(&ctx, &options)
                .expect("the face, matte and depth models run (make test fetches them)")
                .expect("analysis on");
            for channel in muted {
                link.set_muted(*channel, true);
            }
            link.before_frame(&ctx, &mut pipeline, &f).unwrap();
        }
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let view = pipeline
            .encode_texture(&ctx, &mut encoder, &f, &GradeUniforms::from_look(look))
            .unwrap()
            .clone();
        read_rgba16f(&ctx, &view, (f.width, f.height), encoder)
    };
    let worst = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    };
    let mut plain = look.clone();
    plain.secondaries.clear();
    let without = grade(&plain, &[], false);
    // Skin (G) and person (B, which the background is keyed from) off.
    let muted = grade(&look, &[1, 2], true);
    let graded = grade(&look, &[], true);
    println!(
        "masks off vs the look without secondaries: {:.2e}; on: {:.3}",
        worst(&muted, &without),
        worst(&graded, &without)
    );
    assert!(worst(&muted, &without) < 1e-3);
    assert!(
        worst(&graded, &without) > 0.05,
        "the secondaries grade when their masks are on"
    );
}

/// Pointing at an object as an operator does: a Ctrl+click on the ball in
/// the operator view writes the object secondary's `point` (where the
/// click fell on the picture, in picture fractions), saved with the look;
/// a plain click elsewhere on the picture does not move it.
#[test]
fn a_ctrl_click_points_the_object_mask() {
    let dir = tempfile::tempdir().unwrap();
    let look = dir.path().join("ball.toml");
    std::fs::write(&look, "[[secondary]]\nmask = \"object\"\nexposure = 1.0\n").unwrap();
    // The ball's centre in messi5.jpg; a plain click elsewhere after it is
    // no point.
    let ball = [362.0 / 548.0, 312.0 / 342.0];
    let saved = clicks_on_picture(
        &look,
        &footage("messi5.jpg"),
        (548, 342),
        &[
            Click::until("ctrl", ball, "point = ["),
            Click::once("", [ball[0] - 0.3, ball[1] - 0.4]),
        ],
        "off",
    );
    let point = saved.secondaries[0].point;
    println!("Ctrl+click on the ball in the window: point {point:?}, the ball at {ball:?}");
    let point = point.expect("the click set the point");
    assert!(
        (point[0] - ball[0]).abs() < 0.01 && (point[1] - ball[1]).abs() < 0.01,
        "{point:?} vs {ball:?}"
    );
}

#[test]
fn a_shift_click_on_a_face_grades_that_face_alone() {
    let dir = tempfile::tempdir().unwrap();
    let look = dir.path().join("skin.toml");
    std::fs::write(&look, "[[secondary]]\nmask = \"skin\"\nexposure = 0.5\n").unwrap();
    // Where the face is, as `analyze` finds it (track 0).
    let picture = footage("messi5.jpg");
    let json = dir.path().join("faces.json");
    let analysed = common::neurograde(&[
        "analyze",
        "--input",
        picture.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(analysed.code, 0, "{}", analysed.stderr);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let face = &report["frames"][0]["faces"][0];
    assert_eq!(face["id"], 0, "{face}");
    let b = &face["bbox"];
    let centre = |lo: &str, hi: &str, size: f64| {
        ((b[lo].as_f64().unwrap() + b[hi].as_f64().unwrap()) / 2.0 / size) as f32
    };
    let on_face = [centre("x0", "x1", 548.0), centre("y0", "y1", 342.0)];
    // Away from the face first (every face: no change), then on it, again
    // until the live analysis has found it (a click on a face the analysis
    // has not found yet picks none); a plain click after it changes nothing.
    let saved = clicks_on_picture(
        &look,
        &picture,
        (548, 342),
        &[
            Click::once("shift", [0.1, 0.9]),
            Click::until("shift", on_face, "face = 0"),
            Click::once("", [0.5, 0.5]),
        ],
        "async",
    );
    println!(
        "Shift+click on the face at {on_face:?}: face {:?}",
        saved.secondaries[0].face
    );
    assert_eq!(saved.secondaries[0].face, Some(0));
}

/// A click on the picture: its modifier key ("" for none), where (picture
/// fractions), and a line to wait for in the autosaved look (the click is
/// repeated each second until the look has it: the live analysis may not
/// have found the face yet).
struct Click<'a> {
    modifier: &'a str,
    at: [f32; 2],
    until: Option<&'a str>,
}

impl<'a> Click<'a> {
    fn once(modifier: &'a str, at: [f32; 2]) -> Click<'a> {
        Click {
            modifier,
            at,
            until: None,
        }
    }

    fn until(modifier: &'a str, at: [f32; 2], line: &'a str) -> Click<'a> {
        Click {
            modifier,
            at,
            until: Some(line),
        }
    }
}

/// Clicks on the picture in the operator view (xdotool under a virtual
/// display), with `look` live on `picture` (`size` pixels) and `--analysis`
/// as given; then Esc ends the run, and the look it saved is returned.
fn clicks_on_picture(
    look: &std::path::Path,
    picture: &std::path::Path,
    size: (u32, u32),
    clicks: &[Click],
    analysis: &str,
) -> Look {
    let dir = tempfile::tempdir().unwrap();
    let layout_shot = dir.path().join("layout.png");
    let saved = dir.path().join("saved.toml");
    let autosave = dir.path().join("autosave.toml");
    // Where the picture lies in the window: the first run's layout.
    let first = r#""$1" run --source "file:$2" --look "$3" --sink window --frames 20 --no-vsync --no-midi --screenshot "$4""#;
    let out = xvfb("1280x800")
        .args(["bash", "-c", first, "layout"])
        .arg(env!("CARGO_BIN_EXE_neurograde"))
        .arg(picture)
        .arg(look)
        .arg(&layout_shot)
        .output()
        .expect("xvfb-run runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let [x0, y0, x1, y1] = shown_in(
        &load_rgb(&layout_shot),
        &layout_shot.with_extension("json"),
        size,
        Compare::Off,
    );
    let mut script = String::from(
        r#"
"$1" run --source "file:$2" --look "$3" --sink window --loop --frames 100000 --no-vsync --no-midi --save-look "$4" --autosave "$5" --analysis "$6" &
engine=$!
window=$(xdotool search --sync --name neurograde | head -1)
sleep 2
xdotool windowfocus --sync "$window" 2>/dev/null || true
"#,
    );
    for click in clicks {
        let [u, v] = click.at;
        let x = (x0 + u * (x1 - x0)).round();
        let y = (y0 + v * (y1 - y0)).round();
        let press = match click.modifier {
            "" => "xdotool click 1".to_string(),
            key => format!("xdotool keydown {key} click 1 keyup {key}"),
        };
        let once = format!("xdotool mousemove --window \"$window\" {x} {y}; {press}; sleep 1");
        script += &match click.until {
            None => format!("{once}\n"),
            Some(line) => format!(
                "for i in $(seq 60); do {once}; grep -qF '{line}' \"$5\" 2>/dev/null && break; done\n"
            ),
        };
    }
    // Esc quits, as an operator does.
    script += "sleep 1\nxdotool key --window \"$window\" Escape\nwait $engine\n";
    let out = xvfb("1280x800")
        .args(["bash", "-c", &script, "click"])
        .arg(env!("CARGO_BIN_EXE_neurograde"))
        .arg(picture)
        .arg(look)
        .arg(&saved)
        .arg(&autosave)
        .arg(analysis)
        .output()
        .expect("xvfb-run and xdotool run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Look::load(&saved).unwrap()
}

/// Where a `size` picture is shown in a screenshot `view` of the operator
/// view, placed as `compare` places it in the picture area that `layout`
/// (the JSON written beside the screenshot) names: x0, y0, x1, y1 in the
/// screenshot's pixels.
fn shown_in(
    view: &image::RgbImage,
    layout: &std::path::Path,
    size: (u32, u32),
    compare: Compare,
) -> [f32; 4] {
    let layout: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(layout).unwrap()).unwrap();
    let a: Vec<f32> = layout["picture_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let (vw, vh) = (view.width() as f32, view.height() as f32);
    let placement = Placement {
        area: [a[0] / vw, a[1] / vh, a[2] / vw, a[3] / vh],
        compare,
        ..Placement::fit()
    };
    let r = placement.rect(size, (view.width(), view.height()));
    [r[0] * vw, r[1] * vh, r[2] * vw, r[3] * vh]
}
