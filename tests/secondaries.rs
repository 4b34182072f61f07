//! Secondaries on real footage with the real models' masks: the GPU's
//! mask-gated grades equal the CPU reference on both kernel routes (16-bit
//! analytic, 8-bit table) and the window's texture route, in video and
//! scene-referred looks; a face secondary brightens her face and nothing
//! else; without analysis no secondary grades anything.

mod common;

use common::*;
use neurograde::analysis::analyzer::Analysis;
use neurograde::analysis::object::{Crop, ObjectMask, INPUT_SIDE};
use neurograde::analysis::picture::RgbPicture;
use neurograde::analysis::tracker::TrackedFace;
use neurograde::analysis::{AnalysisInput, Analyzer, AnalyzerSettings};
use neurograde::frame::{Frame, FrameId, PixelFormat};
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::masks::MaskTexture;
use neurograde::gpu::{FramePipeline, GpuContext, OutputFormat, ReadbackQueue};
use neurograde::grade::atmosphere::{
    defocus_pixel, defocus_radius, AtmosphereGrid, AtmosphereSection,
};
use neurograde::grade::mask_expr::MaskExpr;
use neurograde::grade::qualifier::{hue_saturation, Qualifier};
use neurograde::grade::reference::{Grader, MaskedPixel};
use neurograde::grade::refine::{refined, RefineGrid};
use neurograde::grade::secondary::{MaskKind, Secondary, SecondaryWeights};
use neurograde::grade::soften::{soften_pixel, soften_step};
use neurograde::grade::Look;
use neurograde::masks::{MaskChannel, MaskSet};
use std::path::Path;
use std::time::Instant;

/// The astronaut's masks from the real models (faces, mesh, matte, depth),
/// on the models' 512 x 512 copy.
fn astronaut_masks() -> MaskSet {
    let (w, h, rgb) = astronaut_rgb8();
    let (result, faces) = analysed(w, h, &rgb);
    assert_eq!(result.faces.len(), 1, "{:?}", result.faces);
    let masks = result.masks(&faces);
    // Every mask but the object's: no one pointed at one.
    assert_eq!(masks.present[..8], [true; 8]);
    assert!(!masks.present[MaskChannel::Object as usize]);
    for channel in &MaskChannel::ALL[..8] {
        let channel = *channel;
        let c = masks.coverage(channel);
        // The face's parts are small: an eye is well under 1 % of the frame.
        let least = if channel as usize >= 4 { 0.0003 } else { 0.02 };
        assert!(c > least && c < 0.98, "{channel:?} covers {c}");
    }
    masks
}

/// The example scene-referred look (LogC3 camera, Rec. 709 display).
fn scene_look() -> Look {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/looks/logc3-rec709.toml"
    );
    Look::load(Path::new(path)).unwrap()
}

/// The real models' analysis of an 8-bit RGB picture as the live analysis
/// has it from its second picture on (the mesh's landmarks for the
/// tracks), and its faces when the picture was captured.
fn analysed(w: u32, h: u32, rgb: &[u8]) -> (Analysis, Vec<TrackedFace>) {
    let mut analyzer = Analyzer::open(AnalyzerSettings::default());
    assert!(analyzer.problems.is_empty(), "{:?}", analyzer.problems);
    let captured = Instant::now();
    let input = AnalysisInput {
        frame: FrameId(0),
        captured,
        frame_size: [w, h],
        picture: RgbPicture::from_rgb8(w, h, rgb),
        object_point: None,
    };
    analyzer.analyse(&input);
    let result = analyzer.analyse(&AnalysisInput {
        frame: FrameId(1),
        ..input
    });
    let faces = result.faces_at(captured);
    (result, faces)
}

fn with_secondaries(mut look: Look, secondaries: Vec<Secondary>) -> Look {
    look.secondaries = secondaries;
    look.validate("test").unwrap();
    look
}

/// Every kind of secondary at once, each with something different set.
fn four_secondaries() -> Vec<Secondary> {
    vec![
        Secondary {
            feather: 0.02,
            exposure: 0.6,
            gain: [1.05, 1.0, 0.95],
            soften: 0.7,
            ..Secondary::new(MaskKind::Skin)
        },
        Secondary {
            saturation: 0.3,
            exposure: -0.7,
            ..Secondary::new(MaskKind::Background)
        },
        Secondary {
            smooth: 0.3,
            saturation: 1.4,
            ..Secondary::new(MaskKind::DepthNear)
        },
        Secondary {
            invert: true,
            feather: 0.05,
            gain: [0.9, 1.0, 1.1],
            ..Secondary::new(MaskKind::Face)
        },
    ]
}

/// Mask expressions, grow and shrink, and the face's parts: the tonal
/// controls of Face Refinement.
fn combined_secondaries() -> Vec<Secondary> {
    let mask = |text: &str| MaskExpr::parse(text).unwrap();
    vec![
        Secondary {
            feather: 0.004,
            exposure: 0.5,
            ..Secondary::new(mask("eyes"))
        },
        Secondary {
            grow: -0.004,
            feather: 0.01,
            exposure: -0.5,
            ..Secondary::new(mask("shine & person"))
        },
        Secondary {
            grow: 0.01,
            saturation: 0.4,
            ..Secondary::new(mask("(background - face) | depth-far"))
        },
        Secondary {
            grow: 0.006,
            smooth: 0.5,
            gain: [1.1, 0.95, 1.0],
            ..Secondary::new(mask("under-eyes | lips"))
        },
    ]
}

/// Refined mattes: each kind of edge, at full and part strength, with a
/// feather and skin smoothing, beside an inverted key that is not refined.
fn refined_secondaries() -> Vec<Secondary> {
    vec![
        Secondary {
            refine: 1.0,
            exposure: -0.8,
            saturation: 0.5,
            ..Secondary::new(MaskKind::Background)
        },
        Secondary {
            refine: 0.6,
            feather: 0.004,
            soften: 0.5,
            exposure: 0.3,
            ..Secondary::new(MaskKind::Skin)
        },
        // Not refined: the kernel reads only the others' coefficients.
        Secondary {
            invert: true,
            exposure: -0.3,
            ..Secondary::new(MaskKind::Face)
        },
        Secondary {
            refine: 0.3,
            saturation: 1.3,
            ..Secondary::new(MaskKind::DepthNear)
        },
    ]
}

