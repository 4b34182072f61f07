//! The analysis masks on the GPU: one RGBA8 texture of four layers, a mask
//! a channel (R face, G skin, B person, A depth; R eyes, G lips, B under the
//! eyes, A shine; R the object pointed at; see `analysis::masks`), then the
//! picture they were made from (matte refinement's guide), for the
//! secondary grades.
//!
//! How it works: [`MaskTexture::upload`] writes a [`MaskSet`]'s four layers,
//! re-creating the texture only when the analysis picture's size changes.
//! The render thread uploads when a new analysis result arrives or tracked
//! faces move. [`KeyPass`] (`shaders/masks.wgsl`) then keys the secondaries
//! from it, once per new masks or keys: one weight per secondary and mask
//! texel (an RGBA8 texture), which the frame kernel reads.

use super::grade::KeyBlock;
use crate::grade::secondary::MAX_SECONDARIES;
use crate::masks::{MaskSet, MASK_CHANNELS};

pub const MASK_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// The texture's layers: the models' masks, the face's parts, the object,
/// the guide.
const LAYERS: u32 = 4;

pub struct MaskTexture {
    texture: wgpu::Texture,
    /// Which channels the analysis made ([`MaskSet::present`]).
    present: [bool; MASK_CHANNELS],
}

impl MaskTexture {
    fn create(device: &wgpu::Device, width: u32, height: u32) -> MaskTexture {
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("analysis masks"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: LAYERS,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: MASK_FORMAT,
            usage: wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        MaskTexture {
            texture,
            present: [false; MASK_CHANNELS],
        }
    }

    /// Writes `masks` into `slot`'s texture, creating or resizing it.
    pub fn upload(
        slot: &mut Option<MaskTexture>,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        masks: &MaskSet,
    ) {
        let layer_size = wgpu::Extent3d {
            width: masks.width,
            height: masks.height,
            depth_or_array_layers: 1,
        };
        let size = wgpu::Extent3d {
            depth_or_array_layers: LAYERS,
            ..layer_size
        };
        if slot.as_ref().is_none_or(|t| t.texture.size() != size) {
            *slot = Some(MaskTexture::create(device, masks.width, masks.height));
        }
        let slot = slot.as_mut().expect("created above");
        slot.present = masks.present;
        let layers = [&masks.rgba, &masks.parts, &masks.objects, &masks.guide];
        for (layer, bytes) in layers.into_iter().enumerate() {
            queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &slot.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d {
                        x: 0,
                        y: 0,
                        z: layer as u32,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                bytes,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(masks.width * 4),
                    rows_per_image: Some(masks.height),
                },
                layer_size,
            );
        }
    }

    pub fn texture(&self) -> &wgpu::Texture {
        &self.texture
    }
}

/// The masks the frame pipeline keys its secondaries from.
pub struct MaskInput {
    /// Both layers (the keying pass).
    layers: wgpu::TextureView,
    /// The first layer alone: face, skin, person, depth (noise reduction's
    /// protection).
    models: wgpu::TextureView,
    /// Which channels exist ([`MaskSet::present`]).
    pub present: [bool; MASK_CHANNELS],
    /// Counts mask uploads, so new masks are keyed again.
    generation: u64,
}

impl MaskInput {
    /// The first layer's view (R face, G skin, B person, A depth).
    pub fn models_view(&self) -> &wgpu::TextureView {
        &self.models
    }

    /// The masks' grid, in texels.
    pub fn grid_size(&self) -> (u32, u32) {
        let size = self.layers.texture().size();
        (size.width, size.height)
    }

    pub fn of(masks: &MaskTexture, generation: u64) -> MaskInput {
        let view = |dimension, layers| {
            masks.texture.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(dimension),
                array_layer_count: Some(layers),
                ..Default::default()
            })
        };
        MaskInput {
            layers: view(wgpu::TextureViewDimension::D2Array, LAYERS),
            models: view(wgpu::TextureViewDimension::D2, 1),
            present: masks.present,
            generation,
        }
    }
}

