// Present: draws the graded working texture into a window.
//
// How it works: one full-screen triangle; the fragment shader maps each
// window pixel into the picture rectangle (black outside) and samples the
// texture: bilinearly when the picture is scaled to fit (the operator
// view), or texel for texel when it is shown at its own size (the program
// output: exact values, no scaling). The window's surface is a non-sRGB
// format, so the graded display-encoded values reach the screen unchanged.
// The operator view may paint exposure aids over the picture, computed
// from the nearest texel exactly as src/scopes.rs does on the CPU: false
// colour (luma bands in IRE) and zebra stripes in window pixels, and show
// a reference beside the picture: split at a movable line (a wipe), or
// side by side. Paired with src/gpu/present.rs.

struct PresentParams {
    // Picture rectangle in normalised window coordinates: x0, y0, x1, y1.
    rect: vec4<f32>,
    // x: 1 = texel for texel (no filtering), y: 1 = false colour,
    // z: zebra above this IRE (>= 1e9: off), w: unused
    mode: vec4<f32>,
    // the zebra band: low, high IRE (low >= high: off); z, w unused
    zebra_band: vec4<f32>,
    // BT.709-6 luma weights in ten-thousandths, and their sum
    luma: vec4<u32>,
    // false-colour bands: low and high IRE (x, y) ...
    band_limits: array<vec4<f32>, 6>,
    // ... and their colours
    band_colours: array<vec4<f32>, 6>,
    // x: grey level kept outside the bands, y: zebra period in pixels,
    // z: the 10-bit code of full scale
    grey: vec4<f32>,
    // x: compare mode (0 off, 1 split: the reference right of y, 2 side by
    // side: the picture left, the reference right), y: split position
    // (0..1 of the picture's width), z: one window pixel in uv
    compare: vec4<f32>,
    // Mask overlays: x: two bits a secondary (0 off, 1 tint, 2 matte,
    // 3 outline), y, z: the keyed weights' size, w: 1 = depth as false
    // colour
    overlay: vec4<u32>,
    // each secondary's overlay colour
    overlay_colours: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var picture: texture_2d<f32>;
@group(0) @binding(1) var picture_sampler: sampler;
@group(0) @binding(2) var<uniform> params: PresentParams;
// What the picture is compared against (the ungraded source, a look, a
// still); the picture itself when nothing is.
@group(0) @binding(3) var reference: texture_2d<f32>;
// The analysis masks (R face, G skin, B person, A depth) and the
// secondaries' keyed weights (secondary i in channel i), for the
// overlays; 1 x 1 stand-ins when there are none.
@group(0) @binding(4) var masks: texture_2d<f32>;
@group(0) @binding(5) var key_weights: texture_2d<f32>;

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

fn code10(v: f32) -> u32 {
    return u32(floor(clamp(v, 0.0, 1.0) * params.grey.z + 0.5));
}

fn ire(luma: u32) -> f32 {
    return f32(luma) * 100.0 / params.grey.z;
}

// src/scopes.rs `false_colour`.
fn false_colour(luma: u32) -> vec3<f32> {
    let level = ire(luma);
    for (var i = 0u; i < 6u; i++) {
        let band = params.band_limits[i];
        if level >= band.x && level < band.y {
            return params.band_colours[i].rgb;
        }
    }
    return vec3<f32>(f32(luma) / params.grey.z * params.grey.x);
}

// src/scopes.rs `zebra`.
fn zebra(x: u32, y: u32, luma: u32) -> bool {
    let level = ire(luma);
    let period = u32(params.grey.y);
    let high = level >= params.mode.z && (x + y) % period < period / 2u;
    let band_on = params.zebra_band.x < params.zebra_band.y;
    let in_band = level >= params.zebra_band.x && level < params.zebra_band.y;
    let band = band_on && in_band && (x - y + (1u << 20u)) % period < period / 2u;
    return high || band;
}

// The secondaries' weights at picture position `uv` (nearest texel).
fn weights_at(uv: vec2<f32>, offset: vec2<i32>) -> vec4<f32> {
    let size = vec2<i32>(params.overlay.yz);
    let texel = clamp(vec2<i32>(uv * vec2<f32>(size)) + offset, vec2<i32>(0), size - 1);
    return textureLoad(key_weights, texel, 0);
}

// A false-colour ramp for depth (near warm, far cool).
fn depth_colour(d: f32) -> vec3<f32> {
    let t = clamp(d, 0.0, 1.0);
    return clamp(vec3<f32>(1.5 - abs(4.0 * t - 3.0), 1.5 - abs(4.0 * t - 2.0), 1.5 - abs(4.0 * t - 1.0)), vec3<f32>(0.0), vec3<f32>(1.0));
}

// What the machine picked, over the picture: each secondary's keyed
// weight as a tint, a matte or an outline, and depth as false colour.
fn overlay(colour_in: vec3<f32>, uv: vec2<f32>) -> vec3<f32> {
    var colour = colour_in;
    if params.overlay.w == 1u {
        colour = depth_colour(textureSampleLevel(masks, picture_sampler, uv, 0.0).a);
    }
    if params.overlay.x == 0u || params.overlay.y == 0u {
        return colour;
    }
    let w = weights_at(uv, vec2<i32>(0));
    let right = weights_at(uv, vec2<i32>(1, 0));
    let below = weights_at(uv, vec2<i32>(0, 1));
    for (var i = 0u; i < 4u; i++) {
        let mode = (params.overlay.x >> (2u * i)) & 3u;
        let tint = params.overlay_colours[i].rgb;
        if mode == 1u {
            colour = mix(colour, tint, 0.6 * w[i]);
        } else if mode == 2u {
            colour = vec3<f32>(w[i]);
        } else if mode == 3u {
            let inside = w[i] >= 0.5;
            if inside != (right[i] >= 0.5) || inside != (below[i] >= 0.5) {
                colour = tint;
            }
        }
    }
    return colour;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let r = params.rect;
    let uv = (in.uv - r.xy) / (r.zw - r.xy);
    if any(uv < vec2<f32>(0.0)) || any(uv >= vec2<f32>(1.0)) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    // Which picture this pixel shows, and where in it.
    var at = uv;
    var from_reference = false;
    let mode = u32(params.compare.x + 0.5);
    if mode == 1u {
        if abs(uv.x - params.compare.y) < params.compare.z {
            return vec4<f32>(1.0, 1.0, 1.0, 1.0); // the split line
        }
        from_reference = uv.x >= params.compare.y;
    } else if mode == 2u {
        from_reference = uv.x >= 0.5;
        at.x = fract(uv.x * 2.0);
    }
    var size = textureDimensions(picture);
    if from_reference {
        size = textureDimensions(reference);
    }
    let texel = min(vec2<u32>(at * vec2<f32>(size)), size - 1u);
    var colour: vec3<f32>;
    var exact: vec3<f32>;
    if from_reference {
        exact = textureLoad(reference, texel, 0).rgb;
        colour = textureSampleLevel(reference, picture_sampler, at, 0.0).rgb;
    } else {
        exact = textureLoad(picture, texel, 0).rgb;
        colour = textureSampleLevel(picture, picture_sampler, at, 0.0).rgb;
    }
    if params.mode.x > 0.5 {
        colour = exact;
    }
    if !from_reference && (params.overlay.x != 0u || params.overlay.w != 0u) {
        colour = overlay(colour, at);
    }
    let aids = params.mode.y > 0.5 || params.mode.z < 1e9 || params.zebra_band.x < params.zebra_band.y;
    if aids {
        let w = params.luma;
        let codes = vec3<u32>(code10(exact.r), code10(exact.g), code10(exact.b));
        let luma = (w.x * codes.r + w.y * codes.g + w.z * codes.b + w.w / 2u) / w.w;
        if params.mode.y > 0.5 {
            colour = false_colour(luma);
        }
        let pixel = vec2<u32>(in.position.xy);
        if zebra(pixel.x, pixel.y, luma) {
            colour = vec3<f32>(1.0);
        }
    }
    return vec4<f32>(colour, 1.0);
}
