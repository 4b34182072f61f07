// Downscale: the small RGB copy of a frame that the analysis models see.
//
// How it works: each invocation makes one pixel of the copy, the mean of up
// to 4 x 4 source pixels spread evenly over the box of the frame it covers
// (decoded by ingest.wgsl's decode_pixel, so every input layout works, YUV
// included), and stores it as 8-bit RGBA. It reads the frame's bytes that
// the frame kernel already uploaded: the copy costs one small pass and one
// small readback, on frames the analysis asks for only. CPU twin:
// `RgbPicture::downscaled` in src/analysis/picture.rs. Paired with
// src/gpu/downscale.rs; composed after ingest.wgsl.

struct DownscaleParams {
    out_width: u32,
    out_height: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(2) var<uniform> downscale: DownscaleParams;
@group(0) @binding(3) var<storage, read_write> copy: array<u32>;

// Source pixels [first, end) covered by output pixel `i` of `n` along an
// axis of `size` source pixels.
fn span(i: u32, n: u32, size: u32) -> vec2<u32> {
    let first = i * size / n;
    return vec2<u32>(first, max(first + 1u, (i + 1u) * size / n));
}

@compute @workgroup_size(16, 8)
fn downscale_rgba8(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= downscale.out_width || id.y >= downscale.out_height {
        return;
    }
    let xs = span(id.x, downscale.out_width, ingest.width);
    let ys = span(id.y, downscale.out_height, ingest.height);
    let nx = min(4u, xs.y - xs.x);
    let ny = min(4u, ys.y - ys.x);
    var sum = vec3<f32>(0.0);
    for (var j = 0u; j < ny; j++) {
        let y = ys.x + j * (ys.y - ys.x) / ny;
        for (var i = 0u; i < nx; i++) {
            let x = xs.x + i * (xs.y - xs.x) / nx;
            sum += decode_pixel(x, y).rgb;
        }
    }
    let mean = sum / f32(nx * ny);
    copy[id.y * downscale.out_width + id.x] = pack4x8unorm(vec4<f32>(mean, 1.0));
}
