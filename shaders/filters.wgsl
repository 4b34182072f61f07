// Filters of the camera picture before the grade: skin smoothing (`soften`,
// Face Refinement) and the defocus of far planes ([atmosphere]).
//
// How skin smoothing works: the amount at a pixel is the largest soften x weight among
// the secondaries (their keyed masks, weights_at in grade.wgsl). Where it
// is above zero, the 5 x 5 taps `step` pixels apart are averaged with a
// bilateral filter (a Gaussian in tap distance, sigma 1.5 taps, times a
// Gaussian in luma difference, sigma SOFTEN_RANGE_SIGMA), and the pixel
// moves towards that mean by the amount, each channel by at most
// SOFTEN_LIMIT. Elsewhere the pixel is exactly untouched. CPU twin:
// src/grade/soften.rs.
//
// Defocus: where the depth gives an amount (atmosphere_at in grade.wgsl),
// a Gaussian over 5 x 5 taps spaced amount x the widest spacing apart.
// CPU twin: atmosphere::defocus_pixel. Composed after ingest.wgsl and
// grade.wgsl.

// 1 when a secondary softens (0 folds it away).
override SOFTEN: u32 = 0u;

// soften::RANGE_SIGMA and soften::LIMIT.
const SOFTEN_RANGE_SIGMA: f32 = 0.08;
const SOFTEN_LIMIT: f32 = 0.08;

// The largest soften x weight at `uv` among the secondaries, at a pixel
// whose code value is `guide`.
fn soften_amount(uv: vec2<f32>, guide: vec3<f32>) -> f32 {
    let weights = mask_weights(uv, guide);
    let s = weights * secondaries.soften;
    return max(max(s.x, s.y), max(s.z, s.w));
}

fn code_at(x: i32, y: i32) -> vec3<f32> {
    let p = clamp(vec2<i32>(x, y), vec2<i32>(0), vec2<i32>(i32(ingest.width), i32(ingest.height)) - 1);
    return decode_pixel(u32(p.x), u32(p.y)).rgb;
}

// The softened code value of pixel (x, y) by `amount`. CPU twin:
// soften::soften_pixel.
fn softened(centre: vec3<f32>, x: u32, y: u32, amount: f32) -> vec3<f32> {
    let step = i32(secondaries.weights_size.z);
    let own = dot(centre, REC709_LUMA);
    var sum = vec3<f32>(0.0);
    var total = 0.0;
    for (var j = -2; j <= 2; j++) {
        for (var i = -2; i <= 2; i++) {
            let n = code_at(i32(x) + i * step, i32(y) + j * step);
            let d = dot(n, REC709_LUMA) - own;
            let w = exp(-f32(i * i + j * j) / 4.5) * exp(-(d * d) / (2.0 * SOFTEN_RANGE_SIGMA * SOFTEN_RANGE_SIGMA));
            sum += w * n;
            total += w;
        }
    }
    return centre + amount * clamp(sum / total - centre, vec3<f32>(-SOFTEN_LIMIT), vec3<f32>(SOFTEN_LIMIT));
}

// The defocused code value of pixel (x, y) by `amount`. CPU twin:
// atmosphere::defocus_pixel.
fn defocused(x: u32, y: u32, amount: f32) -> vec3<f32> {
    let spacing = amount * secondaries.haze.w;
    var sum = vec3<f32>(0.0);
    var total = 0.0;
    for (var j = -2; j <= 2; j++) {
        for (var i = -2; i <= 2; i++) {
            let offset = vec2<i32>(round(vec2<f32>(f32(i), f32(j)) * spacing));
            let w = exp(-f32(i * i + j * j) / 4.5);
            sum += w * code_at(i32(x) + offset.x, i32(y) + offset.y);
            total += w;
        }
    }
    return sum / total;
}
