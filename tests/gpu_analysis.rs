//! The GPU side of the analysis on the software GPU: the downscaled copy
//! the models see equals its CPU twin for every input layout, and the mask
//! texture holds exactly the masks drawn on the CPU.

mod common;

use common::*;
use neurograde::analysis::picture::{copy_size, downscaled_rgba8};
use neurograde::frame::{Frame, PixelFormat};
use neurograde::gpu::downscale::DownscalePass;
use neurograde::gpu::grade::GradeUniforms;
use neurograde::gpu::masks::MaskTexture;
use neurograde::gpu::{FramePipeline, GpuContext, OutputFormat, ReadbackQueue};
use neurograde::grade::Look;
use neurograde::masks::{Field, MaskSet};

/// Uploads `frame` through the frame kernel, then makes its copy.
fn gpu_copy(ctx: &GpuContext, frame: &Frame, size: (u32, u32)) -> Vec<u8> {
    let mut frames = FramePipeline::new(ctx);
    let look = Look::default();
    frames.set_look(ctx, &look).unwrap();
    let mut graded = ReadbackQueue::<()>::new(1, ctx.direct_readback);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    let out = graded.target(
        &ctx.device,
        FramePipeline::packed_bytes(frame, OutputFormat::Rgba8),
    );
    frames
        .encode_packed(
            ctx,
            &mut encoder,
            frame,
            &GradeUniforms::from_look(&look),
            OutputFormat::Rgba8,
            out,
        )
        .unwrap();
    graded.submit(&ctx.queue, encoder, ());
    let mut copies = ReadbackQueue::<()>::new(1, ctx.direct_readback);
    let mut pass = DownscalePass::new(ctx);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    let target = copies.target(&ctx.device, DownscalePass::copy_bytes(size.0, size.1));
    pass.encode(ctx, &mut encoder, &frames, frame.format, target, size);
    copies.submit(&ctx.queue, encoder, ());
    let mut bytes = Vec::new();
    copies
        .flush(&ctx.device, |_, b| bytes = b.to_vec())
        .unwrap();
    graded.flush(&ctx.device, |_, _| {}).unwrap();
    bytes
}

#[test]
fn the_gpu_copy_equals_its_cpu_twin_for_every_layout() {
    let ctx = gpu();
    let (w, h, rgb8) = astronaut_rgb8();
    let (_, _, rgb16) = astronaut_rgb16();
    let portrait = footage("astronaut.png");
    let frames = [
        frame(w, h, PixelFormat::Rgb8, rgb8),
        frame(
            w,
            h,
            PixelFormat::Rgb16,
            rgb16.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ),
        frame(
            w,
            h,
            PixelFormat::Yuyv,
            ffmpeg_raw(&portrait, "yuyv422", &[]),
        ),
        frame(w, h, PixelFormat::Nv12, ffmpeg_raw(&portrait, "nv12", &[])),
    ];
    // 512 -> 200 (2.56 source pixels a copy pixel) and 512 -> 64 (8: 4 x 4 taps spread).
    for longest in [200, 64] {
        let size = copy_size(w, h, longest);
        for f in &frames {
            let gpu = gpu_copy(&ctx, f, size);
            let cpu = downscaled_rgba8(w, h, size.0, size.1, |x, y| f.pixel(x, y));
            assert_eq!(gpu.len(), cpu.len());
            let worst = gpu
                .iter()
                .zip(&cpu)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            println!(
                "{:?} -> {size:?}: largest GPU/CPU difference {worst} code",
                f.format
            );
            // One 8-bit code: f32 summation order and rounding at .5.
            assert!(worst <= 1, "{:?} {size:?}: {worst}", f.format);
        }
    }
    // The copy keeps the frame's aspect and never upscales.
    assert_eq!(copy_size(1920, 1080, 640), (640, 360));
    assert_eq!(copy_size(320, 240, 640), (320, 240));
}

#[test]
fn the_mask_texture_holds_the_cpu_masks() {
    let ctx = gpu();
    let person: Vec<f32> = (0..64).map(|i| i as f32 / 63.0).collect();
    let masks = MaskSet::draw(
        40,
        24,
        &[],
        1.0,
        Some(Field {
            width: 8,
            height: 8,
            values: &person,
        }),
        Some(Field {
            width: 8,
            height: 8,
            values: &person,
        }),
    );
    // The face's parts layer, the object's and the guide (the picture):
    // noise, so a swapped or shifted layer shows.
    let mut masks = masks;
    let mut rng = neurograde::noise::SplitMix64(5);
    let layers = masks
        .parts
        .iter_mut()
        .chain(&mut masks.objects)
        .chain(&mut masks.guide);
    for byte in layers {
        *byte = rng.next_u64() as u8;
    }
    let mut slot = None;
    MaskTexture::upload(&mut slot, &ctx.device, &ctx.queue, &masks);
    let texture = slot.as_ref().unwrap().texture();
    assert_eq!(texture.size().depth_or_array_layers, 4);
    // Rows of a texture copy are padded to 256 bytes.
    let row = 256u32;
    let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: u64::from(row * 24 * 4),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: Some(24),
            },
        },
        texture.size(),
    );
    ctx.queue.submit([encoder.finish()]);
    buffer.map_async(wgpu::MapMode::Read, .., |r| r.unwrap());
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .unwrap();
    let bytes = buffer.get_mapped_range(..).unwrap();
    let layers = [&masks.rgba, &masks.parts, &masks.objects, &masks.guide];
    for (layer, expected) in layers.into_iter().enumerate() {
        for y in 0..24usize {
            let start = (layer * 24 + y) * row as usize;
            assert_eq!(
                &bytes[start..start + 160],
                &expected[y * 160..(y + 1) * 160],
                "layer {layer} row {y}"
            );
        }
    }
}