/// What a set of the keying's pipelines is compiled for: the number of
/// secondaries and their longest mask program ([`KeyBlock::extent`]).
pub type KeyExtent = (u32, u32);

/// The keying pass (`shaders/masks.wgsl`): each secondary's weight on the
/// masks' grid, into an RGBA8 texture (a secondary a channel) the frame
/// kernel reads, and the haze and defocus amounts into another; five
/// dispatches (combine, grow along rows, then columns, feather along rows,
/// then columns and key) through two RGBA8 textures and a float one, then
/// two more when a secondary refines its matte (the guided filter's
/// coefficients per window into a buffer of four vec4 a texel, then their
/// means into an RGBA32F texture array, a layer a secondary). The
/// pipelines are compiled at the first keying, so a run without masks does
/// not wait for them at start-up, one set per number of secondaries the
/// looks have and their longest mask program ([`KeyBlock::extent`]: what
/// is past them is not computed at all).
pub struct KeyPass {
    steps: std::collections::HashMap<KeyExtent, [wgpu::ComputePipeline; 7]>,
    pipeline_layout: wgpu::PipelineLayout,
    layout: wgpu::BindGroupLayout,
    keys: wgpu::Buffer,
    /// One texel of zero weights: what the frame kernel reads without
    /// masks.
    empty: wgpu::TextureView,
    /// Zero refinement coefficients of one texel: what the steps and the
    /// frame kernel bind when nothing refines.
    empty_refine: (wgpu::Buffer, wgpu::TextureView),
    /// One texel bound as the feather's rows output in the steps that do
    /// not write it (key_masks reads the rows).
    no_rows: wgpu::TextureView,
    /// The weights of the last keying, their grid, and what it keyed.
    weights: Option<KeyedWeights>,
}

struct KeyedWeights {
    /// Each secondary's weight, a channel each.
    weights: wgpu::TextureView,
    /// The haze and defocus amounts (atmosphere.rs), R and G.
    atmosphere: wgpu::TextureView,
    /// The combined and grown masks between steps (RGBA8, a value per
    /// secondary).
    scratch: [wgpu::TextureView; 2],
    /// The feather along rows (`ROWS_FORMAT`).
    rows: wgpu::TextureView,
    /// Each window's refinement coefficients, then their means, a
    /// secondary a layer (made at the first keying that refines).
    refine: Option<(wgpu::Buffer, wgpu::TextureView)>,
    size: (u32, u32),
    keys: KeyBlock,
    generation: u64,
}

/// The keying pass's WGSL (also validated by naga in tests).
pub const KEY_PASS_WGSL: &str = include_str!("../../shaders/masks.wgsl");

/// The entry points, in the order they run.
const STEPS: [&str; 7] = [
    "combine_masks",
    "grow_rows",
    "grow_columns",
    "feather_rows",
    "key_masks",
    "refine_coefficients",
    "refine_average",
];

/// The feather's rows (`feather_rows` -> `key_masks`): full float, so that
/// the two passes make what one 3 x 3 pass made.
const ROWS_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Float;

/// The refined mattes' coefficients (`refine_average` -> the frame kernel).
const REFINED_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Float;

/// A texture the steps write and the next one (or the frame kernel) reads.
fn step_texture(device: &wgpu::Device, label: &str, size: (u32, u32)) -> wgpu::TextureView {
    storage_texture(device, label, size, MASK_FORMAT)
}

fn storage_texture(
    device: &wgpu::Device,
    label: &str,
    size: (u32, u32),
    format: wgpu::TextureFormat,
) -> wgpu::TextureView {
    super::texture_2d(
        device,
        label,
        size,
        format,
        wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
    )
    .create_view(&wgpu::TextureViewDescriptor::default())
}

