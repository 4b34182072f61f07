//! Auto exposure and white balance, as proposals in the look's own
//! controls (exposure in stops, temperature in mired, tint in thousandths
//! of Duv) with a confidence: the machine proposes, the colourist decides.
//!
//! How it works, on a [`LinearGrid`] (block means in the light the
//! primaries act on, the look's own primaries left out):
//!
//! 1. Blocks that say little are set aside: clipped ones (their light is
//!    unknown), very dark ones (noise), and for the balance highly
//!    saturated ones (a red wall is not a red light).
//! 2. The illuminant is estimated four ways and blended as a weighted
//!    geometric mean of the unit-luminance estimates: grey world (the mean,
//!    Buchsbaum 1980; half weight, as scene content biases it most), bright pixels (the mean of the brightest 2 % of
//!    unclipped blocks, a robust white patch: Joze, Drew, Finlayson, Rey
//!    2012), first-order grey edge (the Minkowski p = 6 norm of the block
//!    gradients: van de Weijer, Gevers, Gijsenij, "Edge-based color
//!    constancy", IEEE TIP 16(9), 2007) and, where a skin mask is given,
//!    the skin's mean against the ColorChecker's skin patches. Their
//!    spread (the largest angle between two of them, the colour-constancy
//!    literature's "angular error") sets the balance's confidence.
//! 3. The temperature and tint that make that illuminant neutral through
//!    the pipeline's own white balance (`primary::white_balance`) are
//!    found by Newton's method on its log chromaticity.
//! 4. Exposure takes the log-average luminance of the balanced blocks
//!    (Reinhard et al. 2002's "key"), trimmed of the darkest and brightest
//!    [`TRIM`] and with clipped blocks ranked at what they read (at least
//!    that bright), to the target key, 0.18 by default; where skin is
//!    given, skin is then kept between a plausible darkest and lightest
//!    tone.

use super::grid::LinearGrid;
use crate::grade::assist::AutoSection;
use crate::grade::gamut::{conversion, mul_vec, Gamut};
use crate::grade::primary::{linear_matrix, luminance_weights};
use crate::grade::transfer::Transfer;
use crate::grade::{Look, Primary};

/// Blocks darker than this share of the median block are noise, as are
/// those under the absolute floor (linear light, 0.18 = mid grey).
const DARK: f32 = 0.01;
const NOISE_FLOOR: f32 = 0.0005;
/// The share trimmed from each end of the luminance ranking for the key.
const TRIM: f64 = 0.05;
/// Blocks with `(max - min) / max` above this are left out of the balance.
const SATURATED: f32 = 0.8;
/// The share of unclipped blocks the bright-pixel estimate averages.
const BRIGHT_SHARE: f64 = 0.02;
/// The grey-edge Minkowski norm.
const EDGE_NORM: f64 = 6.0;
/// Skin is kept between these linear luminances after the exposure: a
/// little under the ColorChecker's dark skin (Y 0.10) and well over its
/// light skin (Y 0.35), for faces lit above the key.
const SKIN_LUMINANCE: (f64, f64) = (0.06, 0.6);
/// Estimates further apart than this (degrees) give the balance no
/// confidence.
const SPREAD_NO_CONFIDENCE: f64 = 12.0;

/// One illuminant estimate, in the grid's gamut at unit luminance.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub method: &'static str,
    pub rgb: [f64; 3],
    pub weight: f64,
}

/// An exposure and balance proposal for a look.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    /// Stops, absolute (the look's `primary.exposure` to set).
    pub exposure: f32,
    /// Mired, absolute (`primary.temperature`).
    pub temperature: f32,
    /// Thousandths of Duv, absolute (`primary.tint`).
    pub tint: f32,
    /// 0..1: how far to trust the balance (estimates agreeing, enough
    /// usable picture).
    pub balance_confidence: f32,
    /// 0..1: how far to trust the exposure (little clipping, enough usable
    /// picture).
    pub exposure_confidence: f32,
    /// The estimates the balance blends.
    pub estimates: Vec<Estimate>,
    /// Largest angle between two estimates, degrees.
    pub spread_degrees: f64,
    /// Share of blocks clipped, and share used for the exposure.
    pub clipped: f32,
    pub usable: f32,
    /// The log-average luminance before the proposal.
    pub key: f64,
}

impl Proposal {
    /// The lower of the two confidences (of what is proposed).
    pub fn confidence(&self) -> f32 {
        self.balance_confidence.min(self.exposure_confidence)
    }

    /// `look` with the proposal's values in its primaries (those `target`
    /// proposes); everything else kept.
    pub fn apply_to(&self, look: &Look, target: &AutoSection) -> Look {
        let mut out = look.clone();
        if target.exposure {
            out.primary.exposure = self.exposure;
        }
        if target.balance {
            out.primary.temperature = self.temperature;
            out.primary.tint = self.tint;
        }
        out
    }
}

