//! Transfer functions: camera log curves, ACES log encodings and display
//! encodings, each as `decode` (code value -> scene-linear, 0.18 = mid grey)
//! and `encode` (the inverse).
//!
//! How it works: one [`Transfer`] value per curve, with the constants of the
//! manufacturer's white paper or the ACES specification it cites; `decode`
//! and `encode` are plain f32 maths in f64 internally (so the CPU reference
//! is more exact than the GPU it checks). Code values are normalised full
//! range (0 to 1), as an image file or a graded frame holds them.

/// ARRI LogC3 parameters for one exposure index, SUP 3.x "linear scene
/// exposure factor" table (ARRI, "ALEXA Log C Curve - Usage in VFX", 2017,
/// table 2): `cut, a, b, c, d, e, f`.
const LOGC3_EI: [(u32, [f64; 7]); 11] = [
    (
        160,
        [
            0.005561, 5.555556, 0.080216, 0.269036, 0.381991, 5.842037, 0.092778,
        ],
    ),
    (
        200,
        [
            0.006208, 5.555556, 0.076621, 0.266007, 0.382478, 5.776265, 0.092782,
        ],
    ),
    (
        250,
        [
            0.006871, 5.555556, 0.072941, 0.262978, 0.382966, 5.710494, 0.092786,
        ],
    ),
    (
        320,
        [
            0.007622, 5.555556, 0.068768, 0.259627, 0.383508, 5.637732, 0.092791,
        ],
    ),
    (
        400,
        [
            0.008318, 5.555556, 0.064901, 0.256598, 0.383999, 5.571960, 0.092795,
        ],
    ),
    (
        500,
        [
            0.009031, 5.555556, 0.060939, 0.253569, 0.384493, 5.506188, 0.092800,
        ],
    ),
    (
        640,
        [
            0.009840, 5.555556, 0.056443, 0.250219, 0.385040, 5.433426, 0.092805,
        ],
    ),
    (
        800,
        [
            0.010591, 5.555556, 0.052272, 0.247190, 0.385537, 5.367655, 0.092809,
        ],
    ),
    (
        1000,
        [
            0.011361, 5.555556, 0.047996, 0.244161, 0.386036, 5.301883, 0.092814,
        ],
    ),
    (
        1280,
        [
            0.012235, 5.555556, 0.043137, 0.240810, 0.386590, 5.229121, 0.092819,
        ],
    ),
    (
        1600,
        [
            0.013047, 5.555556, 0.038625, 0.237781, 0.387093, 5.163350, 0.092824,
        ],
    ),
];

/// The exposure indices ARRI LogC3 is defined for.
pub fn logc3_exposure_indices() -> impl Iterator<Item = u32> {
    LOGC3_EI.iter().map(|(ei, _)| *ei)
}

