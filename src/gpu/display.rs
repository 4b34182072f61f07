//! The OpenColorIO display rendering inside the frame kernel.
//!
//! How it works: the `ocio` crate writes the rendering's processor as a
//! WGSL function (`GpuLanguage::Wgsl`), renamed here `ocio_display`, whose
//! resources (a uniform buffer when the processor has dynamic properties,
//! one texture per LUT or table, read with `textureLoad`) live in bind group
//! [`DISPLAY_GROUP`]. The frame kernel's module is this function composed
//! after the kernel's own WGSL; `scene_out` (shaders/transform.wgsl) calls it
//! on the graded AP1 linear value when the look has a display rendering
//! (`OCIO_DISPLAY`). Without one the function is the identity and the group
//! is empty. The CPU twin is the same processor's CPU path
//! (`grade::ocio::DisplayRendering::apply`).

use super::GpuError;
use crate::grade::ocio::DisplayRendering;
use ocio::gpu::wgsl::{WgslTextureBinding, WgslTextureFormat};
use ocio::gpu::{GpuShaderCreator, GpuShaderDesc};

/// The bind group of the display rendering's resources (group 0 is the
/// kernel's own).
pub const DISPLAY_GROUP: u32 = 1;

/// What the kernel calls: AP1 linear (rgb, alpha) -> display code values.
const FUNCTION: &str = "ocio_display";

/// The WGSL of a display rendering and the data of its resources.
pub struct DisplayShader {
    pub wgsl: String,
    /// The uniform buffer's binding and contents, when there is one.
    uniforms: Option<(u32, Vec<u8>)>,
    textures: Vec<(WgslTextureBinding, Vec<u8>)>,
}

impl DisplayShader {
    /// The identity, for looks without a display rendering.
    pub fn identity() -> DisplayShader {
        DisplayShader {
            wgsl: format!("fn {FUNCTION}(c: vec4<f32>) -> vec4<f32> {{\n    return c;\n}}\n"),
            uniforms: None,
            textures: Vec::new(),
        }
    }

    /// The WGSL OpenColorIO writes for `rendering`'s processor.
    pub fn of(rendering: &DisplayRendering) -> Result<DisplayShader, GpuError> {
        let failed = |e: ocio::Error| GpuError::Display {
            rendering: format!("{:?}", rendering.section()),
            message: e.to_string(),
        };
        let gpu = rendering
            .processor()
            .default_gpu_processor()
            .map_err(failed)?;
        let mut desc = GpuShaderDesc::new();
        desc.set_language(ocio::GpuLanguage::Wgsl);
        desc.set_function_name(FUNCTION);
        desc.set_resource_prefix("ocio_");
        desc.set_descriptor_set_index(DISPLAY_GROUP, 1)
            .map_err(failed)?;
        gpu.extract_gpu_shader_info(&mut desc).map_err(failed)?;
        let bindings = desc
            .wgsl_bindings()
            .cloned()
            .expect("a WGSL shader has its bindings");
        let uniforms = match bindings.uniform_binding {
            Some(binding) => Some((binding, bindings.uniform_buffer(&desc).map_err(failed)?)),
            None => None,
        };
        let values = |name: &str| -> Option<&[f32]> {
            let flat = (0..desc.num_textures()).filter_map(|i| desc.texture(i).ok());
            let cubes = (0..desc.num_3d_textures()).filter_map(|i| desc.texture_3d(i).ok());
            flat.chain(cubes)
                .find(|t| t.texture_name == name)
                .map(|t| t.values.as_slice())
        };
        let textures = bindings
            .textures
            .iter()
            .map(|t| {
                let data = values(&t.texture_name).unwrap_or_default();
                Ok((t.clone(), t.texel_data(data).map_err(failed)?))
            })
            .collect::<Result<_, GpuError>>()?;
        Ok(DisplayShader {
            wgsl: desc.shader_text().to_string(),
            uniforms,
            textures,
        })
    }

    /// The bind group layout entries of the resources.
    fn layout_entries(&self) -> Vec<wgpu::BindGroupLayoutEntry> {
        let uniform = self
            .uniforms
            .iter()
            .map(|(binding, _)| super::bindings::uniform(*binding, wgpu::ShaderStages::COMPUTE));
        let textures = self
            .textures
            .iter()
            .map(|(t, _)| wgpu::BindGroupLayoutEntry {
                binding: t.binding,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: false },
                    view_dimension: view_dimension(t),
                    multisampled: false,
                },
                count: None,
            });
        uniform.chain(textures).collect()
    }
}

fn view_dimension(t: &WgslTextureBinding) -> wgpu::TextureViewDimension {
    match t.dimensions {
        1 => wgpu::TextureViewDimension::D1,
        2 => wgpu::TextureViewDimension::D2,
        _ => wgpu::TextureViewDimension::D3,
    }
}

/// The display rendering's resources on the device: its bind group layout
/// (part of the kernel's pipeline layouts) and its bind group.
pub struct DisplayResources {
    pub layout: wgpu::BindGroupLayout,
    pub bind_group: wgpu::BindGroup,
}

impl DisplayResources {
    pub fn new(ctx: &super::GpuContext, shader: &DisplayShader) -> DisplayResources {
        let device = &ctx.device;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("display rendering"),
            entries: &shader.layout_entries(),
        });
        let buffers: Vec<(u32, wgpu::Buffer)> = shader
            .uniforms
            .iter()
            .map(|(binding, bytes)| {
                let buffer = wgpu::util::DeviceExt::create_buffer_init(
                    device,
                    &wgpu::util::BufferInitDescriptor {
                        label: Some("display rendering uniforms"),
                        contents: bytes,
                        usage: wgpu::BufferUsages::UNIFORM,
                    },
                );
                (*binding, buffer)
            })
            .collect();
        let views: Vec<(u32, wgpu::TextureView)> = shader
            .textures
            .iter()
            .map(|(t, bytes)| (t.binding, upload_texture(ctx, t, bytes)))
            .collect();
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: *binding,
                resource: buffer.as_entire_binding(),
            })
            .chain(views.iter().map(|(binding, view)| wgpu::BindGroupEntry {
                binding: *binding,
                resource: wgpu::BindingResource::TextureView(view),
            }))
            .collect();
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("display rendering"),
            layout: &layout,
            entries: &entries,
        });
        DisplayResources { layout, bind_group }
    }
}

fn upload_texture(
    ctx: &super::GpuContext,
    t: &WgslTextureBinding,
    bytes: &[u8],
) -> wgpu::TextureView {
    let format = match t.format {
        WgslTextureFormat::R32Float => wgpu::TextureFormat::R32Float,
        WgslTextureFormat::Rgba32Float => wgpu::TextureFormat::Rgba32Float,
    };
    let size = wgpu::Extent3d {
        width: t.width,
        height: t.height.max(1),
        depth_or_array_layers: t.depth.max(1),
    };
    let texture = wgpu::util::DeviceExt::create_texture_with_data(
        &ctx.device,
        &ctx.queue,
        &wgpu::TextureDescriptor {
            label: Some(&t.texture_name),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: view_dimension(t).compatible_texture_dimension(),
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        bytes,
    );
    texture.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(view_dimension(t)),
        ..Default::default()
    })
}
