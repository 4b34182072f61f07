// Grade: the colour operations, applied per pixel.
//
// How it works: `grade_pixel` runs the look on one R'G'B' value, reading it
// from a uniform block. Video mode: the linear-light primaries (exposure,
// or exposure + white balance + saturation as a matrix) through the sRGB
// curve, then the working-space operators on the display signal.
// Scene-referred (SCENE = 1): camera decode, the input matrix (gamut and
// linear-light primaries), the working-space encoding, the same operators,
// then the display transform (transform.wgsl). The working-space operators,
// in order: ASC CDL (slope/offset/power, saturation), contrast, lift/gamma/
// gain, creative LUT, then the mask-gated secondaries (apply_secondaries,
// which need the pixel's place: grade_pixel takes it as uv). Operators at
// identity are skipped with uniform branches (every lane takes the same
// path). Each function has a CPU twin of
// the same name in src/grade/reference.rs or src/grade/primary.rs; tests
// hold the two equal. Paired with src/gpu/grade.rs. Composed with
// ingest.wgsl, transform.wgsl and pipeline.wgsl.

// One LUT in `lut_table`: entry (r, g, b) of a 3D LUT is at
// base + (b * size + g) * size + r; a 1D LUT's entry i at base + i.
struct LutParams {
    domain_min: vec4<f32>,
    domain_max: vec4<f32>,
    // Entries are `code_min + code * code_step` per channel (see lut_table).
    code_min: vec4<f32>,
    code_step: vec4<f32>,
    size: u32,
    base: u32,
    _pad0: u32,
    _pad1: u32,
}

struct GradeParams {
    slope: vec4<f32>,
    offset: vec4<f32>,
    power: vec4<f32>,
    // The creative LUT, the display LUT, then the shapers in front of them.
    luts: array<LutParams, 4>,
    lift: vec4<f32>,
    gain: vec4<f32>,
    // 2^-gamma per channel: the lift/gamma/gain exponent.
    gamma_exponent: vec4<f32>,
    // 2^exposure_stops
    exposure_gain: f32,
    saturation: f32,
    // exposure_gain^(1/2.4)
    exposure_root: f32,
    // The encoded value below which exposure's result falls into the sRGB
    // encoding's linear toe: linear_to_srgb(0.0031308 / exposure_gain).
    exposure_knee: f32,
    // CDL clamp bounds: 0 and 1 (ASC CDL v1.2), or -/+ the largest float
    // (no-clamp style), so both run the same branch-free code.
    cdl_min: f32,
    cdl_max: f32,
    contrast: f32,
    pivot: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
    _pad3: f32,
}

// How the creative LUT is applied: 0 none, 1 3D tetrahedral, 2 3D
// trilinear, 3 1D (entries along x), 4 and 5 as 1 and 2 behind a 1D
// shaper. A pipeline constant, so without a LUT the code folds away (a CPU
// rasteriser would otherwise pay for it).
override LUT_MODE: u32 = 0u;
// The same for the display LUT (`[output] lut`), which replaces the output
// transform of a scene-referred look.
override DISPLAY_LUT_MODE: u32 = 0u;

// 0: video mode (the display signal is graded as it is), 1: scene-referred
// (camera decode -> ACES AP1 -> ACEScct working space -> display; transform.wgsl).
override SCENE: u32 = 0u;

// Operators whose identity would still cost a pow per channel and pixel are
// switched by pipeline constants rather than uniform flags: a CPU
// rasteriser runs both sides of a branch it cannot prove uniform.
// 1: the CDL power is not (1, 1, 1).
override CDL_POWER: u32 = 1u;
// Contrast and lift/gamma/gain: 0 all neutral, 1 without gamma (straight
// lines only), 2 with gamma.
override LOG_PRIMARIES: u32 = 0u;
// Video mode: 1 when the linear-light primaries are a matrix (white balance
// or saturation set; in the transform uniforms' input_matrix), 0 when they
// are the exposure gain alone.
override VIDEO_MATRIX: u32 = 0u;
// 1 when a video-mode look's exposure is not 0 (and its other linear-light
// primaries neutral). A pipeline constant rather than a test of the
// uniform: no branch in the kernels tests a value that moves with the look,
// because Mesa's lavapipe compiles a kernel again for each new value of a
// uniform a branch tests, keeping every variant (~250 KB a look change,
// tests/memory.rs).
override EXPOSURE: u32 = 0u;

