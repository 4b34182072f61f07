// Noise reduction before the grade: motion-adaptive temporal recursion and
// a 3x3 bilateral option on the source's code values.
//
// How it works: one invocation for four adjacent pixels decodes their 6x3
// window of the raw frame once (decode_pixel, ingest.wgsl), reads the
// previous output there (the history, half floats), and writes this
// frame's four outputs as half-float RGBA words, the RgbaF16 layout the frame kernel then takes as its input (and
// the next frame's history). Each step and constant is that of
// denoise_pixel in src/grade/denoise.rs, its CPU twin. Paired with
// src/gpu/denoise.rs; composed after ingest.wgsl.

struct NrParams {
    width: u32,
    height: u32,
    // 1 when `history` holds the previous frame's output at this size.
    has_history: u32,
    // Bit 0: a face mask exists; bit 1: a person mask.
    mask_present: u32,
    temporal: f32,
    spatial: f32,
    level: f32,
    protect: f32,
}

// 1 when the spatial filter is on (nr.spatial > 0): a pipeline constant,
// since a CPU rasteriser computes both sides of a branch.
override SPATIAL: u32 = 0u;

const MAX_HISTORY: f32 = 0.9;
const MOTION_FROM: f32 = 1.0;
const MOTION_TO: f32 = 3.0;
const DETAIL_MOTION: f32 = 3.5;
const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

@group(0) @binding(2) var<uniform> nr: NrParams;
@group(0) @binding(3) var<storage, read> history: array<u32>;
@group(0) @binding(4) var<storage, read_write> denoised: array<u32>;
@group(0) @binding(5) var masks: texture_2d<f32>;

fn clamped(x: i32, y: i32) -> vec2<u32> {
    return vec2<u32>(u32(clamp(x, 0, i32(nr.width) - 1)), u32(clamp(y, 0, i32(nr.height) - 1)));
}

fn current_at(x: i32, y: i32) -> vec3<f32> {
    let p = clamped(x, y);
    return decode_pixel(p.x, p.y).rgb;
}

fn history_at(x: i32, y: i32) -> vec3<f32> {
    let p = clamped(x, y);
    let i = (p.y * nr.width + p.x) * 2u;
    return vec4<f32>(unpack2x16float(history[i]), unpack2x16float(history[i + 1u])).rgb;
}

// The face / person mask at the pixel (nearest texel), 0..1.
fn protected_at(x: u32, y: u32) -> f32 {
    if nr.mask_present == 0u {
        return 0.0;
    }
    let size = textureDimensions(masks);
    let uv = (vec2<f32>(f32(x), f32(y)) + 0.5) / vec2<f32>(f32(nr.width), f32(nr.height));
    let t = min(vec2<u32>(uv * vec2<f32>(size)), size - 1u);
    let m = textureLoad(masks, t, 0);
    var p = 0.0;
    if (nr.mask_present & 1u) != 0u {
        p = max(p, m.r);
    }
    if (nr.mask_present & 2u) != 0u {
        p = max(p, m.b);
    }
    return p;
}

// The 6 x 3 window of pixels around four horizontally adjacent pixels
// (one invocation's), decoded once: the current frame, its luminance,
// and the history.
struct Window {
    now: array<vec3<f32>, 18>,
    past: array<vec3<f32>, 18>,
}

// Pixel `i` (0..3) of the invocation's four, from its window; see
// denoise_pixel in src/grade/denoise.rs.
fn denoise_pixel(w: ptr<function, Window>, i: u32, x: u32, y: u32) -> vec3<f32> {
    let c = (*w).now[6u + i + 1u];
    let level = nr.level;
    var spatial = c;
    var local_current = 0.0;
    var local_history = 0.0;
    var detail = 0.0;
    var sum = vec3<f32>(0.0);
    var total = 0.0;
    let range = 2.0 * level;
    for (var dy = 0u; dy < 3u; dy++) {
        for (var dx = 0u; dx < 3u; dx++) {
            let k = dy * 6u + i + dx;
            let n = (*w).now[k];
            let now = dot(n, LUMA);
            local_current += now;
            if SPATIAL == 1u {
                let d = n - c;
                let ox = f32(dx) - 1.0;
                let oy = f32(dy) - 1.0;
                let weight = exp(-(ox * ox + oy * oy) / 2.0 - dot(d, d) / (2.0 * range * range));
                sum += weight * n;
                total += weight;
            }
            if nr.has_history == 1u {
                let past = dot((*w).past[k], LUMA);
                local_history += past;
                detail = max(detail, abs(now - past));
            }
        }
    }
    if SPATIAL == 1u {
        spatial = c + (sum / total - c) * nr.spatial;
    }
    if nr.has_history == 0u || nr.temporal <= 0.0 {
        return spatial;
    }
    let h = (*w).past[6u + i + 1u];
    let d = abs(local_current / 9.0 - local_history / 9.0);
    let motion = max(
        smoothstep(MOTION_FROM * level, MOTION_TO * level, d),
        smoothstep(DETAIL_MOTION * level, 2.0 * DETAIL_MOTION * level, detail),
    );
    let weight = nr.temporal * MAX_HISTORY * (1.0 - motion) * (1.0 - nr.protect * protected_at(x, y));
    return spatial + (h - spatial) * weight;
}

// One invocation per four horizontally adjacent pixels: their 6 x 3
// window is read once (on a CPU rasteriser the reads and the
// per-invocation cost are most of the work).
@compute @workgroup_size(16, 8)
fn denoise(@builtin(global_invocation_id) id: vec3<u32>) {
    let x0 = id.x * 4u;
    let y = id.y;
    if x0 >= nr.width || y >= nr.height {
        return;
    }
    var w: Window;
    for (var row = 0u; row < 3u; row++) {
        for (var col = 0u; col < 6u; col++) {
            let x = i32(x0 + col) - 1;
            let yy = i32(y + row) - 1;
            w.now[row * 6u + col] = current_at(x, yy);
            if nr.has_history == 1u {
                w.past[row * 6u + col] = history_at(x, yy);
            }
        }
    }
    // Four call sites, not a loop: each pixel's window indices are then
    // constants, so the window can live in registers; indexed by a
    // variable, it is per-lane memory on a CPU rasteriser (lavapipe).
    store_denoised(denoise_pixel(&w, 0u, x0, y), x0, y);
    store_denoised(denoise_pixel(&w, 1u, x0 + 1u, y), x0 + 1u, y);
    store_denoised(denoise_pixel(&w, 2u, x0 + 2u, y), x0 + 2u, y);
    store_denoised(denoise_pixel(&w, 3u, x0 + 3u, y), x0 + 3u, y);
}

// Pixel (x, y)'s output as two half-float words, when it is in the picture.
fn store_denoised(out: vec3<f32>, x: u32, y: u32) {
    if x < nr.width {
        let p = (y * nr.width + x) * 2u;
        denoised[p] = pack2x16float(out.rg);
        denoised[p + 1u] = pack2x16float(vec2<f32>(out.b, decode_pixel(x, y).a));
    }
}
