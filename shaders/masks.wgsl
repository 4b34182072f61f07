// Mask keying: each secondary's weight on the analysis masks' grid.
//
// How it works: five passes over the mask texels, run when the masks or the
// keys change, not per frame; the frame kernel then reads four weights per
// pixel (secondary_weights in grade.wgsl). For each secondary (up to four,
// secondary i in channel i of an RGBA8 texel):
//   combine_masks: its mask expression (a stack program over the nine mask
//     channels: mask_expr.rs) at the texel, its face masks narrowed to one
//     face when it names one;
//   grow_rows, grow_columns: grown (largest value) or shrunk (smallest)
//     within its grow radius along rows, then columns: a square window;
//   feather_rows, key_masks: feathered (linear samples at -r, 0, +r
//     weighted 1-2-1 along rows into a float texture, then the same down
//     its columns: the nine bilinear reads of a 3 x 3 binomial tap in two
//     passes of six reads a key, not one of 36), inverted if asked,
//     through the smooth ramp;
//     0 for a secondary that is off or reads a mask the run has no model for;
//     and the look's depth atmosphere (haze and defocus amounts) per texel;
//     both into RGBA8 textures (on a CPU rasteriser a texture load is the
//     cheapest read: a storage buffer read at a per-pixel index is a gather
//     lane by lane, and the frame kernel reads these at every pixel);
//   refine_coefficients, refine_average (only when a secondary refines):
//     the guided filter's coefficients of each key against the masks'
//     picture (layer 3), then their mean over the window (refine.rs).
// CPU twins: SecondaryWeights::key in src/grade/secondary.rs and
// RefineGrid::key in src/grade/refine.rs. Paired with
// src/gpu/masks.rs.

// How many secondaries the look keys and the longest of their programs
// (KeyBlock::extent): the keys past KEYS are off and the steps past
// PROGRAM_STEPS change nothing, and not computing them matters on a CPU rasteriser, where
// the keying costs per key as much as the frame kernel's whole grade.
override KEYS: u32 = 4u;
override PROGRAM_STEPS: u32 = 8u;

// The largest grow window in texels (secondary::MAX_GROW_TEXELS).
const MAX_GROW_TEXELS: i32 = 16;

struct Key {
    // The smooth ramp's ends, then the feather radius in uv units.
    ramp_feather: vec4<f32>,
    // On (enabled and its masks present), inverted (`invert`), enabled (the
    // look's switch), the face number its face masks are narrowed to (0:
    // every face; analysis::masks::face_code).
    flags: vec4<u32>,
    // The grow radius in texels (negative shrinks), the refine amount,
    // unused x2.
    grow: vec4<f32>,
    // The mask program: up to eight steps (see run_program).
    program: array<vec4<u32>, 2>,
}

struct Keys {
    items: array<Key, 4>,
    // The look's [atmosphere]: density, start, focus, defocus
    // (src/grade/atmosphere.rs).
    atmosphere: vec4<f32>,
    // x: 1 when the look has one and the run has depth; y: the refine
    // window's radius in texels.
    atmosphere_on: vec4<u32>,
}

// Four RGBA8 layers: R face, G skin, B person, A depth; R eyes, G lips,
// B under the eyes, A shine; R the object pointed at, G the face number
// (analysis::masks); the picture they were made from (RGB, the refinement's
// guide).
@group(0) @binding(0) var masks: texture_2d_array<f32>;
@group(0) @binding(1) var<uniform> keys: Keys;
// The previous step's output (combine_masks reads none; the refinement
// reads the weights), and this step's: RGBA8 textures, one value per
// secondary (the values are whole 8-bit steps, stored exactly; a matte
// holds no finer steps). key_masks' output is the weights the frame kernel
// reads.
@group(0) @binding(3) var in_values: texture_2d<f32>;
@group(0) @binding(5) var step_out: texture_storage_2d<rgba8unorm, write>;
// key_masks also writes the haze (R) and defocus (G) amounts of each
// texel, from its depth.
@group(0) @binding(4) var atmosphere_out: texture_storage_2d<rgba8unorm, write>;
// feather_rows' output (full float: key_masks reads it as in_values).
@group(0) @binding(8) var rows_out: texture_storage_2d<rgba32float, write>;
// The refinement's coefficients (a.rgb, b): each window's, four per texel
// for secondary 0..3 (refine_coefficients), then their window means
// (refine_average), secondary s in layer s, which the frame kernel reads.
@group(0) @binding(6) var<storage, read_write> window_coefficients: array<vec4<f32>>;
@group(0) @binding(7) var refine_out: texture_storage_2d_array<rgba32float, write>;