/// The object pointed at: alone, and with the background.
fn object_secondaries() -> Vec<Secondary> {
    let mask = |text: &str| MaskExpr::parse(text).unwrap();
    vec![
        Secondary {
            exposure: 0.6,
            saturation: 1.3,
            point: Some([0.76, 0.78]),
            ..Secondary::new(mask("object"))
        },
        Secondary {
            gain: [0.9, 1.0, 1.1],
            ..Secondary::new(mask("object | background"))
        },
    ]
}

/// HSL qualifiers alone, within masks, and subtracted from a mask.
fn qualified_secondaries() -> Vec<Secondary> {
    let mask = |text: &str| MaskExpr::parse(text).unwrap();
    vec![
        Secondary {
            saturation: 1.6,
            qualifier: Some(Qualifier {
                hue: Some([0.0, 50.0]),
                saturation: Some([0.2, 1.0]),
                luma: None,
                softness: 0.1,
            }),
            ..Secondary::new(MaskKind::Qualifier)
        },
        Secondary {
            exposure: -0.6,
            qualifier: Some(Qualifier {
                hue: None,
                saturation: None,
                luma: Some([0.55, 1.5]),
                softness: 0.08,
            }),
            ..Secondary::new(mask("qualifier & background"))
        },
        Secondary {
            gain: [1.2, 1.0, 0.8],
            qualifier: Some(Qualifier {
                hue: Some([180.0, 300.0]),
                saturation: None,
                luma: Some([0.0, 0.3]),
                softness: 0.15,
            }),
            ..Secondary::new(mask("person - qualifier"))
        },
        Secondary {
            exposure: 0.3,
            ..Secondary::new(mask("skin & person"))
        },
    ]
}

/// Haze thickening beyond a fifth of the depth range, and the far half
/// softened.
fn atmosphere() -> AtmosphereSection {
    AtmosphereSection {
        haze: [0.55, 0.6, 0.7],
        density: 3.0,
        start: 0.2,
        defocus: 0.9,
        focus: 0.4,
    }
}

/// Grades `frame` with `masks` on the GPU: float RGBA, or the working
/// texture (rgba16float) with `texture`.
fn gpu_grade(
    ctx: &GpuContext,
    frame: &Frame,
    look: &Look,
    masks: Option<&MaskSet>,
    texture: bool,
) -> Vec<f32> {
    let mut pipeline = FramePipeline::new(ctx);
    pipeline.set_look(ctx, look).unwrap();
    let mut slot = None;
    if let Some(masks) = masks {
        MaskTexture::upload(&mut slot, &ctx.device, &ctx.queue, masks);
        pipeline.set_masks(slot.as_ref().unwrap());
    }
    let uniforms = GradeUniforms::from_look(look);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    if texture {
        pipeline
            .encode_texture(ctx, &mut encoder, frame, &uniforms)
            .unwrap();
        return read_working_texture(ctx, &pipeline, encoder);
    }
    let format = OutputFormat::RgbaF32;
    let mut readback = ReadbackQueue::<()>::new(1, ctx.direct_readback);
    let output = readback.target(&ctx.device, FramePipeline::packed_bytes(frame, format));
    pipeline
        .encode_packed(ctx, &mut encoder, frame, &uniforms, format, output)
        .unwrap();
    readback.submit(&ctx.queue, encoder, ());
    let mut out = Vec::new();
    readback
        .flush(&ctx.device, |_, bytes| {
            out = bytemuck::cast_slice::<u8, f32>(bytes).to_vec()
        })
        .unwrap();
    out
}

/// The CPU reference on every other pixel of every other row (the
/// unoptimised reference is slow; a quarter of the picture still crosses
/// every mask edge): (pixel index, RGB).
fn cpu_grade(frame: &Frame, look: &Look, masks: Option<&MaskSet>) -> Vec<(usize, [f32; 3])> {
    let grader = Grader::new(look);
    let (w, h) = (frame.width, frame.height);
    let weights = masks.map(|m| SecondaryWeights::key(m, &look.secondaries, (w, h)));
    let atmosphere = masks
        .zip(look.atmosphere.as_ref())
        .map(|(m, a)| AtmosphereGrid::key(m, a));
    let refine = masks
        .zip(weights.as_ref())
        .and_then(|(m, weights)| RefineGrid::key(m, weights, &look.secondaries));
    let code = |x: u32, y: u32| {
        let p = frame.pixel(x, y);
        [p[0], p[1], p[2]]
    };
    let mut out = Vec::new();
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let mut rgb = code(x, y);
            let at = weights.as_ref().map(|weights| MaskedPixel {
                weights,
                atmosphere: atmosphere.as_ref(),
                uv: [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32],
                refine: refine.as_ref(),
                guide: rgb,
            });
            // As the kernel: defocus, then skin smoothing, then the grade.
            let defocus = grader.defocus_amount(at);
            if defocus > 0.0 {
                rgb = defocus_pixel(code, (x, y), (w, h), defocus, defocus_radius(h));
            }
            let amount = grader.soften_amount(at);
            if amount > 0.0 {
                rgb = soften_pixel(code, rgb, (x, y), (w, h), amount, soften_step(h));
            }
            let index = (y * w + x) as usize;
            out.push((index, grader.pixel_masked(rgb, at)));
        }
    }
    out
}

/// The largest GPU/CPU difference, relative to the pixel's brightest
/// channel when that is above 1. As tests/operators.rs measures it, in the
/// light the display shows (`in_light`: a scene-referred look's output
/// encoding undone, where the Rec. 709 toe would magnify f32 rounding near
/// black), or in code values (for the half-float texture, whose steps are
/// relative to the code value).
fn max_error(gpu: &[f32], cpu: &[(usize, [f32; 3])], look: &Look, in_light: bool) -> f32 {
    let light = |v: f32| match look.scene() {
        Some(scene) if in_light => scene.output.decode(v),
        _ => v,
    };
    let mut worst = 0f32;
    for &(i, want) in cpu {
        let want = want.map(light);
        let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
        for c in 0..3 {
            worst = worst.max((light(gpu[i * 4 + c]) - want[c]).abs() / scale);
        }
    }
    worst
}

