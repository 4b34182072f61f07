//! Matte refinement (`refine = 0..1` in a `[[secondary]]`): mask edges
//! that follow the picture at full resolution, not the model's coarse grid.
//!
//! How it works: a colour guided filter (K. He, J. Sun, X. Tang, "Guided
//! Image Filtering", IEEE TPAMI 35(6), 2013, eqs. 19-21) in its fast form
//! (K. He, J. Sun, "Fast Guided Filter", arXiv:1505.00996, 2015): on the
//! masks' grid, the picture the masks were made from (the guide, `I`, the
//! analysis copy's RGB code values) and each secondary's keyed weight (`p`)
//! give, in every window of (2r + 1)^2 texels (edges clamped),
//! `a = (Sigma + eps U)^-1 (mean(I p) - mean(I) mean(p))` and
//! `b = mean(p) - a . mean(I)`; each texel then holds the mean of `a` and
//! `b` over its window. At every pixel of the frame, `a` and `b` are read
//! bilinearly and applied to that pixel's own code value:
//! `q = clamp(a . I + b, 0, 1)`, so the matte's edge lands on the picture's
//! edge within the window, and the weight becomes `mix(p, q, refine)`.
//! The coefficients come from the masks' own picture, so they change only
//! when new masks arrive (temporally as steady as the masks); between two
//! analyses each pixel applies them to its current value.
//!
//! The GPU computes the same (`refine_coefficients`, `refine_average` in
//! shaders/masks.wgsl; `refine_weights` in grade.wgsl).

use super::secondary::{Secondary, SecondaryWeights, MAX_SECONDARIES};
use crate::masks::bilinear;
use crate::masks::MaskSet;

/// The window radius as a share of the mask grid's height.
pub const RADIUS_SHARE: f32 = 0.006;
/// The largest window radius in mask texels (the GPU's loop bound).
pub const MAX_RADIUS_TEXELS: i32 = 4;
/// The regulariser: the guide variance (code values squared) below which a
/// window's matte is taken as flat rather than following the picture.
pub const EPSILON: f32 = 1e-3;

/// The window radius in texels on a grid `grid_height` texels high.
pub fn radius_texels(grid_height: u32) -> i32 {
    ((RADIUS_SHARE * grid_height as f32).round() as i32).clamp(1, MAX_RADIUS_TEXELS)
}

/// Each secondary's refined-matte coefficients on the masks' grid:
/// `[a.r, a.g, a.b, b]` per secondary and texel, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct RefineGrid {
    pub width: u32,
    pub height: u32,
    pub values: Vec<[[f32; 4]; MAX_SECONDARIES]>,
}

/// The guide's code value at a texel (RGBA8 row by row; alpha unused).
fn guide_at(masks: &MaskSet, x: i64, y: i64) -> [f32; 3] {
    let x = x.clamp(0, i64::from(masks.width) - 1) as usize;
    let y = y.clamp(0, i64::from(masks.height) - 1) as usize;
    let i = (y * masks.width as usize + x) * 4;
    [0, 1, 2].map(|c| f32::from(masks.guide[i + c]) / 255.0)
}

/// `a` and `b` for one window from its means, the guide taken relative to
/// the window's centre texel `centre` (so that the variances do not cancel
/// in f32): the guide's mean `m`, its second moments `[rr, rg, rb, gg, gb,
/// bb]`, the matte's mean `p` and the guide-times-matte means `ip`. CPU
/// twin of `coefficients` in masks.wgsl (the same operations in the same
/// order).
pub fn coefficients(
    m: [f32; 3],
    moments: [f32; 6],
    p: f32,
    ip: [f32; 3],
    centre: [f32; 3],
) -> [f32; 4] {
    let xx = moments[0] - m[0] * m[0] + EPSILON;
    let xy = moments[1] - m[0] * m[1];
    let xz = moments[2] - m[0] * m[2];
    let yy = moments[3] - m[1] * m[1] + EPSILON;
    let yz = moments[4] - m[1] * m[2];
    let zz = moments[5] - m[2] * m[2] + EPSILON;
    let cov = [ip[0] - m[0] * p, ip[1] - m[1] * p, ip[2] - m[2] * p];
    // The inverse by cofactors (the matrix is symmetric).
    let c00 = yy * zz - yz * yz;
    let c01 = xz * yz - xy * zz;
    let c02 = xy * yz - xz * yy;
    let c11 = xx * zz - xz * xz;
    let c12 = xy * xz - xx * yz;
    let c22 = xx * yy - xy * xy;
    let det = xx * c00 + xy * c01 + xz * c02;
    let a = [
        (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) / det,
        (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) / det,
        (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) / det,
    ];
    let mean = [m[0] + centre[0], m[1] + centre[1], m[2] + centre[2]];
    [
        a[0],
        a[1],
        a[2],
        p - (a[0] * mean[0] + a[1] * mean[1] + a[2] * mean[2]),
    ]
}

/// The refined weight at a pixel whose code value is `guide`, from the
/// keyed weight `keyed` and the coefficients there, by `amount`. CPU twin
/// of `refined` in grade.wgsl.
pub fn refined(keyed: f32, c: [f32; 4], guide: [f32; 3], amount: f32) -> f32 {
    let q = (c[0] * guide[0] + c[1] * guide[1] + c[2] * guide[2] + c[3]).clamp(0.0, 1.0);
    keyed + (q - keyed) * amount
}