/// The refined mattes' coefficients: an RGBA32F layer (a.rgb, b) per
/// secondary on the masks' grid.
fn refined_texture(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
) -> wgpu::TextureView {
    device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: MAX_SECONDARIES as u32,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: REFINED_FORMAT,
            usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        })
        .create_view(&wgpu::TextureViewDescriptor {
            dimension: Some(wgpu::TextureViewDimension::D2Array),
            ..Default::default()
        })
}

/// A storage buffer of `bytes` per texel of a `width` x `height` grid.
fn grid_buffer(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    bytes: u64,
) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: u64::from(width) * u64::from(height) * bytes,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    })
}

/// The refinement's bytes per texel: four coefficients of four secondaries.
const REFINE_TEXEL_BYTES: u64 = 4 * 16;

impl KeyPass {
    /// The pass's bind-group layout (held to its WGSL by `tests/shaders.rs`).
    pub fn layout() -> Vec<wgpu::BindGroupLayoutEntry> {
        vec![
            super::bindings::unfilterable_texture_array(0),
            super::bindings::uniform(1, wgpu::ShaderStages::COMPUTE),
            super::bindings::unfilterable_texture(3),
            super::bindings::storage_texture_write(4, MASK_FORMAT),
            super::bindings::storage_texture_write(5, MASK_FORMAT),
            super::bindings::storage_buffer(6, false),
            super::bindings::storage_texture_array_write(7, REFINED_FORMAT),
            super::bindings::storage_texture_write(8, ROWS_FORMAT),
        ]
    }

    pub fn new(device: &wgpu::Device) -> KeyPass {
        let (layout, pipeline_layout) =
            super::single_group_layout(device, "mask keying", &Self::layout());
        KeyPass {
            steps: std::collections::HashMap::new(),
            pipeline_layout,
            layout,
            keys: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("mask keys"),
                size: std::mem::size_of::<KeyBlock>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            // Textures and buffers are created zeroed.
            empty: step_texture(device, "no weights", (1, 1)),
            empty_refine: (
                grid_buffer(device, "no refinement", (1, 1), REFINE_TEXEL_BYTES),
                refined_texture(device, "no refined mattes", (1, 1)),
            ),
            no_rows: storage_texture(device, "no feather rows", (1, 1), ROWS_FORMAT),
            weights: None,
        }
    }

    /// The pass's pipeline layout (to compile with [`Self::compile`]).
    pub fn pipeline_layout(&self) -> &wgpu::PipelineLayout {
        &self.pipeline_layout
    }

