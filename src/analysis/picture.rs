//! The picture the analysis side works on, and its conversion into model
//! input tensors.
//!
//! How it works: the render thread hands over a downscaled RGB copy of the
//! frame ([`RgbPicture`], values in 0..1). Each model wants a fixed-size
//! tensor: [`RgbPicture::tensor`] resamples the whole picture into it
//! (bilinear), stretched (segmentation and depth, whose outputs map back to
//! the whole picture) in the model's layout and pixel range. Face detection
//! letterboxes instead (`face.rs`), to keep faces' proportions.

use super::store::{InputSpec, Layout};

/// An RGB picture with values in 0..1, interleaved, row by row: what the
/// analysis side is handed (a downscaled copy of the frame).
#[derive(Debug, Clone)]
pub struct RgbPicture {
    pub width: u32,
    pub height: u32,
    pub data: Vec<f32>,
}

impl RgbPicture {
    /// From 8-bit RGB bytes.
    pub fn from_rgb8(width: u32, height: u32, bytes: &[u8]) -> RgbPicture {
        RgbPicture {
            width,
            height,
            data: bytes.iter().map(|b| f32::from(*b) / 255.0).collect(),
        }
    }

    /// Bilinear sample at picture coordinates (pixel centres at +0.5),
    /// clamped at the edges.
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let fx = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (fx.floor() as u32, fy.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let at = |x: u32, y: u32, c: usize| self.data[((y * self.width + x) * 3) as usize + c];
        [0, 1, 2].map(|c| {
            let top = at(x0, y0, c) * (1.0 - tx) + at(x1, y0, c) * tx;
            let bottom = at(x0, y1, c) * (1.0 - tx) + at(x1, y1, c) * tx;
            top * (1.0 - ty) + bottom * ty
        })
    }

    /// The whole picture stretched to `width` x `height`, in `input`'s
    /// layout and pixel range (batch of one).
    pub fn tensor(&self, width: usize, height: usize, input: &InputSpec) -> Vec<f32> {
        let [lo, hi] = input.range;
        let mut out = vec![0.0; 3 * width * height];
        let (sx, sy) = (
            self.width as f32 / width as f32,
            self.height as f32 / height as f32,
        );
        for y in 0..height {
            for x in 0..width {
                let rgb = self.sample((x as f32 + 0.5) * sx, (y as f32 + 0.5) * sy);
                for (c, v) in rgb.iter().enumerate() {
                    let at = match input.layout {
                        Layout::Nchw => c * width * height + y * width + x,
                        Layout::Nhwc => (y * width + x) * 3 + c,
                    };
                    out[at] = lo + v * (hi - lo);
                }
            }
        }
        out
    }
}
