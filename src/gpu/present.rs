//! Present pass: draws the graded picture into a window's surface,
//! letterboxed with aspect kept, or texel for texel; the operator view's
//! exposure aids are painted here (shader: `shaders/present.wgsl`; their
//! CPU reference: `src/scopes.rs`).

use super::{bindings, GpuContext};
use crate::scopes::{self, ExposureAids};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PresentParams {
    rect: [f32; 4],
    mode: [f32; 4],
    zebra_band: [f32; 4],
    luma: [u32; 4],
    band_limits: [[f32; 4]; 6],
    band_colours: [[f32; 4]; 6],
    grey: [f32; 4],
    compare: [f32; 4],
    overlay: [u32; 4],
    overlay_colours: [[f32; 4]; 4],
}

/// How a secondary's mask is shown over the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaskView {
    #[default]
    Off,
    /// Its colour over the picture where it grades.
    Tint,
    /// Its weight as grey (white: fully graded).
    Matte,
    /// A line where its weight crosses one half.
    Outline,
}

/// Each secondary's overlay colour (tint and outline).
pub const OVERLAY_COLOURS: [[f32; 3]; 4] = [
    [1.0, 0.2, 0.6],
    [0.2, 0.9, 1.0],
    [1.0, 0.85, 0.1],
    [0.4, 1.0, 0.3],
];

/// What the machine picked, shown over the picture.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Overlays {
    /// Secondary 1..4.
    pub secondaries: [MaskView; 4],
    /// Depth as a false-colour map.
    pub depth: bool,
}

/// The analysis masks and the keyed weights an overlay reads.
pub struct MaskViews<'a> {
    pub masks: &'a wgpu::TextureView,
    pub weights: &'a wgpu::TextureView,
    pub size: (u32, u32),
}

/// How the picture is shown against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Compare {
    /// The picture alone.
    #[default]
    Off,
    /// The picture left of a line at this fraction of its width, the
    /// reference right of it (a wipe when the line moves).
    Split(f32),
    /// The picture and the reference side by side, each at half width.
    SideBySide,
}

/// Where the picture goes in the target and what is painted over it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The part of the target the picture is placed in, in normalised
    /// coordinates (x0, y0, x1, y1): the whole target, or the operator
    /// view's picture area.
    pub area: [f32; 4],
    /// Texel for texel at the picture's own size, centred (the program
    /// output: no scaling), rather than scaled to fit.
    pub native: bool,
    pub aids: ExposureAids,
    pub compare: Compare,
    pub overlays: Overlays,
}

impl Placement {
    /// The whole target, scaled to fit, nothing painted over.
    pub fn fit() -> Placement {
        Placement {
            area: [0.0, 0.0, 1.0, 1.0],
            native: false,
            aids: ExposureAids::default(),
            compare: Compare::Off,
            overlays: Overlays::default(),
        }
    }

    /// The picture's rectangle in normalised target coordinates (both
    /// pictures' side by side).
    pub fn rect(&self, picture: (u32, u32), target: (u32, u32)) -> [f32; 4] {
        let picture = match self.compare {
            Compare::SideBySide => (picture.0 * 2, picture.1),
            _ => picture,
        };
        let [x0, y0, x1, y1] = self.area;
        let (tw, th) = (target.0.max(1) as f32, target.1.max(1) as f32);
        if self.native {
            // Whole pixels, so each texel lands on one window pixel.
            let left = ((x0 + x1) / 2.0 * tw - picture.0 as f32 / 2.0).round();
            let top = ((y0 + y1) / 2.0 * th - picture.1 as f32 / 2.0).round();
            return [
                left / tw,
                top / th,
                (left + picture.0 as f32) / tw,
                (top + picture.1 as f32) / th,
            ];
        }
        let area_size = (
            ((x1 - x0) * tw).round().max(1.0) as u32,
            ((y1 - y0) * th).round().max(1.0) as u32,
        );
        let [a, b, c, d] = letterbox(picture, area_size);
        [
            x0 + a * (x1 - x0),
            y0 + b * (y1 - y0),
            x0 + c * (x1 - x0),
            y0 + d * (y1 - y0),
        ]
    }
}

impl PresentParams {
    fn of(placement: &Placement, picture: (u32, u32), target: (u32, u32)) -> PresentParams {
        const OFF: f32 = 1e9;
        let aids = placement.aids;
        let [weight_r, weight_g, weight_b] = scopes::LUMA_WEIGHTS_1E4;
        let band = |i: usize| scopes::FALSE_COLOUR[i];
        let rect = placement.rect(picture, target);
        // One window pixel in the picture's uv (the split line's width).
        let pixel = 1.0 / ((rect[2] - rect[0]) * target.0.max(1) as f32).max(1.0);
        PresentParams {
            rect,
            mode: [
                f32::from(u8::from(placement.native)),
                f32::from(u8::from(aids.false_colour)),
                aids.zebra_high.unwrap_or(OFF),
                0.0,
            ],
            zebra_band: match aids.zebra_band {
                Some((lo, hi)) => [lo, hi, 0.0, 0.0],
                None => [OFF, 0.0, 0.0, 0.0],
            },
            luma: [weight_r, weight_g, weight_b, 10000],
            band_limits: std::array::from_fn(|i| {
                [band(i).low.max(-OFF), band(i).high.min(OFF), 0.0, 0.0]
            }),
            band_colours: std::array::from_fn(|i| {
                let [r, g, b] = band(i).colour;
                [r, g, b, 1.0]
            }),
            grey: [
                scopes::FALSE_COLOUR_GREY,
                scopes::ZEBRA_PERIOD as f32,
                scopes::CODE_MAX as f32,
                0.0,
            ],
            compare: match placement.compare {
                Compare::Off => [0.0, 0.0, 0.0, 0.0],
                Compare::Split(at) => [1.0, at.clamp(0.0, 1.0), pixel, 0.0],
                Compare::SideBySide => [2.0, 0.5, pixel, 0.0],
            },
            overlay: [
                placement
                    .overlays
                    .secondaries
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (*v as u32) << (2 * i))
                    .sum(),
                0,
                0,
                u32::from(placement.overlays.depth),
            ],
            overlay_colours: OVERLAY_COLOURS.map(|[r, g, b]| [r, g, b, 1.0]),
        }
    }
}

