//! The analysis copy: a small 8-bit RGB picture of the frame, made on the
//! GPU from the bytes the frame kernel already uploaded
//! (`shaders/downscale.wgsl`; CPU twin `analysis::picture::downscaled_rgba8`).
//!
//! How it works: [`DownscalePass::encode`] records one compute pass that
//! writes the copy as RGBA8 into a buffer the caller reads back (a
//! [`super::ReadbackQueue`] slot); one pipeline per input layout, chosen by
//! the same `FORMAT` override as the frame kernel. It must be recorded after
//! the frame's upload and before the next frame's.

use super::{bindings, FramePipeline, GpuContext};
use crate::frame::PixelFormat;
use std::collections::HashMap;

/// The composed WGSL of the downscale pass (validated by naga in tests).
pub const DOWNSCALE_WGSL: &str = concat!(
    include_str!("../../shaders/ingest.wgsl"),
    "\n",
    include_str!("../../shaders/downscale.wgsl"),
);

#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct DownscaleUniforms {
    out_width: u32,
    out_height: u32,
    pad: [u32; 2],
}

pub struct DownscalePass {
    module: wgpu::ShaderModule,
    layout: (wgpu::BindGroupLayout, wgpu::PipelineLayout),
    pipelines: HashMap<PixelFormat, wgpu::ComputePipeline>,
    uniforms: wgpu::Buffer,
}

impl DownscalePass {
    /// The pass's bind-group layout (held to its WGSL by `tests/shaders.rs`).
    pub fn layout() -> Vec<wgpu::BindGroupLayoutEntry> {
        vec![
            bindings::storage_buffer(0, true),
            bindings::uniform(1, wgpu::ShaderStages::COMPUTE),
            bindings::uniform(2, wgpu::ShaderStages::COMPUTE),
            bindings::storage_buffer(3, false),
        ]
    }

    pub fn new(ctx: &GpuContext) -> DownscalePass {
        let device = &ctx.device;
        DownscalePass {
            module: device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("downscale"),
                source: wgpu::ShaderSource::Wgsl(DOWNSCALE_WGSL.into()),
            }),
            layout: super::single_group_layout(device, "downscale", &Self::layout()),
            pipelines: HashMap::new(),
            uniforms: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("downscale uniforms"),
                size: std::mem::size_of::<DownscaleUniforms>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }

    /// Bytes of a copy of `width` x `height`.
    pub fn copy_bytes(width: u32, height: u32) -> u64 {
        u64::from(width) * u64::from(height) * 4
    }

    /// Records the copy of the frame last uploaded by `frames` (of layout
    /// `format`) into `out`, `width` x `height` RGBA8. Does nothing before
    /// the first frame.
    pub fn encode(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        frames: &FramePipeline,
        format: PixelFormat,
        out: &wgpu::Buffer,
        (width, height): (u32, u32),
    ) {
        let Some((input, ingest)) = frames.ingest_resources() else {
            return;
        };
        let device = &ctx.device;
        let pipeline = self.pipelines.entry(format).or_insert_with(|| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("downscale"),
                layout: Some(&self.layout.1),
                module: &self.module,
                entry_point: Some("downscale_rgba8"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("FORMAT", f64::from(format.shader_code()))],
                    ..Default::default()
                },
                cache: None,
            })
        });
        ctx.queue.write_buffer(
            &self.uniforms,
            0,
            bytemuck::bytes_of(&DownscaleUniforms {
                out_width: width,
                out_height: height,
                pad: [0; 2],
            }),
        );
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("downscale"),
            layout: &self.layout.0,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: input.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: ingest.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: self.uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: out.as_entire_binding(),
                },
            ],
        });
        super::dispatch_pixels(
            encoder,
            "downscale",
            pipeline,
            &[&bind_group],
            width,
            height,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uniform_block_is_the_wgsl_struct() {
        crate::gpu::layout_check::same_size::<DownscaleUniforms>(DOWNSCALE_WGSL, "DownscaleParams");
    }
}