#[test]
fn secondaries_on_real_masks_match_the_cpu_reference() {
    let ctx = gpu();
    let masks = astronaut_masks();
    let (deep, eight) = astronaut_frames();
    let scene = scene_look();
    let mut looks = Vec::new();
    for (set, secondaries, air) in [
        ("four kinds", four_secondaries(), None),
        ("expressions and parts", combined_secondaries(), None),
        ("qualifiers", qualified_secondaries(), None),
        ("refined mattes", refined_secondaries(), None),
        ("an object", object_secondaries(), None),
        ("four kinds in haze", four_secondaries(), Some(atmosphere())),
    ] {
        for (mode, base) in [
            ("video", Look::default()),
            ("scene-referred", scene.clone()),
        ] {
            let mut look = with_secondaries(base, secondaries.clone());
            look.atmosphere = air;
            looks.push((format!("{mode}, {set}"), look));
        }
    }
    // An object mask too (a disc over her helmet, as a track draws one),
    // for the secondaries that read it.
    let mut masks = masks;
    let helmet = [390.0f32, 400.0f32];
    let values = (0..INPUT_SIDE * INPUT_SIDE)
        .map(|i| {
            let (x, y) = ((i % INPUT_SIDE) as f32, (i / INPUT_SIDE) as f32);
            let d = ((x - 160.0).powi(2) + (y - 160.0).powi(2)).sqrt();
            (1.0 - (d - 100.0) / 20.0).clamp(0.0, 1.0)
        })
        .collect();
    let object = ObjectMask {
        crop: Crop::around(helmet, 200.0),
        values,
        bbox: [0.0; 4],
    };
    masks.draw_object(Some(&object), true);
    for (name, look) in &looks {
        let cpu = cpu_grade(&deep, look, Some(&masks));
        let plain = cpu_grade(
            &deep,
            &Look {
                secondaries: Vec::new(),
                ..look.clone()
            },
            None,
        );
        let changed = cpu.iter().zip(&plain).filter(|(a, b)| a.1 != b.1).count();
        // The object is small: a twentieth of the picture.
        let least = if name.contains("object") { 20 } else { 4 };
        assert!(
            changed > cpu.len() / least,
            "{name}: the secondaries changed only {changed} pixels"
        );
        for (route, frame, texture, tolerance) in [
            ("analytic (16-bit in)", &deep, false, 1e-4),
            ("8-bit table", &eight, false, 1e-4),
            // Half floats: a step is 2^-10 of the value's power of two
            // (9.8e-4 from 1 to 2, where brightened skin lands), and the
            // store may round either way; compared in code values, where
            // near black the Rec. 709 toe (slope 4.5) also magnifies f32
            // differences (a black pixel at 0.0015, 0.4 of an 8-bit code).
            ("window texture", &deep, true, 2e-3),
        ] {
            let cpu = if std::ptr::eq(frame, &eight) {
                cpu_grade(frame, look, Some(&masks))
            } else {
                cpu.clone()
            };
            let gpu = gpu_grade(&ctx, frame, look, Some(&masks), texture);
            let err = max_error(&gpu, &cpu, look, !texture);
            println!(
                "secondaries, {name} look, {route}: max abs error {err:.2e} on {}",
                ctx.summary.name
            );
            assert!(err < tolerance, "{name}, {route}: {err}");
        }
    }
}

#[test]
fn a_face_secondary_grades_her_face_and_nothing_else() {
    let ctx = gpu();
    let masks = astronaut_masks();
    let (deep, _) = astronaut_frames();
    let face = with_secondaries(
        Look::default(),
        vec![Secondary {
            exposure: 1.0,
            ..Secondary::new(MaskKind::Face)
        }],
    );
    let graded = gpu_grade(&ctx, &deep, &face, Some(&masks), false);
    let plain = gpu_grade(&ctx, &deep, &Look::default(), Some(&masks), false);
    let (w, h) = (deep.width as usize, deep.height as usize);
    let (mut inside, mut outside, mut brighter, mut untouched) = (0, 0, 0, 0);
    for y in 0..h {
        for x in 0..w {
            // The mask grid is the picture's here (512 x 512).
            let m = masks.rgba[(y * w + x) * 4 + MaskChannel::Face as usize];
            let i = (y * w + x) * 4;
            let luma = |p: &[f32]| p[i] * 0.2126 + p[i + 1] * 0.7152 + p[i + 2] * 0.0722;
            // Away from the oval's edge (bilinear sampling blends one texel).
            let edge = (x.saturating_sub(1)..(x + 2).min(w)).any(|xx| {
                (y.saturating_sub(1)..(y + 2).min(h)).any(|yy| masks.rgba[(yy * w + xx) * 4] != m)
            });
            if edge {
                continue;
            }
            if m == 255 {
                inside += 1;
                brighter += usize::from(luma(&graded) > luma(&plain) * 1.2 || luma(&plain) > 0.95);
            } else {
                outside += 1;
                untouched += usize::from(graded[i..i + 3] == plain[i..i + 3]);
            }
        }
    }
    println!("face secondary: {brighter} of {inside} face pixels brighter, {untouched} of {outside} others untouched");
    assert!(inside > 5000, "{inside}");
    assert_eq!(brighter, inside);
    assert_eq!(untouched, outside);
}

/// Two people: the portrait beside its own mirror image (1024 x 512), and
/// its masks from the real models (the grid is the picture).
fn two_faces() -> (Frame, MaskSet, Vec<u32>) {
    let (w, h, rgb) = astronaut_rgb8();
    let (w2, h2) = (2 * w, h);
    let mut both = vec![0u8; (w2 * h2 * 3) as usize];
    for y in 0..h as usize {
        for x in 0..w as usize {
            let from = &rgb[(y * w as usize + x) * 3..][..3];
            let left = (y * w2 as usize + x) * 3;
            let right = (y * w2 as usize + (w2 as usize - 1 - x)) * 3;
            both[left..left + 3].copy_from_slice(from);
            both[right..right + 3].copy_from_slice(from);
        }
    }
    let (result, faces) = analysed(w2, h2, &both);
    let ids = faces.iter().map(|f| f.id).collect();
    (
        frame(w2, h2, PixelFormat::Rgb8, both),
        result.masks(&faces),
        ids,
    )
}

