// The baked live path: the colour part of the look as a lattice, made on
// the GPU when the look changes and read with one lookup per pixel.
//
// How it works: `bake_lattice` (one invocation per lattice point) grades
// the input code value the point stands for exactly (`baked_shaper`'s tail
// holds the input at each lattice coordinate) and packs the result into
// `lattice_out`. The frame kernel (pipeline.wgsl) then takes a pixel's
// colour from `baked_lattice`: through the shaper (a 1D table that spends
// the lattice's points where the look's input values lie), then
// tetrahedral interpolation. BAKED = 1: the lattice holds the whole grade
// to display code values; 2: it holds the graded working-space value, and
// the secondaries and haze (which vary over the picture) follow exactly,
// then display_out: exactly, or (BAKED_DISPLAY = 1, a log working space)
// from a second lattice over the working space's range that
// `bake_display` fills. A look that moves re-bakes: one exact
// evaluation per lattice point, 65^3 of them (an eighth of a 1080p frame),
// as many again for a display lattice. CPU twins: live_lattice and
// live_display_lattice in src/grade/bake.rs, Lut3d::apply. Paired
// with src/gpu/bake.rs; composed after grade.wgsl.

// 0: the look evaluated exactly per pixel; 1 and 2: see above.
override BAKED: u32 = 0u;
// The lattice's points a side (bake::LIVE_SIZE).
override BAKED_SIZE: u32 = 65u;
// 1: display_out after the secondaries from the display lattice.
override BAKED_DISPLAY: u32 = 0u;
// The display lattice's range in each channel of the working space
// (bake::DISPLAY_RANGE: every ACEScct and ACEScc value of the picture).
const DISPLAY_MIN: f32 = -0.36;
const DISPLAY_MAX: f32 = 1.5;
// Entries of the shaper in front of the lattice.
const BAKED_SHAPER_SIZE: u32 = 1024u;
// Lattice entries are codes over [BAKED_MIN, BAKED_MIN + BAKED_SPAN] in
// each channel (bake::LIVE_RANGE), packed as lut_table's entries.
const BAKED_MIN: f32 = -1.0;
const BAKED_SPAN: f32 = 3.0;

// The shaper's entries (BAKED_SHAPER_SIZE), then the input code value at
// each lattice coordinate (BAKED_SIZE).
@group(0) @binding(14) var<storage, read> baked_shaper: array<f32>;
// The lattice (x red, y green, z blue), then from z = BAKED_SIZE the
// display lattice: an entry's two words in R and G. A texture, not a
// storage buffer: every pixel reads four entries (eight with a display
// lattice), and on a CPU rasteriser a storage buffer read at a per-pixel
// index is a gather lane by lane.
@group(0) @binding(16) var baked_lattice: texture_3d<u32>;
// The bake's view of the same texture, bound only to the bake.
@group(0) @binding(15) var lattice_out: texture_storage_3d<rg32uint, write>;

fn shaper_entry(i: u32) -> f32 {
    return baked_shaper[i];
}

fn baked_code_step() -> vec3<f32> {
    return BAKED_SPAN / vec3<f32>(2097151.0, 2097151.0, 4194303.0);
}

// Where the display lattice starts in the texture (its z).
fn display_lattice_base() -> u32 {
    return BAKED_SIZE;
}

// Entry (r, g, b) of the lattice starting at z = `base`.
fn lattice_at(base: u32, r: u32, g: u32, b: u32) -> vec3<f32> {
    let code = unpack_codes(textureLoad(baked_lattice, vec3<u32>(r, g, base + b), 0).xy);
    return BAKED_MIN + vec3<f32>(code) * baked_code_step();
}

// Where code values fall on the lattice (0 to BAKED_SIZE - 1 per
// channel): the shaper, linearly interpolated. CPU twin: Lut1d::apply.
fn lattice_position(rgb: vec3<f32>) -> vec3<f32> {
    let last = f32(BAKED_SHAPER_SIZE - 1u);
    let scaled = rgb * last;
    let s = select(clamp(scaled, vec3<f32>(0.0), vec3<f32>(last)), vec3<f32>(0.0), scaled != scaled);
    let i = min(vec3<u32>(s), vec3<u32>(BAKED_SHAPER_SIZE - 2u));
    let t = s - vec3<f32>(i);
    let shaped = vec3<f32>(
        mix(shaper_entry(i.x), shaper_entry(i.x + 1u), t.x),
        mix(shaper_entry(i.y), shaper_entry(i.y + 1u), t.y),
        mix(shaper_entry(i.z), shaper_entry(i.z + 1u), t.z),
    );
    return clamp(shaped, vec3<f32>(0.0), vec3<f32>(1.0)) * f32(BAKED_SIZE - 1u);
}

