// Bilinear interpolation between texel centres with clamped edges, done in
// code rather than by a sampler (which may filter at reduced precision), so
// every GPU gives the CPU twin's answer (masks::bilinear in src/masks.rs).
// The caller reads the four texels the taps name from its texture or
// buffer. Composed into the frame kernel (weights_at in grade.wgsl); the
// mask keying pass (masks.wgsl) takes one axis at a time (line_sample).

struct BilinearTaps {
    lo: vec2<i32>,
    hi: vec2<i32>,
    // The position between lo and hi.
    f: vec2<f32>,
}

// The texels around `uv` (0..1) on a grid of `size` texels.
fn bilinear_taps(uv: vec2<f32>, size: vec2<i32>) -> BilinearTaps {
    let p = uv * vec2<f32>(size) - 0.5;
    let p0 = floor(p);
    let i0 = vec2<i32>(p0);
    return BilinearTaps(clamp(i0, vec2<i32>(0), size - 1), clamp(i0 + 1, vec2<i32>(0), size - 1), p - p0);
}

// The four texels (lo.x lo.y, hi.x lo.y, lo.x hi.y, hi.x hi.y) mixed.
fn bilinear_mix(t: BilinearTaps, a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, d: vec4<f32>) -> vec4<f32> {
    let top = a * (1.0 - t.f.x) + b * t.f.x;
    let bottom = c * (1.0 - t.f.x) + d * t.f.x;
    return top * (1.0 - t.f.y) + bottom * t.f.y;
}
