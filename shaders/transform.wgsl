// Transforms: camera log curves, ACES encodings, display encodings (SDR and
// HDR), and the gamut matrices between them, for the scene-referred grade.
//
// How it works: each transfer function is a pair of WGSL functions chosen by
// a numeric id (Transfer::shader_code in src/grade/transfer.rs, whose CPU
// twins carry the citations: ARRI LogC3 2017 / LogC4 2022, Sony S-Log3 2014,
// Panasonic V-Log 2014, Canon Log 3 v1.2 2020, RED Log3G10 2017, ACES
// S-2016-001 / S-2014-003, IEC 61966-2-1, ITU-R BT.1886, SMPTE ST 2084 with
// ITU-R BT.2390's roll-off, ITU-R BT.2100 HLG, BT.2408 reference white). The
// input, working and output transfer ids are pipeline constants, so each
// pipeline holds one curve per role. LogC3's exposure-index parameters and
// both matrices come from uniforms. Composed with ingest.wgsl, grade.wgsl
// and pipeline.wgsl.

override INPUT_TRANSFER: u32 = 0u;
override OUTPUT_TRANSFER: u32 = 0u;
// 1: the display rendering is OpenColorIO's (ocio_display).
override OCIO_DISPLAY: u32 = 0u;
// The working space: 9 ACEScct, 10 ACEScc, 0 ACEScg (linear).
override WORKING_TRANSFER: u32 = 9u;

struct TransformParams {
    // camera RGB (linear) -> ACES AP1 linear, exposure gain folded in
    input_matrix: mat3x3<f32>,
    // ACES AP1 linear -> display RGB (linear)
    output_matrix: mat3x3<f32>,
    // ARRI LogC3 at the look's exposure index: cut, a, b, c / d, e, f, -
    logc3_cut_a_b_c: vec4<f32>,
    logc3_d_e_f: vec4<f32>,
}

@group(0) @binding(9) var<uniform> xf: TransformParams;

const LOG2_10 = 3.321928094887362;

fn log10v(x: vec3<f32>) -> vec3<f32> {
    return log2(x) / LOG2_10;
}

fn exp10v(x: vec3<f32>) -> vec3<f32> {
    return exp2(x * LOG2_10);
}

// Code value -> scene-linear, by transfer id.
fn transfer_decode(id: u32, v: vec3<f32>) -> vec3<f32> {
    switch id {
        // Linear
        case 0u: {
            return v;
        }
        // sRGB
        case 1u: {
            let a = abs(v);
            return sign(v) * select(pow((a + 0.055) / 1.055, vec3<f32>(2.4)), a / 12.92, a <= vec3<f32>(0.04045));
        }
        // BT.1886
        case 2u: {
            return sign(v) * pow(abs(v), vec3<f32>(2.4));
        }
        // Gamma 2.2
        case 13u: {
            return sign(v) * pow(abs(v), vec3<f32>(2.2));
        }
        // Gamma 2.6
        case 14u: {
            return sign(v) * pow(abs(v), vec3<f32>(2.6));
        }
        // ARRI LogC3
        case 3u: {
            let p = xf.logc3_cut_a_b_c;
            let q = xf.logc3_d_e_f;
            return select((v - q.z) / q.y, (exp10v((v - q.x) / p.w) - p.z) / p.y, v > vec3<f32>(q.y * p.x + q.z));
        }
        // ARRI LogC4
        case 4u: {
            let a = (262144.0 - 16.0) / 117.45;
            let b = (1023.0 - 95.0) / 1023.0;
            let c = 95.0 / 1023.0;
            let s = (7.0 * log(2.0) * exp2(7.0 - 14.0 * c / b)) / (a * b);
            let t = (exp2(14.0 * (-c / b) + 6.0) - 64.0) / a;
            return select(v * s + t, (exp2(14.0 * (v - c) / b + 6.0) - 64.0) / a, v >= vec3<f32>(0.0));
        }
        // Sony S-Log3
        case 5u: {
            let y = v * 1023.0;
            return select((y - 95.0) * 0.01125 / (171.2102946929 - 95.0), exp10v((y - 420.0) / 261.5) * 0.19 - 0.01, y >= vec3<f32>(171.2102946929));
        }
        // Panasonic V-Log
        case 6u: {
            return select(exp10v((v - 0.598206) / 0.241514) - 0.00873, (v - 0.125) / 5.6, v < vec3<f32>(0.181));
        }
        // Canon Log 3 v1.2
        case 7u: {
            let low = -(exp10v((0.12783901 - v) / 0.36726845) - 1.0) / 14.98325;
            let mid = (v - 0.12512219) / 1.9754798;
            let high = (exp10v((v - 0.12240537) / 0.36726845) - 1.0) / 14.98325;
            return 0.9 * select(select(high, mid, v <= vec3<f32>(0.15277891)), low, v < vec3<f32>(0.097465473));
        }
        // RED Log3G10
        case 8u: {
            return select((exp10v(v / 0.224282) - 1.0) / 155.975327 - 0.01, v / 15.1927 - 0.01, v < vec3<f32>(0.0));
        }
        // ACEScct
        case 9u: {
            let hi = (log2(65504.0) + 9.72) / 17.52;
            let lin = select(exp2(v * 17.52 - 9.72), (v - 0.0729055341958355) / 10.5402377416545, v <= vec3<f32>(0.155251141552511));
            return select(lin, vec3<f32>(65504.0), v >= vec3<f32>(hi));
        }
        // ACEScc
        default: {
            let hi = (log2(65504.0) + 9.72) / 17.52;
            let lin = select(exp2(v * 17.52 - 9.72), (exp2(v * 17.52 - 9.72) - exp2(-16.0)) * 2.0, v < vec3<f32>((9.72 - 15.0) / 17.52));
            return select(lin, vec3<f32>(65504.0), v >= vec3<f32>(hi));
        }
    }
}

