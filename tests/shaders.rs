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