impl RefineGrid {
    /// The coefficients of the `secondaries` that refine, from their keyed
    /// `weights` and the masks' guide; `None` when none refines.
    pub fn key(
        masks: &MaskSet,
        weights: &SecondaryWeights,
        secondaries: &[Secondary],
    ) -> Option<RefineGrid> {
        if !secondaries
            .iter()
            .take(MAX_SECONDARIES)
            .any(|s| s.refine_amount() > 0.0)
        {
            return None;
        }
        let (w, h) = (masks.width, masks.height);
        let r = radius_texels(h);
        let texels = || (0..h).flat_map(move |y| (0..w).map(move |x| (x, y)));
        let count = ((2 * r + 1) * (2 * r + 1)) as f32;
        // Step 1 (refine_coefficients): each window's a and b.
        let raw: Vec<[[f32; 4]; MAX_SECONDARIES]> = texels()
            .map(|(x, y)| {
                let mut m = [0.0f32; 3];
                let mut moments = [0.0f32; 6];
                let mut p = [0.0f32; 4];
                let mut ip = [[0.0f32; 3]; 4];
                let centre = guide_at(masks, i64::from(x), i64::from(y));
                for j in -r..=r {
                    for i in -r..=r {
                        let (tx, ty) = (i64::from(x) + i64::from(i), i64::from(y) + i64::from(j));
                        let texel = guide_at(masks, tx, ty);
                        let g = [0, 1, 2].map(|c| texel[c] - centre[c]);
                        let v = weights.texel(tx, ty);
                        for c in 0..3 {
                            m[c] += g[c];
                        }
                        let products = [
                            g[0] * g[0],
                            g[0] * g[1],
                            g[0] * g[2],
                            g[1] * g[1],
                            g[1] * g[2],
                            g[2] * g[2],
                        ];
                        for (sum, v) in moments.iter_mut().zip(products) {
                            *sum += v;
                        }
                        for s in 0..4 {
                            p[s] += v[s];
                            for c in 0..3 {
                                ip[s][c] += g[c] * v[s];
                            }
                        }
                    }
                }
                let m = m.map(|v| v / count);
                let moments = moments.map(|v| v / count);
                [0, 1, 2, 3].map(|s| {
                    coefficients(m, moments, p[s] / count, ip[s].map(|v| v / count), centre)
                })
            })
            .collect();
        // Step 2 (refine_average): their mean over each window.
        let at = |x: i64, y: i64| {
            let x = x.clamp(0, i64::from(w) - 1) as usize;
            let y = y.clamp(0, i64::from(h) - 1) as usize;
            raw[y * w as usize + x]
        };
        let values = texels()
            .map(|(x, y)| {
                let mut sum = [[0.0f32; 4]; 4];
                for j in -r..=r {
                    for i in -r..=r {
                        let v = at(i64::from(x) + i64::from(i), i64::from(y) + i64::from(j));
                        for s in 0..4 {
                            for c in 0..4 {
                                sum[s][c] += v[s][c];
                            }
                        }
                    }
                }
                sum.map(|s| s.map(|v| v / count))
            })
            .collect();
        Some(RefineGrid {
            width: w,
            height: h,
            values,
        })
    }

    /// Each secondary's coefficients at `uv` (0..1 over the picture),
    /// bilinear between texel centres. CPU twin of `refine_at` in
    /// grade.wgsl.
    pub fn at(&self, uv: [f32; 2]) -> [[f32; 4]; MAX_SECONDARIES] {
        [0, 1, 2, 3].map(|s| {
            let texel = |x: u32, y: u32| self.values[(y * self.width + x) as usize][s];
            bilinear(self.width, self.height, texel, uv)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::secondary::MaskKind;
    use crate::masks::MaskChannel;

    /// A picture whose left half is dark and right half bright, and a
    /// person matte that is half-way on the first bright column: the
    /// refined matte steps where the picture steps.
    #[test]
    fn a_blurred_matte_snaps_to_the_pictures_edge() {
        let (w, h) = (64u32, 64u32);
        let mut masks = MaskSet::empty(w, h);
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 4) as usize;
                let bright = x >= 32;
                masks.guide[i..i + 3].copy_from_slice(if bright {
                    &[200, 180, 160]
                } else {
                    &[30, 40, 60]
                });
                let blurred = ((x as f32 - 31.0) / 2.0).clamp(0.0, 1.0);
                masks.rgba[i + MaskChannel::Person as usize] = (blurred * 255.0).round() as u8;
            }
        }
        let person = Secondary {
            refine: 1.0,
            ..Secondary::new(MaskKind::Person)
        };
        let secondaries = [person];
        let weights = SecondaryWeights::key(&masks, &secondaries, (w, h));
        let grid = RefineGrid::key(&masks, &weights, &secondaries).expect("refines");
        let weight = |x: u32| {
            let uv = [(x as f32 + 0.5) / w as f32, 0.5];
            let guide = if x >= 32 {
                [200.0, 180.0, 160.0]
            } else {
                [30.0, 40.0, 60.0]
            };
            refined(
                weights.at(uv)[0],
                grid.at(uv)[0],
                guide.map(|v| v / 255.0),
                1.0,
            )
        };
        // The raw matte is half-way at x = 32; refined, the two sides of the
        // picture's edge are far apart, and far from it nothing changes.
        let raw = |x: u32| weights.at([(x as f32 + 0.5) / w as f32, 0.5])[0];
        assert!((raw(32) - raw(31) - 0.5).abs() < 0.01);
        assert!(
            weight(32) - weight(31) > 0.65,
            "{} {}",
            weight(31),
            weight(32)
        );
        assert!(weight(20) < 0.01 && weight(44) > 0.99);
        // Nothing refines: no grid.
        let plain = [Secondary::new(MaskKind::Person)];
        assert!(RefineGrid::key(&masks, &weights, &plain).is_none());
    }
}