/// A transfer function (OETF / log encoding and its inverse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transfer {
    /// Identity: the values are scene-linear already.
    Linear,
    /// IEC 61966-2-1:1999 sRGB piecewise curve.
    Srgb,
    /// ITU-R BT.1886 reference display (gamma 2.4, black 0): what a Rec. 709
    /// monitor shows, so `decode` gives display light.
    Bt1886,
    /// A pure power 2.2 display (the gamma of computer monitors; the
    /// display EOTF of ITU-R BT.470 System M): `decode` gives display light.
    Gamma22,
    /// A pure power 2.6 display (the SMPTE RP 431-2 reference projector's
    /// EOTF, used for P3-D65 mastering at gamma 2.6).
    Gamma26,
    /// ARRI LogC3 at an exposure index (ARRI 2017, SUP 3.x).
    ArriLogC3 { ei: u32 },
    /// ARRI LogC4 (ARRI, "LogC4 Logarithmic Color Space Specification", 2022).
    ArriLogC4,
    /// Sony S-Log3 (Sony, "Technical Summary for S-Gamut3.Cine/S-Log3 and
    /// S-Gamut3/S-Log3", 2014).
    SonySLog3,
    /// Panasonic V-Log (Panasonic, "V-Log/V-Gamut Reference Manual", 2014).
    PanasonicVLog,
    /// Canon Log 3 v1.2 (Canon, "Canon Log Gamma Curves" white paper, 2020),
    /// normalised code values, scene reflection in.
    CanonLog3,
    /// RED Log3G10 (RED, "REDWideGamutRGB and Log3G10", 2017).
    RedLog3G10,
    /// ACEScct (Academy S-2016-001).
    AcesCct,
    /// ACEScc (Academy S-2014-003).
    AcesCc,
    /// ITU-R BT.2100 PQ display output: scene-linear 1.0 (diffuse white) at
    /// 203 cd/m² (ITU-R BT.2408-7 reference white), SMPTE ST 2084 encoding,
    /// then ITU-R BT.2390-11's EETF (section 5.4) rolling highlights off to
    /// a 1000 cd/m² display. See [`bt2390_eetf`].
    Rec2100Pq,
    /// ITU-R BT.2100 HLG output: the scene scaled so diffuse white sits at
    /// 75% signal (ITU-R BT.2408-7), then the HLG OETF (BT.2100-2 table 5).
    /// HLG is scene-referred: the display applies its own OOTF, so there is
    /// no tone mapping here.
    Rec2100Hlg,
}

impl Transfer {
    /// ARRI LogC3 at `ei`, or `None` for an exposure index outside ARRI's table.
    pub fn arri_logc3(ei: u32) -> Option<Transfer> {
        LOGC3_EI
            .iter()
            .any(|(e, _)| *e == ei)
            .then_some(Transfer::ArriLogC3 { ei })
    }

    /// The id `transfer_decode` / `transfer_encode` in `shaders/transform.wgsl` use.
    pub fn shader_code(self) -> u32 {
        match self {
            Transfer::Linear => 0,
            Transfer::Srgb => 1,
            Transfer::Bt1886 => 2,
            Transfer::ArriLogC3 { .. } => 3,
            Transfer::ArriLogC4 => 4,
            Transfer::SonySLog3 => 5,
            Transfer::PanasonicVLog => 6,
            Transfer::CanonLog3 => 7,
            Transfer::RedLog3G10 => 8,
            Transfer::AcesCct => 9,
            Transfer::AcesCc => 10,
            Transfer::Rec2100Pq => 11,
            Transfer::Rec2100Hlg => 12,
            Transfer::Gamma22 => 13,
            Transfer::Gamma26 => 14,
        }
    }

    /// ARRI LogC3 `cut, a, b, c, d, e, f` of this curve's exposure index
    /// (EI 800 for other curves; the GPU reads them from a uniform).
    pub fn logc3_parameters(self) -> [f64; 7] {
        match self {
            Transfer::ArriLogC3 { ei } => logc3_params(ei),
            _ => logc3_params(800),
        }
    }

    /// Code value to scene-linear.
    pub fn decode(self, v: f32) -> f32 {
        decode(self, f64::from(v)) as f32
    }

    /// Scene-linear to code value.
    pub fn encode(self, x: f32) -> f32 {
        encode(self, f64::from(x)) as f32
    }
}

fn logc3_params(ei: u32) -> [f64; 7] {
    LOGC3_EI
        .iter()
        .find(|(e, _)| *e == ei)
        .map(|(_, p)| *p)
        .unwrap_or(LOGC3_EI[7].1)
}

/// ARRI LogC4 constants (LogC4 specification, section 2).
struct LogC4 {
    a: f64,
    b: f64,
    c: f64,
    s: f64,
    t: f64,
}

fn logc4() -> LogC4 {
    let a = (2f64.powi(18) - 16.0) / 117.45;
    let b = (1023.0 - 95.0) / 1023.0;
    let c = 95.0 / 1023.0;
    let s = (7.0 * 2f64.ln() * 2f64.powf(7.0 - 14.0 * c / b)) / (a * b);
    let t = (2f64.powf(14.0 * (-c / b) + 6.0) - 64.0) / a;
    LogC4 { a, b, c, s, t }
}

