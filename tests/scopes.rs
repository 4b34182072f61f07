//! The GPU scopes against the CPU reference (src/scopes.rs): exact counts
//! on real footage at odd sizes, a ramp's straight waveform trace, colour
//! bars on the vectorscope targets.

mod common;

use common::{frame, gpu, read_rgba16f, Noise};
use neurograde::frame::PixelFormat;
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::scopes::ScopePass;
use neurograde::gpu::{FramePipeline, GpuContext};
use neurograde::grade::Look;
use neurograde::scopes::{self, ScopeCounts, LEVELS};

/// Grades `frame` into the working texture, counts its scopes on the GPU,
/// and returns them with the graded texture's values (as the scopes read
/// them: half floats).
fn gpu_scopes(
    ctx: &GpuContext,
    pass: &mut ScopePass,
    f: &neurograde::frame::Frame,
    look: &Look,
) -> (ScopeCounts, Vec<f32>) {
    let mut pipeline = FramePipeline::new(ctx);
    pipeline.set_look(ctx, look).unwrap();
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    let uniforms = GradeUniforms::from_look(look);
    let view = pipeline
        .encode_texture(ctx, &mut encoder, f, &uniforms)
        .unwrap()
        .clone();
    pass.encode(ctx, &mut encoder, &view, (f.width, f.height), [true; 4]);
    let pixels = read_rgba16f(ctx, &view, (f.width, f.height), encoder);
    (pass.read_counts(ctx).unwrap(), pixels)
}

fn cpu_scopes(width: u32, height: u32, rgba: &[f32]) -> ScopeCounts {
    scopes::compute(width, height, |x, y| {
        let i = ((y * width + x) * 4) as usize;
        [rgba[i], rgba[i + 1], rgba[i + 2]]
    })
}

/// A `w` x `h` window of the astronaut portrait from (x0, y0), 16-bit.
fn portrait_crop(x0: u32, y0: u32, w: u32, h: u32) -> neurograde::frame::Frame {
    let (pw, _, rgb16) = common::astronaut_rgb16();
    let mut bytes = Vec::with_capacity((w * h * 6) as usize);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            for c in 0..3 {
                bytes.extend(rgb16[((y * pw + x) * 3 + c) as usize].to_le_bytes());
            }
        }
    }
    frame(w, h, PixelFormat::Rgb16, bytes)
}

fn demo_look() -> Look {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/looks/demo.toml");
    Look::load(std::path::Path::new(path)).unwrap()
}

#[test]
fn gpu_scopes_count_exactly_what_the_cpu_counts_on_real_footage() {
    let ctx = gpu();
    let mut pass = ScopePass::new(&ctx.device);
    let look = demo_look();
    let mut noise = Noise::new(14);
    // Every small size, odd real sizes, and the whole portrait (512 x 512),
    // from seeded places in the picture.
    let mut sizes: Vec<(u32, u32)> = (1..=17).flat_map(|w| [(w, 18 - w), (w, w)]).collect();
    sizes.extend([(511, 289), (333, 512), (512, 512), (97, 13)]);
    for (w, h) in sizes {
        let x0 = noise.below(u64::from(512 - w + 1)) as u32;
        let y0 = noise.below(u64::from(512 - h + 1)) as u32;
        let f = portrait_crop(x0, y0, w, h);
        let (counts, pixels) = gpu_scopes(&ctx, &mut pass, &f, &look);
        let expected = cpu_scopes(w, h, &pixels);
        assert_eq!(
            counts.histogram, expected.histogram,
            "histogram {w}x{h} at ({x0}, {y0})"
        );
        assert_eq!(
            counts.waveform, expected.waveform,
            "waveform {w}x{h} at ({x0}, {y0})"
        );
        assert_eq!(
            counts.parade, expected.parade,
            "parade {w}x{h} at ({x0}, {y0})"
        );
        assert_eq!(counts, expected, "{w}x{h} at ({x0}, {y0})");
        // Each waveform column holds one sample per grid row, in every
        // channel: nothing lost, nothing counted twice.
        for column in 0..counts.grid.columns {
            for trace in [&counts.waveform].into_iter().chain(counts.parade.iter()) {
                assert_eq!(counts.column(trace, column), counts.grid.rows);
            }
        }
        let samples = counts.grid.samples();
        assert!(counts
            .histogram
            .iter()
            .all(|h| h.iter().sum::<u32>() == samples));
        assert_eq!(
            counts.vector.iter().sum::<u32>(),
            counts.grid.vector_samples()
        );
    }
}