// One secondary's HSL qualifier (src/grade/qualifier.rs).
struct Qualifier {
    // The hue arc's ends and ramp in turns, 1 when an arc is set.
    hue: vec4<f32>,
    // Saturation low and high, luma low and high.
    ranges: vec4<f32>,
    // The saturation and luma ramps; 1 when the qualifier narrows the
    // secondary; 1 when it is inverted (`person - qualifier`).
    soft_flags: vec4<f32>,
}

// One secondary's correction (src/grade/secondary.rs): gain with exposure
// folded in (rgb) and saturation (w).
struct Secondaries {
    gain_saturation: array<vec4<f32>, 4>,
    // The weights grid's width and height (x, y), the soften taps' spacing
    // in pixels (z).
    weights_size: vec4<u32>,
    // Per secondary: 1 when it is keyed from the masks, 0 when its mask is
    // the whole picture (`mask = "qualifier"`: it needs no analysis) ...
    from_masks: vec4<f32>,
    // ... and then its weight (1, or 0 when inverted or off).
    whole: vec4<f32>,
    // Each secondary's skin smoothing strength (`soften`, filters.wgsl).
    soften: vec4<f32>,
    // [atmosphere]: the haze colour in the working space's linear light
    // (rgb), the widest defocus tap spacing in pixels (w).
    haze: vec4<f32>,
    qualifiers: array<Qualifier, 4>,
    // Each secondary's matte refinement amount (`refine`, refine.rs).
    refine: vec4<f32>,
}

// The number of `[[secondary]]` tables in the look (0 folds them away).
override SECONDARIES: u32 = 0u;
// 1 when a secondary has a qualifier (0 folds the per-pixel keying away).
override QUALIFIERS: u32 = 0u;
// 1 when the look has an [atmosphere] (haze and defocus by depth).
override ATMOSPHERE: u32 = 0u;
// Which secondaries refine their mattes, a bit each (0 folds the
// refinement away).
override REFINE: u32 = 0u;

@group(0) @binding(2) var<uniform> look: GradeParams;
@group(0) @binding(10) var<uniform> secondaries: Secondaries;
// Each secondary's weight on the analysis masks' grid, secondary i in
// channel i of an RGBA8 texture (the keying pass, masks.wgsl); one zero
// texel without analysis. Textures, not storage buffers: every pixel reads
// four texels, and on a CPU rasteriser a storage buffer read at a
// per-pixel index is a gather lane by lane (two secondaries at 1080p on
// lavapipe: 92 -> 55 ms a frame).
@group(0) @binding(11) var secondary_weights: texture_2d<f32>;
// The haze (R) and defocus (G) amounts on the same grid (the keying pass,
// masks.wgsl); one zero texel without analysis.
@group(0) @binding(12) var atmosphere_grid: texture_2d<f32>;
// The matte refinement's coefficients on the same grid: layer s holds
// secondary s's (a.rgb, b), refine_average's output in masks.wgsl; one
// zero texel without refinement.
@group(0) @binding(13) var refine_grid: texture_2d_array<f32>;
// The creative LUT (one entry when there is none) then the display LUT, red
// index fastest, each entry packed into two words: red and green in 21 bits, blue in 22, over
// the table's own range per channel (src/gpu/pipeline.rs, `pack_lut`). A
// storage buffer rather than a 3D texture: buffer reads are far cheaper on a
// CPU rasteriser, and two words an entry halve them again, while the codes
// keep the table to within 2^-21 of its range (about 5e-7 for a 0-1 LUT).
@group(0) @binding(8) var<storage, read> lut_table: array<vec2<u32>>;

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
    if CDL_POWER == 1u {
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

// Contrast around a pivot in the working space: (v - pivot) * contrast +
// pivot. CPU twin: primary::apply_contrast.
fn apply_contrast(rgb: vec3<f32>) -> vec3<f32> {
    return (rgb - vec3<f32>(look.pivot)) * look.contrast + vec3<f32>(look.pivot);
}

// Lift/gamma/gain: (gain (v + lift (1 - v)))^(2^-gamma), odd-symmetric
// below 0. CPU twin: primary::apply_lift_gamma_gain.
fn apply_lift_gamma_gain(rgb: vec3<f32>) -> vec3<f32> {
    let v = look.gain.rgb * (rgb + look.lift.rgb * (1.0 - rgb));
    if LOG_PRIMARIES != 2u {
        return v;
    }
    return sign(v) * pow(abs(v), look.gamma_exponent.rgb);
}

// The working-space operators after the CDL's slope/offset/power.
fn grade_after_sop(rgb: vec3<f32>) -> vec3<f32> {
    var graded = apply_saturation(rgb);
    if LOG_PRIMARIES != 0u {
        graded = apply_lift_gamma_gain(apply_contrast(graded));
    }
    return apply_lut(graded);
}

// The grade is a per-channel part (each output channel depends only on the
// same input channel) followed by a part that mixes channels. Splitting them
// lets 8-bit input use a 256-entry table of the first part (pipeline.wgsl).
fn grade_channels(rgb: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        // Scene-referred: the per-channel part is the camera decode.
        return transfer_decode(INPUT_TRANSFER, rgb);
    }
    if VIDEO_MATRIX == 1u {
        // With grade_mix, reference::apply_linear_primaries.
        return srgb_to_linear(rgb);
    }
    var graded = rgb;
    if EXPOSURE == 1u {
        graded = apply_exposure(graded, look.exposure_gain);
    }
    return apply_sop(graded);
}

