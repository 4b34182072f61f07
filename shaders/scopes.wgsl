// Scopes: histogram, luma waveform, RGB parade and vectorscope of the
// graded picture, counted on the GPU and drawn into small images.
//
// How it works: the `count_*` entries read the reduced grid (every
// `stride`-th pixel) and quantise each sample to 10-bit codes; from there
// on all is integer arithmetic, so the counts equal the CPU reference in
// src/scopes.rs exactly. Atomics are slow on a software GPU, so only the
// vectorscope uses them: each waveform / parade column is counted by one
// invocation, and the histograms are the traces' columns summed. The `draw_*` entries then turn the counts into
// images for the operator view (a trace brightness that grows with the
// log of the count, graticules, the 75 % bar targets and the skin-tone
// line). Paired with src/gpu/scopes.rs, which writes every constant below
// from src/scopes.rs.

struct ScopeParams {
    // columns, rows, stride, samples
    grid: vec4<u32>,
    // offsets of the histogram, waveform and parade counts in `counts`
    // (the vectorscope has its own buffer); w: the vectorscope's step
    offsets: vec4<u32>,
    // LEVELS, MAX_COLUMNS, VECTOR_SIZE, CODE_MAX
    sizes: vec4<u32>,
    // luma weights in ten-thousandths (BT.709-6): R, G, B, and their sum
    luma: vec4<u32>,
    // Cb and Cr denominators (see src/scopes.rs vector_bin), skin line
    // direction (cos, sin) as f32 bits
    vector: vec4<u32>,
    // the six 75 % bar targets, in vectorscope bins (x, y)
    targets: array<vec4<f32>, 3>,
    // one bit per waveform level: a graticule line (every 10 IRE)
    graticule: array<vec4<u32>, 2>,
    // brightness scales (see `trace`) of the waveforms, the vectorscope,
    // and the histogram's full height
    scales: vec4<f32>,
}

@group(0) @binding(0) var picture: texture_2d<f32>;
@group(0) @binding(1) var<uniform> params: ScopeParams;
// Histogram, waveform and parade counts (laid out as src/scopes.rs says).
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;
@group(0) @binding(3) var image: texture_storage_2d<rgba8unorm, write>;
// Vectorscope counts.
@group(0) @binding(4) var<storage, read_write> vector_counts: array<atomic<u32>>;

fn code10(v: f32) -> u32 {
    let code_max = f32(params.sizes.w);
    return u32(floor(clamp(v, 0.0, 1.0) * code_max + 0.5));
}

// The 10-bit codes of the grid sample at (column, row): R', G', B' and
// Y' (rounded from ten-thousandths, BT.709-6 weights), and Y' in
// ten-thousandths.
struct Sample {
    codes: vec4<u32>,
    luma_1e4: u32,
}

fn sample(column: u32, row: u32) -> Sample {
    let p = textureLoad(picture, vec2<i32>(vec2<u32>(column, row) * params.grid.z), 0).rgb;
    let rgb = vec3<u32>(code10(p.r), code10(p.g), code10(p.b));
    let w = params.luma;
    let y1e4 = w.x * rgb.r + w.y * rgb.g + w.z * rgb.b;
    return Sample(vec4<u32>(rgb, (y1e4 + w.w / 2u) / w.w), y1e4);
}

// Where trace `channel` (0 Y', 1 R', 2 G', 3 B') of grid column `column`
// starts in `counts`.
fn trace_start(channel: u32, column: u32) -> u32 {
    let levels = params.sizes.x;
    var start = params.offsets.y;
    if channel > 0u {
        start = params.offsets.z + (channel - 1u) * params.sizes.y * levels;
    }
    return start + column * levels;
}

// One invocation per grid column: it alone writes that column's bins of
// the four traces, so it counts without atomics.
@compute @workgroup_size(16, 8)
fn count_traces(@builtin(global_invocation_id) id: vec3<u32>) {
    let column = id.x;
    if column >= params.grid.x || id.y > 0u {
        return;
    }
    // Trace 0 is Y' (codes.w); 1..3 are R', G', B'.
    let starts = vec4<u32>(
        trace_start(0u, column),
        trace_start(1u, column),
        trace_start(2u, column),
        trace_start(3u, column),
    );
    for (var level = 0u; level < params.sizes.x; level++) {
        for (var t = 0u; t < 4u; t++) {
            counts[starts[t] + level] = 0u;
        }
    }
    for (var row = 0u; row < params.grid.y; row++) {
        let levels = sample(column, row).codes.wxyz >> vec4<u32>(2u);
        for (var t = 0u; t < 4u; t++) {
            counts[starts[t] + levels[t]] += 1u;
        }
    }
}

// One invocation per histogram bin: the sum of its level over the traces'
// columns (R', G', B' from the parade, Y' from the waveform).
@compute @workgroup_size(16, 8)
fn count_histogram(@builtin(global_invocation_id) id: vec3<u32>) {
    let level = id.x;
    let channel = id.y;
    if level >= params.sizes.x || channel >= 4u {
        return;
    }
    let trace = (channel + 1u) % 4u;
    var total = 0u;
    for (var column = 0u; column < params.grid.x; column++) {
        total += counts[trace_start(trace, column) + level];
    }
    counts[params.offsets.x + channel * params.sizes.x + level] = total;
}

