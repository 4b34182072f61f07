//! Every WGSL module the engine builds, parsed and validated by naga (the
//! same front end wgpu uses), without a GPU.

use naga::valid::{Capabilities, ValidationFlags, Validator};

fn validate(name: &str, source: &str) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
    // pack2x16float / unpack2x16float are core WGSL; wgpu grants naga this
    // capability on every Vulkan, Metal and DX12 device.
    Validator::new(
        ValidationFlags::all(),
        Capabilities::default() | Capabilities::SHADER_FLOAT16_IN_FLOAT32,
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
}

#[test]
fn frame_kernel_validates() {
    use neurograde::gpu::display::DisplayShader;
    use neurograde::gpu::pipeline::frame_kernel_wgsl;
    validate(
        "frame kernel (bilinear + ingest + grade + transform + filters + pipeline)",
        &frame_kernel_wgsl(&DisplayShader::identity()),
    );
    // With every OpenColorIO display rendering the look file names.
    for (output, name) in neurograde::grade::transform::OutputTransform::NAMES {
        let Some(section) = output.ocio_section() else {
            continue;
        };
        let rendering = neurograde::grade::ocio::DisplayRendering::resolve(&section).unwrap();
        let shader = DisplayShader::of(&rendering).unwrap();
        validate(
            &format!("frame kernel with {name}"),
            &frame_kernel_wgsl(&shader),
        );
    }
}

#[test]
fn downscale_pass_validates() {
    validate(
        "downscale (ingest + downscale)",
        neurograde::gpu::downscale::DOWNSCALE_WGSL,
    );
}

#[test]
fn denoise_pass_validates() {
    validate(
        "noise reduction (ingest + denoise)",
        neurograde::gpu::denoise::DENOISE_WGSL,
    );
}

#[test]
fn mask_keying_pass_validates() {
    validate(
        "mask keying (bilinear + masks)",
        neurograde::gpu::masks::KEY_PASS_WGSL,
    );
}

#[test]
fn present_shader_validates() {
    validate("present.wgsl", include_str!("../shaders/present.wgsl"));
}

#[test]
fn scopes_shader_validates() {
    validate("scopes.wgsl", include_str!("../shaders/scopes.wgsl"));
}

#[test]
fn every_shader_file_is_used() {
    // A .wgsl file that no module includes would escape validation.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bake.wgsl",
            "bilinear.wgsl",
            "denoise.wgsl",
            "downscale.wgsl",
            "filters.wgsl",
            "grade.wgsl",
            "ingest.wgsl",
            "masks.wgsl",
            "pipeline.wgsl",
            "present.wgsl",
            "scopes.wgsl",
            "transform.wgsl",
        ]
    );
}

#[test]
fn a_broken_shader_is_caught() {
    let broken = neurograde::gpu::pipeline::frame_kernel_wgsl(
        &neurograde::gpu::display::DisplayShader::identity(),
    )
    .replace("fn grade_mix", "fn grade_mixx");
    let parsed = naga::front::wgsl::parse_str(&broken);
    assert!(
        parsed.is_err(),
        "a call to a missing function must not validate"
    );
}

/// A binding's kind, as the WGSL and a bind-group layout each say it.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Uniform,
    Storage { read_only: bool },
    StorageTexture,
    Texture,
    Sampler,
}

/// Every `@binding` of group 0 in `source`: its number, name and kind.
fn wgsl_bindings(source: &str) -> std::collections::BTreeMap<u32, (String, Kind)> {
    use naga::{AddressSpace, ImageClass, StorageAccess, TypeInner};
    let module = naga::front::wgsl::parse_str(source).unwrap();
    module
        .global_variables
        .iter()
        .filter_map(|(_, var)| {
            let binding = var.binding.as_ref()?;
            assert_eq!(binding.group, 0, "{:?}", var.name);
            let kind = match var.space {
                AddressSpace::Uniform => Kind::Uniform,
                AddressSpace::Storage { access } => Kind::Storage {
                    read_only: !access.contains(StorageAccess::STORE),
                },
                AddressSpace::Handle => match module.types[var.ty].inner {
                    TypeInner::Image {
                        class: ImageClass::Storage { .. },
                        ..
                    } => Kind::StorageTexture,
                    TypeInner::Image { .. } => Kind::Texture,
                    TypeInner::Sampler { .. } => Kind::Sampler,
                    ref other => panic!("{:?}: {other:?}", var.name),
                },
                _ => return None,
            };
            Some((
                binding.binding,
                (var.name.clone().unwrap_or_default(), kind),
            ))
        })
        .collect()
}

