//! Baking a whole look into a 3D LUT, for LUT boxes, monitors and other
//! tools that take a `.cube`.
//!
//! How it works: the CPU reference of the grade ([`super::reference`]) is
//! evaluated at every point of an N x N x N grid over the input code values
//! [0, 1]. A LUT of those samples is exact at its grid points and only
//! approximate in between: where the grade bends sharply inside a cell (a
//! display rendering's gamut mapping, a clip to black) tetrahedral
//! interpolation cuts the corner by many codes. So the nodes are then
//! fitted, by least squares, to the live grade at many colours between them
//! ([`fit_nodes`]): colours a camera records of ordinary scenes in the
//! look's input encoding, plus colours uniform over the whole cube. The fit
//! knows that whatever applies the LUT shows the display range [0, 1], so a
//! node may pass below black or above white to put a clip where the grade
//! has it. The result is still a plain .cube: OpenColorIO, ffmpeg's
//! `lut3d` and LUT boxes apply it as they apply any other, and it lands
//! nearer the live grade in all of them. Behind a shaper
//! ([`CubeForm::Shaped`], for OpenColorIO and Resolve) the grid's points
//! go where the look's input values lie. [`bake_error`] measures how near,
//! on a picture or on [`test_colours`], so `look export` says so instead of
//! leaving the user to find out on set.

use super::gamut::{conversion, mul_vec, Gamut};
use super::look::Look;
use super::lut::{Interpolation, Lut1d, Lut3d};
use super::reference::Grader;
use super::transform::{InputTransform, OutputTransform, SceneTransforms};
use crate::noise::SplitMix64;

/// Colours the nodes are fitted to, per node of the grid (more fit a
/// little better: 8 to 24 takes a 33-point ACES 2.0 look from p99 6.7 to
/// 5.9 codes on the portrait), up to a memory bound for 65 points.
const FIT_COLOURS_PER_NODE: usize = 24;
const FIT_COLOURS_MAX: usize = 2_000_000;
/// Pull of each node towards the grade at its own grid point, against the
/// fitting colours' pull (which is 1 per colour): it holds the nodes no
/// colour lands near, and keeps the others from wandering to trade a large
/// error far away for a small one here.
const NODE_PULL: f64 = 0.01;
/// How far past black and white a node may go: enough to put a clip
/// inside a cell where the grade has it (a margin of 0.1 fits as well as
/// none on the example looks), not so far that a tool which reads the
/// .cube into a fixed-point table has far to clamp.
const NODE_MARGIN: f64 = 0.1;

/// What a baked .cube holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CubeForm {
    /// A 3D LUT alone: what every tool and LUT box reads.
    Plain,
    /// A 1D shaper in front of the 3D LUT (DaVinci Resolve's .cube form,
    /// read by OpenColorIO and Resolve, not by ffmpeg's `lut3d` or most LUT
    /// boxes), which spends the grid's points where the look's input
    /// values lie ([`shaper_for`]).
    Shaped,
}

/// Entries of a baked shaper (the live lattice's too).
pub const SHAPER_SIZE: usize = 1024;
/// The share of a shaper that stays a straight line (the rest follows
/// where the colours lie): it keeps points for the rare values too.
const SHAPER_UNIFORM: f64 = 0.25;

/// The look as a `size`^3 LUT over input code values [0, 1] (behind a
/// shaper for [`CubeForm::Shaped`]), its nodes fitted to the live grade
/// between them when the look ends in a display range (every output but
/// scene linear, whose values over 1 no display range bounds: there the
/// nodes are the grade at the grid points).
pub fn bake_cube(look: &Look, size: usize, form: CubeForm) -> Lut3d {
    let grader = Grader::new(look);
    let count = (FIT_COLOURS_PER_NODE * size.pow(3)).min(FIT_COLOURS_MAX);
    // Another sequence than the test colours the bake is measured on.
    let mut inputs = look_colours(look, count - count / 8, 0xf17);
    inputs.extend(uniform_colours(count / 8, 0xc0be));
    let mut lut = Lut3d::identity(size);
    lut.title = if look.name.is_empty() {
        "neurograde look".into()
    } else {
        look.name.clone()
    };
    if form == CubeForm::Shaped {
        let shaper = shaper_for(&inputs);
        for node in &mut lut.table {
            *node = node.map(|u| shaper_inverse(&shaper, u));
        }
        lut.shaper = Some(shaper);
    }
    lut.table = grade_all(&grader, &lut.table);
    let scene_linear = look
        .output
        .as_ref()
        .is_some_and(|o| o.transform == Some(OutputTransform::Linear));
    if !scene_linear {
        let targets = grade_all(&grader, &inputs);
        fit_nodes(&mut lut, &inputs, &targets);
    }
    lut
}

