//! The analysis masks on the GPU: one RGBA8 texture, a mask a channel
//! (R face, G skin, B person, A depth; see `analysis::masks`), for the
//! secondary grades.
//!
//! How it works: [`MaskTexture::upload`] writes a [`MaskSet`] with one
//! `queue.write_texture`, re-creating the texture only when the analysis
//! picture's size changes. The render thread uploads when a new analysis
//! result arrives or tracked faces move. [`KeyPass`] (`shaders/masks.wgsl`)
//! then keys the secondaries from it, once per new masks or keys: one
//! weight per secondary and mask texel, which the frame kernel reads.

use super::grade::KeyBlock;
use crate::analysis::masks::MaskSet;

pub const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

pub struct MaskTexture {
    texture: wgpu::Texture,
    /// Which channels the analysis made ([`MaskSet::present`]).
    present: [bool; 4],
}

impl MaskTexture {
    fn create(device: &wgpu::Device, width: u32, height: u32) -> MaskTexture {
        let texture = super::texture_2d(
            device,
            "analysis masks",
            (width, height),
            MASK_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::COPY_SRC,
        );
        MaskTexture {
            texture,
            present: [false; 4],
        }
    }

    /// Writes `masks` into `slot`'s texture, creating or resizing it.
    pub fn upload(
        slot: &mut Option<MaskTexture>,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        masks: &MaskSet,
    ) {
        let size = wgpu::Extent3d {
            width: masks.width,
            height: masks.height,
            depth_or_array_layers: 1,
        };
        if slot.as_ref().is_none_or(|t| t.texture.size() != size) {
            *slot = Some(MaskTexture::create(device, masks.width, masks.height));
        }
        let slot = slot.as_mut().expect("created above");
        slot.present = masks.present;
        let texture = &slot.texture;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &masks.rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(masks.width * 4),
                rows_per_image: Some(masks.height),
            },
            size,
        );
    }

    pub fn texture(&self) -> &wgpu::Texture {
        &self.texture
    }

    fn view(&self) -> wgpu::TextureView {
        self.texture
            .create_view(&wgpu::TextureViewDescriptor::default())
    }
}

/// The masks the frame pipeline keys its secondaries from.
pub struct MaskInput {
    view: wgpu::TextureView,
    /// Which channels exist ([`MaskSet::present`]).
    pub present: [bool; 4],
    /// Counts mask uploads, so new masks are keyed again.
    generation: u64,
}

impl MaskInput {
    /// The mask texture's view.
    pub fn view(&self) -> &wgpu::TextureView {
        &self.view
    }

    pub fn of(masks: &MaskTexture, generation: u64) -> MaskInput {
        MaskInput {
            view: masks.view(),
            present: masks.present,
            generation,
        }
    }
}

/// The keying pass (`shaders/masks.wgsl`): each secondary's weight on the
/// masks' grid, into a storage buffer (a word a texel, 8-bit weights) the
/// frame kernel reads.
pub struct KeyPass {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    keys: wgpu::Buffer,
    /// One zero weight: what the frame kernel reads without masks.
    empty: wgpu::Buffer,
    /// The weights of the last keying, their grid, and what it keyed.
    weights: Option<KeyedWeights>,
}

struct KeyedWeights {
    buffer: wgpu::Buffer,
    size: (u32, u32),
    keys: KeyBlock,
    generation: u64,
}

/// The keying pass's WGSL (also validated by naga in tests).
pub const KEY_PASS_WGSL: &str = concat!(
    include_str!("../../shaders/bilinear.wgsl"),
    "\n",
    include_str!("../../shaders/masks.wgsl"),
);

fn weights_buffer(device: &wgpu::Device, (width, height): (u32, u32)) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("secondary weights"),
        size: u64::from(width) * u64::from(height) * 4,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    })
}

impl KeyPass {
    pub fn new(device: &wgpu::Device) -> KeyPass {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("mask keying"),
            source: wgpu::ShaderSource::Wgsl(KEY_PASS_WGSL.into()),
        });
        let (layout, pipeline_layout) = super::single_group_layout(
            device,
            "mask keying",
            &[
                super::bindings::unfilterable_texture(0),
                super::bindings::uniform(1, wgpu::ShaderStages::COMPUTE),
                super::bindings::storage_buffer(2, false),
            ],
        );
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("key_masks"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("key_masks"),
            compilation_options: Default::default(),
            cache: None,
        });
        KeyPass {
            pipeline,
            layout,
            keys: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("mask keys"),
                size: std::mem::size_of::<KeyBlock>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            // Buffers are created zeroed.
            empty: weights_buffer(device, (1, 1)),
            weights: None,
        }
    }

    /// Records the keying of `masks` with `keys` into `encoder` when either
    /// changed since the last keying. Without masks the weights are zeros.
    pub fn update(
        &mut self,
        ctx: &super::GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        masks: Option<&MaskInput>,
        keys: KeyBlock,
    ) {
        let Some(masks) = masks else {
            self.weights = None;
            return;
        };
        let extent = masks.view.texture().size();
        let size = (extent.width, extent.height);
        let current = self
            .weights
            .as_ref()
            .is_some_and(|w| w.size == size && w.keys == keys && w.generation == masks.generation);
        if current {
            return;
        }
        let buffer = match self.weights.take() {
            Some(w) if w.size == size => w.buffer,
            _ => weights_buffer(&ctx.device, size),
        };
        ctx.queue
            .write_buffer(&self.keys, 0, bytemuck::bytes_of(&keys));
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("mask keying"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&masks.view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: self.keys.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: buffer.as_entire_binding(),
                },
            ],
        });
        super::dispatch_pixels(
            encoder,
            "mask keying",
            &self.pipeline,
            &[&bind_group],
            size.0,
            size.1,
        );
        self.weights = Some(KeyedWeights {
            buffer,
            size,
            keys,
            generation: masks.generation,
        });
    }

    /// The weights the last [`Self::update`] left and their grid (one zero
    /// without masks).
    pub fn weights(&self) -> (&wgpu::Buffer, (u32, u32)) {
        self.weights
            .as_ref()
            .map_or((&self.empty, (1, 1)), |w| (&w.buffer, w.size))
    }
}