// One invocation per vectorscope sample (every `offsets.w`-th grid sample
// across and down); its bins are too many to own, so they are counted
// with atomics.
@compute @workgroup_size(16, 8)
fn count_vectorscope(@builtin(global_invocation_id) id: vec3<u32>) {
    let at = id.xy * params.offsets.w;
    if at.x >= params.grid.x || at.y >= params.grid.y {
        return;
    }
    let s = sample(at.x, at.y);
    // floor((Cb + 0.5) * size), floor((0.5 - Cr) * size) in integers; the
    // offsets keep the numerators positive, so division floors.
    let one = i32(params.luma.w);
    let y = i32(s.luma_1e4);
    let cb = i32(s.codes.z) * one - y;
    let cr = i32(s.codes.x) * one - y;
    let size = i32(params.sizes.z);
    let half = size / 2;
    let cb_den = i32(params.vector.x);
    let cr_den = i32(params.vector.y);
    let column = clamp((cb * 64 + half * cb_den) / cb_den, 0, size - 1);
    let row = clamp((half * cr_den - cr * 64) / cr_den, 0, size - 1);
    atomicAdd(&vector_counts[u32(row * size + column)], 1u);
}

fn vector_count(index: u32) -> u32 {
    return atomicLoad(&vector_counts[index]);
}

// Trace brightness of `n` samples in a bin; `scale` is 1 / log2(1 +
// the count that shows at full brightness).
fn trace(n: u32, scale: f32) -> f32 {
    if n == 0u {
        return 0.0;
    }
    return clamp(0.3 + 0.7 * log2(1.0 + f32(n)) * scale, 0.0, 1.0);
}

// Whether waveform image row `row` (row 0 on top) is a graticule line.
fn graticule(row: u32) -> bool {
    let level = params.sizes.x - 1u - row;
    let word = params.graticule[level / 128u][(level / 32u) % 4u];
    return ((word >> (level % 32u)) & 1u) == 1u;
}

const GRATICULE: vec3<f32> = vec3<f32>(0.35, 0.3, 0.15);

// A waveform image: each image column shows its grid column's counts.
fn waveform_pixel(px: vec2<u32>, width: u32, start: u32, tint: vec3<f32>) -> vec4<f32> {
    let levels = params.sizes.x;
    let column = min(px.x * params.grid.x / width, params.grid.x - 1u);
    let n = counts[start + column * levels + (levels - 1u - px.y)];
    var colour = tint * trace(n, params.scales.x);
    if graticule(px.y) {
        colour = max(colour, GRATICULE);
    }
    return vec4<f32>(colour, 1.0);
}

@compute @workgroup_size(16, 8)
fn draw_waveform(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(image);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let colour = waveform_pixel(id.xy, size.x, params.offsets.y, vec3<f32>(0.75, 1.0, 0.75));
    textureStore(image, id.xy, colour);
}

@compute @workgroup_size(16, 8)
fn draw_parade(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(image);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let third = size.x / 3u;
    let channel = min(id.x / third, 2u);
    var tint = vec3<f32>(0.0);
    tint[channel] = 1.0;
    tint = max(tint, vec3<f32>(0.2));
    let start = params.offsets.z + channel * params.sizes.y * params.sizes.x;
    let px = vec2<u32>(id.x - channel * third, id.y);
    textureStore(image, id.xy, waveform_pixel(px, third, start, tint));
}

@compute @workgroup_size(16, 8)
fn draw_vectorscope(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(image);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let bins = params.sizes.z;
    let bin = id.xy * bins / size;
    let n = vector_count(bin.y * bins + bin.x);
    var colour = vec3<f32>(0.85, 0.95, 0.85) * trace(n, params.scales.y);
    // Position in bins (pixel centre).
    let p = (vec2<f32>(id.xy) + 0.5) * f32(bins) / vec2<f32>(size);
    let centre = vec2<f32>(f32(bins) / 2.0);
    let d = p - centre;
    // The skin-tone line, from the centre outwards (+Cr is up: -y).
    let skin = vec2<f32>(bitcast<f32>(params.vector.z), -bitcast<f32>(params.vector.w));
    let along = dot(d, skin);
    let across = abs(d.x * skin.y - d.y * skin.x);
    if along > 0.0 && across < 0.6 {
        colour = max(colour, vec3<f32>(0.55, 0.4, 0.3));
    }
    // Cross-hair through grey.
    if abs(d.x) < 0.5 || abs(d.y) < 0.5 {
        colour = max(colour, GRATICULE * 0.6);
    }
    // 75 % targets: small boxes (4 bins across).
    for (var i = 0u; i < 6u; i++) {
        let t = params.targets[i / 2u];
        var c = t.xy;
        if (i & 1u) == 1u {
            c = t.zw;
        }
        let e = abs(p - c);
        if max(e.x, e.y) < 4.0 && max(e.x, e.y) > 3.0 {
            colour = vec3<f32>(0.9, 0.75, 0.2);
        }
    }
    textureStore(image, id.xy, vec4<f32>(colour, 1.0));
}

@compute @workgroup_size(16, 8)
fn draw_histogram(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(image);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let levels = params.sizes.x;
    let bin = id.x * levels / size.x;
    // Bar heights on a log scale: a bin holding every sample is full.
    let height = f32(size.y - id.y) / f32(size.y);
    var colour = vec3<f32>(0.08);
    for (var c = 0u; c < 3u; c++) {
        let n = counts[params.offsets.x + c * levels + bin];
        if n > 0u && log2(1.0 + f32(n)) * params.scales.z >= height {
            colour[c] = 0.85;
        }
    }
    textureStore(image, id.xy, vec4<f32>(colour, 1.0));
}
