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
    lut_domain_min: vec4<f32>,
    lut_domain_max: vec4<f32>,
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
    lut_size: u32,
    // CDL clamp bounds: 0 and 1 (ASC CDL v1.2), or -/+ the largest float
    // (no-clamp style), so both run the same branch-free code.
    cdl_min: f32,
    cdl_max: f32,
}

// How the creative LUT is applied: 0 none, 1 3D tetrahedral, 2 3D
// trilinear, 3 1D (entries along x). A pipeline constant, so without a LUT
// the code folds away (a CPU rasteriser would otherwise pay for it).
override LUT_MODE: u32 = 0u;

// 0: video mode (the display signal is graded as it is), 1: scene-referred
// (camera decode -> ACES AP1 -> ACEScct working space -> display; transform.wgsl).
override SCENE: u32 = 0u;

@group(0) @binding(2) var<uniform> look: GradeParams;
// The creative LUT, red index fastest (one entry when there is none). A
// storage buffer rather than a 3D texture: exact texel reads either way, and
// buffer reads are far cheaper on a CPU rasteriser.
@group(0) @binding(8) var<storage, read> lut_table: array<vec4<f32>>;

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

// ASC CDL v1.2, per channel: clamp(in * slope + offset, 0, 1)^power. In the
// no-clamp style (OpenColorIO's CDL "noclamp") nothing is clipped and
// negative values pass the power unchanged.
fn apply_sop(rgb: vec3<f32>) -> vec3<f32> {
    var sop = clamp(rgb * look.slope.rgb + look.offset.rgb, vec3<f32>(look.cdl_min), vec3<f32>(look.cdl_max));
    if look.power_is_identity == 0u {
        sop = select(sop, pow(abs(sop), look.power.rgb), sop >= vec3<f32>(0.0));
    }
    return sop;
}

// ASC CDL v1.2 saturation around Rec. 709 luma, clamped like the SOP.
fn apply_saturation(rgb: vec3<f32>) -> vec3<f32> {
    let luma = dot(rgb, REC709_LUMA);
    let sat = vec3<f32>(luma) + look.saturation * (rgb - vec3<f32>(luma));
    return clamp(sat, vec3<f32>(look.cdl_min), vec3<f32>(look.cdl_max));
}

// The grade is a per-channel part (each output channel depends only on the
// same input channel) followed by a part that mixes channels. Splitting them
// lets 8-bit input use a 256-entry table of the first part (pipeline.wgsl).
fn grade_channels(rgb: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        // Scene-referred: the per-channel part is the camera decode.
        return transfer_decode(INPUT_TRANSFER, rgb);
    }
    var graded = rgb;
    if look.exposure_gain != 1.0 {
        graded = apply_exposure(graded, look.exposure_gain);
    }
    return apply_sop(graded);
}

fn grade_mix(rgb: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        // Camera linear -> AP1 (exposure folded in) -> ACEScct, grade, out.
        let working = acescct_encode(xf.input_matrix * rgb);
        return scene_out(apply_lut(apply_saturation(apply_sop(working))));
    }
    return apply_lut(apply_saturation(rgb));
}

fn lut_at(r: u32, g: u32, b: u32) -> vec3<f32> {
    return lut_table[(b * look.lut_size + g) * look.lut_size + r].rgb;
}

// The creative LUT: tetrahedral or trilinear interpolation of a 3D LUT, or
// linear interpolation of a 1D LUT, over its domain. The cell and the
// tetrahedron are chosen as in ffmpeg's lut3d filter; CPU twin:
// Lut3d::apply / Lut1d::apply in src/grade/lut.rs.
fn apply_lut(rgb: vec3<f32>) -> vec3<f32> {
    if LUT_MODE == 0u {
        return rgb;
    }
    let last = f32(look.lut_size - 1u);
    let scaled = (rgb - look.lut_domain_min.rgb) / (look.lut_domain_max.rgb - look.lut_domain_min.rgb) * last;
    let s = select(clamp(scaled, vec3<f32>(0.0), vec3<f32>(last)), vec3<f32>(0.0), scaled != scaled);
    if LUT_MODE == 3u {
        let i = min(vec3<u32>(s), vec3<u32>(look.lut_size - 2u));
        let t = s - vec3<f32>(i);
        return vec3<f32>(
            mix(lut_at(i.x, 0u, 0u).r, lut_at(i.x + 1u, 0u, 0u).r, t.x),
            mix(lut_at(i.y, 0u, 0u).g, lut_at(i.y + 1u, 0u, 0u).g, t.y),
            mix(lut_at(i.z, 0u, 0u).b, lut_at(i.z + 1u, 0u, 0u).b, t.z),
        );
    }
    let lo = vec3<u32>(s);
    let hi = min(lo + 1u, vec3<u32>(look.lut_size - 1u));
    let d = s - vec3<f32>(lo);
    let c000 = lut_at(lo.x, lo.y, lo.z);
    let c111 = lut_at(hi.x, hi.y, hi.z);
    if LUT_MODE == 2u {
        let x00 = mix(c000, lut_at(hi.x, lo.y, lo.z), d.x);
        let x10 = mix(lut_at(lo.x, hi.y, lo.z), lut_at(hi.x, hi.y, lo.z), d.x);
        let x01 = mix(lut_at(lo.x, lo.y, hi.z), lut_at(hi.x, lo.y, hi.z), d.x);
        let x11 = mix(lut_at(lo.x, hi.y, hi.z), c111, d.x);
        return mix(mix(x00, x10, d.y), mix(x01, x11, d.y), d.z);
    }
    // The tetrahedron is chosen by the order of the fractional parts, the
    // same six cases as ffmpeg's lut3d (and Lut3d::apply), but without
    // branches: on a SIMD rasteriser every branch would run for every lane.
    // `first` and `second` are the axes of the largest and middle fraction.
    let xy = d.x > d.y;
    let yz = d.y > d.z;
    let xz = d.x > d.z;
    let zy = d.z > d.y;
    let zx = d.z > d.x;
    let first = select(select(1u, 2u, zy), select(2u, 0u, yz || xz), xy);
    let second = select(select(select(0u, 2u, zx), 1u, zy), select(select(0u, 2u, xz), 1u, yz), xy);
    let axes = vec3<u32>(0u, 1u, 2u);
    let e1 = axes == vec3<u32>(first);
    let e2 = e1 | (axes == vec3<u32>(second));
    let d1 = dot(d, select(vec3<f32>(0.0), vec3<f32>(1.0), e1));
    let d2 = dot(d, select(vec3<f32>(0.0), vec3<f32>(1.0), axes == vec3<u32>(second)));
    let d3 = dot(d, select(vec3<f32>(0.0), vec3<f32>(1.0), !e2));
    let p1 = select(lo, hi, e1);
    let p2 = select(lo, hi, e2);
    return (1.0 - d1) * c000 + (d1 - d2) * lut_at(p1.x, p1.y, p1.z) + (d2 - d3) * lut_at(p2.x, p2.y, p2.z) + d3 * c111;
}

fn grade_pixel(rgb: vec3<f32>) -> vec3<f32> {
    return grade_mix(grade_channels(rgb));
}
