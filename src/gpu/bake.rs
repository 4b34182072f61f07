//! The baked live path (`shaders/bake.wgsl`): which path a frame takes, and
//! the lattice the baked path reads.
//!
//! How it works: [`GradePath`] is the option (`run --grade-path`) and its
//! rule ([`GradePath::choose`]): `auto` bakes on a CPU rasteriser, where
//! the look's transcendental maths per pixel is most of a frame's cost, and
//! grades exactly on a GPU, which has the time. A frame stays exact when
//! its values are not bounded (float input) or its look has no range to
//! bake into (`LiveBake::of`). [`LiveLattice`] owns the lattice texture
//! (the lattice, then the display lattice, along z), the buffer of the
//! shaper and the lattice inputs, and the 8-bit route's table of lattice
//! positions, and remembers what the lattice was
//! baked from, so that [`LiveLattice::record`] records a bake (a
//! `bake_lattice` dispatch, and `bake_display` for a display lattice) only
//! when the grade's values, LUTs or display rendering change.

use super::grade::{GradeParams, GradeUniforms, KernelVariant, TransformParams};
use crate::frame::{Frame, PixelFormat};
use crate::grade::bake::{lattice_inputs, LiveBake, LIVE_SIZE, SHAPER_SIZE};
use crate::grade::lut::Lut1d;
use crate::grade::ocio::DisplayRendering;
use std::collections::HashMap;
use std::sync::Arc;

/// Which path the frame kernel grades by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GradePath {
    /// Baked on a CPU rasteriser, exact on a GPU.
    #[default]
    Auto,
    /// The look evaluated per pixel (the reference).
    Exact,
    /// The look's lattice wherever a frame and its look allow.
    Baked,
}

impl GradePath {
    /// Whether frames of a run take the baked path on an adapter that
    /// `is_cpu` (or is a GPU), `live` (or offline: `--fast`, `grade`), or
    /// why they stay exact. `auto` bakes live on a CPU rasteriser only:
    /// a GPU has the time to grade exactly, and an offline render has no
    /// frame budget to keep.
    pub fn resolve(self, is_cpu: bool, live: bool) -> Result<(), &'static str> {
        match self {
            GradePath::Exact => Err("--grade-path exact"),
            GradePath::Auto if !is_cpu => Err("a GPU grades the look exactly within the frame"),
            GradePath::Auto if !live => Err("an offline run grades exactly"),
            _ => Ok(()),
        }
    }

    /// How a frame of `format` graded with a look that bakes as `bake`
    /// takes the baked path when the run's path `resolved` so, or why it
    /// stays exact. `table_is_enough`: the frame takes the 8-bit route and
    /// the look leaves only cheap maths after its channel table
    /// (`KernelVariant::cheap_after_channel_table`).
    pub fn choose(
        resolved: Result<(), &'static str>,
        format: PixelFormat,
        table_is_enough: bool,
        bake: Result<LiveBake, &'static str>,
    ) -> Result<LiveBake, &'static str> {
        resolved?;
        if matches!(format, PixelFormat::RgbaF16 | PixelFormat::RgbaF32) {
            return Err("float frames may hold values outside the lattice's range");
        }
        if table_is_enough {
            return Err(
                "8-bit video-mode frames grade exactly and faster through the channel table",
            );
        }
        bake
    }
}

/// Points of a live lattice, and the bake's threads per workgroup
/// (`bake_lattice`, `bake_display`).
const LATTICE_POINTS: u32 = (LIVE_SIZE * LIVE_SIZE * LIVE_SIZE) as u32;
const BAKE_WORKGROUP: u32 = 64;

/// The pipeline constants of the baked path: `BAKED` (0 exact, 1 a
/// lattice to the display, 2 one to the working space), `BAKED_DISPLAY`
/// (1: a display lattice after it) and the lattice's size.
pub(super) fn baked_constants(baked: Option<LiveBake>) -> [(&'static str, f64); 3] {
    let (code, display) = match baked {
        None => (0, 0),
        Some(LiveBake::Display) => (1, 0),
        Some(LiveBake::Working) => (2, 0),
        Some(LiveBake::WorkingAndDisplay) => (2, 1),
    };
    [
        ("BAKED", f64::from(code)),
        ("BAKED_DISPLAY", f64::from(display)),
        ("BAKED_SIZE", LIVE_SIZE as f64),
    ]
}

/// What a bake runs: the frame kernel's module (its bake entry points),
/// their pipeline layout, the display rendering's bind group, and the
/// bind group of the grade's buffers with a given shaper buffer and
/// lattice texture to write (made by the frame pipeline, which owns the
/// bindings).
pub(super) struct BakeKernel<'a> {
    pub module: &'a wgpu::ShaderModule,
    pub layout: &'a wgpu::PipelineLayout,
    pub display: &'a wgpu::BindGroup,
    pub group: &'a dyn Fn(&wgpu::Buffer, &wgpu::TextureView) -> wgpu::BindGroup,
}

