//! The frame pipeline: upload, then one fused compute kernel that decodes,
//! grades and stores every pixel (`shaders/pipeline.wgsl`, composed after
//! `ingest.wgsl` and `grade.wgsl`).
//!
//! How it works: [`FramePipeline`] owns the kernel's pipelines (one per input
//! layout and output, via WGSL override constants), its uniforms, and the
//! resources that depend on the picture size: the input buffer, the packed
//! output buffer (readback sinks) and the rgba16float working texture (the
//! window). They are re-created only when a frame of another size arrives.
//! The secondaries read the analysis masks the render loop last handed to
//! [`FramePipeline::set_masks`].
//! Fusing the passes means the picture crosses memory once, which on a CPU
//! rasteriser is most of the cost; each operation still lives in its own
//! WGSL function with a CPU twin. New colour operations are new functions
//! called from `grade_pixel`.

use super::bake::{
    bake_pipeline, baked_constants, BakeKernel, BakePipelineKey, GradePath, LiveLattice,
    PathReport, LATTICE_FORMAT,
};
use super::compiler::Compiler;
use super::denoise::{NoiseInput, NoisePass};
use super::display::{DisplayResources, DisplayShader};
use super::grade::{
    lut_tables, pack_lut, GradeParams, GradeUniforms, KernelVariant, SecondaryGains,
    TransformParams,
};
use super::ingest::{input_buffer_size, upload, IngestUniforms};
use super::masks::{KeyExtent, KeyPass, MaskInput, MaskTexture};
use super::{bindings, GpuContext, GpuError, OutputFormat, WORKING_FORMAT};
use crate::frame::{Frame, PixelFormat};
use crate::grade::bake::LiveBake;
use crate::grade::ocio::DisplayRendering;
use crate::grade::Look;
use crate::masks::MASK_CHANNELS;
use std::collections::HashMap;
use std::sync::Arc;

/// The frame kernel's own WGSL; the module is this followed by the display
/// rendering's function ([`frame_kernel_wgsl`]).
pub const FRAME_KERNEL_WGSL: &str = concat!(
    include_str!("../../shaders/bilinear.wgsl"),
    "\n",
    include_str!("../../shaders/ingest.wgsl"),
    "\n",
    include_str!("../../shaders/grade.wgsl"),
    "\n",
    include_str!("../../shaders/transform.wgsl"),
    "\n",
    include_str!("../../shaders/filters.wgsl"),
    "\n",
    include_str!("../../shaders/bake.wgsl"),
    "\n",
    include_str!("../../shaders/pipeline.wgsl"),
);

/// The whole WGSL module of the frame kernel with `display` as its
/// `ocio_display` (also validated by naga in tests).
pub fn frame_kernel_wgsl(display: &DisplayShader) -> String {
    format!("{FRAME_KERNEL_WGSL}\n{}", display.wgsl)
}

/// The kernel's module and pipeline layouts, for one display rendering
/// (made again when a look brings another).
struct KernelModule {
    /// The rendering compiled in (`None`: the identity).
    rendering: Option<Arc<DisplayRendering>>,
    module: wgpu::ShaderModule,
    display: DisplayResources,
    packed_layout: wgpu::PipelineLayout,
    texture_layout: wgpu::PipelineLayout,
    /// The live bake's (`bake_lattice`).
    bake_layout: wgpu::PipelineLayout,
}