// The lattice starting at `base` at a position, tetrahedral as
// Lut3d::apply.
fn lattice_sample(base: u32, s: vec3<f32>) -> vec3<f32> {
    let lo = vec3<u32>(s);
    let hi = min(lo + 1u, vec3<u32>(BAKED_SIZE - 1u));
    let t = tetrahedron(lo, hi, s - vec3<f32>(lo));
    return t.weights.x * lattice_at(base, lo.x, lo.y, lo.z) + t.weights.y * lattice_at(base, t.p1.x, t.p1.y, t.p1.z) + t.weights.z * lattice_at(base, t.p2.x, t.p2.y, t.p2.z) + t.weights.w * lattice_at(base, hi.x, hi.y, hi.z);
}

// display_out of a working-space value from the display lattice.
fn display_from_lattice(working: vec3<f32>) -> vec3<f32> {
    let last = f32(BAKED_SIZE - 1u);
    let scaled = (working - DISPLAY_MIN) / (DISPLAY_MAX - DISPLAY_MIN) * last;
    let s = select(clamp(scaled, vec3<f32>(0.0), vec3<f32>(last)), vec3<f32>(0.0), scaled != scaled);
    return lattice_sample(display_lattice_base(), s);
}

// The graded pixel from its lattice position (`uv` and `guide` for what
// follows a working-space lattice).
fn baked_grade(s: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    let value = lattice_sample(0u, s);
    if BAKED == 1u {
        return value;
    }
    let working = secondaries_and_haze(value, uv, guide);
    if BAKED_DISPLAY == 1u {
        return display_from_lattice(working);
    }
    return display_out(working);
}

// The look on one code value, baked or exact: what every route of the
// frame kernel calls.
fn look_pixel(rgb: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    if BAKED == 0u {
        return grade_pixel(rgb, uv, guide);
    }
    return baked_grade(lattice_position(rgb), uv, guide);
}

@compute @workgroup_size(64)
fn bake_lattice(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = BAKED_SIZE;
    if id.x >= n * n * n {
        return;
    }
    let node = vec3<u32>(id.x % n, (id.x / n) % n, id.x / (n * n));
    // The lattice inputs follow the shaper's entries.
    let input = BAKED_SHAPER_SIZE;
    let rgb = vec3<f32>(baked_shaper[input + node.x], baked_shaper[input + node.y], baked_shaper[input + node.z]);
    var value = grade_mix_working(grade_channels(rgb));
    if BAKED == 1u {
        value = display_out(value);
    }
    store_entry(node, value);
}

// Lattice entry `node` (z counted from the texture's start) of `value`.
fn store_entry(node: vec3<u32>, value: vec3<f32>) {
    textureStore(lattice_out, node, vec4<u32>(packed_codes(value), 0u, 0u));
}

// A lattice entry of `value` (within [BAKED_MIN, BAKED_MIN + BAKED_SPAN]).
fn packed_codes(value: vec3<f32>) -> vec2<u32> {
    let codes = (clamp(value, vec3<f32>(BAKED_MIN), vec3<f32>(BAKED_MIN + BAKED_SPAN)) - BAKED_MIN) / baked_code_step();
    let code = vec3<u32>(round(codes));
    return vec2<u32>(code.r | (code.g << 21u), (code.g >> 11u) | (code.b << 10u));
}

// The display lattice: display_out at every point over the working
// space's range. CPU twin: bake::live_display_lattice.
@compute @workgroup_size(64)
fn bake_display(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = BAKED_SIZE;
    if id.x >= n * n * n {
        return;
    }
    let node = vec3<u32>(id.x % n, (id.x / n) % n, id.x / (n * n));
    let working = DISPLAY_MIN + vec3<f32>(node) / f32(n - 1u) * (DISPLAY_MAX - DISPLAY_MIN);
    store_entry(node + vec3<u32>(0u, 0u, display_lattice_base()), display_out(working));
}