/// ACEScct toe: below this linear value the curve is a straight line.
const ACESCCT_X_BREAK: f64 = 0.0078125;
const ACESCCT_A: f64 = 10.540_237_741_654_5;
const ACESCCT_B: f64 = 0.072_905_534_195_835_5;
/// Largest half float, where ACEScc / ACEScct decoding saturates.
const HALF_MAX: f64 = 65504.0;

/// SMPTE ST 2084 PQ constants (ST 2084:2014 section 5.3 / ITU-R BT.2100-2
/// table 4).
const PQ_M1: f64 = 2610.0 / 16384.0;
const PQ_M2: f64 = 2523.0 / 4096.0 * 128.0;
const PQ_C1: f64 = 3424.0 / 4096.0;
const PQ_C2: f64 = 2413.0 / 4096.0 * 32.0;
const PQ_C3: f64 = 2392.0 / 4096.0 * 32.0;
/// Diffuse white in cd/m² on a PQ display (ITU-R BT.2408-7 section 2.2).
pub const PQ_REFERENCE_WHITE_NITS: f64 = 203.0;
/// The peak the PQ output's EETF rolls highlights off to, in cd/m².
pub const PQ_DISPLAY_PEAK_NITS: f64 = 1000.0;
/// ITU-R BT.2100-2 table 5 HLG OETF constants.
const HLG_A: f64 = 0.178_832_77;
const HLG_B: f64 = 1.0 - 4.0 * HLG_A;
const HLG_C: f64 = 0.559_910_73; // 0.5 - a ln(4a)

/// SMPTE ST 2084 inverse EOTF: absolute luminance in cd/m² -> PQ signal.
pub fn pq_encode_nits(nits: f64) -> f64 {
    let y = (nits / 10_000.0).max(0.0).powf(PQ_M1);
    ((PQ_C1 + PQ_C2 * y) / (1.0 + PQ_C3 * y)).powf(PQ_M2)
}

/// SMPTE ST 2084 EOTF: PQ signal -> absolute luminance in cd/m².
pub fn pq_decode_nits(signal: f64) -> f64 {
    let e = signal.max(0.0).powf(1.0 / PQ_M2);
    10_000.0 * ((e - PQ_C1).max(0.0) / (PQ_C2 - PQ_C3 * e)).powf(1.0 / PQ_M1)
}

/// ITU-R BT.2390-11 section 5.4 EETF on a PQ signal, mastering range 0 to
/// 10000 cd/m² onto a display of [`PQ_DISPLAY_PEAK_NITS`] with black at 0:
/// identity below the knee `KS = 1.5 maxLum - 0.5` (317 cd/m²), then a Hermite spline
/// from the knee (slope 1) to the display peak (slope 0) at signal 1.0.
///
/// Why this tone mapping: it is the ITU's published roll-off, leaves every
/// value below the knee (317 cd/m² for a 1000 cd/m² display: diffuse white
/// at 203 and everything darker, skin included) exactly as graded, and is monotonic and smooth,
/// so highlights keep their order and never band. It is applied to each
/// R'G'B' component, which BT.2390 allows; bright saturated highlights
/// desaturate slightly towards the peak, as on a real HDR monitor.
pub fn bt2390_eetf(signal: f64) -> f64 {
    let (max_lum, ks) = bt2390_peak_and_knee();
    if signal <= ks {
        return signal;
    }
    let t = ((signal - ks) / (1.0 - ks)).min(1.0);
    let (t2, t3) = (t * t, t * t * t);
    (2.0 * t3 - 3.0 * t2 + 1.0) * ks
        + (t3 - 2.0 * t2 + t) * (1.0 - ks)
        + (-2.0 * t3 + 3.0 * t2) * max_lum
}