impl KernelModule {
    fn new(
        ctx: &GpuContext,
        rendering: Option<Arc<DisplayRendering>>,
        groups: &KernelGroups,
    ) -> Result<KernelModule, GpuError> {
        let shader = match &rendering {
            Some(r) => DisplayShader::of(r)?,
            None => DisplayShader::identity(),
        };
        let device = &ctx.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("frame kernel"),
            source: wgpu::ShaderSource::Wgsl(frame_kernel_wgsl(&shader).into()),
        });
        let display = DisplayResources::new(ctx, &shader);
        let layout = |label, group| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(group), Some(&display.layout)],
                immediate_size: 0,
            })
        };
        Ok(KernelModule {
            packed_layout: layout("frame kernel (packed)", &groups.packed),
            texture_layout: layout("frame kernel (texture)", &groups.texture),
            bake_layout: layout("live bake", &groups.bake),
            rendering,
            module,
            display,
        })
    }

    /// The entry point and pipeline layout of `key`'s pipeline.
    fn entry(&self, key: &KernelKey) -> (&'static str, &wgpu::PipelineLayout) {
        match key.target {
            Target::Packed(_) if key.table_words => ("to_buffer_words", &self.packed_layout),
            Target::Packed(_) => ("to_buffer", &self.packed_layout),
            Target::Texture if key.table_words => ("to_texture_words", &self.texture_layout),
            Target::Texture => ("to_texture", &self.texture_layout),
        }
    }

    fn renders(&self, rendering: Option<&Arc<DisplayRendering>>) -> bool {
        match (&self.rendering, rendering) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Group 0's layouts of the module's entry points.
struct KernelGroups {
    /// `to_buffer`: its own resources with the packed output.
    packed: wgpu::BindGroupLayout,
    /// `to_texture`: with the working texture.
    texture: wgpu::BindGroupLayout,
    /// `bake_lattice`: the grade's uniforms and LUTs, the lattice to write.
    bake: wgpu::BindGroupLayout,
}

/// Where the kernel stores the graded picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Packed(OutputFormat),
    Texture,
}

struct SizedResources {
    width: u32,
    height: u32,
    input: wgpu::Buffer,
    working: Option<wgpu::TextureView>,
}

/// What a frame kernel pipeline is specialised for (its override constants).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct KernelKey {
    format: PixelFormat,
    target: Target,
    variant: KernelVariant,
    baked: Option<LiveBake>,
    /// 3-byte RGB whose every row starts on a word (the width a multiple of
    /// four) and no filter before the grade: the table route alone
    /// (`to_buffer_words`, `to_texture_words` in pipeline.wgsl).
    table_words: bool,
}

impl KernelKey {
    fn constants(&self) -> Vec<(&'static str, f64)> {
        let out = match self.target {
            Target::Packed(f) => f.shader_code(),
            Target::Texture => 0,
        };
        let mut constants = vec![
            ("FORMAT", f64::from(self.format.shader_code())),
            ("OUT_FORMAT", f64::from(out)),
        ];
        constants.extend(self.variant.constants());
        constants.extend(baked_constants(self.baked));
        constants
    }
}

pub struct FramePipeline {
    kernel: KernelModule,
    groups: KernelGroups,
    /// One pipeline per [`KernelKey`] (for the kernel's current module).
    pipelines: HashMap<KernelKey, wgpu::ComputePipeline>,
    /// Whether the run's frames may take the baked path (why not), the
    /// lattice it reads, and what each path graded so far.
    baking: Result<(), &'static str>,
    lattice: LiveLattice,
    paths: PathReport,
    /// LUT uploads so far (a re-bake follows a new LUT).
    lut_uploads: u64,
    /// The per-channel grade at the 256 8-bit codes, a texel each (see
    /// pipeline.wgsl).
    channel_lut: wgpu::Texture,
    channel_lut_view: wgpu::TextureView,
    /// The table `channel_lut` holds (`None`: none uploaded yet).
    channel_table_of: Option<std::sync::Arc<Vec<[f32; 4]>>>,
    /// The look's creative LUT, one vec4 an entry (one entry when there is none).
    lut: wgpu::Buffer,
    /// The look's scene-referred matrices and curve constants.
    transform_uniforms: wgpu::Buffer,
    ingest_uniforms: wgpu::Buffer,
    grade_uniforms: wgpu::Buffer,
    secondary_uniforms: wgpu::Buffer,
    /// The analysis masks the secondaries are keyed from (none until
    /// [`Self::set_masks`]), and how many times they were set.
    masks: Option<MaskInput>,
    mask_generation: u64,
    /// Keys the secondaries from the masks (shaders/masks.wgsl).
    key_pass: KeyPass,
    /// Noise reduction before the kernel, made when a look first asks.
    noise: Option<NoisePass>,
    sized: Option<SizedResources>,
    /// The kernel's module's generation (one more each time it is made
    /// again), which the pipelines compiled beside the loop belong to.
    generation: u64,
    /// Where the frames went so far (the driver's output), for
    /// [`Self::ready_for`].
    target_used: Option<Target>,
    /// Compiles the pipelines of a look beside the render thread.
    compiler: Compiler<KernelKey, CompiledLook>,
}