/// A shaper over [0, 1] that follows the distribution of `inputs`' values
/// (all channels together): a blend of their cumulative share with a
/// straight line, so that as many grid cells cover a range of values as
/// there are colours in it, and no range goes without.
fn shaper_for(inputs: &[[f32; 3]]) -> Lut1d {
    let mut counts = vec![0f64; SHAPER_SIZE - 1];
    for value in inputs.iter().flatten() {
        let bin = (value.clamp(0.0, 1.0) * (SHAPER_SIZE - 1) as f32) as usize;
        counts[bin.min(SHAPER_SIZE - 2)] += 1.0;
    }
    let total = counts.iter().sum::<f64>().max(1.0);
    let mut cumulative = 0.0;
    let mut table = Vec::with_capacity(SHAPER_SIZE);
    for i in 0..SHAPER_SIZE {
        let straight = i as f64 / (SHAPER_SIZE - 1) as f64;
        let v = (SHAPER_UNIFORM * straight + (1.0 - SHAPER_UNIFORM) * cumulative / total) as f32;
        table.push([v; 3]);
        cumulative += counts.get(i).copied().unwrap_or(0.0);
    }
    Lut1d {
        title: String::new(),
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table,
    }
}

/// The input value the (increasing) shaper takes to `u`.
fn shaper_inverse(shaper: &Lut1d, u: f32) -> f32 {
    let table = &shaper.table;
    let above = table
        .partition_point(|v| v[0] < u)
        .clamp(1, table.len() - 1);
    let (lo, hi) = (table[above - 1][0], table[above][0]);
    let t = if hi > lo {
        ((u - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((above - 1) as f32 + t) / (table.len() - 1) as f32
}

/// The grade of many colours, on every core.
fn grade_all(grader: &Grader, inputs: &[[f32; 3]]) -> Vec<[f32; 3]> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = inputs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|v| grader.pixel(*v)).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("grading thread"))
            .collect()
    })
}

/// Least-squares fit of `lut`'s nodes so that, applied with tetrahedral
/// interpolation and shown in the display range, it lands on `targets` at
/// `inputs`, each node also pulled ([`NODE_PULL`]) towards its current
/// value, the grade at the grid point, and kept within [`NODE_MARGIN`] of
/// the display range.
///
/// Each channel is its own linear problem (the interpolation weights are
/// the same for all three), solved by conjugate gradients on the normal
/// equations. Clipping makes it piecewise: a colour whose target is black
/// (or white) and whose interpolated value is already below (above) is
/// shown right, so it drops out, and the problem is solved again with the
/// colours that remain, a few rounds (an active-set iteration).
fn fit_nodes(lut: &mut Lut3d, inputs: &[[f32; 3]], targets: &[[f32; 3]]) {
    let weights: Vec<[(usize, f32); 4]> =
        inputs.iter().map(|v| lut.tetrahedral_weights(*v)).collect();
    let fitted: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let channels: Vec<_> = (0..3)
            .map(|c| {
                let (weights, table) = (&weights, &lut.table);
                scope.spawn(move || {
                    let grid: Vec<f64> = table.iter().map(|v| f64::from(v[c])).collect();
                    let wanted: Vec<f64> = targets.iter().map(|t| f64::from(t[c])).collect();
                    fit_channel(weights, &wanted, grid)
                })
            })
            .collect();
        channels
            .into_iter()
            .map(|c| c.join().expect("fitting thread"))
            .collect()
    });
    for (i, node) in lut.table.iter_mut().enumerate() {
        *node = [0, 1, 2].map(|c| fitted[c][i] as f32);
    }
}