#[test]
fn a_face_number_grades_that_face_alone() {
    let ctx = gpu();
    let (picture, masks, ids) = two_faces();
    // Numbered left to right as first seen.
    assert_eq!(ids.len(), 2, "{ids:?}");
    let (w, h) = (picture.width as usize, picture.height as usize);
    let left_of = |id: u32| {
        let code = neurograde::masks::face_code(id);
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| masks.face_code_at(x as u32, y as u32) == code)
            .map(|(x, _)| x)
            .sum::<usize>()
    };
    assert!(left_of(0) < left_of(1), "face 0 is the left one");
    let right_face = Secondary {
        exposure: 1.0,
        face: Some(1),
        ..Secondary::new(MaskExpr::parse("skin | eyes").unwrap())
    };
    let every_face = Secondary {
        face: None,
        ..right_face.clone()
    };
    let plain = gpu_grade(&ctx, &picture, &Look::default(), Some(&masks), false);
    let one = gpu_grade(
        &ctx,
        &picture,
        &with_secondaries(Look::default(), vec![right_face.clone()]),
        Some(&masks),
        false,
    );
    let both = gpu_grade(
        &ctx,
        &picture,
        &with_secondaries(Look::default(), vec![every_face]),
        Some(&masks),
        false,
    );
    // Changed pixels on each half, with the face number and without.
    let changed = |graded: &[f32], right_half: bool| {
        (0..h)
            .flat_map(|y| (0..w / 2).map(move |x| (x + usize::from(right_half) * w / 2, y)))
            .filter(|&(x, y)| {
                let i = (y * w + x) * 4;
                (graded[i..i + 3].iter().zip(&plain[i..i + 3])).any(|(a, b)| (a - b).abs() > 1e-3)
            })
            .count()
    };
    let (one_left, one_right) = (changed(&one, false), changed(&one, true));
    let (both_left, both_right) = (changed(&both, false), changed(&both, true));
    println!(
        "face 1 only: {one_left} left / {one_right} right pixels changed; every face: {both_left} / {both_right}"
    );
    assert!(both_left > 5000 && both_right > 5000);
    assert_eq!(one_left, 0, "the other face is untouched");
    assert_eq!(one_right, both_right, "the chosen face is graded as before");
    // A track that is not there grades nothing.
    let gone = Secondary {
        face: Some(7),
        ..right_face.clone()
    };
    let nobody = gpu_grade(
        &ctx,
        &picture,
        &with_secondaries(Look::default(), vec![gone]),
        Some(&masks),
        false,
    );
    assert_eq!(changed(&nobody, false) + changed(&nobody, true), 0);
    // GPU = CPU, with the face number on a scene-referred look too.
    for base in [Look::default(), scene_look()] {
        let look = with_secondaries(base, vec![right_face.clone()]);
        let gpu = gpu_grade(&ctx, &picture, &look, Some(&masks), false);
        let cpu = cpu_grade(&picture, &look, Some(&masks));
        let error = max_error(&gpu, &cpu, &look, true);
        println!("face number, GPU vs CPU: {error:.2e}");
        assert!(error < 1e-4, "{error}");
    }
}

#[test]
fn without_analysis_no_secondary_grades_anything() {
    let ctx = gpu();
    let (deep, eight) = astronaut_frames();
    let look = with_secondaries(Look::default(), four_secondaries());
    for frame in [&deep, &eight] {
        let with = gpu_grade(&ctx, frame, &look, None, false);
        let without = gpu_grade(&ctx, frame, &Look::default(), None, false);
        assert_eq!(with, without);
    }
    // A run whose analysis has no depth model: depth-near grades nothing
    // (rather than reading an empty mask), the others still do.
    let mut masks = astronaut_masks();
    masks.present[MaskChannel::Depth as usize] = false;
    let depth_only = with_secondaries(
        Look::default(),
        vec![Secondary {
            exposure: 2.0,
            ..Secondary::new(MaskKind::DepthFar)
        }],
    );
    assert_eq!(
        gpu_grade(&ctx, &deep, &depth_only, Some(&masks), false),
        gpu_grade(&ctx, &deep, &Look::default(), Some(&masks), false)
    );
}

/// A secondary keyed by the qualifier alone needs no analysis: it grades
/// without masks, GPU as CPU, and only the colours it names.
#[test]
fn a_qualifier_alone_grades_without_analysis() {
    let ctx = gpu();
    let (deep, eight) = astronaut_frames();
    let reds = qualified_secondaries()[..1].to_vec();
    for (name, look) in [
        ("video", with_secondaries(Look::default(), reds.clone())),
        (
            "scene-referred",
            with_secondaries(scene_look(), reds.clone()),
        ),
    ] {
        let plain = Look {
            secondaries: Vec::new(),
            ..look.clone()
        };
        for frame in [&deep, &eight] {
            let cpu = cpu_grade(frame, &look, None);
            let gpu = gpu_grade(&ctx, frame, &look, None, false);
            let err = max_error(&gpu, &cpu, &look, true);
            let before = cpu_grade(frame, &plain, None);
            let changed = cpu.iter().zip(&before).filter(|(a, b)| a.1 != b.1).count();
            println!(
                "qualifier alone, {name}: {changed} of {} pixels keyed, GPU vs CPU {err:.2e}",
                cpu.len()
            );
            assert!(err < 1e-4, "{name}: {err}");
            // Her suit and skin are warm; the grey background and the
            // black collar are not.
            assert!(
                changed > cpu.len() / 10 && changed < cpu.len() * 2 / 3,
                "{changed}"
            );
        }
    }
}

/// The qualifier's hue and saturation are the hexcone's, as colour-science
/// computes them (`RGB_to_HSV`), on the portrait's pixels.
#[test]
fn qualifier_hue_and_saturation_agree_with_colour_science() {
    let (_, _, rgb) = astronaut_rgb8();
    let pixels: Vec<[f32; 3]> = rgb
        .chunks_exact(3)
        .step_by(97)
        .map(|p| [p[0], p[1], p[2]].map(|v| f32::from(v) / 255.0))
        .collect();
    let input: String = pixels
        .iter()
        .map(|p| format!("{} {} {}\n", p[0], p[1], p[2]))
        .collect();
    let script = "import sys, numpy as np, colour\nv = np.loadtxt(sys.stdin).reshape(-1, 3)\nfor h, s, _ in colour.RGB_to_HSV(v):\n    print(repr(float(h)), repr(float(s)))\n";
    let theirs = colour_science(script, &input);
    let mut worst = (0f32, 0f32);
    let mut count = 0;
    for (p, line) in pixels.iter().zip(theirs.lines()) {
        let mut v = line.split(' ').map(|x| x.parse::<f32>().unwrap());
        let (their_hue, their_saturation) = (v.next().unwrap(), v.next().unwrap());
        let (hue, saturation) = hue_saturation(*p);
        // Hue is a circle: 0.999 and 0.001 are close.
        let d = (hue - their_hue).abs();
        worst.0 = worst.0.max(d.min(1.0 - d));
        worst.1 = worst.1.max((saturation - their_saturation).abs());
        count += 1;
    }
    println!(
        "qualifier against colour-science on {count} pixels: hue {:.1e} turns, saturation {:.1e}",
        worst.0, worst.1
    );
    assert_eq!(count, pixels.len());
    assert!(worst.0 < 1e-5 && worst.1 < 1e-5, "{worst:?}");
}

