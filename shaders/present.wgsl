// Present: draws the graded working texture into the window, letterboxed.
//
// How it works: one full-screen triangle; the fragment shader maps each
// window pixel into the picture rectangle (aspect kept, black bars outside)
// and samples the texture bilinearly. The window's surface is a non-sRGB
// format, so the graded display-encoded values reach the screen unchanged.
// Paired with src/gpu/present.rs.

struct PresentParams {
    // Picture rectangle in normalised window coordinates: x0, y0, x1, y1.
    rect: vec4<f32>,
}

@group(0) @binding(0) var picture: texture_2d<f32>;
@group(0) @binding(1) var picture_sampler: sampler;
@group(0) @binding(2) var<uniform> params: PresentParams;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    // A triangle that covers the screen: (-1,-1), (3,-1), (-1,3).
    let x = f32((index << 1u) & 2u);
    let y = f32(index & 2u);
    var out: VertexOut;
    out.position = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    out.uv = vec2<f32>(x, y);
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let r = params.rect;
    let uv = (in.uv - r.xy) / (r.zw - r.xy);
    if any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    return vec4<f32>(textureSampleLevel(picture, picture_sampler, uv, 0.0).rgb, 1.0);
}
