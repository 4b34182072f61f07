//! Noise reduction for low-light live feeds: a motion-adaptive temporal
//! recursive filter with an edge-preserving spatial option, on the
//! source's code values before the grade. CPU twin of `shaders/denoise.wgsl`
//! (`denoise_pixel` there and here, same steps, same constants).
//!
//! How it works, per pixel, with `level` the noise the filter expects (the
//! standard deviation of a code value):
//!
//! 1. Spatial (`spatial` > 0): a 3x3 bilateral filter (C. Tomasi and
//!    R. Manduchi, "Bilateral filtering for gray and color images", ICCV
//!    1998): neighbours weighted by distance (a Gaussian of one pixel) and
//!    by how alike they are (a Gaussian of twice the noise level), so edges
//!    stay sharp; mixed in by `spatial`.
//! 2. Motion: the 3x3 mean luminance of this frame against that of the
//!    previous output. Averaging nine pixels divides the noise by three, so
//!    a difference over [`MOTION_FROM`] noise levels starts to be motion,
//!    fully so over [`MOTION_TO`]; and any pixel of the nine changing by
//!    more than [`DETAIL_MOTION`] levels (an edge or fine detail moving
//!    nearby) is motion too, so moving edges are found on both sides.
//! 3. Temporal: the previous output is mixed in by `temporal` x
//!    [`MAX_HISTORY`] where nothing moves, less as motion grows, nothing
//!    where something moved (no ghosts of moving edges); inside the faces
//!    and people the analysis found, `protect` lowers it further (they move
//!    and are watched closely). The recursion keeps a still pixel's noise
//!    at `sqrt((1 - w) / (1 + w))` of the input's.
//!
//! The first frame, a new size or a cut (everything moves) starts afresh.

use serde::{Deserialize, Serialize};

/// At most this share of the past is kept (1 would freeze the picture).
pub const MAX_HISTORY: f32 = 0.9;
/// 3x3-mean differences from this many noise levels start to count as motion.
pub const MOTION_FROM: f32 = 1.0;
/// ... and from this many are motion.
pub const MOTION_TO: f32 = 3.0;
/// One pixel changing by this many noise levels is motion.
pub const DETAIL_MOTION: f32 = 3.5;
/// Rec. 709 luma weights for the motion test (on code values).
const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// `[nr]`: noise reduction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NrSection {
    /// 0 = off .. 1 = keep the most of the past where nothing moves.
    pub temporal: f32,
    /// 0 = off .. 1 = the whole 3x3 edge-preserving average.
    pub spatial: f32,
    /// The noise expected, as a standard deviation in code values (0.01 is
    /// about 2.5 of 255).
    pub level: f32,
    /// 0..1: how much less temporal filtering inside faces and people.
    pub protect: f32,
}

impl Default for NrSection {
    fn default() -> NrSection {
        NrSection {
            temporal: 0.8,
            spatial: 0.0,
            level: 0.01,
            protect: 0.5,
        }
    }
}

impl NrSection {
    /// Whether the section does anything.
    pub fn is_active(&self) -> bool {
        self.temporal > 0.0 || self.spatial > 0.0
    }

    pub(super) fn checks(&self) -> [super::assist::Check; 4] {
        use super::ranges::*;
        [
            ("nr.temporal", self.temporal, NR_TEMPORAL_RANGE),
            ("nr.spatial", self.spatial, NR_SPATIAL_RANGE),
            ("nr.level", self.level, NR_LEVEL_RANGE),
            ("nr.protect", self.protect, NR_PROTECT_RANGE),
        ]
    }
}

/// A picture of code values, row-major.
pub struct Plane<'a> {
    pub width: usize,
    pub height: usize,
    pub rgb: &'a [[f32; 3]],
}

impl Plane<'_> {
    /// The pixel at (x, y), the nearest edge pixel outside.
    fn at(&self, x: isize, y: isize) -> [f32; 3] {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.rgb[y * self.width + x]
    }
}

fn luma(c: [f32; 3]) -> f32 {
    c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2]
}

fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The 3x3 bilateral average at (x, y).
fn bilateral(plane: &Plane, x: isize, y: isize, level: f32) -> [f32; 3] {
    let centre = plane.at(x, y);
    let range = 2.0 * level;
    let mut sum = [0.0f32; 3];
    let mut total = 0.0f32;
    for dy in -1..=1isize {
        for dx in -1..=1isize {
            let c = plane.at(x + dx, y + dy);
            let d2 = (0..3).map(|k| (c[k] - centre[k]).powi(2)).sum::<f32>();
            let w = (-((dx * dx + dy * dy) as f32) / 2.0 - d2 / (2.0 * range * range)).exp();
            for k in 0..3 {
                sum[k] += w * c[k];
            }
            total += w;
        }
    }
    sum.map(|s| s / total)
}

/// The difference of the 3x3 mean luminance of `current` and `history`
/// at (x, y), and the largest change of one pixel's luminance among the 9.
fn local_change(current: &Plane, history: &Plane, x: isize, y: isize) -> (f32, f32) {
    let (mut now, mut past, mut detail) = (0.0f32, 0.0f32, 0.0f32);
    for dy in -1..=1isize {
        for dx in -1..=1isize {
            let (n, p) = (
                luma(current.at(x + dx, y + dy)),
                luma(history.at(x + dx, y + dy)),
            );
            now += n;
            past += p;
            detail = detail.max((n - p).abs());
        }
    }
    ((now / 9.0 - past / 9.0).abs(), detail)
}

/// One output pixel; see the module comment. `history`: the previous
/// output (none: start afresh); `protected`: the face / person mask at the
/// pixel (0..1).
pub fn denoise_pixel(
    current: &Plane,
    history: Option<&Plane>,
    x: usize,
    y: usize,
    protected: f32,
    s: &NrSection,
) -> [f32; 3] {
    let (xi, yi) = (x as isize, y as isize);
    let c = current.at(xi, yi);
    let level = s.level;
    let spatial = if s.spatial > 0.0 {
        let b = bilateral(current, xi, yi, level);
        [0, 1, 2].map(|k| c[k] + (b[k] - c[k]) * s.spatial)
    } else {
        c
    };
    let Some(history) = history.filter(|_| s.temporal > 0.0) else {
        return spatial;
    };
    let h = history.at(xi, yi);
    let (d, detail) = local_change(current, history, xi, yi);
    let motion = smoothstep(MOTION_FROM * level, MOTION_TO * level, d).max(smoothstep(
        DETAIL_MOTION * level,
        2.0 * DETAIL_MOTION * level,
        detail,
    ));
    let w = s.temporal * MAX_HISTORY * (1.0 - motion) * (1.0 - s.protect * protected);
    [0, 1, 2].map(|k| spatial[k] + (h[k] - spatial[k]) * w)
}

/// A whole picture (see [`denoise_pixel`]); `protected` per pixel, if any.
pub fn denoise(
    current: &Plane,
    history: Option<&Plane>,
    protected: Option<&[f32]>,
    s: &NrSection,
) -> Vec<[f32; 3]> {
    let mut out = Vec::with_capacity(current.width * current.height);
    for y in 0..current.height {
        for x in 0..current.width {
            let p = protected.map_or(0.0, |m| m[y * current.width + x]);
            out.push(denoise_pixel(current, history, x, y, p, s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_still_picture_converges_and_a_change_passes_at_once() {
        let s = NrSection::default();
        let (w, h) = (5, 4);
        let base = vec![[0.5f32; 3]; w * h];
        fn plane(v: &[[f32; 3]]) -> Plane<'_> {
            Plane {
                width: 5,
                height: 4,
                rgb: v,
            }
        }
        // Noise of one level around 0.5 is pulled towards the history.
        let mut noisy = base.clone();
        noisy[7] = [0.51; 3];
        let out = denoise(&plane(&noisy), Some(&plane(&base)), None, &s);
        assert!((out[7][0] - 0.5).abs() < 0.004, "{:?}", out[7]);
        // A change of 0.2 (motion) is taken as it is.
        let moved = vec![[0.7f32; 3]; w * h];
        let out = denoise(&plane(&moved), Some(&plane(&base)), None, &s);
        assert!(out.iter().all(|c| (c[0] - 0.7).abs() < 1e-6));
        // Without history, or off, the picture passes.
        let off = NrSection { temporal: 0.0, ..s };
        assert_eq!(denoise(&plane(&noisy), None, None, &s), noisy);
        assert_eq!(
            denoise(&plane(&noisy), Some(&plane(&base)), None, &off),
            noisy
        );
    }
}