// The channel-mixing part up to the graded working-space value.
fn grade_mix_working(rgb: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        // Camera linear -> AP1 (linear-light primaries folded in) -> the
        // working space, grade.
        let working = transfer_encode(WORKING_TRANSFER, xf.input_matrix * rgb);
        return grade_after_sop(apply_sop(working));
    }
    if VIDEO_MATRIX == 1u {
        return grade_after_sop(apply_sop(linear_to_srgb(xf.input_matrix * rgb)));
    }
    return grade_after_sop(rgb);
}

// The graded working-space value out to the display (video mode: it is).
fn display_out(working: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        return scene_out(working);
    }
    return working;
}

fn grade_mix(rgb: vec3<f32>) -> vec3<f32> {
    return display_out(grade_mix_working(rgb));
}

// The working space's encoding and its luminance weights: the display's
// sRGB curve and Rec. 709 in video mode, the working curve and ACES AP1
// (S-2014-004's AP1 to XYZ Y row) for scene-referred looks.
fn working_to_linear(v: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        return transfer_decode(WORKING_TRANSFER, v);
    }
    return srgb_to_linear(v);
}

fn linear_to_working(v: vec3<f32>) -> vec3<f32> {
    if SCENE == 1u {
        return transfer_encode(WORKING_TRANSFER, v);
    }
    return linear_to_srgb(v);
}

const AP1_LUMA = vec3<f32>(0.2722287, 0.6740818, 0.0536895);

// The secondaries' weights at `uv`, bilinear between the grid's texel
// centres with clamped edges. CPU twin: SecondaryWeights::at.
fn weights_at(uv: vec2<f32>) -> vec4<f32> {
    let t = bilinear_taps(uv, vec2<i32>(secondaries.weights_size.xy));
    return bilinear_mix(
        t,
        textureLoad(secondary_weights, t.lo, 0),
        textureLoad(secondary_weights, vec2<i32>(t.hi.x, t.lo.y), 0),
        textureLoad(secondary_weights, vec2<i32>(t.lo.x, t.hi.y), 0),
        textureLoad(secondary_weights, t.hi, 0),
    );
}

// Secondary s's refinement coefficients (a.rgb, b) at `uv`, bilinear
// like weights_at. CPU twin: RefineGrid::at.
fn refine_at(uv: vec2<f32>, s: u32) -> vec4<f32> {
    let t = bilinear_taps(uv, vec2<i32>(secondaries.weights_size.xy));
    return bilinear_mix(
        t,
        textureLoad(refine_grid, t.lo, s, 0),
        textureLoad(refine_grid, vec2<i32>(t.hi.x, t.lo.y), s, 0),
        textureLoad(refine_grid, vec2<i32>(t.lo.x, t.hi.y), s, 0),
        textureLoad(refine_grid, t.hi, s, 0),
    );
}