#[test]
fn scopes_at_1080p_use_a_reduced_grid_and_still_match() {
    // A larger-than-stride picture: the portrait tiled to 1920 x 1080.
    let (pw, ph, rgb16) = common::astronaut_rgb16();
    let (w, h) = (1920u32, 1080u32);
    let mut bytes = Vec::with_capacity((w * h * 6) as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let v = rgb16[(((y % ph) * pw + x % pw) * 3 + c) as usize];
                bytes.extend(v.to_le_bytes());
            }
        }
    }
    let f = frame(w, h, PixelFormat::Rgb16, bytes);
    let ctx = gpu();
    let mut pass = ScopePass::new(&ctx.device);
    let (counts, pixels) = gpu_scopes(&ctx, &mut pass, &f, &demo_look());
    assert_eq!(counts.grid.stride, 6);
    assert_eq!(counts, cpu_scopes(w, h, &pixels));
}

#[test]
fn a_ramp_draws_a_straight_waveform_trace() {
    // A horizontal ramp from black to white, 16-bit, through a neutral look.
    let (w, h) = (1023u32, 9u32);
    let mut bytes = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            let v = (f64::from(x) / f64::from(w - 1) * 65535.0).round() as u16;
            for _ in 0..3 {
                bytes.extend(v.to_le_bytes());
            }
        }
    }
    let f = frame(w, h, PixelFormat::Rgb16, bytes);
    let ctx = gpu();
    let mut pass = ScopePass::new(&ctx.device);
    let (counts, _) = gpu_scopes(&ctx, &mut pass, &f, &Look::default());
    let columns = counts.grid.columns;
    let mut worst = 0.0f64;
    for column in 0..columns {
        let levels: Vec<u32> = (0..LEVELS)
            .filter(|l| counts.waveform[(column * LEVELS + l) as usize] > 0)
            .collect();
        assert_eq!(levels.len(), 1, "column {column} is one point: {levels:?}");
        // The straight line through black and white.
        let x = f64::from(column * counts.grid.stride) / f64::from(w - 1);
        let ideal = x * 1023.0 / 4.0;
        worst = worst.max((f64::from(levels[0]) - ideal).abs());
    }
    println!("ramp: worst distance from the straight trace {worst:.2} levels");
    assert!(worst <= 1.0, "{worst}");
}

#[test]
fn colour_bars_land_on_the_vectorscope_targets() {
    // 75 % bars, 16-bit, one bar per eighth of the width (grey and black
    // bars around the six colours), through a neutral look.
    let bars: Vec<[f32; 3]> = std::iter::once([0.75; 3])
        .chain(scopes::BARS_75)
        .chain(std::iter::once([0.0; 3]))
        .collect();
    let (w, h) = (8 * 37u32, 11u32);
    let mut bytes = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            for c in bars[(x / 37) as usize] {
                bytes.extend(((c * 65535.0).round() as u16).to_le_bytes());
            }
        }
    }
    let f = frame(w, h, PixelFormat::Rgb16, bytes);
    let ctx = gpu();
    let mut pass = ScopePass::new(&ctx.device);
    let (counts, pixels) = gpu_scopes(&ctx, &mut pass, &f, &Look::default());
    assert_eq!(counts, cpu_scopes(w, h, &pixels));
    let size = scopes::VECTOR_SIZE;
    // The vectorscope's samples of bar `i` (every VECTOR_STEP-th grid
    // sample across and down; the grid has stride 1 here).
    assert_eq!(counts.grid.stride, 1);
    let step = scopes::VECTOR_STEP;
    let samples_of = |i: u32| {
        let columns = (i * 37..(i + 1) * 37).filter(|c| c % step == 0).count() as u32;
        columns * h.div_ceil(step)
    };
    for (i, bar) in (1u32..).zip(scopes::BARS_75) {
        let target = scopes::vector_position(bar);
        let (x, y) = (target[0].floor() as u32, target[1].floor() as u32);
        // Every sample of this bar lies within one bin of its target.
        let near: u32 = (y - 1..=y + 1)
            .flat_map(|yy| (x - 1..=x + 1).map(move |xx| (xx, yy)))
            .map(|(xx, yy)| counts.vector[(yy * size + xx) as usize])
            .sum();
        assert_eq!(near, samples_of(i), "bar {bar:?}: target ({x}, {y})");
    }
    // Grey and black both sit at the centre.
    let centre = (size / 2 * size + size / 2) as usize;
    assert_eq!(counts.vector[centre], samples_of(0) + samples_of(7));
}
