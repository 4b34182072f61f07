//! The GPU side of the frame loop (wgpu; Mesa lavapipe where there is no GPU).
//!
//! How it works: [`device`] picks an adapter and opens the device. A frame's
//! bytes are uploaded as they are, then one compute kernel
//! ([`pipeline::FramePipeline`]) decodes ([`ingest`], YUV included), grades
//! ([`grade`]) and stores each pixel: packed for [`readback`] to file and
//! null sinks, or into the rgba16float working texture that [`present`]
//! draws into the window. Each Rust file is paired with the WGSL file of the
//! same name; the WGSL functions have CPU twins in `src/grade/` and
//! `src/frame.rs`. New colour operations become new WGSL functions called
//! from `grade_pixel`. Beside the grade, [`downscale`] makes the small copy
//! the analysis models see, and [`masks`] holds their masks as a texture.
//! A live look change that needs pipelines not compiled yet has them
//! compiled by [`compiler`] on its own thread.

pub mod bake;
pub mod compiler;
pub mod denoise;
pub mod device;
pub mod display;
pub mod downscale;
pub mod grade;
pub mod ingest;
pub mod masks;
pub mod pipeline;
pub mod present;
pub mod readback;
pub mod scopes;

pub use device::{AdapterSummary, GpuContext};
pub use pipeline::FramePipeline;
pub use readback::{OutputFormat, ReadbackQueue};

/// The format of the working textures between passes: half float RGBA, which
/// keeps 10+ bits of precision across the whole [0, 65504] range.
pub const WORKING_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// Threads per workgroup of every per-pixel compute pass (matches the WGSL).
pub const WORKGROUP: (u32, u32) = (16, 8);

/// Errors from the GPU side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    #[error("no GPU adapter found; on Linux without a GPU install Mesa's software Vulkan driver (Debian: mesa-vulkan-drivers)")]
    NoAdapter,
    #[error("WGPU_ADAPTER_NAME={wanted:?} matches no adapter; found: {found}")]
    AdapterNotFound { wanted: String, found: String },
    #[error("cannot open the GPU device on {adapter}: {message}")]
    Device { adapter: String, message: String },
    #[error("picture {width}x{height} is larger than this GPU allows (largest side {max_side}, largest buffer {max_buffer} bytes)")]
    TooLarge {
        width: u32,
        height: u32,
        max_side: u32,
        max_buffer: u64,
    },
    #[error("a LUT of {entries} entries ({bytes} bytes) is larger than this GPU's largest buffer ({max} bytes)")]
    LutTooLarge {
        entries: usize,
        bytes: u64,
        max: u64,
    },
    #[error("reading the graded picture back from the GPU failed: {0}")]
    Readback(String),
    #[error("window surface: {0}")]
    Surface(String),
    #[error("OpenColorIO's shader for {rendering}: {message}")]
    Display { rendering: String, message: String },
}

/// Number of workgroups to cover `width` x `height` pixels.
pub fn dispatch_size(width: u32, height: u32) -> (u32, u32) {
    (width.div_ceil(WORKGROUP.0), height.div_ceil(WORKGROUP.1))
}

/// Bind group layout entries, named by what the WGSL declares.
pub(crate) mod bindings {
    use wgpu::{
        BindGroupLayoutEntry, BindingType, BufferBindingType, ShaderStages, TextureSampleType,
        TextureViewDimension,
    };

    fn entry(binding: u32, visibility: ShaderStages, ty: BindingType) -> BindGroupLayoutEntry {
        BindGroupLayoutEntry {
            binding,
            visibility,
            ty,
            count: None,
        }
    }

    /// `var<storage, read>` (or `read_write`) in a compute shader.
    pub fn storage_buffer(binding: u32, read_only: bool) -> BindGroupLayoutEntry {
        let ty = BindingType::Buffer {
            ty: BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        };
        entry(binding, ShaderStages::COMPUTE, ty)
    }

    /// `var<uniform>`.
    pub fn uniform(binding: u32, visibility: ShaderStages) -> BindGroupLayoutEntry {
        let ty = BindingType::Buffer {
            ty: BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        };
        entry(binding, visibility, ty)
    }

    /// A texture read in `visibility` with `sample_type` texels, viewed as
    /// `dimension`.
    fn read_texture(
        binding: u32,
        visibility: ShaderStages,
        sample_type: TextureSampleType,
        dimension: TextureViewDimension,
    ) -> BindGroupLayoutEntry {
        let ty = BindingType::Texture {
            sample_type,
            view_dimension: dimension,
            multisampled: false,
        };
        entry(binding, visibility, ty)
    }

    /// A write-only storage texture of `format` in a compute shader, viewed
    /// as `dimension`.
    fn write_texture(
        binding: u32,
        format: wgpu::TextureFormat,
        dimension: TextureViewDimension,
    ) -> BindGroupLayoutEntry {
        let ty = BindingType::StorageTexture {
            access: wgpu::StorageTextureAccess::WriteOnly,
            format,
            view_dimension: dimension,
        };
        entry(binding, ShaderStages::COMPUTE, ty)
    }

    const UNFILTERABLE: TextureSampleType = TextureSampleType::Float { filterable: false };

    /// `texture_2d<f32>` (filterable float).
    pub fn texture(binding: u32, visibility: ShaderStages) -> BindGroupLayoutEntry {
        let filterable = TextureSampleType::Float { filterable: true };
        read_texture(binding, visibility, filterable, TextureViewDimension::D2)
    }