/// The proposal for the picture in `grid`. `skin`: a weight 0..1 per block
/// where a skin mask is known.
pub fn propose(grid: &LinearGrid, skin: Option<&[f32]>, target: &AutoSection) -> Proposal {
    let weights = grid.luminance_weights();
    let luma = |c: [f32; 3]| c[0] * weights[0] + c[1] * weights[1] + c[2] * weights[2];
    let n = grid.rgb.len().max(1);
    let mut lumas: Vec<f32> = (0..grid.rgb.len())
        .filter(|&i| !grid.clipped[i])
        .map(|i| luma(grid.rgb[i]))
        .collect();
    lumas.sort_by(f32::total_cmp);
    let dark = lumas
        .get(lumas.len() / 2)
        .map_or(NOISE_FLOOR, |median| (median * DARK).max(NOISE_FLOOR));
    let exposure_blocks: Vec<usize> = (0..grid.rgb.len())
        .filter(|&i| !grid.clipped[i] && luma(grid.rgb[i]) > dark)
        .collect();
    let clipped = grid.clipped.iter().filter(|&&c| c).count() as f32 / n as f32;
    let usable = exposure_blocks.len() as f32 / n as f32;

    // Two passes: the second chooses its blocks (saturation, brightness)
    // as they look under the first pass's illuminant, so a cast does not
    // change which blocks count.
    let mut illuminant = Some([1.0; 3]);
    let mut estimates = Vec::new();
    let mut balance_blocks = Vec::new();
    for _ in 0..2 {
        let prior = illuminant.unwrap_or([1.0; 3]);
        (estimates, balance_blocks) = estimate(grid, skin, &exposure_blocks, prior);
        illuminant = blend(&estimates);
    }
    let spread_degrees = spread(&estimates);

    let (temperature, tint) = match (target.balance, illuminant) {
        (true, Some(e)) => neutralise(e, grid.gamut),
        _ => (0.0, 0.0),
    };
    let balanced = linear_matrix(
        &Primary {
            temperature,
            tint,
            ..Primary::default()
        },
        grid.gamut,
    );
    let balanced_luma = |i: usize| {
        let c = mul_vec(&balanced, grid.rgb[i].map(f64::from));
        (0..3).map(|k| c[k] * f64::from(weights[k])).sum::<f64>()
    };
    let mut logs: Vec<f64> = (0..grid.rgb.len())
        .filter(|&i| grid.clipped[i] || luma(grid.rgb[i]) > dark)
        .map(|i| balanced_luma(i).max(1e-6).ln())
        .collect();
    logs.sort_by(f64::total_cmp);
    let trim = (logs.len() as f64 * TRIM) as usize;
    let kept = &logs[trim..logs.len() - trim];
    let key = if kept.is_empty() {
        f64::from(target.key)
    } else {
        (kept.iter().sum::<f64>() / kept.len() as f64).exp()
    };
    let mut exposure = (f64::from(target.key) / key).log2();
    if let Some(skin) = skin {
        exposure = keep_skin_plausible(exposure, grid, skin, &exposure_blocks, balanced_luma);
    }
    let exposure = if target.exposure {
        exposure.clamp(-16.0, 16.0) as f32
    } else {
        0.0
    };

    let enough = |share: f32| (share / 0.3).min(1.0);
    let agreement = (1.0 - spread_degrees / SPREAD_NO_CONFIDENCE).clamp(0.0, 1.0) as f32;
    let balance_confidence = match (target.balance, illuminant) {
        (false, _) => 1.0,
        (true, Some(_)) => agreement * enough(balance_blocks.len() as f32 / n as f32),
        // Nothing to estimate from (a black or clipped picture).
        (true, None) => 0.0,
    };
    let exposure_confidence = if target.exposure {
        enough(usable) * (1.0 - ((clipped - TRIM as f32).max(0.0) * 2.5).min(1.0))
    } else {
        1.0
    };
    Proposal {
        exposure,
        temperature,
        tint,
        balance_confidence,
        exposure_confidence,
        estimates,
        spread_degrees,
        clipped,
        usable,
        key,
    }
}