#[test]
fn secondaries_round_trip_through_the_look_file_and_bad_values_are_named() {
    let text = r#"
name = "faces up"
[[secondary]]
mask = "skin"
feather = 0.02
exposure = 0.3
saturation = 0.9
smooth = 0.4

[[secondary]]
mask = "background"
enabled = false
gain = [1.0, 1.0, 1.1]
"#;
    let look = Look::parse(text, Path::new("faces.toml")).unwrap();
    look.validate("faces.toml").unwrap();
    assert_eq!(look.secondaries.len(), 2);
    assert_eq!(look.secondaries[0].mask, MaskKind::Skin.into());
    assert!(!look.secondaries[1].enabled);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.toml");
    look.save(&path).unwrap();
    assert_eq!(Look::load(&path).unwrap(), look);

    let bad = text.replace("\"skin\"", "\"hair\"");
    let err = Look::parse(&bad, Path::new("faces.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("faces.toml") && err.contains("line 4") && err.contains("hair"),
        "{err}"
    );
    assert!(
        err.contains("depth-near"),
        "the allowed masks are listed: {err}"
    );
    let mut look = look;
    look.secondaries[1].feather = 0.5;
    let err = look.validate("faces.toml").unwrap_err().to_string();
    assert!(
        err.contains("secondary[2].feather") && err.contains("0 <= feather <= 0.25"),
        "{err}"
    );
    look.secondaries[1].feather = 0.0;
    look.secondaries
        .extend(vec![Secondary::new(MaskKind::Face); 3]);
    let err = look.validate("faces.toml").unwrap_err().to_string();
    assert!(err.contains("at most 4"), "{err}");

    // Expressions and the qualifier: saved and loaded back; a qualifier
    // named without its table, a table without the name, and ranges out of
    // order are refused with the key.
    let text = r#"
[[secondary]]
mask = "qualifier & (background - face)"
exposure = -0.4
[secondary.qualifier]
hue = [340, 20]
saturation = [0.2, 0.9]
softness = 0.1
"#;
    let look = Look::parse(text, Path::new("q.toml")).unwrap();
    look.validate("q.toml").unwrap();
    let path = dir.path().join("q.toml");
    look.save(&path).unwrap();
    assert_eq!(Look::load(&path).unwrap(), look);
    let refused = |text: &str| {
        let look = Look::parse(text, Path::new("q.toml")).unwrap();
        look.validate("q.toml").unwrap_err().to_string()
    };
    let err = refused("[[secondary]]\nmask = \"qualifier\"\n");
    assert!(
        err.contains("secondary[1].mask") && err.contains("[secondary.qualifier]"),
        "{err}"
    );
    let err = refused(&text.replace("qualifier & ", ""));
    assert!(
        err.contains("secondary[1].qualifier") && err.contains("names it"),
        "{err}"
    );
    let err = refused(&text.replace("[0.2, 0.9]", "[0.9, 0.2]"));
    assert!(
        err.contains("secondary[1].qualifier.saturation") && err.contains("low <= high"),
        "{err}"
    );
    let err = Look::parse(&text.replace("- face", "- nose"), Path::new("q.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("q.toml") && err.contains("unknown mask \"nose\""),
        "{err}"
    );
}

/// The Face Mesh parts on her real landmarks: the eyes above the band under
/// them, above the lips; shine is skin, above the eyes (forehead) and below
/// them (cheekbones); the eyes are not skin.
#[test]
fn the_face_parts_sit_where_a_face_has_them() {
    let masks = astronaut_masks();
    let (w, h) = (masks.width, masks.height);
    // The centroid and extent of a channel's texels above one half.
    let stats = |c: MaskChannel| {
        let on: Vec<(f32, f32)> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| masks.value(x, y, c) > 127)
            .map(|(x, y)| (x as f32, y as f32))
            .collect();
        let n = on.len() as f32;
        let centre = (
            on.iter().map(|p| p.0).sum::<f32>() / n,
            on.iter().map(|p| p.1).sum::<f32>() / n,
        );
        (on, centre)
    };
    let (eyes, eyes_at) = stats(MaskChannel::Eyes);
    let (under, under_at) = stats(MaskChannel::UnderEyes);
    let (_, lips_at) = stats(MaskChannel::Lips);
    let (shine, _) = stats(MaskChannel::Shine);
    let (_, face_at) = stats(MaskChannel::Face);
    println!(
        "eyes at {eyes_at:?}, under the eyes {under_at:?}, lips {lips_at:?}, face {face_at:?}"
    );
    assert!(eyes_at.1 < under_at.1 && under_at.1 < lips_at.1);
    assert!((eyes_at.0 - face_at.0).abs() < w as f32 * 0.05);
    // Two eyes: texels on both sides of the face's centre line.
    assert!(eyes.iter().any(|p| p.0 < face_at.0) && eyes.iter().any(|p| p.0 > face_at.0));
    assert!(under.iter().any(|p| p.0 < face_at.0) && under.iter().any(|p| p.0 > face_at.0));
    for &(x, y) in &eyes {
        assert_eq!(masks.value(x as u32, y as u32, MaskChannel::Skin), 0);
    }
    for &(x, y) in &shine {
        assert!(masks.value(x as u32, y as u32, MaskChannel::Skin) > 127);
    }
    assert!(
        shine.iter().any(|p| p.1 < eyes_at.1 - 0.05 * h as f32),
        "forehead"
    );
    assert!(shine.iter().any(|p| p.1 > under_at.1), "cheekbones");
}