// Step opcodes (low four bits; then the channel in bits 4..7 and whether it
// is inverted in bit 8). CPU twin: mask_expr::Op.
// The mask channels (analysis::masks::MASK_CHANNELS).
const CHANNELS: u32 = 9u;
const OP_PUSH: u32 = 0u;
const OP_ONE: u32 = 1u;
const OP_NOT: u32 = 2u;
const OP_AND: u32 = 3u;
const OP_MINUS: u32 = 4u;
const OP_OR: u32 = 5u;
// Past the program's end.
const OP_NONE: u32 = 15u;

// A program on one texel's channel values (models: face, skin, person,
// depth; parts: eyes, lips, under the eyes, shine; object). Every step
// computes every opcode's result and selects one, without branching on the
// program: Mesa's lavapipe compiles a small shader again for every new
// value of a uniform one of its branches tests, and keeps every variant
// (tests/memory.rs). The channels and the stack live in vectors picked by
// selects, not in arrays: an array indexed by a variable is per-lane memory
// on a CPU rasteriser. CPU twin: Program::eval.
fn run_program(key: u32, models: vec4<f32>, parts: vec4<f32>, object: f32) -> f32 {
    var low = vec4<f32>(0.0);
    var high = vec4<f32>(0.0);
    var top = 0;
    for (var i = 0; i < i32(PROGRAM_STEPS); i++) {
        let step = keys.items[key].program[i / 4][i % 4];
        let op = step & 15u;
        let channel = i32(min((step >> 4u) & 15u, CHANNELS - 1u));
        let pushed = select(pick(models, parts, channel), object, channel == 8);
        let a = pick(low, high, max(top - 2, 0));
        let b = pick(low, high, max(top - 1, 0));
        var result = select(pushed, 1.0 - pushed, ((step >> 8u) & 1u) == 1u);
        result = select(result, 1.0, op == OP_ONE);
        result = select(result, 1.0 - b, op == OP_NOT);
        result = select(result, min(a, b), op == OP_AND);
        result = select(result, min(a, 1.0 - b), op == OP_MINUS);
        result = select(result, max(a, b), op == OP_OR);
        result = select(result, b, op == OP_NONE);
        let grows = op == OP_PUSH || op == OP_ONE;
        let shrinks = op == OP_AND || op == OP_MINUS || op == OP_OR;
        top = top + select(0, 1, grows) - select(0, 1, shrinks);
        let at = vec4<i32>(max(top - 1, 0));
        low = select(low, vec4<f32>(result), vec4<i32>(0, 1, 2, 3) == at);
        high = select(high, vec4<f32>(result), vec4<i32>(4, 5, 6, 7) == at);
    }
    return low.x;
}

// Element `j` (0..7) of the eight values `low` then `high`.
fn pick(low: vec4<f32>, high: vec4<f32>, j: i32) -> f32 {
    let v = select(low, high, j >= 4);
    let m = j & 3;
    return select(select(select(v.x, v.y, m == 1), v.z, m == 2), v.w, m == 3);
}

@compute @workgroup_size(16, 8)
fn combine_masks(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(masks);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let models = textureLoad(masks, id.xy, 0, 0);
    let parts = textureLoad(masks, id.xy, 1, 0);
    let object = textureLoad(masks, id.xy, 2, 0);
    let face_here = u32(round(object.g * 255.0));
    var out = vec4<f32>(0.0);
    for (var i = 0u; i < KEYS; i++) {
        let flags = keys.items[i].flags;
        // Another face's texels read 0 in the face masks (face, skin, the
        // parts), not in person, depth or the object.
        let f = select(1.0, 0.0, flags.w != 0u && flags.w != face_here);
        let narrowed = run_program(i, models * vec4<f32>(f, f, 1.0, 1.0), parts * f, object.r);
        out[i] = select(0.0, narrowed, flags.x == 1u);
    }
    textureStore(step_out, id.xy, out);
}

fn value_at(p: vec2<i32>, size: vec2<i32>) -> vec4<f32> {
    return textureLoad(in_values, clamp(p, vec2<i32>(0), size - 1), 0);
}

// The largest (grow > 0) or smallest (grow < 0) value within each
// secondary's radius along `step`, edges clamped; the window is the fixed
// largest one, each texel selected in or out (no branch on the radius).
// CPU twin: SecondaryWeights::grown.
fn grow_line(id: vec3<u32>, step: vec2<i32>) {
    let size = vec2<i32>(textureDimensions(masks));
    if i32(id.x) >= size.x || i32(id.y) >= size.y {
        return;
    }
    let p = vec2<i32>(id.xy);
    var out = value_at(p, size);
    var radius = vec4<f32>(0.0);
    for (var i = 0u; i < 4u; i++) {
        radius[i] = keys.items[i].grow.x;
    }
    let growing = radius > vec4<f32>(0.0);
    for (var d = -MAX_GROW_TEXELS; d <= MAX_GROW_TEXELS; d++) {
        let v = value_at(p + step * d, size);
        let inside = vec4<f32>(f32(abs(d))) <= abs(radius);
        out = select(out, select(min(out, v), max(out, v), growing), inside);
    }
    textureStore(step_out, id.xy, out);
}