/// The illuminant estimates from `blocks`, choosing those for the balance
/// (not highly saturated) and the brightest as they look under `prior`.
fn estimate(
    grid: &LinearGrid,
    skin: Option<&[f32]>,
    blocks: &[usize],
    prior: [f64; 3],
) -> (Vec<Estimate>, Vec<usize>) {
    let under_prior = |i: usize| [0, 1, 2].map(|c| (f64::from(grid.rgb[i][c]) / prior[c]) as f32);
    let balance_blocks: Vec<usize> = blocks
        .iter()
        .copied()
        .filter(|&i| {
            let c = under_prior(i);
            let (max, min) = (c[0].max(c[1]).max(c[2]), c[0].min(c[1]).min(c[2]));
            min > 0.0 && (max - min) / max < SATURATED
        })
        .collect();
    let weights = grid.luminance_weights();
    let luma = |i: usize| {
        let c = under_prior(i);
        c[0] * weights[0] + c[1] * weights[1] + c[2] * weights[2]
    };
    let mut estimates = Vec::new();
    let mut add = |method, rgb: Option<[f64; 3]>, weight| {
        if let Some(rgb) = rgb.and_then(|c| unit_luminance(c, grid.gamut)) {
            estimates.push(Estimate {
                method,
                rgb,
                weight,
            });
        }
    };
    add("grey world", mean(grid, &balance_blocks), 0.5);
    add("bright pixels", bright(grid, &balance_blocks, luma), 1.0);
    add("grey edge", grey_edge(grid, &balance_blocks), 1.0);
    if let Some(skin) = skin {
        add("skin", skin_illuminant(grid, skin, &balance_blocks), 0.5);
    }
    (estimates, balance_blocks)
}

/// `rgb` scaled to unit luminance (None when it has none, or a channel is
/// not positive).
fn unit_luminance(rgb: [f64; 3], gamut: Gamut) -> Option<[f64; 3]> {
    let w = luminance_weights(gamut);
    let y: f64 = (0..3).map(|c| rgb[c] * w[c]).sum();
    (y > 0.0 && rgb.iter().all(|&c| c > 0.0 && c.is_finite())).then(|| rgb.map(|c| c / y))
}

fn mean(grid: &LinearGrid, blocks: &[usize]) -> Option<[f64; 3]> {
    if blocks.is_empty() {
        return None;
    }
    let mut sum = [0.0f64; 3];
    for &i in blocks {
        for (total, v) in sum.iter_mut().zip(grid.rgb[i]) {
            *total += f64::from(v);
        }
    }
    Some(sum.map(|s| s / blocks.len() as f64))
}

/// The mean of the brightest [`BRIGHT_SHARE`] of `blocks` (at least one).
fn bright(grid: &LinearGrid, blocks: &[usize], luma: impl Fn(usize) -> f32) -> Option<[f64; 3]> {
    let mut sorted = blocks.to_vec();
    sorted.sort_by(|&a, &b| luma(b).total_cmp(&luma(a)));
    let take = ((sorted.len() as f64 * BRIGHT_SHARE).ceil() as usize).min(sorted.len());
    mean(grid, &sorted[..take])
}

/// First-order grey edge: per channel, the Minkowski norm of the central
/// differences between neighbouring blocks, where all of them are usable.
fn grey_edge(grid: &LinearGrid, blocks: &[usize]) -> Option<[f64; 3]> {
    let mut usable = vec![false; grid.rgb.len()];
    for &i in blocks {
        usable[i] = true;
    }
    let (w, h) = (grid.columns, grid.rows);
    let mut sum = [0.0f64; 3];
    let mut count = 0usize;
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let at =
                |dx: isize, dy: isize| (y as isize + dy) as usize * w + (x as isize + dx) as usize;
            let around = [at(-1, 0), at(1, 0), at(0, -1), at(0, 1)];
            if !around.iter().all(|&i| usable[i]) {
                continue;
            }
            let [left, right, up, down] = around.map(|i| grid.rgb[i]);
            for (c, total) in sum.iter_mut().enumerate() {
                let gx = f64::from(right[c] - left[c]) / 2.0;
                let gy = f64::from(down[c] - up[c]) / 2.0;
                *total += gx.hypot(gy).powf(EDGE_NORM);
            }
            count += 1;
        }
    }
    (count > 0).then(|| sum.map(|s| (s / count as f64).powf(1.0 / EDGE_NORM)))
}

/// The ColorChecker's dark and light skin patches (BabelColor's sRGB
/// values of the 2005 chart: 115 82 68 and 194 150 130), mean of their
/// linear Rec. 709 light at unit luminance: skin under a neutral light.
fn neutral_skin(gamut: Gamut) -> [f64; 3] {
    let linear = |c: [u8; 3]| c.map(|v| f64::from(Transfer::Srgb.decode(f32::from(v) / 255.0)));
    let patches = [linear([115, 82, 68]), linear([194, 150, 130])];
    let unit = patches.map(|p| unit_luminance(p, Gamut::Rec709).expect("positive patch"));
    let mean = [0, 1, 2].map(|c| (unit[0][c] * unit[1][c]).sqrt());
    mul_vec(&conversion(Gamut::Rec709, gamut), mean)
}