/// Skin smoothing on the portrait through the GPU: high-frequency energy
/// inside her skin falls at full strength and mostly stays at low strength;
/// where the skin key is 0 (eyes, brows, lips, the background) the picture
/// is exactly the plain grade's.
#[test]
fn soften_smooths_skin_and_nothing_else() {
    let ctx = gpu();
    let masks = astronaut_masks();
    let (_, eight) = astronaut_frames();
    let (w, h) = (eight.width, eight.height);
    let skin = |soften: f32| {
        with_secondaries(
            Look::default(),
            vec![Secondary {
                feather: 0.004,
                soften,
                ..Secondary::new(MaskKind::Skin)
            }],
        )
    };
    let plain = gpu_grade(&ctx, &eight, &skin(0.0), Some(&masks), false);
    let full = gpu_grade(&ctx, &eight, &skin(1.0), Some(&masks), false);
    let low = gpu_grade(&ctx, &eight, &skin(0.3), Some(&masks), false);
    let weights = SecondaryWeights::key(&masks, &skin(1.0).secondaries, (w, h));
    let weight =
        |x: u32, y: u32| weights.at([(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32])[0];
    let luma = |out: &[f32], x: u32, y: u32| {
        let i = (y * w + x) as usize * 4;
        0.2126 * out[i] + 0.7152 * out[i + 1] + 0.0722 * out[i + 2]
    };
    // High-frequency energy: the mean square of luma minus its 3 x 3 mean,
    // over pixels deep inside the skin.
    let energy = |out: &[f32]| {
        let (mut sum, mut n) = (0.0f64, 0usize);
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                if weight(x, y) < 0.99 {
                    continue;
                }
                let mut mean = 0.0;
                for (dx, dy) in (0..9).map(|k| (k % 3, k / 3)) {
                    mean += luma(out, x + dx - 1, y + dy - 1) / 9.0;
                }
                sum += f64::from((luma(out, x, y) - mean).powi(2));
                n += 1;
            }
        }
        (sum / n as f64, n)
    };
    let (before, n) = energy(&plain);
    let (after_full, _) = energy(&full);
    let (after_low, _) = energy(&low);
    let (mut untouched, mut outside) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            if weight(x, y) == 0.0 {
                outside += 1;
                let i = (y * w + x) as usize * 4;
                untouched += usize::from(full[i..i + 3] == plain[i..i + 3]);
            }
        }
    }
    let kept_full = after_full / before;
    let kept_low = after_low / before;
    println!(
        "soften on {n} skin pixels: high-frequency energy {:.1} % left at full strength, {:.1} % at 0.3; {untouched} of {outside} pixels outside the skin key untouched",
        100.0 * kept_full,
        100.0 * kept_low
    );
    assert!(n > 3000, "{n}");
    assert!(kept_full < 0.5, "{kept_full}");
    assert!(
        kept_low > 0.6,
        "texture is kept at low strength: {kept_low}"
    );
    assert_eq!(untouched, outside);
    // The eyes, brows and lips are outside the skin key, not only far from it.
    let eye = masks
        .channel(MaskChannel::Eyes)
        .iter()
        .filter(|v| **v > 127)
        .count();
    assert!(eye > 20, "{eye}");
}

/// A static shot (the portrait with fresh sensor noise on each of 8
/// frames), analysed frame by frame as `grade` does (tracking and smoothing
/// on): with face refinement (skin smoothed, eyes and the band under them
/// lifted) the output's mean absolute frame-to-frame change inside her face
/// stays within 2x of the same shot graded without it, and with haze and
/// defocus by depth over the whole picture.
#[test]
fn face_refinement_holds_still_on_a_static_shot() {
    let ctx = gpu();
    let (w, h, rgb) = astronaut_rgb8();
    let mut noise = neurograde::noise::SplitMix64(31);
    let mut analyzer = Analyzer::open(AnalyzerSettings::default());
    assert!(analyzer.problems.is_empty(), "{:?}", analyzer.problems);
    let start = Instant::now();
    let mask = |text: &str| MaskExpr::parse(text).unwrap();
    let refined = with_secondaries(
        Look::default(),
        vec![
            Secondary {
                feather: 0.004,
                soften: 1.0,
                ..Secondary::new(MaskKind::Skin)
            },
            Secondary {
                feather: 0.003,
                exposure: 0.4,
                ..Secondary::new(mask("eyes"))
            },
            Secondary {
                feather: 0.006,
                exposure: 0.3,
                ..Secondary::new(mask("under-eyes"))
            },
        ],
    );
    let plain = Look::default();
    let hazy = Look {
        atmosphere: Some(atmosphere()),
        ..Look::default()
    };
    let mut face = Vec::new();
    let mut outputs: [Vec<Vec<f32>>; 3] = Default::default();
    for i in 0..8u32 {
        // Shot and read noise of about 2 codes (a sum of four uniforms).
        let noisy: Vec<u8> = rgb
            .iter()
            .map(|&v| {
                let n: f64 = (0..4).map(|_| noise.next_unit() - 0.5).sum::<f64>() * 3.5;
                (f64::from(v) + n).round().clamp(0.0, 255.0) as u8
            })
            .collect();
        let captured = start + std::time::Duration::from_millis(40 * u64::from(i));
        let result = analyzer.analyse(&AnalysisInput {
            frame: FrameId(u64::from(i)),
            captured,
            frame_size: [w, h],
            picture: RgbPicture::from_rgb8(w, h, &noisy),
            object_point: None,
        });
        let masks = result.masks(&result.faces_at(captured));
        // Her face as the last frame's mesh draws it (the first frame's
        // is the detector's ellipse, before the mesh runs).
        if i == 7 {
            face = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let (mx, my) = (x * masks.width / w, y * masks.height / h);
                    masks.value(mx, my, MaskChannel::Face) > 127
                })
                .map(|(x, y)| (y * w + x) as usize)
                .collect();
        }
        let frame = frame(w, h, PixelFormat::Rgb8, noisy);
        for (out, look) in outputs.iter_mut().zip([&refined, &plain, &hazy]) {
            out.push(gpu_grade(&ctx, &frame, look, Some(&masks), false));
        }
    }
    let flicker = |frames: &[Vec<f32>], pixels: &[usize]| {
        let mut sum = 0.0f64;
        for pair in frames.windows(2) {
            for &p in pixels {
                for c in 0..3 {
                    sum += f64::from((pair[1][p * 4 + c] - pair[0][p * 4 + c]).abs());
                }
            }
        }
        sum / ((frames.len() - 1) * pixels.len() * 3) as f64
    };
    let (with, without) = (flicker(&outputs[0], &face), flicker(&outputs[1], &face));
    // Haze and defocus by depth, over the whole picture.
    let all: Vec<usize> = (0..(w * h) as usize).collect();
    let (hazed, unhazed) = (flicker(&outputs[2], &all), flicker(&outputs[1], &all));
    println!(
        "static shot, whole picture: frame-to-frame change {hazed:.5} with haze and defocus, {unhazed:.5} without ({:.2}x)",
        hazed / unhazed
    );
    assert!(hazed <= 2.0 * unhazed, "{hazed} vs {unhazed}");
    println!(
        "static shot, {} face pixels: frame-to-frame change {:.5} with face refinement, {:.5} without ({:.2}x)",
        face.len(),
        with,
        without,
        with / without
    );
    assert!(face.len() > 5000, "{}", face.len());
    assert!(with <= 2.0 * without, "{with} vs {without}");
}