@compute @workgroup_size(16, 8)
fn grow_rows(@builtin(global_invocation_id) id: vec3<u32>) {
    grow_line(id, vec2<i32>(1, 0));
}

@compute @workgroup_size(16, 8)
fn grow_columns(@builtin(global_invocation_id) id: vec3<u32>) {
    grow_line(id, vec2<i32>(0, 1));
}

// in_values along the line through `p` in direction `step` (a row or a
// column) at `t` (0..1 along it), linear between texel centres with
// clamped ends: one axis of bilinear.wgsl. CPU twin: line_sample in
// src/grade/secondary.rs.
fn line_sample(p: vec2<i32>, step: vec2<i32>, t: f32, channel: u32) -> f32 {
    let n = dot(vec2<i32>(textureDimensions(in_values)), step);
    let q = t * f32(n) - 0.5;
    let q0 = floor(q);
    let f = q - q0;
    let lo = clamp(i32(q0), 0, n - 1);
    let hi = clamp(i32(q0) + 1, 0, n - 1);
    let base = p * (vec2<i32>(1) - step);
    let a = textureLoad(in_values, base + step * lo, 0)[channel];
    let b = textureLoad(in_values, base + step * hi, 0)[channel];
    return a * (1.0 - f) + b * f;
}

// The feather along a line at `t`: samples at -r, 0, +r weighted 1-2-1,
// or the one at `t` when `r` is zero (selected, not branched: see
// run_program). CPU twin: feather_line in src/grade/secondary.rs.
fn feather_line(p: vec2<i32>, step: vec2<i32>, t: f32, r: f32, channel: u32) -> f32 {
    var sum = 0.0;
    for (var i = -1; i <= 1; i++) {
        sum += f32(2 - abs(i)) * line_sample(p, step, t + f32(i) * r, channel);
    }
    return select(sum / 4.0, line_sample(p, step, t, channel), r == 0.0);
}

// Each key's grown mask feathered along its row (into a float texture).
@compute @workgroup_size(16, 8)
fn feather_rows(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(masks);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let u = (f32(id.x) + 0.5) / f32(size.x);
    var out = vec4<f32>(0.0);
    for (var i = 0u; i < KEYS; i++) {
        out[i] = feather_line(vec2<i32>(id.xy), vec2<i32>(1, 0), u, keys.items[i].ramp_feather.z, i);
    }
    textureStore(rows_out, id.xy, out);
}

// The key: the mask (inverted or not) through the smooth ramp. CPU twin:
// secondary::mask_weight.
fn mask_weight(sampled: f32, inverted: bool, lo: f32, hi: f32) -> f32 {
    let m = select(sampled, 1.0 - sampled, inverted);
    return clamp((m - lo) / (hi - lo), 0.0, 1.0);
}

// Haze: Beer-Lambert extinction beyond `start`; defocus: growing from
// `focus` to the farthest plane. CPU twins: AtmosphereSection::haze_amount
// and defocus_amount.
fn atmosphere_amounts(distance: f32) -> vec4<f32> {
    let a = keys.atmosphere;
    let haze = 1.0 - exp(-a.x * max(distance - a.y, 0.0));
    let defocus = a.w * clamp((distance - a.z) / max(1.0 - a.z, 1e-6), 0.0, 1.0);
    return select(vec4<f32>(0.0), vec4<f32>(haze, defocus, 0.0, 0.0), keys.atmosphere_on.x == 1u);
}

@compute @workgroup_size(16, 8)
fn key_masks(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(masks);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let v = (f32(id.y) + 0.5) / f32(size.y);
    // Every key is computed and the ones that are off selected away, not
    // branched around (see run_program). in_values: feather_rows' output.
    var out = vec4<f32>(0.0);
    for (var i = 0u; i < KEYS; i++) {
        let k = keys.items[i];
        let sampled = feather_line(vec2<i32>(id.xy), vec2<i32>(0, 1), v, k.ramp_feather.w, i);
        let weight = mask_weight(sampled, k.flags.y == 1u, k.ramp_feather.x, k.ramp_feather.y);
        out[i] = select(0.0, weight, k.flags.x == 1u);
    }
    textureStore(step_out, id.xy, out);
    let depth = textureLoad(masks, id.xy, 0, 0).a;
    textureStore(atmosphere_out, id.xy, atmosphere_amounts(1.0 - depth));
}