/// The pipelines one look was missing, compiled beside the render thread.
struct CompiledLook {
    /// The kernel module's generation they were compiled from.
    generation: u64,
    kernel: Option<wgpu::ComputePipeline>,
    bakes: Vec<(BakePipelineKey, wgpu::ComputePipeline)>,
    keying: Option<(KeyExtent, [wgpu::ComputePipeline; 7])>,
}

/// The frame kernel's bindings: the one table its bind-group layouts and
/// bind groups are made from; `tests/shaders.rs` holds every `@binding` of
/// the kernel's WGSL to it.
pub mod slot {
    /// ingest.wgsl `src`: the frame's bytes.
    pub const INPUT: u32 = 0;
    /// ingest.wgsl `ingest`: the frame's size and layout.
    pub const INGEST: u32 = 1;
    /// grade.wgsl `look`: the grade's uniforms.
    pub const LOOK: u32 = 2;
    /// pipeline.wgsl `packed`: the read-back output (packed route).
    pub const PACKED: u32 = 3;
    /// pipeline.wgsl `working`: the window's working texture (texture route).
    pub const WORKING: u32 = 4;
    /// pipeline.wgsl `channel_lut`: the 8-bit route's table (packed route).
    pub const CHANNEL_LUT: u32 = 6;
    /// grade.wgsl `lut_table`: the creative LUT.
    pub const LUT: u32 = 8;
    /// transform.wgsl `xf`: the input and output transforms.
    pub const TRANSFORM: u32 = 9;
    /// grade.wgsl `secondaries`: the secondaries' corrections.
    pub const SECONDARIES: u32 = 10;
    /// grade.wgsl `secondary_weights`: their keyed weights.
    pub const WEIGHTS: u32 = 11;
    /// grade.wgsl `atmosphere_grid`: haze and defocus amounts.
    pub const ATMOSPHERE: u32 = 12;
    /// grade.wgsl `refine_grid`: matte refinement's coefficients.
    pub const REFINE: u32 = 13;
    /// bake.wgsl `baked_shaper`: the live lattice's shaper and inputs.
    pub const BAKED: u32 = 14;
    /// bake.wgsl `lattice_out`: the look's live lattices, written by the
    /// bake.
    pub const BAKED_OUT: u32 = 15;
    /// bake.wgsl `baked_lattice`: the same texture, read by the frame
    /// kernel.
    pub const BAKED_LATTICE: u32 = 16;
}

/// The frame kernel's bind-group layout: the packed (read-back) route's,
/// or the working texture's.
pub fn frame_kernel_layout(packed: bool) -> Vec<wgpu::BindGroupLayoutEntry> {
    let compute = wgpu::ShaderStages::COMPUTE;
    let mut entries = vec![
        bindings::storage_buffer(slot::INPUT, true),
        bindings::uniform(slot::INGEST, compute),
        bindings::uniform(slot::LOOK, compute),
        bindings::storage_buffer(slot::LUT, true),
        bindings::uniform(slot::TRANSFORM, compute),
        bindings::uniform(slot::SECONDARIES, compute),
        bindings::unfilterable_texture(slot::WEIGHTS),
        bindings::unfilterable_texture(slot::ATMOSPHERE),
        bindings::unfilterable_texture_array(slot::REFINE),
        bindings::storage_buffer(slot::BAKED, true),
        bindings::uint_texture_3d(slot::BAKED_LATTICE),
        bindings::unfilterable_texture(slot::CHANNEL_LUT),
    ];
    if packed {
        entries.push(bindings::storage_buffer(slot::PACKED, false));
    } else {
        entries.push(bindings::working_texture_write(slot::WORKING));
    }
    entries
}

