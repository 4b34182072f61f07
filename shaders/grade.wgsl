// Grade: the colour operations, applied per pixel.
//
// How it works: `grade_pixel` applies exposure (in linear light through the
// sRGB curve) and the ASC CDL to one R'G'B' value, reading the look from a
// uniform block. Operators at identity are skipped (uniform branches, so
// every lane takes the same path). Each function has a CPU twin of the same
// name in src/grade/reference.rs; tests hold the two equal. Paired with
// src/gpu/grade.rs. Composed with ingest.wgsl and pipeline.wgsl.

struct GradeParams {
    slope: vec4<f32>,
    offset: vec4<f32>,
    power: vec4<f32>,
    // 2^exposure_stops
    exposure_gain: f32,
    saturation: f32,
    // 1 when power is (1, 1, 1): the pow is skipped.
    power_is_identity: u32,
    // exposure_gain^(1/2.4)
    exposure_root: f32,
    // The encoded value below which exposure's result falls into the sRGB
    // encoding's linear toe: linear_to_srgb(0.0031308 / exposure_gain).
    exposure_knee: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

@group(0) @binding(2) var<uniform> look: GradeParams;

// Rec. 709 luma weights (ITU-R BT.709-6 item 3.3), as ASC CDL v1.2 specifies.
const REC709_LUMA = vec3<f32>(0.2126, 0.7152, 0.0722);

// sRGB decode, IEC 61966-2-1:1999 section 4.2, odd-symmetric for negatives.
fn srgb_to_linear(v: vec3<f32>) -> vec3<f32> {
    let a = abs(v);
    let lin = select(pow((a + 0.055) / 1.055, vec3<f32>(2.4)), a / 12.92, a <= vec3<f32>(0.04045));
    return sign(v) * lin;
}

// sRGB encode, IEC 61966-2-1:1999 section 5.2.
fn linear_to_srgb(v: vec3<f32>) -> vec3<f32> {
    let a = abs(v);
    let enc = select(1.055 * pow(a, vec3<f32>(1.0 / 2.4)) - 0.055, a * 12.92, a <= vec3<f32>(0.0031308));
    return sign(v) * enc;
}

// Exposure on an sRGB-encoded value: linear_to_srgb(gain * srgb_to_linear(v)),
// computed in a form that needs no pow for most values. Where the input is
// above the decoding's toe (0.04045) and the result above the encoding's toe
// (input above `exposure_knee`), the 2.4 powers of IEC 61966-2-1 cancel:
// 1.055 * (gain * ((v + 0.055) / 1.055)^2.4)^(1/2.4) - 0.055
//   = gain^(1/2.4) * (v + 0.055) - 0.055.
// Below both toes it is gain * v. Only the two mixed cases take one pow.
fn apply_exposure(rgb: vec3<f32>, gain: f32) -> vec3<f32> {
    let a = abs(rgb);
    let above_toe = a > vec3<f32>(0.04045);
    let above_knee = a > vec3<f32>(look.exposure_knee);
    let same = select(gain * a, look.exposure_root * (a + 0.055) - 0.055, above_toe);
    // Decoded by the power segment but encoded by the linear toe (dark values
    // pushed down), or the other way round (pushed up): one pow.
    let t = pow(select(gain * a / 12.92, (a + 0.055) / 1.055, above_toe), select(vec3<f32>(1.0 / 2.4), vec3<f32>(2.4), above_toe));
    let mixed = select(1.055 * t - 0.055, 12.92 * gain * t, above_toe);
    return sign(rgb) * select(same, mixed, above_toe != above_knee);
}

// ASC CDL v1.2, per channel: clamp(in * slope + offset, 0, 1)^power.
fn apply_sop(rgb: vec3<f32>) -> vec3<f32> {
    var sop = clamp(rgb * look.slope.rgb + look.offset.rgb, vec3<f32>(0.0), vec3<f32>(1.0));
    if look.power_is_identity == 0u {
        sop = pow(sop, look.power.rgb);
    }
    return sop;
}

// ASC CDL v1.2 saturation around Rec. 709 luma, clamped to [0, 1].
fn apply_saturation(rgb: vec3<f32>) -> vec3<f32> {
    let luma = dot(rgb, REC709_LUMA);
    return clamp(vec3<f32>(luma) + look.saturation * (rgb - vec3<f32>(luma)), vec3<f32>(0.0), vec3<f32>(1.0));
}

// The grade is a per-channel part (each output channel depends only on the
// same input channel) followed by a part that mixes channels. Splitting them
// lets 8-bit input use a 256-entry table of the first part (pipeline.wgsl).
fn grade_channels(rgb: vec3<f32>) -> vec3<f32> {
    var graded = rgb;
    if look.exposure_gain != 1.0 {
        graded = apply_exposure(graded, look.exposure_gain);
    }
    return apply_sop(graded);
}

fn grade_mix(rgb: vec3<f32>) -> vec3<f32> {
    return apply_saturation(rgb);
}

fn grade_pixel(rgb: vec3<f32>) -> vec3<f32> {
    return grade_mix(grade_channels(rgb));
}
