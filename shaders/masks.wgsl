// Mask keying: each secondary's weight on the analysis masks' grid.
//
// How it works: one invocation per mask texel. For each secondary (up to
// four, secondary i into byte i of one word per texel): the
// feathered mask (nine bilinear reads weighted 1-2-1 on each axis over the
// feather radius), inverted if asked, through the smooth ramp; 0 for a
// secondary that is off or whose mask the run has no model for. Run when
// the masks or the keys change, not per frame; the frame kernel then reads
// four weights per pixel (secondary_weights in grade.wgsl). CPU twin:
// SecondaryWeights::key in src/grade/secondary.rs. Paired with
// src/gpu/masks.rs; composed after bilinear.wgsl.

struct Key {
    // The smooth ramp's ends, then the feather radius in uv units.
    ramp_feather: vec4<f32>,
    // Mask channel (R face, G skin, B person, A depth), inverted, on
    // (enabled and the mask present).
    flags: vec4<u32>,
}

struct Keys {
    items: array<Key, 4>,
}

@group(0) @binding(0) var masks: texture_2d<f32>;
@group(0) @binding(1) var<uniform> keys: Keys;
// One word per mask texel, row by row, the four weights as 8-bit unorm
// (pack4x8unorm; a matte holds no finer steps): the frame kernel reads four
// of these at every pixel, and on a CPU rasteriser each read of a word is
// one gather where a vec4 would be four.
@group(0) @binding(2) var<storage, read_write> weights: array<u32>;

// The masks between texel centres, edges clamped (bilinear.wgsl).
fn mask_bilinear(uv: vec2<f32>) -> vec4<f32> {
    let t = bilinear_taps(uv, vec2<i32>(textureDimensions(masks)));
    return bilinear_mix(
        t,
        textureLoad(masks, t.lo, 0),
        textureLoad(masks, vec2<i32>(t.hi.x, t.lo.y), 0),
        textureLoad(masks, vec2<i32>(t.lo.x, t.hi.y), 0),
        textureLoad(masks, t.hi, 0),
    );
}

fn mask_at(uv: vec2<f32>, channel: u32) -> f32 {
    return mask_bilinear(uv)[channel];
}

// CPU twin: MaskSampler::feathered. (No branch on the radius: see
// key_masks.)
fn feathered_mask(uv: vec2<f32>, radius: vec2<f32>, channel: u32) -> f32 {
    var sum = 0.0;
    for (var j = -1; j <= 1; j++) {
        for (var i = -1; i <= 1; i++) {
            let w = f32((2 - abs(i)) * (2 - abs(j)));
            sum += w * mask_at(uv + vec2<f32>(f32(i), f32(j)) * radius, channel);
        }
    }
    return select(sum / 16.0, mask_at(uv, channel), radius.x == 0.0 && radius.y == 0.0);
}

// The key: the mask (inverted or not) through the smooth ramp. CPU twin:
// secondary::mask_weight.
fn mask_weight(sampled: f32, inverted: bool, lo: f32, hi: f32) -> f32 {
    let m = select(sampled, 1.0 - sampled, inverted);
    return clamp((m - lo) / (hi - lo), 0.0, 1.0);
}

@compute @workgroup_size(16, 8)
fn key_masks(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(masks);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let uv = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(size);
    // Every key is computed and the ones that are off selected away, not
    // branched around: Mesa's lavapipe compiles a small shader again for
    // every new value of a uniform one of its branches tests, and keeps
    // every variant, so a branch on a key grew memory at every change of a
    // feather or a switch (tests/memory.rs).
    var out = vec4<f32>(0.0);
    for (var i = 0u; i < 4u; i++) {
        let k = keys.items[i];
        let sampled = feathered_mask(uv, k.ramp_feather.zw, k.flags.x);
        let weight = mask_weight(sampled, k.flags.y == 1u, k.ramp_feather.x, k.ramp_feather.y);
        out[i] = select(0.0, weight, k.flags.z == 1u);
    }
    weights[id.y * size.x + id.x] = pack4x8unorm(out);
}