fn fit_channel(weights: &[[(usize, f32); 4]], wanted: &[f64], grid: Vec<f64>) -> Vec<f64> {
    const ROUNDS: usize = 3;
    const MAX_STEPS: usize = 100;
    const TOLERANCE: f64 = 1e-10;
    let interpolate = |x: &[f64], w: &[(usize, f32); 4]| -> f64 {
        w.iter().map(|(i, a)| f64::from(*a) * x[*i]).sum()
    };
    let mut x = grid.clone();
    for _ in 0..ROUNDS {
        let shown_right = |x: &[f64], (w, t): (&[(usize, f32); 4], &f64)| {
            let v = interpolate(x, w);
            (*t <= 0.0 && v <= 0.0) || (*t >= 1.0 && v >= 1.0)
        };
        // Normal equations (A^T A + pull I) x = A^T t + pull grid, over
        // the colours not yet shown right, targets clipped to what a
        // display shows.
        let active: Vec<(&[(usize, f32); 4], f64)> = weights
            .iter()
            .zip(wanted)
            .filter(|pair| !shown_right(&x, *pair))
            .map(|(w, t)| (w, t.clamp(0.0, 1.0)))
            .collect();
        let normal = |p: &[f64], out: &mut [f64]| {
            for (o, v) in out.iter_mut().zip(p) {
                *o = NODE_PULL * v;
            }
            for (w, _) in &active {
                let v = interpolate(p, w);
                for (i, a) in *w {
                    out[*i] += f64::from(*a) * v;
                }
            }
        };
        let mut rhs: Vec<f64> = grid.iter().map(|v| NODE_PULL * v).collect();
        for (w, t) in &active {
            for (i, a) in *w {
                rhs[*i] += f64::from(*a) * t;
            }
        }
        // Conjugate gradients, preconditioned by the diagonal (a node's
        // own weight varies a hundredfold with how many colours land
        // near it).
        let mut diagonal = vec![NODE_PULL; x.len()];
        for (w, _) in &active {
            for (i, a) in *w {
                diagonal[*i] += f64::from(*a) * f64::from(*a);
            }
        }
        let mut product = vec![0.0; x.len()];
        normal(&x, &mut product);
        let mut residual: Vec<f64> = rhs.iter().zip(&product).map(|(b, p)| b - p).collect();
        let precondition =
            |r: &[f64]| -> Vec<f64> { r.iter().zip(&diagonal).map(|(r, d)| r / d).collect() };
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let mut preconditioned = precondition(&residual);
        let mut direction = preconditioned.clone();
        let mut rz = dot(&residual, &preconditioned);
        let tolerance = TOLERANCE * dot(&rhs, &precondition(&rhs));
        for _ in 0..MAX_STEPS {
            if rz <= tolerance {
                break;
            }
            normal(&direction, &mut product);
            let step = rz / dot(&direction, &product);
            for k in 0..x.len() {
                x[k] += step * direction[k];
                residual[k] -= step * product[k];
            }
            preconditioned = precondition(&residual);
            let next = dot(&residual, &preconditioned);
            let turn = next / rz;
            rz = next;
            for k in 0..x.len() {
                direction[k] = preconditioned[k] + turn * direction[k];
            }
        }
        for v in &mut x {
            *v = v.clamp(-NODE_MARGIN, 1.0 + NODE_MARGIN);
        }
    }
    x
}

/// How far a baked LUT lands from the live grade, in 10-bit codes of the
/// largest channel error, both clipped to the display range [0, 1] as a
/// monitor or LUT box shows them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BakeError {
    pub samples: usize,
    pub median: f32,
    pub p99: f32,
    pub max: f32,
    /// Share of the samples more than 2 codes off, 0 to 1.
    pub over_two_codes: f32,
}