/// What a lattice was baked from: a new bake is due when any differs.
struct BakedFrom {
    params: GradeParams,
    transform: TransformParams,
    variant: KernelVariant,
    bake: LiveBake,
    /// The frame pipeline's LUT uploads so far (a new LUT is a new count).
    luts: u64,
    display: Option<Arc<DisplayRendering>>,
    shaper: Arc<Lut1d>,
}

/// A bake pipeline: the look's kernel variant, the lattice kind and the
/// entry point.
pub type BakePipelineKey = (KernelVariant, LiveBake, &'static str);

/// The entry points a bake of `bake` dispatches.
fn bake_entries(bake: LiveBake) -> &'static [&'static str] {
    match bake {
        LiveBake::WorkingAndDisplay => &["bake_lattice", "bake_display"],
        _ => &["bake_lattice"],
    }
}

/// The pipeline of `module`'s bake `entry` for `variant` and `bake`.
pub fn bake_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    variant: KernelVariant,
    bake: LiveBake,
    entry: &'static str,
) -> wgpu::ComputePipeline {
    let mut constants = variant.constants().to_vec();
    constants.extend(baked_constants(Some(bake)));
    super::kernel_pipeline(device, module, layout, entry, &constants)
}

/// The lattice texture's format: an entry's two words of codes
/// (`packed_codes` in bake.wgsl).
pub const LATTICE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg32Uint;

/// The lattice and what it holds; see the module comment.
pub struct LiveLattice {
    /// The lattice, then the display lattice, along z.
    view: wgpu::TextureView,
    /// The shaper's entries, then the lattice inputs.
    shaper: wgpu::Buffer,
    /// Each 8-bit code's position on the lattice (the shaper at the 256
    /// codes), which the 8-bit route reads in place of the channel table.
    positions: Arc<Vec<[f32; 4]>>,
    baked_from: Option<BakedFrom>,
    /// The bake's pipelines for the kernel's current module, per variant,
    /// lattice kind and entry point.
    pipelines: HashMap<BakePipelineKey, wgpu::ComputePipeline>,
    /// Bakes so far.
    pub bakes: u64,
}

impl LiveLattice {
    pub fn new(device: &wgpu::Device) -> LiveLattice {
        let side = LIVE_SIZE as u32;
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("live lattice"),
            size: wgpu::Extent3d {
                width: side,
                height: side,
                depth_or_array_layers: 2 * side,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format: LATTICE_FORMAT,
            usage: wgpu::TextureUsages::STORAGE_BINDING | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        LiveLattice {
            view: texture.create_view(&Default::default()),
            shaper: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("live lattice shaper"),
                size: ((SHAPER_SIZE + LIVE_SIZE) * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            positions: Arc::new(vec![[0.0; 4]; 256]),
            baked_from: None,
            pipelines: HashMap::new(),
            bakes: 0,
        }
    }

    /// The bake pipelines a bake of `variant` as `bake` lacks.
    pub(super) fn missing_pipelines(
        &self,
        variant: KernelVariant,
        bake: LiveBake,
    ) -> Vec<(LiveBake, &'static str)> {
        bake_entries(bake)
            .iter()
            .filter(|&&entry| !self.pipelines.contains_key(&(variant, bake, entry)))
            .map(|&entry| (bake, entry))
            .collect()
    }

    /// Keeps a bake pipeline compiled elsewhere (`gpu::compiler`).
    pub(super) fn add_pipeline(&mut self, key: BakePipelineKey, pipeline: wgpu::ComputePipeline) {
        self.pipelines.insert(key, pipeline);
    }

    /// Drops the bake's pipelines (the kernel's module was made again).
    pub(super) fn forget_pipelines(&mut self) {
        self.pipelines.clear();
    }

    /// Records a new bake of the lattices for `look` as `bake` (`luts`:
    /// the frame pipeline's LUT uploads so far) when the ones held were
    /// baked from anything else.
    pub(super) fn record(
        &mut self,
        ctx: &super::GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        kernel: &BakeKernel<'_>,
        look: &GradeUniforms,
        bake: LiveBake,
        luts: u64,
    ) {
        if !self.begin_bake(&ctx.queue, look, bake, luts) {
            return;
        }
        let entries = bake_entries(bake);
        for &entry in entries {
            self.pipelines
                .entry((look.variant, bake, entry))
                .or_insert_with(|| {
                    bake_pipeline(
                        &ctx.device,
                        kernel.module,
                        kernel.layout,
                        look.variant,
                        bake,
                        entry,
                    )
                });
        }
        let group = (kernel.group)(&self.shaper, &self.view);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("live bake"),
            timestamp_writes: None,
        });
        pass.set_bind_group(0, &group, &[]);
        pass.set_bind_group(1, kernel.display, &[]);
        for &entry in entries {
            pass.set_pipeline(&self.pipelines[&(look.variant, bake, entry)]);
            pass.dispatch_workgroups(LATTICE_POINTS.div_ceil(BAKE_WORKGROUP), 1, 1);
        }
    }

