//! The noise-reduction pass before the frame kernel (`shaders/denoise.wgsl`;
//! CPU twin `grade::denoise`).
//!
//! How it works: [`NoisePass::encode`] records one compute pass that reads
//! the frame's uploaded bytes (decoded as the kernel decodes them), the
//! previous output and the analysis masks, and writes this frame's output
//! as half-float RGBA words. Two such buffers take turns: this frame's
//! output is the next frame's history. The frame kernel then reads the
//! output as an `RgbaF16` frame in place of the raw bytes. A new size, the
//! first frame, or a frame graded again (a held picture re-graded when the
//! look changes) is handled: history is dropped, or the output reused.

use super::{bindings, GpuContext};
use crate::frame::{FrameId, PixelFormat};
use crate::grade::denoise::NrSection;
use crate::masks::MASK_CHANNELS;
use std::collections::HashMap;

/// The composed WGSL of the pass (validated by naga in tests).
pub const DENOISE_WGSL: &str = concat!(
    include_str!("../../shaders/ingest.wgsl"),
    "\n",
    include_str!("../../shaders/denoise.wgsl"),
);

/// `NrParams` in denoise.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
struct NrUniforms {
    width: u32,
    height: u32,
    has_history: u32,
    mask_present: u32,
    temporal: f32,
    spatial: f32,
    level: f32,
    protect: f32,
}

/// The two output buffers of one size, and which holds the last output.
struct Outputs {
    size: (u32, u32),
    buffers: [wgpu::Buffer; 2],
    /// Index of the buffer with the newest output, and its frame.
    newest: Option<(usize, FrameId)>,
}

pub struct NoisePass {
    module: wgpu::ShaderModule,
    layout: (wgpu::BindGroupLayout, wgpu::PipelineLayout),
    /// One pipeline per input layout, with and without the spatial filter
    /// (the `SPATIAL` override: a filter that is off is not computed).
    pipelines: HashMap<(PixelFormat, bool), wgpu::ComputePipeline>,
    uniforms: wgpu::Buffer,
    /// A 1x1 mask texture for runs without masks.
    no_masks: wgpu::TextureView,
    outputs: Option<Outputs>,
}

/// What the pass needs of the frame being graded.
pub struct NoiseInput<'a> {
    pub id: FrameId,
    pub format: PixelFormat,
    pub size: (u32, u32),
    /// The frame's uploaded bytes and the ingest uniforms.
    pub raw: (&'a wgpu::Buffer, &'a wgpu::Buffer),
    /// The analysis masks and which channels exist.
    pub masks: Option<(&'a wgpu::TextureView, [bool; MASK_CHANNELS])>,
}

impl NoisePass {
    /// The pass's bind-group layout (held to its WGSL by `tests/shaders.rs`).
    pub fn layout() -> Vec<wgpu::BindGroupLayoutEntry> {
        vec![
            bindings::storage_buffer(0, true),
            bindings::uniform(1, wgpu::ShaderStages::COMPUTE),
            bindings::uniform(2, wgpu::ShaderStages::COMPUTE),
            bindings::storage_buffer(3, true),
            bindings::storage_buffer(4, false),
            bindings::unfilterable_texture(5),
        ]
    }

    pub fn new(ctx: &GpuContext) -> NoisePass {
        let device = &ctx.device;
        let no_masks = super::texture_2d(
            device,
            "no masks",
            (1, 1),
            super::masks::MASK_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING,
        )
        .create_view(&Default::default());
        NoisePass {
            module: device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("denoise"),
                source: wgpu::ShaderSource::Wgsl(DENOISE_WGSL.into()),
            }),
            layout: super::single_group_layout(device, "denoise", &Self::layout()),
            pipelines: HashMap::new(),
            uniforms: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("denoise uniforms"),
                size: std::mem::size_of::<NrUniforms>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            no_masks,
            outputs: None,
        }
    }

    /// Bytes of one output: half-float RGBA.
    fn output_bytes((width, height): (u32, u32)) -> u64 {
        u64::from(width) * u64::from(height) * 8
    }

    /// Records the pass for `input` and returns the buffer holding its
    /// output (the frame kernel's input, layout `RgbaF16`). A frame already
    /// denoised (the same id, graded again) is not filtered twice.
    pub fn encode(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        input: &NoiseInput,
        section: &NrSection,
    ) -> &wgpu::Buffer {
        let device = &ctx.device;
        if self.outputs.as_ref().is_none_or(|o| o.size != input.size) {
            let buffer = || {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("denoised"),
                    size: Self::output_bytes(input.size).max(8),
                    usage: wgpu::BufferUsages::STORAGE,
                    mapped_at_creation: false,
                })
            };
            self.outputs = Some(Outputs {
                size: input.size,
                buffers: [buffer(), buffer()],
                newest: None,
            });
        }
        let outputs = self.outputs.as_mut().expect("made above");
        if let Some((index, id)) = outputs.newest {
            if id == input.id {
                return &outputs.buffers[index];
            }
        }
        let (history, target) = match outputs.newest {
            Some((index, _)) => (index, 1 - index),
            None => (1, 0),
        };
        let (view, present) = match input.masks {
            Some((view, present)) => (view, present),
            None => (&self.no_masks, [false; MASK_CHANNELS]),
        };
        let uniforms = NrUniforms {
            width: input.size.0,
            height: input.size.1,
            has_history: u32::from(outputs.newest.is_some()),
            mask_present: u32::from(present[0]) | (u32::from(present[2]) << 1),
            temporal: section.temporal,
            spatial: section.spatial,
            level: section.level,
            protect: section.protect,
        };
        ctx.queue
            .write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let key = (input.format, section.spatial > 0.0);
        let pipeline = self.pipelines.entry(key).or_insert_with(|| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("denoise"),
                layout: Some(&self.layout.1),
                module: &self.module,
                entry_point: Some("denoise"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[
                        ("FORMAT", f64::from(input.format.shader_code())),
                        ("SPATIAL", f64::from(u32::from(key.1))),
                    ],
                    ..Default::default()
                },
                cache: None,
            })
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("denoise"),
            layout: &self.layout.0,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: input.raw.0.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: input.raw.1.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: self.uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: outputs.buffers[history].as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: outputs.buffers[target].as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: wgpu::BindingResource::TextureView(view),
                },
            ],
        });
        // Four pixels an invocation (see denoise.wgsl).
        super::dispatch_pixels(
            encoder,
            "denoise",
            pipeline,
            &[&bind_group],
            input.size.0.div_ceil(4),
            input.size.1,
        );
        outputs.newest = Some((target, input.id));
        &outputs.buffers[target]
    }

    /// Forgets the history (the next frame starts afresh).
    pub fn reset(&mut self) {
        if let Some(o) = &mut self.outputs {
            o.newest = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uniform_block_is_the_wgsl_struct() {
        crate::gpu::layout_check::same_size::<NrUniforms>(DENOISE_WGSL, "NrParams");
    }
}