/// Depth atmosphere on the portrait through the GPU, with the real depth
/// model's map: the far background moves towards the haze colour and
/// loses its fine detail, her face (near) keeps both.
#[test]
fn haze_and_defocus_follow_the_depth() {
    let ctx = gpu();
    let masks = astronaut_masks();
    let (_, eight) = astronaut_frames();
    let (w, h) = (eight.width, eight.height);
    let plain = Look::default();
    let hazy = Look {
        atmosphere: Some(atmosphere()),
        ..Look::default()
    };
    // Defocus alone (no haze), to see the softening by itself.
    let soft_only = AtmosphereSection {
        density: 0.0,
        ..atmosphere()
    };
    let defocused = gpu_grade(
        &ctx,
        &eight,
        &Look {
            atmosphere: Some(soft_only),
            ..Look::default()
        },
        Some(&masks),
        false,
    );
    let before = gpu_grade(&ctx, &eight, &plain, Some(&masks), false);
    let after = gpu_grade(&ctx, &eight, &hazy, Some(&masks), false);
    let grid = AtmosphereGrid::key(&masks, &atmosphere());
    let at = |x: u32, y: u32| grid.at([(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32]);
    // Per region: the mean distance to the haze colour (display-encoded
    // in video mode: the sRGB curve of the linear haze colour), and the
    // high-frequency energy (luma minus its 3 x 3 mean, mean square).
    let haze_code = atmosphere()
        .haze
        .map(|c| neurograde::grade::transfer::Transfer::Srgb.encode(c));
    let luma = |out: &[f32], x: u32, y: u32| {
        let i = (y * w + x) as usize * 4;
        0.2126 * out[i] + 0.7152 * out[i + 1] + 0.0722 * out[i + 2]
    };
    let region = |far: bool| {
        let mut stats = [0.0f64; 6];
        let mut n = 0usize;
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let [haze, defocus] = at(x, y);
                let inside = if far {
                    haze > 0.6 && defocus > 0.5
                } else {
                    haze == 0.0 && defocus == 0.0
                };
                if !inside {
                    continue;
                }
                n += 1;
                let i = (y * w + x) as usize * 4;
                for (k, out) in [&before, &after].into_iter().enumerate() {
                    let d: f32 = (0..3)
                        .map(|c| (out[i + c] - haze_code[c]).abs())
                        .sum::<f32>()
                        / 3.0;
                    stats[k] += f64::from(d);
                }
                for (k, out) in [&before, &after, &defocused].into_iter().enumerate() {
                    let mut mean = 0.0;
                    for (dx, dy) in (0..9).map(|k| (k % 3, k / 3)) {
                        mean += luma(out, x + dx - 1, y + dy - 1) / 9.0;
                    }
                    stats[2 + k] += f64::from((luma(out, x, y) - mean).powi(2));
                }
            }
        }
        (stats.map(|s| s / n.max(1) as f64), n)
    };
    let (far, far_n) = region(true);
    let (near, near_n) = region(false);
    println!(
        "haze: far ({far_n} px) distance to the haze colour {:.4} -> {:.4}, detail energy {:.2e} -> {:.2e} (defocus alone {:.2e}); near ({near_n} px) {:.4} -> {:.4}, detail {:.2e} -> {:.2e} (defocus alone {:.2e})",
        far[0], far[1], far[2], far[3], far[4], near[0], near[1], near[2], near[3], near[4]
    );
    assert!(far_n > 2000 && near_n > 2000, "{far_n} {near_n}");
    assert!(far[1] < 0.5 * far[0], "the far planes take the haze");
    assert!(far[4] < 0.6 * far[2], "defocus takes their fine detail");
    // Near: not hazed at all (the detail measure reaches one pixel out,
    // across the edge of the region).
    assert_eq!(near[0], near[1]);
    assert!((near[4] - near[2]).abs() < 0.01 * near[2]);
}

/// A person with a known matte: the portrait's person (the model's matte
/// on the portrait at full resolution, cut hard at one half) over the
/// building, a real background with no one in it. Returns the composite
/// (RGB8) and the truth (1 person, 0 background).
fn person_with_known_matte() -> (u32, u32, Vec<u8>, Vec<f32>) {
    let (w, h, portrait) = astronaut_rgb8();
    let mut analyzer = Analyzer::open(AnalyzerSettings::default());
    let masks = analyzer
        .analyse(&AnalysisInput {
            frame: FrameId(0),
            captured: Instant::now(),
            frame_size: [w, h],
            picture: RgbPicture::from_rgb8(w, h, &portrait),
            object_point: None,
        })
        .masks(&[]);
    let truth: Vec<f32> = masks
        .channel(MaskChannel::Person)
        .iter()
        .map(|v| if *v >= 128 { 1.0 } else { 0.0 })
        .collect();
    let building = image::open(footage("building.jpg")).unwrap().into_rgb8();
    let mut composite = portrait;
    for (i, t) in truth.iter().enumerate() {
        if *t == 0.0 {
            let (x, y) = (i as u32 % w, i as u32 / w);
            // The building's right part, where no tree stands.
            let px = building.get_pixel(x + 300, y + 40);
            composite[i * 3..i * 3 + 3].copy_from_slice(&px.0);
        }
    }
    (w, h, composite, truth)
}