    /// The pass's seven pipelines for `extent`'s secondaries and programs.
    pub fn compile(
        device: &wgpu::Device,
        layout: &wgpu::PipelineLayout,
        (count, length): KeyExtent,
    ) -> [wgpu::ComputePipeline; 7] {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("mask keying"),
            source: wgpu::ShaderSource::Wgsl(KEY_PASS_WGSL.into()),
        });
        STEPS.map(|entry| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[
                        ("KEYS", f64::from(count)),
                        ("PROGRAM_STEPS", f64::from(length)),
                    ],
                    ..Default::default()
                },
                cache: None,
            })
        })
    }

    /// Whether the pipelines for `extent` are compiled.
    pub fn has_steps(&self, extent: KeyExtent) -> bool {
        self.steps.contains_key(&extent)
    }

    /// Keeps pipelines compiled elsewhere (`gpu::compiler`).
    pub fn add_steps(&mut self, extent: KeyExtent, steps: [wgpu::ComputePipeline; 7]) {
        self.steps.insert(extent, steps);
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
        let size = masks.grid_size();
        let current = self
            .weights
            .as_ref()
            .is_some_and(|w| w.size == size && w.keys == keys && w.generation == masks.generation);
        if current {
            return;
        }
        let (weights, atmosphere, scratch, rows, refine) = match self.weights.take() {
            Some(w) if w.size == size => (w.weights, w.atmosphere, w.scratch, w.rows, w.refine),
            _ => (
                step_texture(&ctx.device, "secondary weights", size),
                step_texture(&ctx.device, "haze and defocus", size),
                ["mask keying step"; 2].map(|label| step_texture(&ctx.device, label, size)),
                storage_texture(&ctx.device, "feather rows", size, ROWS_FORMAT),
                None,
            ),
        };
        let refines = keys.refines();
        let refine = match refine {
            None if refines => Some((
                grid_buffer(&ctx.device, "refine coefficients", size, REFINE_TEXEL_BYTES),
                refined_texture(&ctx.device, "refined mattes", size),
            )),
            kept => kept,
        };
        ctx.queue
            .write_buffer(&self.keys, 0, bytemuck::bytes_of(&keys));
        // Each step reads the one before: combine -> A, rows A -> B,
        // columns B -> A, feather rows A -> R, key R -> the weights, then
        // the refinement from the weights (into buffer 6, then texture 7).
        // A step's unused texture output is a scratch texture it does not
        // read.
        let [a, b] = &scratch;
        let (w, r) = (&weights, &rows);
        let flow = [(a, b), (b, a), (a, b), (b, a), (w, r), (b, w), (b, w)];
        // Without a grow the two grow steps are left out (combine -> A,
        // key A -> the weights), and without refinement its two: a
        // CPU-side choice, not a branch in WGSL.
        let grows = keys.grows();
        let (coefficients, refined) = match &refine {
            Some((c, r)) => (c, r),
            None => (&self.empty_refine.0, &self.empty_refine.1),
        };
        let (device, layout) = (&ctx.device, &self.pipeline_layout);
        let steps = self
            .steps
            .entry(keys.extent())
            .or_insert_with_key(|&extent| Self::compile(device, layout, extent));
        for (step, ((output, input), (pipeline, entry))) in flow
            .into_iter()
            .zip(steps.iter().zip(STEPS))
            .enumerate()
            .filter(|(step, _)| match step {
                1 | 2 => grows,
                5 | 6 => refines,
                _ => true,
            })
        {
            let feathering = step == 3;
            let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(entry),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&masks.layers),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: self.keys.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::TextureView(input),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: wgpu::BindingResource::TextureView(&atmosphere),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: wgpu::BindingResource::TextureView(output),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: coefficients.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 7,
                        resource: wgpu::BindingResource::TextureView(refined),
                    },
                    wgpu::BindGroupEntry {
                        binding: 8,
                        resource: wgpu::BindingResource::TextureView(if feathering {
                            &rows
                        } else {
                            &self.no_rows
                        }),
                    },
                ],
            });
            super::dispatch_pixels(encoder, entry, pipeline, &[&bind_group], size.0, size.1);
        }
        self.weights = Some(KeyedWeights {
            weights,
            atmosphere,
            scratch,
            rows,
            refine,
            size,
            keys,
            generation: masks.generation,
        });
    }

    /// The weights the last [`Self::update`] left and their grid (one zero
    /// texel without masks).
    pub fn weights(&self) -> (&wgpu::TextureView, (u32, u32)) {
        self.weights
            .as_ref()
            .map_or((&self.empty, (1, 1)), |w| (&w.weights, w.size))
    }

    /// The refinement coefficients the last [`Self::update`] left (zeros of
    /// one texel when nothing refined yet), on the same grid.
    pub fn refine_grid(&self) -> &wgpu::TextureView {
        self.weights
            .as_ref()
            .and_then(|w| w.refine.as_ref())
            .map_or(&self.empty_refine.1, |(_, refined)| refined)
    }

    /// The haze and defocus amounts the last [`Self::update`] left (one
    /// zero texel without masks), on the same grid as the weights.
    pub fn atmosphere(&self) -> &wgpu::TextureView {
        self.weights.as_ref().map_or(&self.empty, |w| &w.atmosphere)
    }
}