// SMPTE ST 2084 inverse EOTF of luminance in cd/m² (constants: ST 2084
// section 5.3).
fn pq_encode_nits(nits: vec3<f32>) -> vec3<f32> {
    let y = pow(max(nits / 10000.0, vec3<f32>(0.0)), vec3<f32>(2610.0 / 16384.0));
    return pow((0.8359375 + 18.8515625 * y) / (1.0 + 18.6875 * y), vec3<f32>(78.84375));
}

// ITU-R BT.2390 EETF onto a 1000 cd/m² display: identity below the knee,
// Hermite spline above (CPU twin and rationale: transfer::bt2390_eetf).
fn bt2390_eetf(e: vec3<f32>) -> vec3<f32> {
    // pq_encode_nits(1000) and the knee 1.5 maxLum - 0.5.
    let max_lum = 0.751827096247041;
    let ks = 0.6277406443705615;
    let t = min((e - ks) / (1.0 - ks), vec3<f32>(1.0));
    let t2 = t * t;
    let t3 = t2 * t;
    let p = (2.0 * t3 - 3.0 * t2 + 1.0) * ks + (t3 - 2.0 * t2 + t) * (1.0 - ks) + (-2.0 * t3 + 3.0 * t2) * max_lum;
    return select(p, e, e <= vec3<f32>(ks));
}

// Scene- or display-linear -> code value, by transfer id (the outputs and
// the working spaces).
fn transfer_encode(id: u32, x: vec3<f32>) -> vec3<f32> {
    switch id {
        // Linear
        case 0u: {
            return x;
        }
        // sRGB
        case 1u: {
            let a = abs(x);
            return sign(x) * select(1.055 * pow(a, vec3<f32>(1.0 / 2.4)) - 0.055, a * 12.92, a <= vec3<f32>(0.0031308));
        }
        // ACEScct (S-2016-001)
        case 9u: {
            return select((log2(max(x, vec3<f32>(1e-30))) + 9.72) / 17.52, 10.5402377416545 * x + 0.0729055341958355, x <= vec3<f32>(0.0078125));
        }
        // ACEScc (S-2014-003)
        case 10u: {
            let toe = (log2(exp2(-16.0) + 0.5 * max(x, vec3<f32>(0.0))) + 9.72) / 17.52;
            return select((log2(max(x, vec3<f32>(1e-30))) + 9.72) / 17.52, toe, x < vec3<f32>(exp2(-15.0)));
        }
        // Rec. 2100 PQ: diffuse white at 203 cd/m² (BT.2408), BT.2390 roll-off
        case 11u: {
            return sign(x) * bt2390_eetf(pq_encode_nits(abs(x) * 203.0));
        }
        // Rec. 2100 HLG: diffuse white at 75% (BT.2408), BT.2100 table 5 OETF
        case 12u: {
            let e = abs(x) * 0.26496255978640015;
            let log_part = 0.17883277 * log(max(12.0 * e - 0.28466892, vec3<f32>(1e-30))) + 0.559910729529562;
            return sign(x) * select(log_part, sqrt(3.0 * e), e <= vec3<f32>(1.0 / 12.0));
        }
        // Gamma 2.2 (inverse)
        case 13u: {
            return sign(x) * pow(abs(x), vec3<f32>(1.0 / 2.2));
        }
        // Gamma 2.6 (inverse, SMPTE RP 431-2)
        case 14u: {
            return sign(x) * pow(abs(x), vec3<f32>(1.0 / 2.6));
        }
        // BT.1886 (inverse EOTF)
        default: {
            return sign(x) * pow(abs(x), vec3<f32>(1.0 / 2.4));
        }
    }
}

// The working space back out to the display: decode, then an OpenColorIO
// display rendering (ocio_display, composed after this module by
// src/gpu/display.rs) or AP1 to the display gamut and display encoding; or
// the look's display LUT.
fn scene_out(working: vec3<f32>) -> vec3<f32> {
    if DISPLAY_LUT_MODE != 0u {
        return apply_display_lut(working);
    }
    let linear = transfer_decode(WORKING_TRANSFER, working);
    if OCIO_DISPLAY == 1u {
        return ocio_display(vec4<f32>(linear, 1.0)).rgb;
    }
    return transfer_encode(OUTPUT_TRANSFER, xf.output_matrix * linear);
}