// The secondaries' keyed weights at a pixel whose camera code value is
// `guide`: the keyed masks at `uv`, each moved onto the picture's edges by
// its refine amount (the guided filter's a . guide + b), or the
// whole-picture weight. CPU twin: MaskedPixel::keyed.
fn mask_weights(uv: vec2<f32>, guide: vec3<f32>) -> vec4<f32> {
    var keyed = weights_at(uv);
    if REFINE != 0u {
        // Each refining secondary's a . guide + b (a secondary that does
        // not refine keeps its key: its amount is 0). Which ones refine is
        // a pipeline constant, so the others' reads fold away.
        let g = vec4<f32>(guide, 1.0);
        var fitted = keyed;
        if (REFINE & 1u) != 0u {
            fitted.x = dot(refine_at(uv, 0u), g);
        }
        if (REFINE & 2u) != 0u {
            fitted.y = dot(refine_at(uv, 1u), g);
        }
        if (REFINE & 4u) != 0u {
            fitted.z = dot(refine_at(uv, 2u), g);
        }
        if (REFINE & 8u) != 0u {
            fitted.w = dot(refine_at(uv, 3u), g);
        }
        keyed = keyed + (clamp(fitted, vec4<f32>(0.0), vec4<f32>(1.0)) - keyed) * secondaries.refine;
    }
    return keyed * secondaries.from_masks + secondaries.whole;
}

// The haze and defocus amounts at `uv`, bilinear like weights_at. CPU twin:
// AtmosphereGrid::at.
fn atmosphere_at(uv: vec2<f32>) -> vec2<f32> {
    let t = bilinear_taps(uv, vec2<i32>(secondaries.weights_size.xy));
    return bilinear_mix(
        t,
        textureLoad(atmosphere_grid, t.lo, 0),
        textureLoad(atmosphere_grid, vec2<i32>(t.hi.x, t.lo.y), 0),
        textureLoad(atmosphere_grid, vec2<i32>(t.lo.x, t.hi.y), 0),
        textureLoad(atmosphere_grid, t.hi, 0),
    ).xy;
}

// Haze by depth on a graded working-space value: mixed towards the haze
// colour by its amount, in linear light. CPU twin: Grader::haze.
fn apply_haze(graded: vec3<f32>, uv: vec2<f32>) -> vec3<f32> {
    let amount = atmosphere_at(uv).x;
    if amount == 0.0 {
        return graded;
    }
    let linear = working_to_linear(graded);
    return linear_to_working(linear + (secondaries.haze.rgb - linear) * amount);
}

// Gain (exposure folded in), then saturation around luminance, in linear
// light. CPU twin: secondary::secondary_linear.
fn secondary_linear(rgb: vec3<f32>, gain: vec3<f32>, saturation: f32, luma: vec3<f32>) -> vec3<f32> {
    let lit = rgb * gain;
    let y = dot(lit, luma);
    return vec3<f32>(y) + saturation * (lit - vec3<f32>(y));
}

// Hexcone hue (turns) and saturation ((max - min) / max) of an R'G'B'
// value; a grey's hue is 0. CPU twin: qualifier::hue_saturation.
fn hue_saturation(rgb: vec3<f32>) -> vec2<f32> {
    let high = max(max(rgb.r, rgb.g), rgb.b);
    let low = min(min(rgb.r, rgb.g), rgb.b);
    let chroma = high - low;
    let c = max(chroma, 1e-20);
    let sextant = select(
        select((rgb.r - rgb.g) / c + 4.0, (rgb.b - rgb.r) / c + 2.0, high == rgb.g),
        (rgb.g - rgb.b) / c,
        high == rgb.r,
    );
    let hue = select(0.0, fract(sextant / 6.0 + 1.0), chroma > 0.0);
    let saturation = select(0.0, clamp(chroma / high, 0.0, 1.0), high > 0.0);
    return vec2<f32>(hue, saturation);
}

// 1 inside lo..hi, falling to 0 over `soft` outside each edge.
fn range_weight(v: f32, lo: f32, hi: f32, soft: f32) -> f32 {
    return clamp((v - lo) / soft + 1.0, 0.0, 1.0) * clamp((hi - v) / soft + 1.0, 0.0, 1.0);
}

// 1 on the arc from `start` round to `end` (turns), falling to 0 over
// `soft` beyond either end.
fn arc_weight(hue: f32, start: f32, end: f32, soft: f32) -> f32 {
    let width = fract(end - start);
    let d = fract(hue - start);
    let outside = min(d - width, 1.0 - d);
    return select(clamp(1.0 - outside / soft, 0.0, 1.0), 1.0, d <= width);
}

// Below this saturation a hue arc fades out (qualifier::HUE_FADE_SATURATION).
const HUE_FADE_SATURATION: f32 = 0.05;

