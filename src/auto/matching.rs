//! Color Match: a correction in the working space that makes this picture's
//! colours look like a reference's, proposed as a look.
//!
//! How it works. Both pictures are sampled into the look's working space:
//! the source graded by the base look up to the end of its working
//! operators ([`Grader::working`]), the reference (a display picture, as a
//! still or another camera's frame is) taken back through the inverse of the
//! base look's display path ([`Grader::returning`]). The source samples are
//! then moved onto the reference's distribution by iterative distribution
//! transfer (sliced optimal transport: F. Pitié, A. Kokaram, R. Dahyot,
//! "Automated colour grading using colour distribution transfer", CVIU
//! 107(1), 2007): rotate, match each axis's 1D distribution by ranks,
//! repeat. That pairs each source sample with where it should go, and three
//! corrections are fitted to those pairs:
//!
//! - **baseline**: per-channel mean and standard deviation transfer
//!   (Reinhard et al., "Color transfer between images", 2001, here in the
//!   working space), reported for comparison;
//! - **CDL**: slope, offset, power and saturation in the base look's own
//!   CDL, by Levenberg-Marquardt through the look's working operators, for
//!   interchange;
//! - **LUT**: a second-degree polynomial in the working space (ten terms a
//!   channel, ridge-regularised) baked into a 33-point 3D LUT that takes
//!   the look's creative LUT slot (composed after the base look's LUT).
//!
//! Each result's quality is the sliced Wasserstein distance between its
//! displayed colours and the reference's in CIELAB ([`distribution_distance`],
//! in ΔE*ab units), and the share of the source's distance it removed.

use crate::grade::lab::srgb_to_lab;
use crate::grade::look::{Cdl, Look, LutRef};
use crate::grade::lut::{Interpolation, Lut, Lut3d};
use crate::grade::reference::Grader;
use crate::noise::SplitMix64;
use std::sync::Arc;

/// Rotations of the distribution transfer.
const TRANSFER_ITERATIONS: usize = 20;
/// Samples the CDL fit iterates on (a fixed stride through the pairs).
const FIT_SAMPLES: usize = 4096;
/// Projections of the sliced Wasserstein distance.
const DISTANCE_PROJECTIONS: usize = 64;
/// Grid size of the baked match LUT.
pub const LUT_SIZE: usize = 33;
/// Ridge weight of the polynomial fit (against extrapolation).
const RIDGE: f64 = 1e-3;

/// Why a match cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("the base look's display path ({0}) has no inverse here, so the reference cannot be taken into its working space; match with a look that renders through a bare [output] transform or in video mode")]
    NoInverse(&'static str),
    #[error("{0} has too few usable samples to match ({1}; at least 64)")]
    TooFew(&'static str, usize),
    #[error("{what} is too dark or too flat to match to: its code values span {lo:.3} to {hi:.3} (at least {MIN_SPAN} apart expected); a match to it would crush the grade")]
    Featureless {
        what: &'static str,
        lo: f32,
        hi: f32,
    },
}

/// The least span of code values (1st to 99th percentile of luma) a
/// picture needs to be matched to or from (about 5 8-bit codes).
pub const MIN_SPAN: f32 = 0.02;

/// Refuses a picture with nothing to match: black, or one flat colour.
fn check_span(what: &'static str, codes: &[[f32; 3]]) -> Result<(), MatchError> {
    let mut luma: Vec<f32> = codes
        .iter()
        .map(|c| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])
        .collect();
    luma.sort_by(f32::total_cmp);
    let at = |q: f32| luma[((luma.len() - 1) as f32 * q) as usize];
    let (lo, hi) = (at(0.01), at(0.99));
    if hi - lo < MIN_SPAN {
        return Err(MatchError::Featureless { what, lo, hi });
    }
    Ok(())
}

