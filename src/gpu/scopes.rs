//! Scopes on the GPU: counts the graded picture's histogram, waveform,
//! parade and vectorscope every frame and draws them into small images for
//! the operator view (shader: `shaders/scopes.wgsl`; the counts' CPU
//! reference and every constant: `src/scopes.rs`).
//!
//! How it works: [`ScopePass::encode`] counts the traces (one invocation
//! per grid column), sums them into the histograms, counts the
//! vectorscope (atomics, after clearing it), then runs one `draw_*` pass
//! per image. The images have fixed sizes ([`ScopeImages`]), so the
//! operator view can register them once.

use super::{bindings, GpuContext};
use crate::scopes::{self, layout, Grid, ScopeCounts};

/// The scope images' sizes (width, height): waveform, parade (three
/// waveforms side by side), vectorscope, histogram.
pub const WAVEFORM_SIZE: (u32, u32) = (320, 256);
pub const PARADE_SIZE: (u32, u32) = (480, 256);
pub const VECTOR_SIZE: (u32, u32) = (256, 256);
pub const HISTOGRAM_SIZE: (u32, u32) = (256, 128);
const IMAGE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ScopeParams {
    grid: [u32; 4],
    offsets: [u32; 4],
    sizes: [u32; 4],
    luma: [u32; 4],
    vector: [u32; 4],
    targets: [[f32; 4]; 3],
    graticule: [u32; 8],
    scales: [f32; 4],
}

impl ScopeParams {
    fn of(grid: Grid) -> ScopeParams {
        let [weight_r, weight_g, weight_b] = scopes::LUMA_WEIGHTS_1E4;
        let skin = scopes::SKIN_LINE_DEGREES.to_radians();
        let t = scopes::BARS_75.map(scopes::vector_position);
        ScopeParams {
            grid: [grid.columns, grid.rows, grid.stride, grid.samples()],
            offsets: [
                layout::HISTOGRAM,
                layout::WAVEFORM,
                layout::PARADE,
                scopes::VECTOR_STEP,
            ],
            sizes: [
                scopes::LEVELS,
                scopes::MAX_COLUMNS,
                scopes::VECTOR_SIZE,
                scopes::CODE_MAX,
            ],
            luma: [weight_r, weight_g, weight_b, 10000],
            vector: [
                scopes::CB_DEN as u32,
                scopes::CR_DEN as u32,
                skin.cos().to_bits(),
                skin.sin().to_bits(),
            ],
            targets: [
                [t[0][0], t[0][1], t[1][0], t[1][1]],
                [t[2][0], t[2][1], t[3][0], t[3][1]],
                [t[4][0], t[4][1], t[5][0], t[5][1]],
            ],
            graticule: graticule_bits(),
            // Full brightness at a sixteenth of a column in one bin, a
            // 256th of the picture in one vectorscope bin; a histogram bin
            // holding every sample is full height.
            scales: [
                full_at(grid.rows as f32 / 16.0),
                full_at(grid.vector_samples() as f32 / 256.0),
                full_at(grid.samples() as f32),
                0.0,
            ],
        }
    }
}

/// The trace scale at which `count` samples show at full brightness.
fn full_at(count: f32) -> f32 {
    1.0 / (1.0 + count.max(1.0)).log2()
}

/// One bit per waveform level: set where a graticule line is drawn
/// ([`scopes::GRATICULE_IRE`]).
fn graticule_bits() -> [u32; 8] {
    let mut bits = [0u32; 8];
    for ire in scopes::GRATICULE_IRE {
        let level = scopes::level(scopes::code_of_ire(ire));
        bits[(level / 32) as usize] |= 1 << (level % 32);
    }
    bits
}

/// The scope images the operator view shows.
pub struct ScopeImages {
    pub waveform: wgpu::TextureView,
    pub parade: wgpu::TextureView,
    pub vectorscope: wgpu::TextureView,
    pub histogram: wgpu::TextureView,
}

pub struct ScopePass {
    layout: wgpu::BindGroupLayout,
    /// Traces, histograms, vectorscope.
    count: [wgpu::ComputePipeline; 3],
    /// One per image, in [`ScopeImages`]' order.
    draw: [wgpu::ComputePipeline; 4],
    params: wgpu::Buffer,
    /// Histograms, waveform and parade (`layout::VECTOR` words).
    counts: wgpu::Buffer,
    vector_counts: wgpu::Buffer,
    images: ScopeImages,
    /// The grid last counted (`None`: nothing yet).
    grid: Option<Grid>,
}

impl ScopePass {
    /// The pass's bind-group layout (held to its WGSL by `tests/shaders.rs`).
    pub fn layout() -> Vec<wgpu::BindGroupLayoutEntry> {
        vec![
            bindings::unfilterable_texture(0),
            bindings::uniform(1, wgpu::ShaderStages::COMPUTE),
            bindings::storage_buffer(2, false),
            bindings::storage_texture_write(3, IMAGE_FORMAT),
            bindings::storage_buffer(4, false),
        ]
    }