// The HSL key of a working-space value. CPU twin: Qualifier::weight.
fn qualifier_weight(rgb: vec3<f32>, q: Qualifier, luma_weights: vec3<f32>) -> f32 {
    let hs = hue_saturation(rgb);
    let luma = dot(rgb, luma_weights);
    let arc = arc_weight(hs.x, q.hue.x, q.hue.y, q.hue.z) * clamp(hs.y / HUE_FADE_SATURATION, 0.0, 1.0);
    let in_hue = select(1.0, arc, q.hue.w == 1.0);
    return in_hue * range_weight(hs.y, q.ranges.x, q.ranges.y, q.soft_flags.x) * range_weight(luma, q.ranges.z, q.ranges.w, q.soft_flags.y);
}

// Each secondary's weight at a pixel: its keyed masks at `uv` (or its
// whole-picture weight), narrowed by its qualifier on the graded value.
// CPU twin: Grader::secondary_weights.
fn weights_of(graded: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec4<f32> {
    // Arithmetic rather than a select on the uniforms (in mask_weights):
    // Mesa's lavapipe (LLVM 15) crashed running the select form.
    var weights = mask_weights(uv, guide);
    if QUALIFIERS == 1u {
        let luma = select(REC709_LUMA, AP1_LUMA, SCENE == 1u);
        for (var i = 0u; i < 4u; i++) {
            let q = secondaries.qualifiers[i];
            let key = qualifier_weight(graded, q, luma);
            let keyed = select(key, 1.0 - key, q.soft_flags.w == 1.0);
            weights[i] = weights[i] * select(1.0, keyed, q.soft_flags.z == 1.0);
        }
    }
    return weights;
}

// The secondaries in order on a graded working-space value at `uv` (0..1
// over the picture): each mixes its correction in by its weight, in linear
// light; a pixel no secondary weighs is left exactly as it is. CPU twin:
// Grader::secondaries in src/grade/reference.rs.
fn apply_secondaries(graded: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    let weights = weights_of(graded, uv, guide);
    if all(weights == vec4<f32>(0.0)) {
        return graded;
    }
    let luma = select(REC709_LUMA, AP1_LUMA, SCENE == 1u);
    var linear = working_to_linear(graded);
    for (var i = 0u; i < SECONDARIES; i++) {
        let s = secondaries.gain_saturation[i];
        linear = linear + (secondary_linear(linear, s.rgb, s.w, luma) - linear) * weights[i];
    }
    return linear_to_working(linear);
}

// The grade of the per-channel part's output at `uv`, secondaries and haze
// included; `guide` is the pixel's camera code value (matte refinement).
fn grade_mix_at(rgb: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    if SECONDARIES == 0u && ATMOSPHERE == 0u {
        return grade_mix(rgb);
    }
    return grade_finish(grade_mix_working(rgb), uv, guide);
}

// A graded working-space value at `uv` to the display: the secondaries,
// the haze, then display_out. CPU twin: Grader::finishing.
fn grade_finish(graded: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    return display_out(secondaries_and_haze(graded, uv, guide));
}

// The secondaries and the haze at `uv` on a graded working-space value.
// CPU twin: Grader::secondaries_and_haze.
fn secondaries_and_haze(graded: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    var working = graded;
    if SECONDARIES > 0u {
        working = apply_secondaries(working, uv, guide);
    }
    if ATMOSPHERE == 1u {
        working = apply_haze(working, uv);
    }
    return working;
}

// A table entry's three codes from its two words: red and green in 21
// bits, blue in 22 (`pack_lut` in src/gpu/grade.rs).
fn unpack_codes(w: vec2<u32>) -> vec3<u32> {
    return vec3<u32>(w.x & 0x1fffffu, (w.x >> 21u) | ((w.y & 0x3ffu) << 11u), w.y >> 10u);
}

fn lut_at(l: LutParams, r: u32, g: u32, b: u32) -> vec3<f32> {
    let code = unpack_codes(lut_table[l.base + (b * l.size + g) * l.size + r]);
    return l.code_min.rgb + vec3<f32>(code) * l.code_step.rgb;
}

// The tetrahedron of a lattice cell that holds a point `d` (its fractions
// from the low corner `lo`): its two inner corners and the weights of the
// low corner, those two and the high corner. Chosen by the order of the
// fractional parts (the same six cases as ffmpeg's lut3d and
// Lut3d::apply), without branches: on a SIMD rasteriser every branch would
// run for every lane. From the low corner the path steps along the axis of
// the largest fraction, then the middle one, to the high corner. Where
// fractions tie, the vertex that becomes ambiguous has weight zero, so
// either choice is exact.
struct Tetrahedron {
    p1: vec3<u32>,
    p2: vec3<u32>,
    weights: vec4<f32>,
}

fn tetrahedron(lo: vec3<u32>, hi: vec3<u32>, d: vec3<f32>) -> Tetrahedron {
    let d_max = max(max(d.x, d.y), d.z);
    let d_min = min(min(d.x, d.y), d.z);
    let d_mid = d.x + d.y + d.z - d_max - d_min;
    return Tetrahedron(
        select(lo, hi, d == vec3<f32>(d_max)),
        select(hi, lo, d == vec3<f32>(d_min)),
        vec4<f32>(1.0 - d_max, d_max - d_mid, d_mid - d_min, d_min),
    );
}

// The creative LUT, in the working space.
fn apply_lut(rgb: vec3<f32>) -> vec3<f32> {
    return shaped_lut(rgb, look.luts[0], look.luts[2], LUT_MODE);
}

// The display LUT: working space in, display code values out.
fn apply_display_lut(rgb: vec3<f32>) -> vec3<f32> {
    return shaped_lut(rgb, look.luts[1], look.luts[3], DISPLAY_LUT_MODE);
}

// A LUT in any `mode`: modes 4 and 5 run the shaper (a 1D LUT) first, then
// the 3D LUT as modes 1 and 2. CPU twin: Lut3d::apply.
fn shaped_lut(rgb: vec3<f32>, l: LutParams, shaper: LutParams, mode: u32) -> vec3<f32> {
    if mode >= 4u {
        return sample_lut(sample_lut(rgb, shaper, 3u), l, mode - 3u);
    }
    return sample_lut(rgb, l, mode);
}

// A LUT in `mode` (see LUT_MODE): tetrahedral or trilinear interpolation of
// a 3D LUT, or linear interpolation of a 1D LUT, over its domain. The cell
// and the tetrahedron are chosen as in ffmpeg's lut3d filter; CPU twin:
// Lut3d::apply / Lut1d::apply in src/grade/lut.rs.
fn sample_lut(rgb: vec3<f32>, l: LutParams, mode: u32) -> vec3<f32> {
    if mode == 0u {
        return rgb;
    }
    let last = f32(l.size - 1u);
    let scaled = (rgb - l.domain_min.rgb) / (l.domain_max.rgb - l.domain_min.rgb) * last;
    let s = select(clamp(scaled, vec3<f32>(0.0), vec3<f32>(last)), vec3<f32>(0.0), scaled != scaled);
    if mode == 3u {
        let i = min(vec3<u32>(s), vec3<u32>(l.size - 2u));
        let t = s - vec3<f32>(i);
        return vec3<f32>(
            mix(lut_at(l, i.x, 0u, 0u).r, lut_at(l, i.x + 1u, 0u, 0u).r, t.x),
            mix(lut_at(l, i.y, 0u, 0u).g, lut_at(l, i.y + 1u, 0u, 0u).g, t.y),
            mix(lut_at(l, i.z, 0u, 0u).b, lut_at(l, i.z + 1u, 0u, 0u).b, t.z),
        );
    }
    let lo = vec3<u32>(s);
    let hi = min(lo + 1u, vec3<u32>(l.size - 1u));
    let d = s - vec3<f32>(lo);
    let c000 = lut_at(l, lo.x, lo.y, lo.z);
    let c111 = lut_at(l, hi.x, hi.y, hi.z);
    if mode == 2u {
        let x00 = mix(c000, lut_at(l, hi.x, lo.y, lo.z), d.x);
        let x10 = mix(lut_at(l, lo.x, hi.y, lo.z), lut_at(l, hi.x, hi.y, lo.z), d.x);
        let x01 = mix(lut_at(l, lo.x, lo.y, hi.z), lut_at(l, hi.x, lo.y, hi.z), d.x);
        let x11 = mix(lut_at(l, lo.x, hi.y, hi.z), c111, d.x);
        return mix(mix(x00, x10, d.y), mix(x01, x11, d.y), d.z);
    }
    let t = tetrahedron(lo, hi, d);
    return t.weights.x * c000 + t.weights.y * lut_at(l, t.p1.x, t.p1.y, t.p1.z) + t.weights.z * lut_at(l, t.p2.x, t.p2.y, t.p2.z) + t.weights.w * c111;
}

fn grade_pixel(rgb: vec3<f32>, uv: vec2<f32>, guide: vec3<f32>) -> vec3<f32> {
    return grade_mix_at(grade_channels(rgb), uv, guide);
}
