//! Skin smoothing (`soften` in a `[[secondary]]`, Face Refinement): an
//! edge-preserving blur of the camera picture, mixed in by the secondary's
//! mask and strength before the grade.
//!
//! How it works: at a pixel that some softening secondary weighs, the
//! amount is the largest `soften x weight` among the secondaries (their
//! keyed masks). The pixel's neighbours on a 5 x 5 grid of taps
//! [`soften_step`] pixels apart (a four-hundredth of the picture height,
//! 3 pixels at 1080p: pores and freckles, not features) are averaged with a
//! bilateral filter (Tomasi and Manduchi 1998): a Gaussian in tap distance
//! (sigma 1.5 taps) times a Gaussian in luma difference (sigma
//! [`RANGE_SIGMA`] code values), so the edges of eyes, nostrils, lips and
//! hair stay where they are. The result moves the pixel towards that mean
//! by the amount, each channel by at most [`LIMIT`] (strength-limited: a
//! strong feature is never flattened), so a low amount keeps most of the
//! skin's texture. It acts on the camera's code values (log or display
//! encoded, near perceptual), before the grade. CPU twin of
//! `shaders/filters.wgsl`; a pixel no softening secondary weighs is exactly
//! untouched.

/// The luma difference (code values) at which a neighbour counts
/// e^-0.5 as much: skin texture is below it, features above.
pub const RANGE_SIGMA: f32 = 0.08;
/// The most a channel moves (code values), at full strength.
pub const LIMIT: f32 = 0.08;
/// The tap spacing as a share of the picture height.
pub const STEP_SHARE: f32 = 0.0025;

/// Rec. 709 luma weights (ITU-R BT.709-6 item 3.3), on code values.
const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// Pixels between taps for a picture `height` pixels high (at least 1).
pub fn soften_step(height: u32) -> u32 {
    ((height as f32 * STEP_SHARE).round() as u32).max(1)
}

/// The Gaussian in tap distance, sigma 1.5 taps.
fn spatial(i: i32, j: i32) -> f32 {
    (-((i * i + j * j) as f32) / 4.5).exp()
}

/// The softened value of the pixel at `(x, y)` of a `width` x `height`
/// picture whose code values `pixel` gives (edges clamped), by `amount`
/// (0..1), taps `step` pixels apart; `centre` is the pixel's own value
/// (the picture's, or defocused first). CPU twin of `softened` in
/// filters.wgsl.
pub fn soften_pixel(
    pixel: impl Fn(u32, u32) -> [f32; 3],
    centre: [f32; 3],
    (x, y): (u32, u32),
    (width, height): (u32, u32),
    amount: f32,
    step: u32,
) -> [f32; 3] {
    let luma = |c: [f32; 3]| c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2];
    let own = luma(centre);
    let mut sum = [0.0f32; 3];
    let mut total = 0.0f32;
    for j in -2i32..=2 {
        for i in -2i32..=2 {
            let at = |v: u32, d: i32, n: u32| {
                (i64::from(v) + i64::from(d) * i64::from(step)).clamp(0, i64::from(n) - 1) as u32
            };
            let n = pixel(at(x, i, width), at(y, j, height));
            let d = luma(n) - own;
            let w = spatial(i, j) * (-(d * d) / (2.0 * RANGE_SIGMA * RANGE_SIGMA)).exp();
            for c in 0..3 {
                sum[c] += w * n[c];
            }
            total += w;
        }
    }
    [0, 1, 2].map(|c| centre[c] + amount * (sum[c] / total - centre[c]).clamp(-LIMIT, LIMIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_stays_flat_edges_stay_and_texture_fades_with_the_amount() {
        let size = (20, 20);
        let flat = |_: u32, _: u32| [0.4, 0.3, 0.2];
        let still = soften_pixel(flat, flat(5, 5), (5, 5), size, 1.0, 2);
        assert!((still[1] - 0.3).abs() < 1e-6, "{still:?}");
        // A step of 0.5 in luma: the far side hardly counts.
        let edge = |x: u32, _: u32| if x < 10 { [0.2; 3] } else { [0.7; 3] };
        let next_to_edge = soften_pixel(edge, edge(9, 10), (9, 10), size, 1.0, 1);
        assert!((next_to_edge[0] - 0.2).abs() < 1e-3, "{next_to_edge:?}");
        // Fine texture (+-0.02 checkerboard) is smoothed in proportion.
        let texture = |x: u32, y: u32| [0.5 + if (x + y) % 2 == 0 { 0.02 } else { -0.02 }; 3];
        let full = soften_pixel(texture, texture(10, 10), (10, 10), size, 1.0, 1)[0] - 0.5;
        let low = soften_pixel(texture, texture(10, 10), (10, 10), size, 0.25, 1)[0] - 0.5;
        assert!(full.abs() < 0.006, "{full}");
        assert!((low - (0.02 + 0.25 * (full - 0.02))).abs() < 1e-6, "{low}");
        assert_eq!(soften_step(1080), 3);
        assert_eq!(soften_step(100), 1);
    }
}