// The guided filter's a and b of one window from its means, the guide
// taken relative to the window's centre texel (the variances then do not
// cancel in f32): the guide `m`, its second moments (rr, rg, rb; gg, gb,
// bb), the key `p` and the guide-times-key `ip`. CPU twin:
// refine::coefficients (the same operations in the same order).
fn coefficients(m: vec3<f32>, m0: vec3<f32>, m1: vec3<f32>, p: f32, ip: vec3<f32>, centre: vec3<f32>) -> vec4<f32> {
    let xx = m0.x - m.x * m.x + REFINE_EPSILON;
    let xy = m0.y - m.x * m.y;
    let xz = m0.z - m.x * m.z;
    let yy = m1.x - m.y * m.y + REFINE_EPSILON;
    let yz = m1.y - m.y * m.z;
    let zz = m1.z - m.z * m.z + REFINE_EPSILON;
    let cov = ip - m * p;
    let c00 = yy * zz - yz * yz;
    let c01 = xz * yz - xy * zz;
    let c02 = xy * yz - xz * yy;
    let c11 = xx * zz - xz * xz;
    let c12 = xy * xz - xx * yz;
    let c22 = xx * yy - xy * xy;
    let det = xx * c00 + xy * c01 + xz * c02;
    let a = vec3<f32>(
        (c00 * cov.x + c01 * cov.y + c02 * cov.z) / det,
        (c01 * cov.x + c11 * cov.y + c12 * cov.z) / det,
        (c02 * cov.x + c12 * cov.y + c22 * cov.z) / det,
    );
    let mean = m + centre;
    return vec4<f32>(a, p - (a.x * mean.x + a.y * mean.y + a.z * mean.z));
}

// The layer of the picture the masks were made from.
const GUIDE_LAYER: i32 = 3;

// refine::EPSILON and refine::MAX_RADIUS_TEXELS.
const REFINE_EPSILON: f32 = 1e-3;
const MAX_REFINE_TEXELS: i32 = 4;

@compute @workgroup_size(16, 8)
fn refine_coefficients(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = vec2<i32>(textureDimensions(masks));
    if i32(id.x) >= size.x || i32(id.y) >= size.y {
        return;
    }
    let r = min(i32(keys.atmosphere_on.y), MAX_REFINE_TEXELS);
    var m = vec3<f32>(0.0);
    var m0 = vec3<f32>(0.0);
    var m1 = vec3<f32>(0.0);
    var p = vec4<f32>(0.0);
    var ip = array<vec3<f32>, 4>(vec3<f32>(0.0), vec3<f32>(0.0), vec3<f32>(0.0), vec3<f32>(0.0));
    let centre = textureLoad(masks, vec2<i32>(id.xy), GUIDE_LAYER, 0).rgb;
    for (var j = -r; j <= r; j++) {
        for (var i = -r; i <= r; i++) {
            let t = clamp(vec2<i32>(id.xy) + vec2<i32>(i, j), vec2<i32>(0), size - 1);
            let g = textureLoad(masks, t, GUIDE_LAYER, 0).rgb - centre;
            let v = textureLoad(in_values, t, 0);
            m += g;
            m0 += g.x * g;
            m1 += vec3<f32>(g.y * g.y, g.y * g.z, g.z * g.z);
            p += v;
            for (var s = 0; s < 4; s++) {
                ip[s] += g * v[s];
            }
        }
    }
    let count = f32((2 * r + 1) * (2 * r + 1));
    let base = (id.y * u32(size.x) + id.x) * 4u;
    for (var s = 0u; s < 4u; s++) {
        window_coefficients[base + s] = coefficients(m / count, m0 / count, m1 / count, p[s] / count, ip[s] / count, centre);
    }
}

@compute @workgroup_size(16, 8)
fn refine_average(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = vec2<i32>(textureDimensions(masks));
    if i32(id.x) >= size.x || i32(id.y) >= size.y {
        return;
    }
    let r = min(i32(keys.atmosphere_on.y), MAX_REFINE_TEXELS);
    var sum = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
    for (var j = -r; j <= r; j++) {
        for (var i = -r; i <= r; i++) {
            let t = clamp(vec2<i32>(id.xy) + vec2<i32>(i, j), vec2<i32>(0), size - 1);
            let base = u32(t.y * size.x + t.x) * 4u;
            for (var s = 0u; s < 4u; s++) {
                sum[s] += window_coefficients[base + s];
            }
        }
    }
    let count = f32((2 * r + 1) * (2 * r + 1));
    for (var s = 0u; s < 4u; s++) {
        textureStore(refine_out, id.xy, s, sum[s] / count);
    }
}