    /// The shaper and lattice inputs (bake.wgsl `baked_shaper`).
    pub fn shaper(&self) -> &wgpu::Buffer {
        &self.shaper
    }

    /// The lattices (bake.wgsl `baked_lattice`).
    pub fn view(&self) -> &wgpu::TextureView {
        &self.view
    }

    /// The 8-bit route's table of lattice positions.
    pub fn positions(&self) -> &Arc<Vec<[f32; 4]>> {
        &self.positions
    }

    /// Whether grading with `look` baked as `bake` needs a new bake; if so
    /// it is taken as done (the caller records the dispatch), and a new
    /// shaper is written first.
    fn begin_bake(
        &mut self,
        queue: &wgpu::Queue,
        look: &GradeUniforms,
        bake: LiveBake,
        luts: u64,
    ) -> bool {
        let from = BakedFrom {
            params: look.params,
            transform: look.transform,
            variant: look.variant,
            bake,
            luts,
            display: look.display.clone(),
            shaper: Arc::clone(&look.bake_shaper),
        };
        let same = |a: &BakedFrom| {
            a.params == from.params
                && a.transform == from.transform
                && a.variant == from.variant
                && a.bake == from.bake
                && a.luts == from.luts
                && same_arc(&a.display, &from.display)
                && Arc::ptr_eq(&a.shaper, &from.shaper)
        };
        if self.baked_from.as_ref().is_some_and(same) {
            return false;
        }
        let new_shaper = self
            .baked_from
            .as_ref()
            .is_none_or(|a| !Arc::ptr_eq(&a.shaper, &from.shaper));
        if new_shaper {
            self.write_shaper(queue, &from.shaper);
        }
        self.baked_from = Some(from);
        self.bakes += 1;
        true
    }

    /// Writes `shaper` and the lattice inputs behind it, and the 8-bit
    /// positions.
    fn write_shaper(&mut self, queue: &wgpu::Queue, shaper: &Lut1d) {
        let entries: Vec<f32> = shaper
            .table
            .iter()
            .map(|v| v[0])
            .chain(lattice_inputs(shaper, LIVE_SIZE))
            .collect();
        debug_assert_eq!(entries.len(), SHAPER_SIZE + LIVE_SIZE);
        queue.write_buffer(&self.shaper, 0, bytemuck::cast_slice(&entries));
        let last = (LIVE_SIZE - 1) as f32;
        self.positions = Arc::new(
            (0..256)
                .map(|code| {
                    let p = shaper.apply([code as f32 / 255.0; 3])[0].clamp(0.0, 1.0) * last;
                    [p, p, p, 0.0]
                })
                .collect(),
        );
    }
}

/// Colours of the run's pictures kept for measuring the bake's error:
/// at most this many pixels of a frame, a frame a second.
const PICTURE_COLOURS: u32 = 16_384;
const PICTURE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What each path graded in a run, for its report.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PathReport {
    /// Frames graded from the live lattice, and exactly.
    pub baked_frames: u64,
    pub exact_frames: u64,
    /// Bakes of the lattice (the look's first, then one a change).
    pub bakes: u64,
    /// The lattice's kind, when frames were baked.
    pub lattice: Option<LiveBake>,
    /// Why frames stayed exact, when they did.
    pub exact_because: Option<&'static str>,
    /// Code values of the newest baked picture sampled (a grid of pixels,
    /// decoded as the kernel decodes them), to measure the bake on.
    #[serde(skip)]
    pub picture_colours: Vec<[f32; 3]>,
    #[serde(skip)]
    sampled: Option<std::time::Instant>,
}

impl PathReport {
    pub fn count(&mut self, path: Result<LiveBake, &'static str>, frame: &Frame) {
        match path {
            Ok(bake) => {
                self.baked_frames += 1;
                self.lattice = Some(bake);
                if self.sampled.is_none_or(|t| t.elapsed() >= PICTURE_EVERY) {
                    self.picture_colours = sample_colours(frame);
                    self.sampled = Some(std::time::Instant::now());
                }
            }
            Err(why) => {
                self.exact_frames += 1;
                self.exact_because = Some(why);
            }
        }
    }
}

/// Code values of up to [`PICTURE_COLOURS`] pixels on a grid over `frame`.
fn sample_colours(frame: &Frame) -> Vec<[f32; 3]> {
    let pixels = u64::from(frame.width) * u64::from(frame.height);
    let step = ((pixels as f64 / f64::from(PICTURE_COLOURS)).sqrt().ceil() as u32).max(1);
    (0..frame.height)
        .step_by(step as usize)
        .flat_map(|y| (0..frame.width).step_by(step as usize).map(move |x| (x, y)))
        .map(|(x, y)| {
            let [r, g, b, _] = frame.pixel(x, y);
            [r, g, b]
        })
        .collect()
}

fn same_arc<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}
