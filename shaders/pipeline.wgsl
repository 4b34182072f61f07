// The frame kernel: decode -> grade -> store, in one compute pass.
//
// How it works: each invocation calls decode_pixel (ingest.wgsl), then
// grade_pixel (grade.wgsl), and stores the result once. Two entry points:
// `to_buffer` packs straight into the readback buffer in the sink's layout
// (OUT_FORMAT override: 8-bit, 16-bit, half or float RGBA), four pixels an
// invocation; `to_texture` writes the rgba16float working texture that the
// window draws from. One pass means the picture crosses memory once.
//
// 8-bit RGB (the common live case) takes a faster route: the per-channel
// part of the grade (grade_channels) at the 256 possible codes is a table,
// made on the CPU when the look changes (reference::channel_table: 768
// evaluations a look), and each pixel reads its three values from it, then
// mixes channels (grade_mix). On a CPU rasteriser (lavapipe) transcendental
// maths per pixel is most of the cost. (The table used to be baked by a
// small GPU pass: lavapipe compiles a small shader again for every new
// value of the uniforms it can fold in and keeps every variant, so each
// look change cost ~100 KB for good; tests/memory.rs holds memory flat.)
// Quantisation is WGSL's pack*unorm rounding, mirrored in
// src/grade/reference.rs. Defocus and skin smoothing (filters.wgsl) happen
// on the decoded pixel before the grade. Paired with src/gpu/pipeline.rs;
// composed after ingest.wgsl, grade.wgsl and filters.wgsl.

override OUT_FORMAT: u32 = 0u;

@group(0) @binding(3) var<storage, read_write> packed: array<u32>;
@group(0) @binding(4) var working: texture_storage_2d<rgba16float, write>;
// grade_channels at the 256 8-bit levels (uniform reads are the cheapest
// table lookups on a CPU rasteriser).
@group(0) @binding(6) var<uniform> channel_lut: array<vec4<f32>, 256>;

// The graded value of 8-bit codes: exact, since the table holds the
// per-channel part evaluated at exactly these codes.
fn graded_codes(r: u32, g: u32, b: u32, x: u32, y: u32) -> vec4<f32> {
    // A softened or defocused pixel's codes are no longer the table's.
    if SOFTEN == 1u && soften_amount(pixel_uv(x, y)) > 0.0 {
        return graded_pixel(x, y);
    }
    if ATMOSPHERE == 1u && atmosphere_at(pixel_uv(x, y)).y > 0.0 {
        return graded_pixel(x, y);
    }
    let c = vec3<f32>(channel_lut[r].x, channel_lut[g].y, channel_lut[b].z);
    return vec4<f32>(grade_mix_at(c, pixel_uv(x, y)), 1.0);
}

// The pixel centre over the picture, 0..1 (where the masks are sampled).
fn pixel_uv(x: u32, y: u32) -> vec2<f32> {
    return (vec2<f32>(f32(x), f32(y)) + 0.5) / vec2<f32>(f32(ingest.width), f32(ingest.height));
}

fn graded_pixel(x: u32, y: u32) -> vec4<f32> {
    var c = decode_pixel(x, y);
    let uv = pixel_uv(x, y);
    if ATMOSPHERE == 1u {
        let amount = atmosphere_at(uv).y;
        if amount > 0.0 {
            c = vec4<f32>(defocused(x, y, amount), c.a);
        }
    }
    if SOFTEN == 1u {
        let amount = soften_amount(uv);
        if amount > 0.0 {
            c = vec4<f32>(softened(c.rgb, x, y, amount), c.a);
        }
    }
    return vec4<f32>(grade_pixel(c.rgb, uv), c.a);
}

fn store_packed(p: u32, c: vec4<f32>) {
    switch OUT_FORMAT {
        // Rgba8
        case 0u: {
            packed[p] = pack4x8unorm(c);
        }
        // Rgba16
        case 1u: {
            packed[p * 2u] = pack2x16unorm(c.rg);
            packed[p * 2u + 1u] = pack2x16unorm(c.ba);
        }
        // RgbaF16
        case 2u: {
            packed[p * 2u] = pack2x16float(c.rg);
            packed[p * 2u + 1u] = pack2x16float(c.ba);
        }
        // RgbaF32
        default: {
            packed[p * 4u] = bitcast<u32>(c.r);
            packed[p * 4u + 1u] = bitcast<u32>(c.g);
            packed[p * 4u + 2u] = bitcast<u32>(c.b);
            packed[p * 4u + 3u] = bitcast<u32>(c.a);
        }
    }
}

// One invocation per four horizontally adjacent pixels (fewer, wider
// invocations: on a CPU rasteriser the per-invocation cost matters).
@compute @workgroup_size(16, 8)
fn to_buffer(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x * 4u;
    let y = id.y;
    if x >= ingest.width || y >= ingest.height {
        return;
    }
    let p = y * ingest.width + x;
    if FORMAT == 0u && x + 3u < ingest.width && (p & 3u) == 0u {
        // 3-byte RGB: four pixels starting on a word boundary are exactly
        // three words. (A row of a picture whose width is not a multiple of
        // 4 starts inside a word: those rows take the byte-wise route below.)
        let w = p * 3u / 4u;
        let a = src[w];
        let b = src[w + 1u];
        let c = src[w + 2u];
        store_packed(p, graded_codes(a & 0xffu, (a >> 8u) & 0xffu, (a >> 16u) & 0xffu, x, y));
        store_packed(p + 1u, graded_codes(a >> 24u, b & 0xffu, (b >> 8u) & 0xffu, x + 1u, y));
        store_packed(p + 2u, graded_codes((b >> 16u) & 0xffu, b >> 24u, c & 0xffu, x + 2u, y));
        store_packed(p + 3u, graded_codes((c >> 8u) & 0xffu, (c >> 16u) & 0xffu, c >> 24u, x + 3u, y));
    } else if FORMAT == 0u {
        // 3-byte RGB at any byte offset: the same table route, byte by byte.
        for (var i = 0u; i < 4u && x + i < ingest.width; i++) {
            let b = (p + i) * 3u;
            store_packed(p + i, graded_codes(byte_at(b), byte_at(b + 1u), byte_at(b + 2u), x + i, y));
        }
    } else {
        for (var i = 0u; i < 4u && x + i < ingest.width; i++) {
            store_packed(p + i, graded_pixel(x + i, y));
        }
    }
}

@compute @workgroup_size(16, 8)
fn to_texture(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= ingest.width || id.y >= ingest.height {
        return;
    }
    textureStore(working, vec2<u32>(id.x, id.y), graded_pixel(id.x, id.y));
}