fn layout_kinds(entries: &[wgpu::BindGroupLayoutEntry]) -> std::collections::BTreeMap<u32, Kind> {
    use wgpu::{BindingType, BufferBindingType};
    entries
        .iter()
        .map(|e| {
            let kind = match e.ty {
                BindingType::Buffer {
                    ty: BufferBindingType::Uniform,
                    ..
                } => Kind::Uniform,
                BindingType::Buffer {
                    ty: BufferBindingType::Storage { read_only },
                    ..
                } => Kind::Storage { read_only },
                BindingType::StorageTexture { .. } => Kind::StorageTexture,
                BindingType::Texture { .. } => Kind::Texture,
                BindingType::Sampler(_) => Kind::Sampler,
                ref other => panic!("binding {}: {other:?}", e.binding),
            };
            (e.binding, kind)
        })
        .collect()
}

/// Holds a pass's WGSL to its layouts (one per route): every binding a
/// layout gives is a WGSL global of that kind, and every WGSL global is in
/// a layout.
fn bindings_match(pass: &str, wgsl: &str, routes: &[(&str, Vec<wgpu::BindGroupLayoutEntry>)]) {
    let wgsl = wgsl_bindings(wgsl);
    let routes: Vec<(&str, _)> = routes.iter().map(|(r, l)| (*r, layout_kinds(l))).collect();
    for (route, layout) in &routes {
        for (binding, kind) in layout {
            let (name, declared) = wgsl
                .get(binding)
                .unwrap_or_else(|| panic!("{pass} ({route}): binding {binding} is no WGSL global"));
            assert_eq!(
                kind, declared,
                "{pass} ({route}): binding {binding} ({name}) is declared otherwise in the WGSL"
            );
        }
    }
    for (binding, (name, _)) in &wgsl {
        assert!(
            routes
                .iter()
                .any(|(_, layout)| layout.contains_key(binding)),
            "{pass}: `{name}` at @binding({binding}) is in no layout"
        );
    }
}

#[test]
fn every_pass_binds_what_its_wgsl_declares() {
    use neurograde::gpu::display::DisplayShader;
    use neurograde::gpu::pipeline::{bake_layout, frame_kernel_layout, frame_kernel_wgsl};
    use neurograde::gpu::{denoise, downscale, masks, present, scopes};
    let kernel = frame_kernel_wgsl(&DisplayShader::identity());
    bindings_match(
        "frame kernel",
        &kernel,
        &[
            ("packed", frame_kernel_layout(true)),
            ("texture", frame_kernel_layout(false)),
            ("live bake", bake_layout()),
        ],
    );
    assert_eq!(wgsl_bindings(&kernel).len(), 15);
    bindings_match(
        "mask keying",
        masks::KEY_PASS_WGSL,
        &[("", masks::KeyPass::layout())],
    );
    bindings_match(
        "present",
        include_str!("../shaders/present.wgsl"),
        &[("", present::PresentPass::layout())],
    );
    bindings_match(
        "scopes",
        include_str!("../shaders/scopes.wgsl"),
        &[("", scopes::ScopePass::layout())],
    );
    bindings_match(
        "downscale",
        downscale::DOWNSCALE_WGSL,
        &[("", downscale::DownscalePass::layout())],
    );
    bindings_match(
        "noise reduction",
        denoise::DENOISE_WGSL,
        &[("", denoise::NoisePass::layout())],
    );
}