    pub fn new(device: &wgpu::Device) -> ScopePass {
        let module = super::shader!(device, "scopes.wgsl");
        let (layout, pipeline_layout) =
            super::single_group_layout(device, "scopes", &Self::layout());
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let image = |label: &str, size: (u32, u32)| {
            super::texture_2d(
                device,
                label,
                size,
                IMAGE_FORMAT,
                wgpu::TextureUsages::STORAGE_BINDING
                    | wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::COPY_SRC,
            )
            .create_view(&Default::default())
        };
        ScopePass {
            count: [
                pipeline("count_traces"),
                pipeline("count_histogram"),
                pipeline("count_vectorscope"),
            ],
            draw: [
                pipeline("draw_waveform"),
                pipeline("draw_parade"),
                pipeline("draw_vectorscope"),
                pipeline("draw_histogram"),
            ],
            layout,
            params: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("scope params"),
                size: std::mem::size_of::<ScopeParams>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            counts: counter_buffer(device, "scope counts", layout::VECTOR),
            vector_counts: counter_buffer(
                device,
                "vectorscope counts",
                layout::WORDS - layout::VECTOR,
            ),
            images: ScopeImages {
                waveform: image("waveform", WAVEFORM_SIZE),
                parade: image("parade", PARADE_SIZE),
                vectorscope: image("vectorscope", VECTOR_SIZE),
                histogram: image("histogram", HISTOGRAM_SIZE),
            },
            grid: None,
        }
    }

    /// Records counting `picture` (display-encoded, `size` pixels) and
    /// drawing the scope images; only what the `shown` scopes (waveform,
    /// parade, vectorscope, histogram) need.
    pub fn encode(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        picture: &wgpu::TextureView,
        size: (u32, u32),
        shown: [bool; 4],
    ) {
        let grid = Grid::of(size.0, size.1);
        if self.grid != Some(grid) {
            ctx.queue
                .write_buffer(&self.params, 0, bytemuck::bytes_of(&ScopeParams::of(grid)));
            self.grid = Some(grid);
        }
        encoder.clear_buffer(&self.vector_counts, 0, None);
        let group = |image: &wgpu::TextureView| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("scopes"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(picture),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: self.params.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: self.counts.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::TextureView(image),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: self.vector_counts.as_entire_binding(),
                    },
                ],
            })
        };
        let images = [
            (&self.images.waveform, WAVEFORM_SIZE),
            (&self.images.parade, PARADE_SIZE),
            (&self.images.vectorscope, VECTOR_SIZE),
            (&self.images.histogram, HISTOGRAM_SIZE),
        ];
        let groups: Vec<_> = images.iter().map(|(view, _)| group(view)).collect();
        let [traces, histogram, vectorscope] = &self.count;
        let [waveform, parade, vector, histogram_shown] = shown;
        let group = &[&groups[0]];
        // One invocation per grid column; per histogram bin and channel
        // (the histograms are the traces' columns summed).
        if waveform || parade || histogram_shown {
            super::dispatch_pixels(encoder, "scopes: traces", traces, group, grid.columns, 1);
        }
        if histogram_shown {
            let levels = scopes::LEVELS;
            super::dispatch_pixels(encoder, "scopes: histogram", histogram, group, levels, 4);
        }
        if vector {
            let step = scopes::VECTOR_STEP;
            let (columns, rows) = (grid.columns.div_ceil(step), grid.rows.div_ceil(step));
            super::dispatch_pixels(
                encoder,
                "scopes: vectorscope",
                vectorscope,
                group,
                columns,
                rows,
            );
        }
        let draws = self.draw.iter().zip(&groups).zip(images).zip(shown);
        for (((pipeline, group), (_, (w, h))), shown) in draws {
            if shown {
                super::dispatch_pixels(encoder, "scopes: draw", pipeline, &[group], w, h);
            }
        }
    }

    pub fn images(&self) -> &ScopeImages {
        &self.images
    }

    /// Reads the last counts back (waits for the GPU): for tests and tools,
    /// never the frame loop.
    pub fn read_counts(&self, ctx: &GpuContext) -> Option<ScopeCounts> {
        let grid = self.grid?;
        let size = self.counts.size() + self.vector_counts.size();
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("scope counts readback"),
            size,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let split = self.counts.size();
        encoder.copy_buffer_to_buffer(&self.counts, 0, &staging, 0, split);
        encoder.copy_buffer_to_buffer(&self.vector_counts, 0, &staging, split, size - split);
        let bytes = super::readback::wait_and_read(ctx, encoder, &staging).ok()?;
        let words: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes);
        Some(ScopeCounts::from_words(grid, &words))
    }
}

fn counter_buffer(device: &wgpu::Device, label: &str, words: u32) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: u64::from(words) * 4,
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uniform_block_is_the_wgsl_struct() {
        let wgsl = include_str!("../../shaders/scopes.wgsl");
        crate::gpu::layout_check::same_size::<ScopeParams>(wgsl, "ScopeParams");
    }
}
