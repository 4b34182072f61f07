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
    /// From 8-bit RGBA bytes (the GPU copy's layout); alpha is dropped.
    pub fn from_rgba8(width: u32, height: u32, bytes: &[u8]) -> RgbPicture {
        RgbPicture {
            width,
            height,
            data: bytes
                .chunks_exact(4)
                .flat_map(|px| px[..3].iter().map(|b| f32::from(*b) / 255.0))
                .collect(),
        }
    }

    /// As 8-bit RGBA bytes (alpha 255), each value rounded to its nearest
    /// step: the inverse of [`RgbPicture::from_rgba8`].
    pub fn to_rgba8(&self) -> Vec<u8> {
        self.data
            .chunks_exact(3)
            .flat_map(|px| {
                let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                [byte(px[0]), byte(px[1]), byte(px[2]), 255]
            })
            .collect()
    }

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
        for (i, rgb) in self.resampled(width, height).enumerate() {
            for (c, v) in rgb.iter().enumerate() {
                let at = match input.layout {
                    Layout::Nchw => c * width * height + i,
                    Layout::Nhwc => i * 3 + c,
                };
                out[at] = lo + v * (hi - lo);
            }
        }
        out
    }

    /// Luma (BT.709 weights on the code values) sampled at the cell centres
    /// of a `width` x `height` grid over the whole picture.
    pub fn luma_grid(&self, width: usize, height: usize) -> Vec<f32> {
        self.resampled(width, height)
            .map(|[r, g, b]| 0.2126 * r + 0.7152 * g + 0.0722 * b)
            .collect()
    }

    /// The picture sampled at the cell centres of a `width` x `height` grid
    /// over it, row by row.
    fn resampled(&self, width: usize, height: usize) -> impl Iterator<Item = [f32; 3]> + '_ {
        let (sx, sy) = (
            self.width as f32 / width as f32,
            self.height as f32 / height as f32,
        );
        (0..height).flat_map(move |y| {
            (0..width).map(move |x| self.sample((x as f32 + 0.5) * sx, (y as f32 + 0.5) * sy))
        })
    }
}

/// Size of the analysis copy of a `width` x `height` frame: at most
/// `longest` pixels on its longer side, the frame's aspect kept, never
/// larger than the frame.
pub fn copy_size(width: u32, height: u32, longest: u32) -> (u32, u32) {
    let scale = (longest as f32 / width.max(height) as f32).min(1.0);
    (
        ((width as f32 * scale).round() as u32).max(1),
        ((height as f32 * scale).round() as u32).max(1),
    )
}

/// The CPU twin of `shaders/downscale.wgsl`: each output pixel is the mean
/// of up to 4 x 4 source pixels spread over the box it covers, as 8-bit
/// RGBA (WGSL `pack4x8unorm` rounding). `pixel` decodes a source pixel.
pub fn downscaled_rgba8(
    width: u32,
    height: u32,
    out_width: u32,
    out_height: u32,
    pixel: impl Fn(u32, u32) -> [f32; 4],
) -> Vec<u8> {
    let span = |i: u32, n: u32, size: u32| {
        let first = i * size / n;
        (first, (first + 1).max((i + 1) * size / n))
    };
    let mut out = Vec::with_capacity(out_width as usize * out_height as usize * 4);
    for oy in 0..out_height {
        let (y0, y1) = span(oy, out_height, height);
        let ny = 4.min(y1 - y0);
        for ox in 0..out_width {
            let (x0, x1) = span(ox, out_width, width);
            let nx = 4.min(x1 - x0);
            let mut sum = [0.0f32; 3];
            for j in 0..ny {
                let y = y0 + j * (y1 - y0) / ny;
                for i in 0..nx {
                    let p = pixel(x0 + i * (x1 - x0) / nx, y);
                    (0..3).for_each(|c| sum[c] += p[c]);
                }
            }
            let n = (nx * ny) as f32;
            let code = |v: f32| (0.5 + 255.0 * v.clamp(0.0, 1.0)).floor() as u8;
            out.extend(sum.map(|s| code(s / n)));
            out.push(255);
        }
    }
    out
}