/// Colours of the two pictures in the working space.
pub struct MatchSamples {
    /// Where each source sample enters the working operators (for the CDL
    /// fit, which replaces the look's CDL).
    pub entering: Vec<[f32; 3]>,
    /// The source samples after the base look's working operators.
    pub source: Vec<[f32; 3]>,
    /// The reference's samples in the working space.
    pub reference: Vec<[f32; 3]>,
    /// The reference's display colours (for the quality figures).
    pub reference_display: Vec<[f32; 3]>,
}

impl MatchSamples {
    /// Samples of a source and a reference picture (code values, already
    /// restricted to a region if one is chosen). The source is graded by
    /// `base`; the reference is taken as a picture in `base`'s display
    /// encoding.
    pub fn new(
        base: &Look,
        source: &[[f32; 3]],
        reference: &[[f32; 3]],
    ) -> Result<MatchSamples, MatchError> {
        let grader = Grader::new(base);
        let entering: Vec<[f32; 3]> = source.iter().map(|&c| grader.entering(c)).collect();
        let graded = entering.iter().map(|&e| grader.working(e)).collect();
        let what = if base.loaded_display_lut.is_some() {
            "a display LUT"
        } else {
            "an OpenColorIO rendering"
        };
        let back: Vec<[f32; 3]> = reference
            .iter()
            .map(|&c| grader.returning(c).ok_or(MatchError::NoInverse(what)))
            .collect::<Result<_, _>>()?;
        if source.len() < 64 {
            return Err(MatchError::TooFew("the source", source.len()));
        }
        if reference.len() < 64 {
            return Err(MatchError::TooFew("the reference", reference.len()));
        }
        check_span("the input", source)?;
        check_span("the reference", reference)?;
        Ok(MatchSamples {
            entering,
            source: graded,
            reference: back,
            reference_display: reference.to_vec(),
        })
    }
}

/// How well one correction matches, in ΔE*ab.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quality {
    /// Sliced Wasserstein distance to the reference's colours.
    pub distance: f64,
    /// The share of the uncorrected distance removed (1 = all, 0 = none,
    /// below 0 = worse).
    pub score: f64,
}

/// The fitted corrections and their quality.
pub struct Match {
    /// The base look with its CDL replaced by the fit.
    pub cdl_look: Look,
    /// The base look with the match LUT in its creative LUT slot.
    pub lut_look: Look,
    /// The baked match LUT (already composed with the base look's LUT).
    pub lut: Arc<Lut>,
    pub before: Quality,
    pub baseline: Quality,
    pub cdl: Quality,
    pub rich: Quality,
}

/// Fits the corrections. `lut_file`: where the match LUT will be written
/// (the look names it).
pub fn fit(
    base: &Look,
    samples: &MatchSamples,
    lut_file: &std::path::Path,
) -> Result<Match, MatchError> {
    let targets = transport(&samples.source, &samples.reference, 0x006d_6174_6368);
    let grader = Grader::new(base);
    let reference_lab = lab_of(&samples.reference_display);
    let quality_of = |working: &[[f32; 3]]| {
        let display: Vec<[f32; 3]> = working.iter().map(|&w| grader.leaving(w)).collect();
        distribution_distance(&lab_of(&display), &reference_lab)
    };
    let before = quality_of(&samples.source);
    let score = |distance: f64| Quality {
        distance,
        score: if before > 0.0 {
            1.0 - distance / before
        } else {
            0.0
        },
    };

    let baseline = mean_std_transfer(&samples.source, &samples.reference);

    let cdl = fit_cdl(base, &samples.entering, &targets);
    let cdl_look = Look {
        cdl: cdl.clone(),
        ..base.clone()
    };
    let cdl_grader = Grader::new(&cdl_look);
    let cdl_out: Vec<[f32; 3]> = samples
        .entering
        .iter()
        .map(|&e| cdl_grader.working(e))
        .collect();

    let poly = Polynomial::fit(&samples.source, &targets);
    let rich: Vec<[f32; 3]> = samples.source.iter().map(|&w| poly.apply(w)).collect();
    let lut = Arc::new(Lut::ThreeD(bake(base, &poly, &samples.source)));
    let lut_look = Look {
        lut: Some(LutRef {
            file: lut_file.to_path_buf(),
            interpolation: Interpolation::Tetrahedral,
        }),
        loaded_lut: Some(Arc::clone(&lut)),
        ..base.clone()
    };
    Ok(Match {
        cdl_look,
        lut_look,
        lut,
        before: score(before),
        baseline: score(quality_of(&baseline)),
        cdl: score(quality_of(&cdl_out)),
        rich: score(quality_of(&rich)),
    })
}