/// The light that would make the skin blocks' mean look like neutral skin.
fn skin_illuminant(grid: &LinearGrid, skin: &[f32], blocks: &[usize]) -> Option<[f64; 3]> {
    let on: Vec<usize> = blocks.iter().copied().filter(|&i| skin[i] > 0.5).collect();
    if (on.len() as f64) < grid.rgb.len() as f64 * 0.005 {
        return None;
    }
    let seen = mean(grid, &on)?;
    let reference = neutral_skin(grid.gamut);
    Some([0, 1, 2].map(|c| seen[c] / reference[c]))
}

/// Exposure moved so that the skin's mean lands within [`SKIN_LUMINANCE`].
fn keep_skin_plausible(
    exposure: f64,
    grid: &LinearGrid,
    skin: &[f32],
    blocks: &[usize],
    luma: impl Fn(usize) -> f64,
) -> f64 {
    let on: Vec<usize> = blocks.iter().copied().filter(|&i| skin[i] > 0.5).collect();
    if (on.len() as f64) < grid.rgb.len() as f64 * 0.005 {
        return exposure;
    }
    let skin_luma = on.iter().map(|&i| luma(i)).sum::<f64>() / on.len() as f64;
    let after = skin_luma * exposure.exp2();
    let (lo, hi) = SKIN_LUMINANCE;
    if after < lo {
        (lo / skin_luma).log2()
    } else if after > hi {
        (hi / skin_luma).log2()
    } else {
        exposure
    }
}

/// The largest angle between two estimates, degrees.
fn spread(estimates: &[Estimate]) -> f64 {
    let angle = |a: [f64; 3], b: [f64; 3]| {
        let dot: f64 = (0..3).map(|c| a[c] * b[c]).sum();
        let norm = |v: [f64; 3]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        (dot / (norm(a) * norm(b)))
            .clamp(-1.0, 1.0)
            .acos()
            .to_degrees()
    };
    let mut worst = 0.0f64;
    for (i, a) in estimates.iter().enumerate() {
        for b in &estimates[i + 1..] {
            worst = worst.max(angle(a.rgb, b.rgb));
        }
    }
    worst
}

/// The weighted geometric mean of the estimates.
fn blend(estimates: &[Estimate]) -> Option<[f64; 3]> {
    let total: f64 = estimates.iter().map(|e| e.weight).sum();
    (total > 0.0).then(|| {
        [0, 1, 2].map(|c| {
            (estimates
                .iter()
                .map(|e| e.weight * e.rgb[c].ln())
                .sum::<f64>()
                / total)
                .exp()
        })
    })
}

/// The temperature and tint whose white balance makes `illuminant`
/// neutral, within the look's ranges: Newton's method on the log
/// chromaticity `(ln r/g, ln b/g)` with a numerical Jacobian.
pub fn neutralise(illuminant: [f64; 3], gamut: Gamut) -> (f32, f32) {
    let residual = |t: f64, tint: f64| {
        let m = linear_matrix(
            &Primary {
                temperature: t as f32,
                tint: tint as f32,
                ..Primary::default()
            },
            gamut,
        );
        let o = mul_vec(&m, illuminant);
        [(o[0] / o[1]).ln(), (o[2] / o[1]).ln()]
    };
    let (mut t, mut tint) = (0.0f64, 0.0f64);
    for _ in 0..30 {
        let r = residual(t, tint);
        if r[0].hypot(r[1]) < 1e-9 {
            break;
        }
        let (ht, hn) = (0.5, 0.05);
        let rt = residual(t + ht, tint);
        let rn = residual(t, tint + hn);
        let j = [
            [(rt[0] - r[0]) / ht, (rn[0] - r[0]) / hn],
            [(rt[1] - r[1]) / ht, (rn[1] - r[1]) / hn],
        ];
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        if det.abs() < 1e-15 {
            break;
        }
        let dt = (j[1][1] * r[0] - j[0][1] * r[1]) / det;
        let dn = (j[0][0] * r[1] - j[1][0] * r[0]) / det;
        t = (t - dt).clamp(-170.0, 170.0);
        tint = (tint - dn).clamp(-50.0, 50.0);
    }
    (t as f32, tint as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_undoes_a_white_balance() {
        for gamut in [Gamut::Rec709, Gamut::AcesAp1] {
            for (t, tint) in [(30.0f32, 0.0f32), (-60.0, 8.0), (120.0, -12.0)] {
                let cast = linear_matrix(
                    &Primary {
                        temperature: t,
                        tint,
                        ..Primary::default()
                    },
                    gamut,
                );
                let light = mul_vec(&cast, [1.0; 3]);
                let (pt, pn) = neutralise(light, gamut);
                assert!(
                    (pt + t).abs() < 0.05 && (pn + tint).abs() < 0.05,
                    "{t} {tint}: {pt} {pn}"
                );
            }
        }
    }
}