/// Matte refinement on a person with a known matte, analysed as the live
/// loop does (the models see a copy a quarter the size: the masks' grid is
/// 128 x 128 for the 512 x 512 picture, as 640 x 360 is for 1080p at a
/// third), over six frames of fresh sensor noise: along the true edge the
/// refined matte's error is lower than the raw model matte's, and the
/// graded picture's frame-to-frame change there (the background darkened
/// and desaturated) stays within 2x of the same grade without refinement.
#[test]
fn refined_mattes_follow_the_picture_and_hold_still() {
    let (w, h, composite, truth) = person_with_known_matte();
    let grid = 128;
    // Separating the planes: the background darkened and desaturated.
    let background = |refine: f32| {
        with_secondaries(
            Look::default(),
            vec![Secondary {
                refine,
                exposure: -1.0,
                saturation: 0.5,
                ..Secondary::new(MaskKind::Background)
            }],
        )
    };
    let (refined_look, raw_look) = (background(1.0), background(0.0));
    let (refined_grader, raw_grader) = (Grader::new(&refined_look), Grader::new(&raw_look));
    let secondaries = &refined_look.secondaries;
    // Pixels within 6 of the true edge (along a row or a column).
    let truth_at = |x: i64, y: i64| {
        truth[(y.clamp(0, i64::from(h) - 1) * i64::from(w) + x.clamp(0, i64::from(w) - 1)) as usize]
    };
    let band: Vec<usize> = (0..w * h)
        .filter(|i| {
            let (x, y) = (i64::from(i % w), i64::from(i / w));
            let t = truth_at(x, y);
            (-6..=6).any(|d| truth_at(x + d, y) != t || truth_at(x, y + d) != t)
        })
        .map(|i| i as usize)
        .collect();
    let mut analyzer = Analyzer::open(AnalyzerSettings::default());
    let mut noise = neurograde::noise::SplitMix64(5);
    let started = Instant::now();
    // Per frame, on the band: the raw and refined mattes, and the graded
    // picture without and with refinement (three values a pixel).
    let [mut raw, mut refined_mattes, mut raw_out, mut refined_out]: [Vec<Vec<f32>>; 4] =
        Default::default();
    for frame in 0..6u64 {
        let noisy: Vec<u8> = composite
            .iter()
            .map(|v| {
                // About 3 codes of sensor noise (a sum of four uniforms).
                let n: f64 = (0..4).map(|_| noise.next_unit() - 0.5).sum::<f64>() * 5.2;
                (f64::from(*v) + n).round().clamp(0.0, 255.0) as u8
            })
            .collect();
        let copy = neurograde::analysis::picture::downscaled_rgba8(w, h, grid, grid, |x, y| {
            let i = ((y * w + x) * 3) as usize;
            [0, 1, 2, 3].map(|c| {
                if c == 3 {
                    1.0
                } else {
                    f32::from(noisy[i + c]) / 255.0
                }
            })
        });
        let masks = analyzer
            .analyse(&AnalysisInput {
                frame: FrameId(frame),
                captured: started + std::time::Duration::from_millis(40 * frame),
                frame_size: [w, h],
                picture: RgbPicture::from_rgba8(grid, grid, &copy),
                object_point: None,
            })
            .masks(&[]);
        let weights = SecondaryWeights::key(&masks, secondaries, (w, h));
        let refine = RefineGrid::key(&masks, &weights, secondaries).expect("it refines");
        let [mut frame_raw, mut frame_refined, mut frame_raw_out, mut frame_refined_out]: [Vec<f32>;
            4] = Default::default();
        for &i in &band {
            let (x, y) = (i as u32 % w, i as u32 / w);
            let uv = [(x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32];
            let guide = [0, 1, 2].map(|c| f32::from(noisy[i * 3 + c]) / 255.0);
            // The background key, as the person the matte finds.
            let keyed = 1.0 - weights.at(uv)[0];
            frame_raw.push(keyed);
            frame_refined.push(1.0 - refined(weights.at(uv)[0], refine.at(uv)[0], guide, 1.0));
            let at = |refine| MaskedPixel {
                weights: &weights,
                atmosphere: None,
                uv,
                refine,
                guide,
            };
            frame_raw_out.extend(raw_grader.pixel_masked(guide, Some(at(None))));
            frame_refined_out.extend(refined_grader.pixel_masked(guide, Some(at(Some(&refine)))));
        }
        raw.push(frame_raw);
        refined_mattes.push(frame_refined);
        raw_out.push(frame_raw_out);
        refined_out.push(frame_refined_out);
    }
    let truth_on_band: Vec<f32> = band.iter().map(|i| truth[*i]).collect();
    let (raw_error, refined_error) = (
        mean_abs_difference(&raw, &truth_on_band),
        mean_abs_difference(&refined_mattes, &truth_on_band),
    );
    let (raw_flicker, refined_flicker) = (flicker(&raw), flicker(&refined_mattes));
    let (raw_output, refined_output) = (flicker(&raw_out), flicker(&refined_out));
    println!(
        "matte refinement on {} edge pixels over 6 noisy frames: mean matte error {raw_error:.4} raw, {refined_error:.4} refined ({:.0} % lower); the matte's frame-to-frame change {raw_flicker:.4} raw, {refined_flicker:.4} refined; the graded picture's {raw_output:.4} raw, {refined_output:.4} refined ({:.2}x)",
        band.len(),
        100.0 * (1.0 - refined_error / raw_error),
        refined_output / raw_output
    );
    assert!(band.len() > 5000, "{}", band.len());
    assert!(
        refined_error < 0.85 * raw_error,
        "{refined_error} vs {raw_error}"
    );
    assert!(
        refined_output < 2.0 * raw_output,
        "{refined_output} vs {raw_output}"
    );
}

/// The mean absolute difference of each series in `frames` from `to`.
fn mean_abs_difference(frames: &[Vec<f32>], to: &[f32]) -> f64 {
    let sum: f64 = frames
        .iter()
        .flat_map(|f| f.iter().zip(to).map(|(a, b)| f64::from((a - b).abs())))
        .sum();
    sum / (frames.len() * to.len()) as f64
}

/// The mean absolute frame-to-frame change of a series of frames.
fn flicker(frames: &[Vec<f32>]) -> f64 {
    let pairs = frames.len() - 1;
    (0..pairs)
        .map(|k| mean_abs_difference(&frames[k + 1..k + 2], &frames[k]))
        .sum::<f64>()
        / pairs as f64
}