fn lab_of(display: &[[f32; 3]]) -> Vec<[f64; 3]> {
    display.iter().map(|&c| srgb_to_lab(c)).collect()
}

/// A random rotation (rows orthonormal) from the seeded sequence.
fn rotation(rng: &mut SplitMix64) -> [[f64; 3]; 3] {
    let gaussian = |rng: &mut SplitMix64| {
        // Box-Muller.
        let (u, v) = (rng.next_unit().max(1e-12), rng.next_unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let mut rows = [[0.0f64; 3]; 3];
    for i in 0..3 {
        let mut v = [gaussian(rng), gaussian(rng), gaussian(rng)];
        for row in rows.iter().take(i) {
            let d: f64 = (0..3).map(|c| v[c] * row[c]).sum();
            for c in 0..3 {
                v[c] -= d * row[c];
            }
        }
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        rows[i] = v.map(|x| x / n);
    }
    rows
}

/// The value at quantile `q` (0..1) of sorted `values`, interpolated.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let i = (pos as usize).min(sorted.len() - 2);
    let t = pos - i as f64;
    sorted[i] * (1.0 - t) + sorted[i + 1] * t
}

/// Each source sample moved onto the reference's distribution (Pitié et
/// al. 2007's iterative distribution transfer, seeded rotations).
pub fn transport(source: &[[f32; 3]], reference: &[[f32; 3]], seed: u64) -> Vec<[f32; 3]> {
    let mut rng = SplitMix64(seed);
    let mut x: Vec<[f64; 3]> = source.iter().map(|c| c.map(f64::from)).collect();
    let target: Vec<[f64; 3]> = reference.iter().map(|c| c.map(f64::from)).collect();
    let mut order: Vec<usize> = (0..x.len()).collect();
    for _ in 0..TRANSFER_ITERATIONS {
        for axis in rotation(&mut rng) {
            let project = |v: &[f64; 3]| v[0] * axis[0] + v[1] * axis[1] + v[2] * axis[2];
            let mut ref_proj: Vec<f64> = target.iter().map(project).collect();
            ref_proj.sort_by(f64::total_cmp);
            let proj: Vec<f64> = x.iter().map(project).collect();
            order.sort_by(|&a, &b| proj[a].total_cmp(&proj[b]));
            let n = x.len() as f64;
            for (rank, &i) in order.iter().enumerate() {
                let want = quantile(&ref_proj, (rank as f64 + 0.5) / n);
                let step = want - proj[i];
                for c in 0..3 {
                    x[i][c] += step * axis[c];
                }
            }
        }
    }
    x.into_iter().map(|v| v.map(|c| c as f32)).collect()
}

/// The baseline: each channel's mean and standard deviation moved to the
/// reference's.
pub fn mean_std_transfer(source: &[[f32; 3]], reference: &[[f32; 3]]) -> Vec<[f32; 3]> {
    let stats = |v: &[[f32; 3]]| {
        [0, 1, 2].map(|c| {
            let n = v.len() as f64;
            let mean = v.iter().map(|p| f64::from(p[c])).sum::<f64>() / n;
            let var = v
                .iter()
                .map(|p| (f64::from(p[c]) - mean).powi(2))
                .sum::<f64>()
                / n;
            (mean, var.sqrt().max(1e-9))
        })
    };
    let (s, r) = (stats(source), stats(reference));
    source
        .iter()
        .map(|p| [0, 1, 2].map(|c| ((f64::from(p[c]) - s[c].0) / s[c].1 * r[c].1 + r[c].0) as f32))
        .collect()
}

/// `base` with its CDL fitted so that it grades the picture whose code
/// values are `codes` as `target` does (another look on the same base: an
/// auto proposal's primaries, expressed in the CDL for interchange), and
/// the mean CIEDE2000 between the two on those colours.
pub fn cdl_equivalent(base: &Look, target: &Look, codes: &[[f32; 3]]) -> (Look, f64) {
    let (from, to) = (Grader::new(base), Grader::new(target));
    let entering: Vec<[f32; 3]> = codes.iter().map(|&c| from.entering(c)).collect();
    let wanted: Vec<[f32; 3]> = codes.iter().map(|&c| to.working(to.entering(c))).collect();
    let look = Look {
        cdl: fit_cdl(base, &entering, &wanted),
        ..base.clone()
    };
    let fitted = Grader::new(&look);
    let error = codes
        .iter()
        .map(|&c| {
            crate::grade::lab::delta_e_2000(srgb_to_lab(fitted.pixel(c)), srgb_to_lab(to.pixel(c)))
        })
        .sum::<f64>()
        / codes.len().max(1) as f64;
    (look, error)
}

/// The CDL's ten numbers as the fit moves them.
fn cdl_params(cdl: &Cdl) -> [f64; 10] {
    let mut p = [0.0; 10];
    for c in 0..3 {
        p[c] = f64::from(cdl.slope[c]);
        p[3 + c] = f64::from(cdl.offset[c]);
        p[6 + c] = f64::from(cdl.power[c]);
    }
    p[9] = f64::from(cdl.saturation);
    p
}

fn cdl_from(p: &[f64; 10], clamp: bool) -> Cdl {
    let f = |i: usize, lo: f64, hi: f64| p[i].clamp(lo, hi) as f32;
    Cdl {
        slope: [0, 1, 2].map(|c| f(c, 0.0, 100.0)),
        offset: [0, 1, 2].map(|c| f(3 + c, -10.0, 10.0)),
        power: [0, 1, 2].map(|c| f(6 + c, 0.01, 100.0)),
        saturation: f(9, 0.0, 100.0),
        clamp,
    }
}

/// Fits the CDL that takes `entering` through the look's working
/// operators closest to `targets` (least squares, Levenberg-Marquardt with
/// a forward-difference Jacobian, from the look's own CDL).
fn fit_cdl(base: &Look, entering: &[[f32; 3]], targets: &[[f32; 3]]) -> Cdl {
    let stride = (entering.len() / FIT_SAMPLES).max(1);
    let picked: Vec<usize> = (0..entering.len()).step_by(stride).collect();
    let residuals = |p: &[f64; 10]| -> Vec<f64> {
        let look = Look {
            cdl: cdl_from(p, base.cdl.clamp),
            ..base.clone()
        };
        let grader = Grader::new(&look);
        picked
            .iter()
            .flat_map(|&i| {
                let out = grader.working(entering[i]);
                (0..3).map(move |c| f64::from(out[c] - targets[i][c]))
            })
            .collect()
    };
    let cost = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>();
    let mut p = cdl_params(&base.cdl);
    let mut r = residuals(&p);
    let mut lambda = 1e-3;
    for _ in 0..60 {
        let h = 1e-4;
        let columns: Vec<Vec<f64>> = (0..10)
            .map(|k| {
                let mut q = p;
                q[k] += h;
                residuals(&q)
                    .iter()
                    .zip(&r)
                    .map(|(a, b)| (a - b) / h)
                    .collect()
            })
            .collect();
        let mut jtj = [[0.0f64; 10]; 10];
        let mut jtr = [0.0f64; 10];
        for a in 0..10 {
            for b in 0..10 {
                jtj[a][b] = columns[a].iter().zip(&columns[b]).map(|(x, y)| x * y).sum();
            }
            jtr[a] = columns[a].iter().zip(&r).map(|(x, y)| x * y).sum();
        }
        let mut improved = false;
        for _ in 0..8 {
            let mut m = jtj;
            for (k, row) in m.iter_mut().enumerate() {
                row[k] += lambda * (jtj[k][k] + 1e-9);
            }
            let Some(step) = solve(m, jtr.map(|v| -v)) else {
                lambda *= 10.0;
                continue;
            };
            let mut q = p;
            for k in 0..10 {
                q[k] += step[k];
            }
            let q = cdl_params(&cdl_from(&q, base.cdl.clamp));
            let rq = residuals(&q);
            if cost(&rq) < cost(&r) {
                let gain = cost(&r) - cost(&rq);
                (p, r) = (q, rq);
                lambda = (lambda / 3.0).max(1e-9);
                improved = gain > 1e-10 * cost(&r).max(1e-12);
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    cdl_from(&p, base.cdl.clamp)
}

/// Solves `m x = b` by Gaussian elimination with partial pivoting.
fn solve<const N: usize>(mut m: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&a, &c| m[a][col].abs().total_cmp(&m[c][col].abs()))?;
        if m[pivot][col].abs() < 1e-18 {
            return None;
        }
        m.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = m.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (v, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *v -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let s: f64 = (row + 1..N).map(|k| m[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / m[row][row];
    }
    Some(x)
}

/// A second-degree polynomial per output channel in the three inputs.
struct Polynomial {
    coefficients: [[f64; 10]; 3],
}

impl Polynomial {
    fn terms(v: [f32; 3]) -> [f64; 10] {
        let [r, g, b] = v.map(f64::from);
        [1.0, r, g, b, r * r, g * g, b * b, r * g, g * b, b * r]
    }

    /// Least squares with a ridge pulling towards the identity.
    fn fit(from: &[[f32; 3]], to: &[[f32; 3]]) -> Polynomial {
        let mut ata = [[0.0f64; 10]; 10];
        let mut atb = [[0.0f64; 10]; 3];
        for (f, t) in from.iter().zip(to) {
            let x = Self::terms(*f);
            for a in 0..10 {
                for b in 0..10 {
                    ata[a][b] += x[a] * x[b];
                }
                for c in 0..3 {
                    atb[c][a] += x[a] * f64::from(t[c]);
                }
            }
        }
        let n = from.len().max(1) as f64;
        let mut coefficients = [[0.0; 10]; 3];
        for c in 0..3 {
            // Ridge towards the identity: out_c = in_c.
            let mut m = ata;
            let mut rhs = atb[c];
            for k in 0..10 {
                m[k][k] += RIDGE * n;
                if k == 1 + c {
                    rhs[k] += RIDGE * n;
                }
            }
            let mut identity = [0.0; 10];
            identity[1 + c] = 1.0;
            coefficients[c] = solve(m, rhs).unwrap_or(identity);
        }
        Polynomial { coefficients }
    }

    fn apply(&self, v: [f32; 3]) -> [f32; 3] {
        let x = Self::terms(v);
        self.coefficients
            .map(|k| k.iter().zip(&x).map(|(a, b)| a * b).sum::<f64>() as f32)
    }
}

/// The match polynomial baked into a 3D LUT after the base look's own LUT,
/// over the working range most samples span (0.1 % to 99.9 % per channel,
/// and at least 0..1: a few far outliers would spread the grid thin).
/// Outside the samples' range each node keeps its distance from the
/// range's edge, so the polynomial is never extrapolated far.
fn bake(base: &Look, poly: &Polynomial, samples: &[[f32; 3]]) -> Lut3d {
    let mut lo = [0.0f32; 3];
    let mut hi = [1.0f32; 3];
    let mut seen_lo = [0.0f32; 3];
    let mut seen_hi = [1.0f32; 3];
    for c in 0..3 {
        let mut v: Vec<f64> = samples.iter().map(|s| f64::from(s[c])).collect();
        v.sort_by(f64::total_cmp);
        seen_lo[c] = quantile(&v, 0.001) as f32;
        seen_hi[c] = quantile(&v, 0.999) as f32;
        lo[c] = lo[c].min(seen_lo[c]);
        hi[c] = hi[c].max(seen_hi[c]);
    }
    let n = LUT_SIZE;
    let at = |c: usize, i: usize| lo[c] + (hi[c] - lo[c]) * i as f32 / (n - 1) as f32;
    let base_lut = base.loaded_lut.as_ref().zip(base.lut.as_ref());
    let mut table = Vec::with_capacity(n * n * n);
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                let node = [at(0, r), at(1, g), at(2, b)];
                let node = match base_lut {
                    Some((lut, reference)) => lut.apply(node, reference.interpolation),
                    None => node,
                };
                // Evaluate inside the seen range, carry the rest linearly.
                let inside = [0, 1, 2].map(|c| node[c].clamp(seen_lo[c], seen_hi[c]));
                let mapped = poly.apply(inside);
                table.push([0, 1, 2].map(|c| mapped[c] + (node[c] - inside[c])));
            }
        }
    }
    Lut3d {
        title: "neurograde colour match".into(),
        size: n,
        domain_min: lo,
        domain_max: hi,
        table,
        shaper: None,
    }
}

/// The sliced Wasserstein-1 distance between two colour sets in CIELAB
/// (ΔE*ab): the mean, over fixed directions, of the mean absolute
/// difference between their sorted projections (matched by quantile).
pub fn distribution_distance(a: &[[f64; 3]], b: &[[f64; 3]]) -> f64 {
    let mut rng = SplitMix64(0x5357_3144);
    let n = a.len().max(b.len()).min(4096);
    let mut total = 0.0;
    for _ in 0..DISTANCE_PROJECTIONS {
        let axis = rotation(&mut rng)[0];
        let sorted = |set: &[[f64; 3]]| {
            let mut p: Vec<f64> = set
                .iter()
                .map(|v| v[0] * axis[0] + v[1] * axis[1] + v[2] * axis[2])
                .collect();
            p.sort_by(f64::total_cmp);
            p
        };
        let (pa, pb) = (sorted(a), sorted(b));
        total += (0..n)
            .map(|k| {
                let q = (k as f64 + 0.5) / n as f64;
                (quantile(&pa, q) - quantile(&pb, q)).abs()
            })
            .sum::<f64>()
            / n as f64;
    }
    total / DISTANCE_PROJECTIONS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_moves_a_distribution_onto_another() {
        let mut rng = SplitMix64(7);
        let source: Vec<[f32; 3]> = (0..4000)
            .map(|_| [0, 0, 0].map(|_| rng.next_unit() as f32 * 0.5))
            .collect();
        let reference: Vec<[f32; 3]> = source
            .iter()
            .map(|c| [c[0] * 1.5 + 0.1, c[1] * 0.8, c[2] + 0.2])
            .collect();
        let moved = transport(&source, &reference, 1);
        let lab = |v: &[[f32; 3]]| {
            v.iter()
                .map(|c| c.map(|x| f64::from(x) * 100.0))
                .collect::<Vec<_>>()
        };
        let before = distribution_distance(&lab(&source), &lab(&reference));
        let after = distribution_distance(&lab(&moved), &lab(&reference));
        assert!(after < before / 10.0, "{before} -> {after}");
        // An affine change per channel is what the baseline recovers exactly.
        let baseline = mean_std_transfer(&source, &reference);
        for (b, r) in baseline.iter().zip(&reference) {
            assert!((0..3).all(|c| (b[c] - r[c]).abs() < 1e-4), "{b:?} {r:?}");
        }
    }

    #[test]
    fn solve_inverts_a_small_system() {
        let x = solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12);
    }
}