impl std::fmt::Display for BakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "median {:.2}, p99 {:.2}, max {:.2} 10-bit codes; {:.1} % of {} colours more than 2 codes off",
            self.median,
            self.p99,
            self.max,
            100.0 * self.over_two_codes,
            self.samples
        )
    }
}

/// The error of `lut` (tetrahedral, as OpenColorIO, ffmpeg's `lut3d` and
/// most LUT boxes apply a .cube) against the look's CPU reference over
/// `inputs`, code values in the look's input encoding.
pub fn bake_error(look: &Look, lut: &Lut3d, inputs: &[[f32; 3]]) -> BakeError {
    error_against(look, inputs, |v| lut.apply(v, Interpolation::Tetrahedral))
}

/// How far `approximation` lands from the look's CPU reference over
/// `inputs` (see [`BakeError`]).
fn error_against(
    look: &Look,
    inputs: &[[f32; 3]],
    approximation: impl Fn([f32; 3]) -> [f32; 3],
) -> BakeError {
    let grader = Grader::new(look);
    let mut errors: Vec<f32> = inputs
        .iter()
        .map(|&v| {
            let (want, got) = (grader.pixel(v), approximation(v));
            (0..3)
                .map(|c| (want[c].clamp(0.0, 1.0) - got[c].clamp(0.0, 1.0)).abs() * 1023.0)
                .fold(0.0, f32::max)
        })
        .collect();
    errors.sort_by(f32::total_cmp);
    let n = errors.len();
    let at = |q: f64| {
        errors
            .get(((n as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    BakeError {
        samples: n,
        median: at(0.5),
        p99: at(0.99),
        max: at(1.0),
        over_two_codes: errors.iter().filter(|e| **e > 2.0).count() as f32 / n.max(1) as f32,
    }
}

/// `count` colours in the look's input encoding, the same every time: for a
/// scene-referred look, scene colours from 7 stops under to 5 stops over
/// mid grey with chroma inside Rec. 709, taken to the camera's gamut and
/// encoded by its input transform (what a camera records of ordinary
/// scenes); for a video-mode look, code values uniform over [0, 1].
pub fn test_colours(look: &Look, count: usize) -> Vec<[f32; 3]> {
    look_colours(look, count, 0x5eed)
}

fn look_colours(look: &Look, count: usize, seed: u64) -> Vec<[f32; 3]> {
    if !look.is_scene_referred() {
        return uniform_colours(count, seed);
    }
    let mut sequence = SplitMix64(seed);
    let mut uniform = move || sequence.next_unit();
    let input = look.input.as_ref();
    let (transfer, gamut) = input
        .map_or(InputTransform::Srgb, |i| i.transform)
        .parts(input.and_then(|i| i.ei).unwrap_or(800));
    let to_camera = conversion(Gamut::Rec709, gamut);
    (0..count)
        .map(|_| {
            let level = 0.18 * (uniform() * 12.0 - 7.0).exp2();
            let chroma = [uniform(), uniform(), uniform()];
            let peak = chroma.iter().fold(f64::MIN, |a, &b| a.max(b)).max(1e-9);
            let rec709 = chroma.map(|c| level * c / peak);
            mul_vec(&to_camera, rec709).map(|c| transfer.encode(c as f32))
        })
        .collect()
}

/// `count` code values uniform over the cube [0, 1]^3.
fn uniform_colours(count: usize, seed: u64) -> Vec<[f32; 3]> {
    let mut sequence = SplitMix64(seed);
    (0..count)
        .map(|_| [0; 3].map(|_| sequence.next_unit() as f32))
        .collect()
}

/// Points a side of the live lattice (the baked live path,
/// `src/gpu/bake.rs`). Behind [`live_shaper`], 65 points hold the example
/// ACES 2.0 look to p99 4.6 10-bit codes (median 0.3) on [`test_colours`];
/// 33 points reach only p99 13.
pub const LIVE_SIZE: usize = 65;
/// Colours the live shaper is drawn from.
const LIVE_SHAPER_COLOURS: usize = 32_768;

/// What the live lattice of a look holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveBake {
    /// The whole grade: input code values to display code values.
    Display,
    /// The graded working-space value: the secondaries and haze that
    /// follow vary over the picture, so they and the display rendering
    /// stay exact ([`Grader::finishing`]). Video mode, whose display
    /// rendering is nothing.
    Working,
    /// As `Working`, and the display rendering after the secondaries from
    /// a second lattice over the working space's range
    /// ([`live_display_lattice`]): scene-referred looks in a log working
    /// space.
    WorkingAndDisplay,
}

impl LiveBake {
    /// How `look` bakes for the live path, or why it cannot: a lattice
    /// needs a bounded range to hold, so a scene-linear output (values
    /// past 1) and, with secondaries, a linear working space stay exact.
    /// `scene` is the look's `Look::scene()`, resolved once by the caller.
    pub fn of(look: &Look, scene: Option<&SceneTransforms>) -> Result<LiveBake, &'static str> {
        let scene_linear = look
            .output
            .as_ref()
            .is_some_and(|o| o.transform == Some(OutputTransform::Linear));
        if scene_linear {
            return Err("its output is scene linear (no display range to bake into)");
        }
        if look.secondaries.is_empty() && look.atmosphere.is_none() {
            return Ok(LiveBake::Display);
        }
        match scene {
            Some(scene) if scene.working == crate::grade::transfer::Transfer::Linear => {
                Err("its secondaries grade in a linear working space (ACEScg)")
            }
            Some(_) => Ok(LiveBake::WorkingAndDisplay),
            None => Ok(LiveBake::Working),
        }
    }
}

/// The lattice's values are kept within this range (the packing of
/// `src/gpu/bake.rs` holds codes over it): wide enough for display codes
/// and every log working space.
pub const LIVE_RANGE: [f32; 2] = [-1.0, 2.0];

/// The display lattice's range in each channel of the working space:
/// every ACEScct value from linear -0.04 up, every ACEScc value (whose
/// largest, half-float's largest, is 1.468).
pub const DISPLAY_RANGE: [f32; 2] = [-0.36, 1.5];

/// CPU twin of the GPU's display lattice (`bake_display` in bake.wgsl):
/// the look's way from the working space to the display
/// ([`Grader::leaving`]) at every point of a `size`-point lattice over
/// [`DISPLAY_RANGE`].
pub fn live_display_lattice(look: &Look, size: usize) -> Lut3d {
    let grader = Grader::new(look);
    let mut lut = Lut3d::identity(size);
    let [lo, hi] = DISPLAY_RANGE;
    lut.domain_min = [lo; 3];
    lut.domain_max = [hi; 3];
    lut.table = lut
        .table
        .iter()
        .map(|node| {
            let working = node.map(|u| lo + u * (hi - lo));
            grader
                .leaving(working)
                .map(|v| v.clamp(LIVE_RANGE[0], LIVE_RANGE[1]))
        })
        .collect();
    lut
}

/// The shaper in front of the live lattice: [`shaper_for`] the colours a
/// camera records in the look's input encoding ([`test_colours`]' kind,
/// another sequence), so it depends on the input transform only.
pub fn live_shaper(look: &Look) -> Lut1d {
    shaper_for(&look_colours(look, LIVE_SHAPER_COLOURS, 0x5a9e))
}

/// The input code value at each coordinate of a `size`-point lattice
/// behind `shaper` (the GPU's bake reads them rather than inverting the
/// shaper).
pub fn lattice_inputs(shaper: &Lut1d, size: usize) -> Vec<f32> {
    (0..size)
        .map(|i| shaper_inverse(shaper, i as f32 / (size - 1) as f32))
        .collect()
}

/// CPU twin of the GPU's live bake (`bake_lattice` in bake.wgsl): the
/// look's exact grade at every point of a `size`-point lattice behind
/// `shaper`, to the display or to the working space, within
/// [`LIVE_RANGE`]. No fitting: a bake costs one evaluation a point.
pub fn live_lattice(look: &Look, shaper: &Lut1d, size: usize, bake: LiveBake) -> Lut3d {
    let grader = Grader::new(look);
    let inputs = lattice_inputs(shaper, size);
    let mut lut = Lut3d::identity(size);
    let last = (size - 1) as f32;
    lut.table = lut
        .table
        .iter()
        .map(|node| {
            let rgb = node.map(|u| inputs[(u * last).round() as usize]);
            let working = grader.working(grader.entering(rgb));
            let value = match bake {
                LiveBake::Display => grader.leaving(working),
                LiveBake::Working | LiveBake::WorkingAndDisplay => working,
            };
            value.map(|v| v.clamp(LIVE_RANGE[0], LIVE_RANGE[1]))
        })
        .collect();
    lut.shaper = Some(shaper.clone());
    lut
}

/// The live lattices of a look, made on the CPU once to measure them
/// against its exact grade (the run report's figures for the baked path).
pub struct LiveBakeCheck<'a> {
    look: &'a Look,
    bake: LiveBake,
    lattice: Lut3d,
    display: Option<Lut3d>,
}

impl<'a> LiveBakeCheck<'a> {
    pub fn new(look: &'a Look, bake: LiveBake) -> LiveBakeCheck<'a> {
        LiveBakeCheck {
            look,
            bake,
            lattice: live_lattice(look, &live_shaper(look), LIVE_SIZE, bake),
            display: (bake == LiveBake::WorkingAndDisplay)
                .then(|| live_display_lattice(look, LIVE_SIZE)),
        }
    }

    /// The error at `inputs`, as the picture shows it, with the
    /// secondaries that need no masks (a qualifier's) on both sides.
    pub fn error(&self, inputs: &[[f32; 3]]) -> BakeError {
        let grader = Grader::new(self.look);
        error_against(self.look, inputs, |v| {
            let value = self.lattice.apply(v, Interpolation::Tetrahedral);
            if self.bake == LiveBake::Display {
                return value;
            }
            // Whole-picture secondaries grade here as in the reference.
            let working = grader.secondaries_and_haze(value, None);
            match &self.display {
                Some(display) => display.apply(working, Interpolation::Tetrahedral),
                None => grader.leaving(working),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::lut::Interpolation;
    use crate::grade::reference::grade_pixel;
    use crate::grade::{Cdl, Primary};

    /// The LUT of the grade sampled at the grid points, as a bake was
    /// before its nodes were fitted.
    fn sampled_cube(look: &Look, size: usize) -> Lut3d {
        let grader = Grader::new(look);
        let mut lut = Lut3d::identity(size);
        lut.table = lut.table.iter().map(|v| grader.pixel(*v)).collect();
        lut
    }

    #[test]
    fn baked_lut_reproduces_the_look() {
        let look = Look {
            name: "t".into(),
            cdl: Cdl {
                slope: [1.1, 1.0, 0.9],
                offset: [0.02, 0.0, -0.01],
                power: [0.9, 1.0, 1.1],
                saturation: 1.2,
                clamp: true,
            },
            primary: Primary {
                exposure: 0.5,
                ..Primary::default()
            },
            ..Look::default()
        };
        let lut = bake_cube(&look, 33, CubeForm::Plain);
        assert_eq!(lut.title, "t");
        let (mut max_err, mut sum) = (0f32, 0f64);
        for i in 0..1000 {
            let v = [
                (i % 10) as f32 / 9.3,
                ((i / 10) % 10) as f32 / 9.7,
                (i / 100) as f32 / 9.1,
            ]
            .map(|c| c.min(1.0));
            let (want, got) = (
                grade_pixel(v, &look),
                lut.apply(v, Interpolation::Tetrahedral),
            );
            for c in 0..3 {
                let shown = |x: f32| x.clamp(0.0, 1.0);
                max_err = max_err.max((shown(want[c]) - shown(got[c])).abs());
                sum += f64::from((shown(want[c]) - shown(got[c])).abs());
            }
        }
        let mean = sum / 3000.0;
        // A grid cannot follow the CDL's clamps and a power curve's steep toe
        // exactly: small on average, bounded at the worst point.
        assert!(
            mean < 5e-4 && max_err < 0.01,
            "33^3 bake: mean {mean}, max {max_err}"
        );
    }

    /// A hard clip inside a cell is where sampling alone fails: the fitted
    /// nodes put the clip where the grade has it, many times nearer than
    /// the samples at the grid points, on colours the fit never saw.
    #[test]
    fn fitted_nodes_follow_a_clip_between_grid_points() {
        let look = Look {
            cdl: Cdl {
                slope: [2.3, 1.7, 2.9],
                offset: [-0.13, -0.05, -0.31],
                ..Cdl::default()
            },
            ..Look::default()
        };
        let colours = test_colours(&look, 20_000);
        let sampled = bake_error(&look, &sampled_cube(&look, 17), &colours);
        let fitted = bake_error(&look, &bake_cube(&look, 17, CubeForm::Plain), &colours);
        assert!(
            fitted.p99 < 0.5 * sampled.p99 && fitted.median < 0.25,
            "sampled: {sampled}; fitted: {fitted}"
        );
        assert!(fitted.over_two_codes < 0.5 * sampled.over_two_codes);
    }

    /// A scene-linear output is not shown in a display range: its bake
    /// keeps values over 1 (highlights) where the grade has them.
    #[test]
    fn scene_linear_bakes_keep_highlights() {
        let look = Look::parse(
            "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"linear\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let lut = bake_cube(&look, 17, CubeForm::Plain);
        let white = [0.8f32; 3];
        let (want, got) = (
            grade_pixel(white, &look),
            lut.apply(white, Interpolation::Tetrahedral),
        );
        assert!(want[1] > 5.0, "LogC3 0.8 is far over white: {want:?}");
        // Between grid points of a steep exponential: a few percent off,
        // the same in every channel.
        assert!(
            (0..3).all(|c| (got[c] / want[c] - 1.0).abs() < 0.05 && got[c] == got[1]),
            "{got:?} against {want:?}"
        );
        let node = 12.0 / 16.0;
        assert_eq!(
            lut.apply([node; 3], Interpolation::Tetrahedral),
            grade_pixel([node; 3], &look),
            "exact at a grid point"
        );
    }

    #[test]
    fn bake_error_is_measured_in_ten_bit_codes() {
        let look = Look {
            cdl: Cdl {
                slope: [1.1, 1.0, 0.9],
                ..Cdl::default()
            },
            ..Look::default()
        };
        let lut = bake_cube(&look, 33, CubeForm::Plain);
        let colours = test_colours(&look, 5000);
        assert_eq!(colours, test_colours(&look, 5000), "the same every time");
        let exact = bake_error(&look, &lut, &colours);
        // Off only in the cells the CDL's clip at 1.0 crosses.
        assert!(exact.median < 0.01 && exact.p99 < 2.0, "{exact}");
        // The same LUT 4 codes too dark everywhere away from black.
        let mut dark = lut.clone();
        for v in &mut dark.table {
            *v = v.map(|c| if c > 0.1 { c - 4.0 / 1023.0 } else { c });
        }
        let off = bake_error(&look, &dark, &colours);
        assert!((off.median - 4.0).abs() < 0.05, "{off}");
        assert!(off.over_two_codes > 0.8, "{off}");
    }

    #[test]
    fn scene_test_colours_are_in_the_input_encoding() {
        let look: Look = Look::parse(
            "[input]\ntransform = \"arri-logc3\"\n[output]\ntransform = \"rec709\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let colours = test_colours(&look, 2000);
        // LogC3 (EI 800) puts black at 0.0928 and 5 stops over grey near 0.71.
        let all = colours.iter().flatten();
        assert!(
            all.clone().all(|&c| (0.0..0.75).contains(&c)),
            "LogC3 codes"
        );
        assert!(all.clone().any(|&c| c < 0.2) && all.clone().any(|&c| c > 0.6));
    }
}