/// The display peak as a PQ signal (`maxLum`) and the knee `KS` above which
/// BT.2390's spline takes over.
fn bt2390_peak_and_knee() -> (f64, f64) {
    let max_lum = pq_encode_nits(PQ_DISPLAY_PEAK_NITS);
    (max_lum, 1.5 * max_lum - 0.5)
}

/// The inverse of [`bt2390_eetf`] on `[0, maxLum]` (bisection: the spline
/// is monotonic), for checks in display light.
fn bt2390_eetf_inverse(signal: f64) -> f64 {
    let (_, ks) = bt2390_peak_and_knee();
    if signal <= ks {
        return signal;
    }
    let (mut lo, mut hi) = (ks, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if bt2390_eetf(mid) < signal {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The scene-linear value BT.2408-7 places at 75% HLG signal (diffuse
/// white): the HLG inverse OETF of 0.75.
fn hlg_reference_white() -> f64 {
    (((0.75 - HLG_C) / HLG_A).exp() + HLG_B) / 12.0
}

fn decode(t: Transfer, v: f64) -> f64 {
    match t {
        Transfer::Linear => v,
        Transfer::Srgb => {
            let a = v.abs();
            let lin = if a <= 0.04045 {
                a / 12.92
            } else {
                ((a + 0.055) / 1.055).powf(2.4)
            };
            lin.copysign(v)
        }
        Transfer::Bt1886 => v.abs().powf(2.4).copysign(v),
        Transfer::Gamma22 => v.abs().powf(2.2).copysign(v),
        Transfer::Gamma26 => v.abs().powf(2.6).copysign(v),
        Transfer::ArriLogC3 { ei } => {
            let [cut, a, b, c, d, e, f] = logc3_params(ei);
            if v > e * cut + f {
                (10f64.powf((v - d) / c) - b) / a
            } else {
                (v - f) / e
            }
        }
        Transfer::ArriLogC4 => {
            let k = logc4();
            if v >= 0.0 {
                (2f64.powf(14.0 * (v - k.c) / k.b + 6.0) - 64.0) / k.a
            } else {
                v * k.s + k.t
            }
        }
        Transfer::SonySLog3 => {
            let y = v * 1023.0;
            if y >= 171.210_294_692_9 {
                10f64.powf((y - 420.0) / 261.5) * (0.18 + 0.01) - 0.01
            } else {
                (y - 95.0) * 0.011_25 / (171.210_294_692_9 - 95.0)
            }
        }
        Transfer::PanasonicVLog => {
            let (b, c, d) = (0.008_73, 0.241_514, 0.598_206);
            if v < 0.181 {
                (v - 0.125) / 5.6
            } else {
                10f64.powf((v - d) / c) - b
            }
        }
        Transfer::CanonLog3 => {
            let x = if v < 0.097_465_473 {
                -(10f64.powf((0.127_839_01 - v) / 0.367_268_45) - 1.0) / 14.983_25
            } else if v <= 0.152_778_91 {
                (v - 0.125_122_19) / 1.975_479_8
            } else {
                (10f64.powf((v - 0.122_405_37) / 0.367_268_45) - 1.0) / 14.983_25
            };
            x * 0.9
        }
        Transfer::RedLog3G10 => {
            let (a, b, c, g) = (0.224_282, 155.975_327, 0.01, 15.1927);
            if v < 0.0 {
                v / g - c
            } else {
                (10f64.powf(v / a) - 1.0) / b - c
            }
        }
        Transfer::AcesCct => {
            if v <= 0.155_251_141_552_511 {
                (v - ACESCCT_B) / ACESCCT_A
            } else if v < (HALF_MAX.log2() + 9.72) / 17.52 {
                2f64.powf(v * 17.52 - 9.72)
            } else {
                HALF_MAX
            }
        }
        Transfer::AcesCc => {
            if v < (9.72 - 15.0) / 17.52 {
                (2f64.powf(v * 17.52 - 9.72) - 2f64.powi(-16)) * 2.0
            } else if v < (HALF_MAX.log2() + 9.72) / 17.52 {
                2f64.powf(v * 17.52 - 9.72)
            } else {
                HALF_MAX
            }
        }
        Transfer::Rec2100Pq => {
            let nits = pq_decode_nits(bt2390_eetf_inverse(v.abs()));
            (nits / PQ_REFERENCE_WHITE_NITS).copysign(v)
        }
        Transfer::Rec2100Hlg => {
            let a = v.abs();
            let e = if a <= 0.5 {
                a * a / 3.0
            } else {
                (((a - HLG_C) / HLG_A).exp() + HLG_B) / 12.0
            };
            (e / hlg_reference_white()).copysign(v)
        }
    }
}

fn encode(t: Transfer, x: f64) -> f64 {
    match t {
        Transfer::Linear => x,
        Transfer::Srgb => {
            let a = x.abs();
            let enc = if a <= 0.003_130_8 {
                a * 12.92
            } else {
                1.055 * a.powf(1.0 / 2.4) - 0.055
            };
            enc.copysign(x)
        }
        Transfer::Bt1886 => x.abs().powf(1.0 / 2.4).copysign(x),
        Transfer::Gamma22 => x.abs().powf(1.0 / 2.2).copysign(x),
        Transfer::Gamma26 => x.abs().powf(1.0 / 2.6).copysign(x),
        Transfer::ArriLogC3 { ei } => {
            let [cut, a, b, c, d, e, f] = logc3_params(ei);
            if x > cut {
                c * (a * x + b).log10() + d
            } else {
                e * x + f
            }
        }
        Transfer::ArriLogC4 => {
            let k = logc4();
            if x >= k.t {
                ((k.a * x + 64.0).log2() - 6.0) / 14.0 * k.b + k.c
            } else {
                (x - k.t) / k.s
            }
        }
        Transfer::SonySLog3 => {
            let y = if x >= 0.011_25 {
                420.0 + ((x + 0.01) / (0.18 + 0.01)).log10() * 261.5
            } else {
                x * (171.210_294_692_9 - 95.0) / 0.011_25 + 95.0
            };
            y / 1023.0
        }
        Transfer::PanasonicVLog => {
            let (b, c, d) = (0.008_73, 0.241_514, 0.598_206);
            if x < 0.01 {
                5.6 * x + 0.125
            } else {
                c * (x + b).log10() + d
            }
        }
        Transfer::CanonLog3 => {
            let x = x / 0.9;
            // The grafting points, in linear, of the curve's three segments.
            let low =
                (-(10f64.powf((0.127_839_01 - 0.097_465_473) / 0.367_268_45) - 1.0)) / 14.983_25;
            let high = (10f64.powf((0.152_778_91 - 0.122_405_37) / 0.367_268_45) - 1.0) / 14.983_25;
            if x < low {
                -0.367_268_45 * (-x * 14.983_25 + 1.0).log10() + 0.127_839_01
            } else if x <= high {
                1.975_479_8 * x + 0.125_122_19
            } else {
                0.367_268_45 * (x * 14.983_25 + 1.0).log10() + 0.122_405_37
            }
        }
        Transfer::RedLog3G10 => {
            let (a, b, c, g) = (0.224_282, 155.975_327, 0.01, 15.1927);
            let x = x + c;
            if x < 0.0 {
                x * g
            } else {
                a * (x * b + 1.0).log10()
            }
        }
        Transfer::AcesCct => {
            if x <= ACESCCT_X_BREAK {
                ACESCCT_A * x + ACESCCT_B
            } else {
                (x.log2() + 9.72) / 17.52
            }
        }
        Transfer::AcesCc => {
            if x <= 0.0 {
                (2f64.powi(-16).log2() + 9.72) / 17.52
            } else if x < 2f64.powi(-15) {
                ((2f64.powi(-16) + x * 0.5).log2() + 9.72) / 17.52
            } else {
                (x.log2() + 9.72) / 17.52
            }
        }
        Transfer::Rec2100Pq => {
            bt2390_eetf(pq_encode_nits(x.abs() * PQ_REFERENCE_WHITE_NITS)).copysign(x)
        }
        Transfer::Rec2100Hlg => {
            let e = x.abs() * hlg_reference_white();
            let signal = if e <= 1.0 / 12.0 {
                (3.0 * e).sqrt()
            } else {
                HLG_A * (12.0 * e - HLG_B).ln() + HLG_C
            };
            signal.copysign(x)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f32, want: f64, tol: f64, what: &str) {
        assert!(
            (f64::from(got) - want).abs() <= tol,
            "{what}: got {got}, expected {want}"
        );
    }

    /// 18% grey and black, as each specification states them.
    #[test]
    fn published_code_values() {
        // ARRI 2017, table 2 (EI 800): 18% grey -> 0.391007; black -> 0.092809.
        let logc3 = Transfer::arri_logc3(800).unwrap();
        close(logc3.encode(0.18), 0.391_007, 1e-6, "LogC3 EI 800 grey");
        close(logc3.encode(0.0), 0.092_809, 1e-6, "LogC3 EI 800 black");
        // MODELS.md check (colour-science): 0.391 decodes to 0.17999.
        close(logc3.decode(0.391), 0.179_99, 1e-5, "LogC3 decode");
        // ARRI LogC4 spec: 18% grey is 10-bit code 278 (0.278396), black 95/1023.
        close(
            Transfer::ArriLogC4.encode(0.18),
            0.278_396,
            1e-6,
            "LogC4 grey",
        );
        close(
            Transfer::ArriLogC4.encode(0.0),
            95.0 / 1023.0,
            1e-7,
            "LogC4 black",
        );
        // Sony: 18% grey is 10-bit 420, black 95.
        close(
            Transfer::SonySLog3.encode(0.18),
            420.0 / 1023.0,
            1e-7,
            "S-Log3 grey",
        );
        close(
            Transfer::SonySLog3.encode(0.0),
            95.0 / 1023.0,
            1e-7,
            "S-Log3 black",
        );
        // Panasonic: 18% grey 0.423311 (433 of 1023), black 0.125 (128).
        close(
            Transfer::PanasonicVLog.encode(0.18),
            0.423_311,
            1e-6,
            "V-Log grey",
        );
        close(
            Transfer::PanasonicVLog.encode(0.0),
            0.125,
            1e-7,
            "V-Log black",
        );
        // Canon 2020: 18% grey -> 34.3389 %.
        close(
            Transfer::CanonLog3.encode(0.18),
            0.343_389,
            1e-6,
            "Canon Log 3 grey",
        );
        // RED: 18% grey -> 1/3 by design.
        close(
            Transfer::RedLog3G10.encode(0.18),
            1.0 / 3.0,
            1e-6,
            "Log3G10 grey",
        );
        // ACES S-2016-001 / S-2014-003: 0.18 -> 0.4135884.
        close(
            Transfer::AcesCct.encode(0.18),
            0.413_588_4,
            1e-7,
            "ACEScct grey",
        );
        close(
            Transfer::AcesCc.encode(0.18),
            0.413_588_4,
            1e-7,
            "ACEScc grey",
        );
        close(
            Transfer::AcesCct.encode(0.0),
            ACESCCT_B,
            1e-7,
            "ACEScct black",
        );
        // IEC 61966-2-1: code 0.5 is 0.214041 linear.
        close(Transfer::Srgb.decode(0.5), 0.214_041, 1e-6, "sRGB 0.5");
        close(
            Transfer::Bt1886.decode(0.5),
            0.5f64.powf(2.4),
            1e-7,
            "BT.1886 0.5",
        );
    }

    #[test]
    fn hdr_outputs_match_published_values() {
        // SMPTE ST 2084: 100 cd/m² -> 0.508078, 1000 -> 0.751827, 10000 -> 1.
        close(pq_encode_nits(100.0) as f32, 0.508_078, 1e-6, "PQ 100 nits");
        close(
            pq_encode_nits(1000.0) as f32,
            0.751_827,
            1e-6,
            "PQ 1000 nits",
        );
        close(pq_encode_nits(10_000.0) as f32, 1.0, 1e-7, "PQ 10000 nits");
        // BT.2408-7 table 1: diffuse white 203 cd/m² is 58% PQ, 75% HLG;
        // the 18% grey card is 38% HLG.
        close(Transfer::Rec2100Pq.encode(1.0), 0.580_8, 1e-3, "PQ white");
        close(Transfer::Rec2100Hlg.encode(1.0), 0.75, 1e-6, "HLG white");
        close(Transfer::Rec2100Hlg.encode(0.18), 0.38, 0.005, "HLG grey");
        // BT.2100 HLG OETF: E = 1/12 -> 0.5, E = 1 -> 1.0.
        let white = hlg_reference_white();
        close(
            Transfer::Rec2100Hlg.encode((1.0 / 12.0 / white) as f32),
            0.5,
            1e-6,
            "HLG knee",
        );
        close(
            Transfer::Rec2100Hlg.encode((1.0 / white) as f32),
            1.0,
            1e-6,
            "HLG peak",
        );
    }

    #[test]
    fn bt2390_roll_off_keeps_the_grade_below_the_knee_and_lands_on_the_peak() {
        let (max_lum, ks) = bt2390_peak_and_knee();
        // Untouched up to the knee (317 cd/m²), including diffuse white.
        assert_eq!(bt2390_eetf(ks), ks);
        assert!((pq_decode_nits(ks) - 317.0).abs() < 0.5);
        assert!(pq_decode_nits(ks) > PQ_REFERENCE_WHITE_NITS);
        // 10000 cd/m² lands on the display's 1000 cd/m² peak.
        assert!((bt2390_eetf(1.0) - max_lum).abs() < 1e-12);
        // Monotonic and continuous in slope at the knee.
        let mut last = 0.0;
        for i in 0..=1000 {
            let v = bt2390_eetf(f64::from(i) / 1000.0);
            assert!(v >= last, "not monotonic at {i}");
            last = v;
        }
        let h = 1e-7;
        assert!(((bt2390_eetf(ks + h) - ks) / h - 1.0).abs() < 1e-4);
    }

    #[test]
    fn every_curve_inverts_itself() {
        let mut curves = vec![
            Transfer::Linear,
            Transfer::Srgb,
            Transfer::Bt1886,
            Transfer::Gamma22,
            Transfer::Gamma26,
            Transfer::ArriLogC4,
            Transfer::SonySLog3,
            Transfer::PanasonicVLog,
            Transfer::CanonLog3,
            Transfer::RedLog3G10,
            Transfer::AcesCct,
            Transfer::AcesCc,
            Transfer::Rec2100Pq,
            Transfer::Rec2100Hlg,
        ];
        curves.extend(logc3_exposure_indices().map(|ei| Transfer::ArriLogC3 { ei }));
        for t in curves {
            // From deep shadow (below every toe) to 16 stops over grey.
            for i in 0..=400 {
                let x = 0.18 * 2f64.powf(f64::from(i) / 20.0 - 12.0);
                let back = decode(t, encode(t, x));
                assert!(
                    (back - x).abs() <= 1e-9 * x.max(1e-3),
                    "{t:?}: {x} -> {back}"
                );
            }
        }
    }

    #[test]
    fn exposure_index_moves_the_curve_and_unknown_ones_are_refused() {
        let (low, high) = (
            Transfer::arri_logc3(160).unwrap(),
            Transfer::arri_logc3(1600).unwrap(),
        );
        // Mid grey sits at the same code value at every EI (ARRI's design);
        // highlights are placed differently.
        assert!((low.encode(0.18) - high.encode(0.18)).abs() < 1e-5);
        assert!((low.encode(10.0) - high.encode(10.0)).abs() > 0.01);
        assert_eq!(Transfer::arri_logc3(777), None);
    }
}
