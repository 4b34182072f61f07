//! A virtual camera moving over a real still: pan, zoom, exposure drift and
//! sensor noise, with exact ground truth.
//!
//! How it works: at time `t` the camera looks at a rectangle of the still
//! ([`VirtualCamera::view`]); each output pixel samples the still bilinearly
//! inside it, is scaled by the exposure drift and gets deterministic noise
//! (a hash of frame and pixel). Because the view is a known function of `t`,
//! tests can map any point of the still into the frame exactly.

use crate::noise::{mix, GOLDEN_GAMMA};

/// The still, as linear-interpolable 8-bit RGB.
pub struct VirtualCamera {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    /// Seconds of one full move (push in, pan across, pull back).
    period: f64,
    /// Noise amplitude in 8-bit code values (standard deviation, roughly).
    noise: f32,
    /// Where the move pushes in, as fractions of the still's width and height.
    interest: (f64, f64),
}

/// The part of the still the camera sees: centre and size in still pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub cx: f64,
    pub cy: f64,
    pub w: f64,
    pub h: f64,
    /// Exposure multiplier (1.0 = as shot).
    pub gain: f64,
}

impl View {
    /// Maps a point of the still into output-frame pixels.
    pub fn still_to_frame(&self, x: f64, y: f64, out_w: u32, out_h: u32) -> (f64, f64) {
        let u = (x - (self.cx - self.w / 2.0)) / self.w;
        let v = (y - (self.cy - self.h / 2.0)) / self.h;
        (u * f64::from(out_w), v * f64::from(out_h))
    }
}

impl VirtualCamera {
    /// A camera over `rgb` (8-bit RGB, `width` x `height`) that pushes in on
    /// `interest` (fractions of width and height).
    pub fn new(width: u32, height: u32, rgb: Vec<u8>, interest: (f64, f64)) -> VirtualCamera {
        VirtualCamera {
            width,
            height,
            rgb,
            period: 8.0,
            noise: 2.0,
            interest,
        }
    }

    /// The view at `t` seconds for an output of aspect `aspect` (w / h): a
    /// slow push-in from the widest framing to 1.6x on the point of interest
    /// (the face of the demo portrait), a gentle sway, and an exposure drift
    /// of about a third of a stop. The view always stays inside the still.
    pub fn view(&self, t: f64, aspect: f64) -> View {
        let phase = (t / self.period).fract() * std::f64::consts::TAU;
        let zoom = 1.0 + 0.3 * (1.0 - phase.cos());
        let push = (zoom - 1.0) / 0.6;
        let (sw, sh) = (f64::from(self.width), f64::from(self.height));
        // Largest rectangle of the output aspect that fits the still, shrunk by zoom.
        let (mut w, mut h) = if sw / sh > aspect {
            (sh * aspect, sh)
        } else {
            (sw, sw / aspect)
        };
        w /= zoom;
        h /= zoom;
        let (wide_x, wide_y) = (sw * 0.5, sh * 0.3);
        let (poi_x, poi_y) = (self.interest.0 * sw, self.interest.1 * sh);
        let cx = wide_x + (poi_x - wide_x) * push + 0.06 * sw * phase.sin() * (1.0 - 0.5 * push);
        let cy = wide_y + (poi_y - wide_y) * push + 0.02 * sh * (2.0 * phase).sin();
        View {
            cx: cx.clamp(w / 2.0, sw - w / 2.0),
            cy: cy.clamp(h / 2.0, sh - h / 2.0),
            w,
            h,
            gain: 2f64.powf(0.33 * phase.sin()),
        }
    }