    /// `texture_2d<f32>` read with `textureLoad` only, in a compute shader.
    pub fn unfilterable_texture(binding: u32) -> BindGroupLayoutEntry {
        read_texture(
            binding,
            ShaderStages::COMPUTE,
            UNFILTERABLE,
            TextureViewDimension::D2,
        )
    }

    /// `texture_2d_array<f32>` read with `textureLoad` only, in a compute
    /// shader.
    pub fn unfilterable_texture_array(binding: u32) -> BindGroupLayoutEntry {
        let dimension = TextureViewDimension::D2Array;
        read_texture(binding, ShaderStages::COMPUTE, UNFILTERABLE, dimension)
    }

    /// `texture_3d<u32>` read with `textureLoad`, in a compute shader.
    pub fn uint_texture_3d(binding: u32) -> BindGroupLayoutEntry {
        let dimension = TextureViewDimension::D3;
        read_texture(
            binding,
            ShaderStages::COMPUTE,
            TextureSampleType::Uint,
            dimension,
        )
    }

    /// `texture_storage_2d<FORMAT, write>` in a compute shader.
    pub fn storage_texture_write(
        binding: u32,
        format: wgpu::TextureFormat,
    ) -> BindGroupLayoutEntry {
        write_texture(binding, format, TextureViewDimension::D2)
    }

    /// `texture_storage_2d_array<FORMAT, write>` in a compute shader.
    pub fn storage_texture_array_write(
        binding: u32,
        format: wgpu::TextureFormat,
    ) -> BindGroupLayoutEntry {
        write_texture(binding, format, TextureViewDimension::D2Array)
    }

    /// `texture_storage_3d<FORMAT, write>` in a compute shader.
    pub fn storage_texture_3d_write(
        binding: u32,
        format: wgpu::TextureFormat,
    ) -> BindGroupLayoutEntry {
        write_texture(binding, format, TextureViewDimension::D3)
    }

    /// `texture_storage_2d<rgba16float, write>` in a compute shader.
    pub fn working_texture_write(binding: u32) -> BindGroupLayoutEntry {
        storage_texture_write(binding, super::WORKING_FORMAT)
    }

    /// A filtering sampler for the fragment stage.
    pub fn sampler(binding: u32) -> BindGroupLayoutEntry {
        let ty = BindingType::Sampler(wgpu::SamplerBindingType::Filtering);
        entry(binding, ShaderStages::FRAGMENT, ty)
    }
}

/// A plain 2D texture (one mip level, one sample).
pub fn texture_2d(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// A pipeline layout with one bind group.
pub(crate) fn single_group_layout(
    device: &wgpu::Device,
    label: &str,
    entries: &[wgpu::BindGroupLayoutEntry],
) -> (wgpu::BindGroupLayout, wgpu::PipelineLayout) {
    let group = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries,
    });
    let pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(&group)],
        immediate_size: 0,
    });
    (group, pipeline)
}

/// Records one compute pass of `pipeline` over `width` x `height` pixels,
/// with `bind_groups` as groups 0, 1, ...
pub(crate) fn dispatch_pixels(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    bind_groups: &[&wgpu::BindGroup],
    width: u32,
    height: u32,
) {
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some(label),
        timestamp_writes: None,
    });
    pass.set_pipeline(pipeline);
    for (index, group) in (0u32..).zip(bind_groups) {
        pass.set_bind_group(index, *group, &[]);
    }
    let (gx, gy) = dispatch_size(width, height);
    pass.dispatch_workgroups(gx, gy, 1);
}

/// A compute pipeline of `module`'s `entry` with its override `constants`
/// (the frame kernel's entry points and the live bake's).
pub(crate) fn kernel_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    entry: &str,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(layout),
        module,
        entry_point: Some(entry),
        compilation_options: wgpu::PipelineCompilationOptions {
            constants,
            ..Default::default()
        },
        cache: None,
    })
}

/// Loads a WGSL file from `shaders/` (embedded at build time).
macro_rules! shader {
    ($device:expr, $name:literal) => {
        $device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some($name),
            source: wgpu::ShaderSource::Wgsl(include_str!(concat!("../../shaders/", $name)).into()),
        })
    };
}
pub(crate) use shader;

/// Holds each uniform block's Rust struct to its WGSL struct: the size
/// WGSL's layout rules give (naga's layouter, as wgpu checks a binding)
/// against the `#[repr(C)]` size the engine uploads.
#[cfg(test)]
pub(crate) mod layout_check {
    /// The size in bytes of struct `name` in WGSL `source`.
    pub fn wgsl_struct_size(source: &str, name: &str) -> usize {
        let module = naga::front::wgsl::parse_str(source).expect("the WGSL parses");
        let mut layouter = naga::proc::Layouter::default();
        layouter
            .update(module.to_ctx())
            .expect("the WGSL has a layout");
        let handle = module
            .types
            .iter()
            .find(|(_, ty)| ty.name.as_deref() == Some(name))
            .map(|(handle, _)| handle)
            .unwrap_or_else(|| panic!("no struct {name} in the WGSL"));
        layouter[handle].size as usize
    }

    /// Asserts that Rust's `T` is as large as WGSL's `name`.
    pub fn same_size<T>(source: &str, name: &str) {
        assert_eq!(
            std::mem::size_of::<T>(),
            wgsl_struct_size(source, name),
            "{} against WGSL's {name}",
            std::any::type_name::<T>()
        );
    }
}