pub struct PresentPass {
    /// Stand-ins bound when there are no masks to show.
    no_masks: wgpu::TextureView,
    no_weights: wgpu::TextureView,
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::RenderPipeline,
    sampler: wgpu::Sampler,
    params: wgpu::Buffer,
}

/// The picture's rectangle in normalised window coordinates (x0, y0, x1, y1),
/// as large as fits with the picture's aspect ratio kept.
pub fn letterbox(picture: (u32, u32), window: (u32, u32)) -> [f32; 4] {
    let pa = picture.0 as f32 / picture.1.max(1) as f32;
    let wa = window.0 as f32 / window.1.max(1) as f32;
    if pa > wa {
        let h = wa / pa;
        [0.0, (1.0 - h) / 2.0, 1.0, (1.0 + h) / 2.0]
    } else {
        let w = pa / wa;
        [(1.0 - w) / 2.0, 0.0, (1.0 + w) / 2.0, 1.0]
    }
}

/// A 1 x 1 RGBA8 texture of zeros, bound when there is nothing to show.
fn stand_in(device: &wgpu::Device, label: &str) -> wgpu::TextureView {
    super::texture_2d(
        device,
        label,
        (1, 1),
        wgpu::TextureFormat::Rgba8Unorm,
        wgpu::TextureUsages::TEXTURE_BINDING,
    )
    .create_view(&Default::default())
}

impl PresentPass {
    /// The pass's bind-group layout (held to its WGSL by `tests/shaders.rs`).
    pub fn layout() -> Vec<wgpu::BindGroupLayoutEntry> {
        vec![
            bindings::texture(0, wgpu::ShaderStages::FRAGMENT),
            bindings::sampler(1),
            bindings::uniform(2, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(3, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(4, wgpu::ShaderStages::FRAGMENT),
            bindings::texture(5, wgpu::ShaderStages::FRAGMENT),
        ]
    }

    pub fn new(device: &wgpu::Device, surface_format: wgpu::TextureFormat) -> PresentPass {
        let module = super::shader!(device, "present.wgsl");
        let (layout, pipeline_layout) =
            super::single_group_layout(device, "present", &Self::layout());
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("present"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(surface_format.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("present"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("present params"),
            size: std::mem::size_of::<PresentParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        PresentPass {
            no_masks: stand_in(device, "no masks"),
            no_weights: stand_in(device, "no weights"),
            layout,
            pipeline,
            sampler,
            params,
        }
    }

    /// Records drawing `picture` (of size `picture_size`) into `target`,
    /// placed as `placement` says, against `reference` when it compares.
    #[allow(clippy::too_many_arguments)]
    pub fn encode(
        &self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        picture: &wgpu::TextureView,
        picture_size: (u32, u32),
        target: &wgpu::TextureView,
        target_size: (u32, u32),
        placement: &Placement,
        reference: Option<&wgpu::TextureView>,
        masks: Option<&MaskViews<'_>>,
    ) {
        let mut placement = *placement;
        if reference.is_none() {
            placement.compare = Compare::Off;
        }
        if masks.is_none() {
            placement.overlays = Overlays::default();
        }
        let placement = &placement;
        let mut params = PresentParams::of(placement, picture_size, target_size);
        if let Some(m) = masks {
            params.overlay[1] = m.size.0;
            params.overlay[2] = m.size.1;
        }
        ctx.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("present"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(picture),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&self.sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: self.params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::TextureView(reference.unwrap_or(picture)),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::TextureView(
                        masks.map_or(&self.no_masks, |m| m.masks),
                    ),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: wgpu::BindingResource::TextureView(
                        masks.map_or(&self.no_weights, |m| m.weights),
                    ),
                },
            ],
        });
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("present"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

#[cfg(test)]
mod tests {
    use super::{letterbox, PresentParams};

    #[test]
    fn letterbox_keeps_aspect() {
        assert_eq!(letterbox((1920, 1080), (1920, 1080)), [0.0, 0.0, 1.0, 1.0]);
        let r = letterbox((1000, 1000), (2000, 1000));
        assert_eq!(r, [0.25, 0.0, 0.75, 1.0]);
        let r = letterbox((2000, 1000), (1000, 1000));
        assert_eq!(r, [0.0, 0.25, 1.0, 0.75]);
    }

    #[test]
    fn the_uniform_block_is_the_wgsl_struct() {
        let wgsl = include_str!("../../shaders/present.wgsl");
        crate::gpu::layout_check::same_size::<PresentParams>(wgsl, "PresentParams");
    }
}