    /// Renders frame `index` at `t` seconds into `out` (8-bit RGB, `out_w` x `out_h`).
    pub fn render(&self, index: u64, t: f64, out_w: u32, out_h: u32, out: &mut [u8]) {
        let view = self.view(t, f64::from(out_w) / f64::from(out_h));
        let (x0, y0) = (view.cx - view.w / 2.0, view.cy - view.h / 2.0);
        let (sx, sy) = (view.w / f64::from(out_w), view.h / f64::from(out_h));
        let gain = view.gain as f32;
        let (max_x, max_y) = (self.width as usize - 1, self.height as usize - 1);
        // Bilinear taps of every output column, computed once a frame.
        let columns: Vec<(usize, usize, f32)> = (0..out_w as usize)
            .map(|x| {
                let fx = (x0 + (x as f64 + 0.5) * sx - 0.5).max(0.0) as f32;
                let ix = (fx as usize).min(max_x);
                (ix * 3, (ix + 1).min(max_x) * 3, fx - ix as f32)
            })
            .collect();
        let noise = noise_table();
        let stride = self.width as usize * 3;
        for (y, row_out) in out.chunks_exact_mut(out_w as usize * 3).enumerate() {
            let fy = (y0 + (y as f64 + 0.5) * sy - 0.5).max(0.0) as f32;
            let iy = (fy as usize).min(max_y);
            let wy = fy - iy as f32;
            let top = &self.rgb[iy * stride..][..stride];
            let bottom = &self.rgb[(iy + 1).min(max_y) * stride..][..stride];
            // A different, deterministic slice of the noise table each row and frame.
            let offset = (hash(index, y as u64) * NOISE_LEN as f32) as usize;
            for (x, px) in row_out.chunks_exact_mut(3).enumerate() {
                let (a, b, wx) = columns[x];
                let n = noise[(offset + x) % NOISE_LEN] * self.noise;
                for c in 0..3 {
                    let t = f32::from(top[a + c]) * (1.0 - wx) + f32::from(top[b + c]) * wx;
                    let u = f32::from(bottom[a + c]) * (1.0 - wx) + f32::from(bottom[b + c]) * wx;
                    px[c] = ((t * (1.0 - wy) + u * wy) * gain + n).clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
}

/// Length of the sensor-noise table.
const NOISE_LEN: usize = 1 << 16;

/// Uniform noise in [-1, 1), the same every run (SplitMix64 of the index).
fn noise_table() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..NOISE_LEN as u64)
            .map(|i| hash(0x5eed, i) * 2.0 - 1.0)
            .collect()
    })
}

/// A uniform value in [0, 1) from a frame and pixel number (SplitMix64's
/// output function of both).
fn hash(frame: u64, pixel: u64) -> f32 {
    let z = mix(frame.wrapping_mul(GOLDEN_GAMMA) ^ pixel.wrapping_add(0xBF58_476D_1CE4_E5B9));
    (z >> 40) as f32 / (1u64 << 24) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_stays_inside_the_still_and_maps_exactly() {
        let cam = VirtualCamera::new(512, 512, vec![0; 512 * 512 * 3], (0.45, 0.22));
        for i in 0..200 {
            let v = cam.view(f64::from(i) * 0.05, 16.0 / 9.0);
            assert!(
                v.cx - v.w / 2.0 >= -1e-9 && v.cx + v.w / 2.0 <= 512.0 + 1e-9,
                "{v:?}"
            );
            assert!(
                v.cy - v.h / 2.0 >= -1e-9 && v.cy + v.h / 2.0 <= 512.0 + 1e-9,
                "{v:?}"
            );
            let (x, y) = v.still_to_frame(v.cx, v.cy, 1280, 720);
            assert!((x - 640.0).abs() < 1e-6 && (y - 360.0).abs() < 1e-6);
            // The point of interest stays in the frame the whole move.
            let (fx, fy) = v.still_to_frame(0.45 * 512.0, 0.22 * 512.0, 1280, 720);
            assert!(
                (0.0..1280.0).contains(&fx) && (0.0..720.0).contains(&fy),
                "{v:?}"
            );
        }
    }

    #[test]
    fn render_is_deterministic() {
        let rgb: Vec<u8> = (0..64 * 64 * 3).map(|i| (i % 251) as u8).collect();
        let cam = VirtualCamera::new(64, 64, rgb, (0.5, 0.5));
        let (mut a, mut b) = (vec![0; 32 * 18 * 3], vec![0; 32 * 18 * 3]);
        cam.render(7, 1.25, 32, 18, &mut a);
        cam.render(7, 1.25, 32, 18, &mut b);
        assert_eq!(a, b);
        assert!(a.iter().any(|v| *v > 0));
    }
}