/// The live bake's bind-group layout (`bake_lattice` and `bake_display`
/// in bake.wgsl).
pub fn bake_layout() -> Vec<wgpu::BindGroupLayoutEntry> {
    let compute = wgpu::ShaderStages::COMPUTE;
    vec![
        bindings::uniform(slot::LOOK, compute),
        bindings::storage_buffer(slot::LUT, true),
        bindings::uniform(slot::TRANSFORM, compute),
        bindings::storage_buffer(slot::BAKED, true),
        bindings::storage_texture_3d_write(slot::BAKED_OUT, LATTICE_FORMAT),
    ]
}

fn uniform_buffer(device: &wgpu::Device, label: &str, size: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

impl FramePipeline {
    pub fn new(ctx: &GpuContext) -> FramePipeline {
        let device = &ctx.device;
        let group = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries,
            })
        };
        let groups = KernelGroups {
            packed: group("frame kernel (packed)", &frame_kernel_layout(true)),
            texture: group("frame kernel (texture)", &frame_kernel_layout(false)),
            bake: group("live bake", &bake_layout()),
        };
        let channel_lut = super::texture_2d(
            device,
            "channel lut",
            (256, 1),
            wgpu::TextureFormat::Rgba32Float,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        );
        FramePipeline {
            kernel: KernelModule::new(ctx, None, &groups)
                .expect("the identity display needs no OpenColorIO shader"),
            groups,
            pipelines: HashMap::new(),
            baking: Err("the exact path unless a run asks"),
            lattice: LiveLattice::new(device),
            paths: PathReport::default(),
            lut_uploads: 0,
            channel_lut_view: channel_lut.create_view(&Default::default()),
            channel_lut,
            channel_table_of: None,
            lut: lut_buffer(device, &pack_lut(&[[0.0; 3]]).words),
            transform_uniforms: uniform_buffer(
                device,
                "transform uniforms",
                std::mem::size_of::<TransformParams>(),
            ),
            ingest_uniforms: uniform_buffer(
                device,
                "ingest uniforms",
                std::mem::size_of::<IngestUniforms>(),
            ),
            grade_uniforms: uniform_buffer(
                device,
                "grade uniforms",
                std::mem::size_of::<GradeParams>(),
            ),
            secondary_uniforms: uniform_buffer(
                device,
                "secondary uniforms",
                std::mem::size_of::<SecondaryGains>(),
            ),
            masks: None,
            mask_generation: 0,
            key_pass: KeyPass::new(device),
            noise: None,
            sized: None,
            generation: 0,
            target_used: None,
            compiler: Compiler::default(),
        }
    }

    /// The analysis masks the secondaries of the next frames read.
    pub fn set_masks(&mut self, masks: &MaskTexture) {
        self.mask_generation += 1;
        self.masks = Some(MaskInput::of(masks, self.mask_generation));
    }

    /// Prepares for grading with `look`: uploads its creative LUT (or none).
    /// Call when the look's LUT changes; everything else travels in the
    /// per-frame [`GradeUniforms`], which also pick the kernel variant.
    pub fn set_look(&mut self, ctx: &GpuContext, look: &Look) -> Result<(), GpuError> {
        let words: Vec<[u32; 2]> = lut_tables(look)
            .into_iter()
            .flat_map(|table| pack_lut(table).words)
            .collect();
        let bytes = words.len() as u64 * 8;
        let max = ctx.device.limits().max_storage_buffer_binding_size;
        if bytes > max {
            return Err(GpuError::LutTooLarge {
                entries: words.len(),
                bytes,
                max,
            });
        }
        self.lut = lut_buffer(&ctx.device, &words);
        self.lut_uploads += 1;
        Ok(())
    }

    /// Which path the next frames are graded by, for a `live` run or an
    /// offline one (before this: exact).
    pub fn set_grade_path(&mut self, ctx: &GpuContext, path: GradePath, live: bool) {
        self.baking = path.resolve(ctx.is_cpu, live);
    }

    /// What each path graded so far, and the lattice's bakes.
    pub fn path_report(&self) -> PathReport {
        let mut report = self.paths.clone();
        report.bakes = self.lattice.bakes;
        report
    }

    /// Makes sure the input buffer fits `frame` (re-creating the
    /// size-dependent resources for a new size).
    fn ensure_input(&mut self, ctx: &GpuContext, frame: &Frame) {
        let needed = input_buffer_size(frame.data.len());
        let same_size = self.sized.as_ref().is_some_and(|s| {
            s.width == frame.width && s.height == frame.height && s.input.size() >= needed
        });
        if !same_size {
            self.sized = Some(SizedResources {
                width: frame.width,
                height: frame.height,
                input: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("frame input"),
                    size: needed,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }),
                working: None,
            });
        }
    }

    /// Uploads `frame` without grading it, for passes that read it before
    /// the frame kernel (the analysis copy of an offline render).
    pub fn upload(&mut self, ctx: &GpuContext, frame: &Frame) -> Result<(), GpuError> {
        let needed = input_buffer_size(frame.data.len());
        ctx.check_size(frame.width, frame.height, needed)?;
        self.ensure_input(ctx, frame);
        let sized = self.sized.as_ref().expect("created above");
        upload(&ctx.queue, &sized.input, &frame.data);
        ctx.queue.write_buffer(
            &self.ingest_uniforms,
            0,
            bytemuck::bytes_of(&IngestUniforms::of(frame)),
        );
        Ok(())
    }

    /// Makes sure the kernel's module holds `rendering` (compiling it, and
    /// dropping the pipelines of the old module, when it changes).
    fn ensure_rendering(
        &mut self,
        ctx: &GpuContext,
        rendering: Option<&Arc<DisplayRendering>>,
    ) -> Result<(), GpuError> {
        if !self.kernel.renders(rendering) {
            self.kernel = KernelModule::new(ctx, rendering.cloned(), &self.groups)?;
            self.generation += 1;
            self.pipelines.clear();
            self.lattice.forget_pipelines();
        }
        Ok(())
    }

    /// The pipeline that grades `frame` with `look` into `target`, and the
    /// path it takes (baked, or why exact).
    fn kernel_key(
        &self,
        frame: &Frame,
        look: &GradeUniforms,
        target: Target,
    ) -> (KernelKey, Result<LiveBake, &'static str>) {
        let variant = look.variant;
        // Noise reduction turns the frame into half floats first.
        let format = if look.nr.is_some() {
            PixelFormat::RgbaF16
        } else {
            frame.format
        };
        let table_words = format == PixelFormat::Rgb8
            && frame.width % 4 == 0
            && variant.soften == 0
            && variant.atmosphere == 0;
        let uses_table = uses_channel_table(format, target, table_words);
        let table_is_enough = uses_table && variant.cheap_after_channel_table();
        let path = GradePath::choose(self.baking, frame.format, table_is_enough, look.bake);
        let key = KernelKey {
            format,
            target,
            variant,
            baked: path.ok(),
            table_words,
        };
        (key, path)
    }

    /// Whether `look` can grade `frame` without compiling on this thread
    /// (for a live loop: see `gpu::compiler`). True when its pipelines are
    /// compiled, and when it is the first frame or brings another display
    /// rendering (those compile when graded); otherwise starts compiling
    /// them beside the loop and says false until they are in.
    pub fn ready_for(&mut self, ctx: &GpuContext, frame: &Frame, look: &GradeUniforms) -> bool {
        self.take_compiled();
        let Some(target) = self.target_used else {
            return true;
        };
        if !self.kernel.renders(look.display.as_ref()) {
            return true;
        }
        let (key, _) = self.kernel_key(frame, look, target);
        let kernel = (!self.pipelines.contains_key(&key)).then(|| {
            let (entry, layout) = self.kernel.entry(&key);
            (entry, layout.clone(), key.constants())
        });
        let bakes = key
            .baked
            .map(|bake| self.lattice.missing_pipelines(look.variant, bake))
            .unwrap_or_default();
        let keys_masks =
            (look.variant.secondaries > 0 || look.variant.atmosphere > 0) && self.masks.is_some();
        let keying = keys_masks
            .then(|| look.keys.extent())
            .filter(|extent| !self.key_pass.has_steps(*extent));
        if kernel.is_none() && bakes.is_empty() && keying.is_none() {
            return true;
        }
        if self.compiler.is_pending(&key) {
            return false;
        }
        let device = ctx.device.clone();
        let module = self.kernel.module.clone();
        let bake_layout = self.kernel.bake_layout.clone();
        let keying_layout = self.key_pass.pipeline_layout().clone();
        let generation = self.generation;
        let variant = look.variant;
        let requested = self.compiler.request(key, move || CompiledLook {
            generation,
            kernel: kernel.map(|(entry, layout, constants)| {
                super::kernel_pipeline(&device, &module, &layout, entry, &constants)
            }),
            bakes: bakes
                .into_iter()
                .map(|(bake, entry)| {
                    let pipeline =
                        bake_pipeline(&device, &module, &bake_layout, variant, bake, entry);
                    ((variant, bake, entry), pipeline)
                })
                .collect(),
            keying: keying
                .map(|extent| (extent, KeyPass::compile(&device, &keying_layout, extent))),
        });
        // Without a compiler thread the look compiles when graded.
        !requested
    }

    /// Takes in what the compiler thread finished (for the kernel's
    /// current module).
    fn take_compiled(&mut self) {
        for (key, compiled) in self.compiler.finished() {
            if let Some((extent, steps)) = compiled.keying {
                self.key_pass.add_steps(extent, steps);
            }
            if compiled.generation != self.generation {
                continue;
            }
            if let Some(pipeline) = compiled.kernel {
                self.pipelines.insert(key, pipeline);
            }
            for (bake_key, pipeline) in compiled.bakes {
                self.lattice.add_pipeline(bake_key, pipeline);
            }
        }
    }

    /// Makes sure the size-dependent resources fit `frame` and `key.target`,
    /// and that the kernel has a pipeline for `key`.
    fn prepare(&mut self, ctx: &GpuContext, frame: &Frame, key: KernelKey) -> Result<(), GpuError> {
        let needed = input_buffer_size(frame.data.len());
        let out_bytes = match key.target {
            Target::Packed(f) => Self::packed_bytes(frame, f),
            Target::Texture => 0,
        };
        ctx.check_size(frame.width, frame.height, needed.max(out_bytes))?;
        let device = &ctx.device;
        self.ensure_input(ctx, frame);
        let sized = self.sized.as_mut().expect("created above");
        if key.target == Target::Texture && sized.working.is_none() {
            sized.working = Some(working_texture(device, frame.width, frame.height));
        }
        if !self.pipelines.contains_key(&key) {
            let (entry, layout) = self.kernel.entry(&key);
            let pipeline = super::kernel_pipeline(
                device,
                &self.kernel.module,
                layout,
                entry,
                &key.constants(),
            );
            self.pipelines.insert(key, pipeline);
        }
        Ok(())
    }

    fn encode(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        frame: &Frame,
        look: &GradeUniforms,
        target: Target,
        packed: Option<&wgpu::Buffer>,
    ) -> Result<(), GpuError> {
        let variant = look.variant;
        self.take_compiled();
        self.ensure_rendering(ctx, look.display.as_ref())?;
        self.target_used = Some(target);
        let (key, path) = self.kernel_key(frame, look, target);
        let KernelKey {
            format,
            baked,
            table_words,
            ..
        } = key;
        let uses_table = uses_channel_table(format, target, table_words);
        self.paths.count(path, frame);
        self.prepare(ctx, frame, key)?;
        if let Some(bake) = baked {
            // Queued writes (the uniforms below) land before the encoder runs.
            let group = |shaper: &wgpu::Buffer, lattice: &wgpu::TextureView| {
                fn buffer(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
                    wgpu::BindGroupEntry {
                        binding,
                        resource: buffer.as_entire_binding(),
                    }
                }
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("live bake"),
                    layout: &self.groups.bake,
                    entries: &[
                        buffer(slot::LOOK, &self.grade_uniforms),
                        buffer(slot::LUT, &self.lut),
                        buffer(slot::TRANSFORM, &self.transform_uniforms),
                        buffer(slot::BAKED, shaper),
                        wgpu::BindGroupEntry {
                            binding: slot::BAKED_OUT,
                            resource: wgpu::BindingResource::TextureView(lattice),
                        },
                    ],
                })
            };
            let kernel = BakeKernel {
                module: &self.kernel.module,
                layout: &self.kernel.bake_layout,
                display: &self.kernel.display.bind_group,
                group: &group,
            };
            self.lattice
                .record(ctx, encoder, &kernel, look, bake, self.lut_uploads);
        }
        let sized = self.sized.as_ref().expect("prepared above");
        upload(&ctx.queue, &sized.input, &frame.data);
        ctx.queue.write_buffer(
            &self.ingest_uniforms,
            0,
            bytemuck::bytes_of(&IngestUniforms::of(frame)),
        );
        let input = match &look.nr {
            Some(section) => {
                let noise = self.noise.get_or_insert_with(|| NoisePass::new(ctx));
                let request = NoiseInput {
                    id: frame.id,
                    format: frame.format,
                    size: (frame.width, frame.height),
                    raw: (&sized.input, &self.ingest_uniforms),
                    masks: self.masks.as_ref().map(|m| (m.models_view(), m.present)),
                };
                noise.encode(ctx, encoder, &request, section)
            }
            None => {
                if let Some(noise) = &mut self.noise {
                    noise.reset();
                }
                &sized.input
            }
        };
        ctx.queue
            .write_buffer(&self.grade_uniforms, 0, bytemuck::bytes_of(&look.params));
        ctx.queue.write_buffer(
            &self.transform_uniforms,
            0,
            bytemuck::bytes_of(&look.transform),
        );
        if variant.secondaries > 0 || variant.atmosphere > 0 {
            let (present, grid) = self
                .masks
                .as_ref()
                .map_or(([false; MASK_CHANNELS], (1, 1)), |m| {
                    (m.present, m.grid_size())
                });
            let keys = look
                .keys
                .for_picture((frame.width, frame.height), grid.1, present);
            self.key_pass
                .update(ctx, encoder, self.masks.as_ref(), keys);
            let gains = look
                .secondaries
                .with_weights(self.key_pass.weights().1, frame.height);
            ctx.queue
                .write_buffer(&self.secondary_uniforms, 0, bytemuck::bytes_of(&gains));
        }
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: slot::INPUT,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::INGEST,
                resource: self.ingest_uniforms.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::LOOK,
                resource: self.grade_uniforms.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::LUT,
                resource: self.lut.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::TRANSFORM,
                resource: self.transform_uniforms.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::SECONDARIES,
                resource: self.secondary_uniforms.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::WEIGHTS,
                resource: wgpu::BindingResource::TextureView(self.key_pass.weights().0),
            },
            wgpu::BindGroupEntry {
                binding: slot::ATMOSPHERE,
                resource: wgpu::BindingResource::TextureView(self.key_pass.atmosphere()),
            },
            wgpu::BindGroupEntry {
                binding: slot::REFINE,
                resource: wgpu::BindingResource::TextureView(self.key_pass.refine_grid()),
            },
            wgpu::BindGroupEntry {
                binding: slot::BAKED,
                resource: self.lattice.shaper().as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: slot::BAKED_LATTICE,
                resource: wgpu::BindingResource::TextureView(self.lattice.view()),
            },
            wgpu::BindGroupEntry {
                binding: slot::CHANNEL_LUT,
                resource: wgpu::BindingResource::TextureView(&self.channel_lut_view),
            },
        ];
        let layout = match target {
            Target::Packed(_) => {
                entries.push(wgpu::BindGroupEntry {
                    binding: slot::PACKED,
                    resource: packed
                        .expect("a packed target comes with its buffer")
                        .as_entire_binding(),
                });
                &self.groups.packed
            }
            Target::Texture => {
                entries.push(wgpu::BindGroupEntry {
                    binding: slot::WORKING,
                    resource: wgpu::BindingResource::TextureView(
                        sized.working.as_ref().expect("prepared above"),
                    ),
                });
                &self.groups.texture
            }
        };
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame kernel"),
            layout,
            entries: &entries,
        });
        // The table depends on the look only (on the baked path, on its
        // shaper): upload it when it changes.
        let table = match baked {
            Some(_) => self.lattice.positions(),
            None => &look.channel_table,
        };
        let table_is_new = self
            .channel_table_of
            .as_ref()
            .is_none_or(|t| !Arc::ptr_eq(t, table));
        if uses_table && table_is_new {
            ctx.queue.write_texture(
                self.channel_lut.as_image_copy(),
                bytemuck::cast_slice(table.as_slice()),
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(256 * 16),
                    rows_per_image: None,
                },
                self.channel_lut.size(),
            );
            self.channel_table_of = Some(Arc::clone(table));
        }
        let pipeline = &self.pipelines[&key];
        // `to_texture` covers one pixel an invocation, the others four.
        let columns = match target {
            Target::Texture if !table_words => frame.width,
            _ => frame.width.div_ceil(4),
        };
        super::dispatch_pixels(
            encoder,
            "frame kernel",
            pipeline,
            &[&bind_group, &self.kernel.display.bind_group],
            columns,
            frame.height,
        );
        Ok(())
    }

    /// Uploads `frame` and records the kernel storing the graded picture
    /// into `output` (a storage buffer of [`Self::packed_bytes`]), in `format`.
    pub fn encode_packed(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        frame: &Frame,
        look: &GradeUniforms,
        format: OutputFormat,
        output: &wgpu::Buffer,
    ) -> Result<(), GpuError> {
        self.encode(
            ctx,
            encoder,
            frame,
            look,
            Target::Packed(format),
            Some(output),
        )
    }

    /// Bytes of a packed picture of `frame`'s size in `format`.
    pub fn packed_bytes(frame: &Frame, format: OutputFormat) -> u64 {
        u64::from(frame.width) * u64::from(frame.height) * format.bytes_per_pixel()
    }

    /// Uploads `frame` and records the kernel storing into the working
    /// texture (for the window). Returns its view.
    pub fn encode_texture(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        frame: &Frame,
        look: &GradeUniforms,
    ) -> Result<&wgpu::TextureView, GpuError> {
        self.encode(ctx, encoder, frame, look, Target::Texture, None)?;
        Ok(self.working().expect("prepared by encode").0)
    }

    /// The input buffer holding the last uploaded frame and its ingest
    /// uniforms, for passes that read the same frame (the analysis copy).
    pub(crate) fn ingest_resources(&self) -> Option<(&wgpu::Buffer, &wgpu::Buffer)> {
        let s = self.sized.as_ref()?;
        Some((&s.input, &self.ingest_uniforms))
    }

    /// The analysis masks and the secondaries' keyed weights (an RGBA8
    /// texel of four weights per mask texel) with their size, for the
    /// operator view's mask overlays; `None` before the first masks.
    pub fn mask_views(&self) -> Option<(wgpu::TextureView, wgpu::TextureView, (u32, u32))> {
        let masks = self.masks.as_ref()?;
        let (weights, size) = self.key_pass.weights();
        Some((masks.models_view().clone(), weights.clone(), size))
    }

    /// The last graded working texture and its size, if there is one.
    pub fn working(&self) -> Option<(&wgpu::TextureView, (u32, u32))> {
        let s = self.sized.as_ref()?;
        s.working.as_ref().map(|w| (w, (s.width, s.height)))
    }
}

/// A storage buffer holding packed LUT entries (see `pack_lut`).
fn lut_buffer(device: &wgpu::Device, words: &[[u32; 2]]) -> wgpu::Buffer {
    wgpu::util::DeviceExt::create_buffer_init(
        device,
        &wgpu::util::BufferInitDescriptor {
            label: Some("LUTs"),
            contents: bytemuck::cast_slice(words),
            usage: wgpu::BufferUsages::STORAGE,
        },
    )
}

/// Whether the kernel reads 8-bit RGB through the channel table (and so
/// the table is uploaded): every route into a buffer does, into the
/// window's texture only the table route (`to_texture_words`).
fn uses_channel_table(format: PixelFormat, target: Target, table_words: bool) -> bool {
    format == PixelFormat::Rgb8 && (matches!(target, Target::Packed(_)) || table_words)
}

fn working_texture(device: &wgpu::Device, width: u32, height: u32) -> wgpu::TextureView {
    super::texture_2d(
        device,
        "working",
        (width, height),
        WORKING_FORMAT,
        wgpu::TextureUsages::STORAGE_BINDING
            | wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_SRC,
    )
    .create_view(&wgpu::TextureViewDescriptor::default())
}
