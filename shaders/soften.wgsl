// Skin smoothing (`soften`, Face Refinement): an edge-preserving blur of the
// camera picture, mixed in by the softening secondaries' masks before the
// grade.
//
// How it works: the amount at a pixel is the largest soften x weight among
// the secondaries (their keyed masks, weights_at in grade.wgsl). Where it
// is above zero, the 5 x 5 taps `step` pixels apart are averaged with a
// bilateral filter (a Gaussian in tap distance, sigma 1.5 taps, times a
// Gaussian in luma difference, sigma SOFTEN_RANGE_SIGMA), and the pixel
// moves towards that mean by the amount, each channel by at most
// SOFTEN_LIMIT. Elsewhere the pixel is exactly untouched. CPU twin:
// src/grade/soften.rs. Composed after ingest.wgsl and grade.wgsl.

// 1 when a secondary softens (0 folds it away).
override SOFTEN: u32 = 0u;

// soften::RANGE_SIGMA and soften::LIMIT.
const SOFTEN_RANGE_SIGMA: f32 = 0.08;
const SOFTEN_LIMIT: f32 = 0.08;

// The largest soften x weight at `uv` among the secondaries.
fn soften_amount(uv: vec2<f32>) -> f32 {
    let weights = weights_at(uv) * secondaries.from_masks + secondaries.whole;
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
