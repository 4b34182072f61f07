//! A picture reduced to a grid of block means in the light the look's
//! linear primaries act on: what every auto proposal measures.
//!
//! How it works: the frame's code values are read as the ingest pass reads
//! them ([`Frame::pixel`]), decoded as the look decodes them (its camera
//! transform to ACES AP1 for a scene-referred look; the sRGB curve to
//! Rec. 709 light in video mode), without the look's own primaries, and
//! averaged over blocks (a box pre-filter against noise). Each block reads
//! at most [`SAMPLES_PER_SIDE`]² pixels spread over it, so a 1080p frame
//! costs a few tens of thousands of reads. In an integer layout a block
//! with any read code at or above [`CLIP_CODE`] is marked clipped: its light
//! is only known to be at least what it reads. Float layouts carry light
//! above 1 and do not clip.

use crate::frame::{Frame, PixelFormat};
use crate::grade::gamut::{mul_vec, Gamut, Mat3};
use crate::grade::primary::luminance_weights;
use crate::grade::transfer::Transfer;
use crate::grade::{Look, Primary};

/// Blocks across the grid a proposal measures (`neurograde auto`, and a
/// proposal asked for live).
pub const PROPOSAL_COLUMNS: usize = 160;
/// Pixels read along each side of a block, at most, for a proposal.
pub const SAMPLES_PER_SIDE: u32 = 4;
/// A code value at or above this is clipped (254.5 of 255).
pub const CLIP_CODE: f32 = 254.5 / 255.0;

/// How the look turns code values into linear light, primaries left out.
#[derive(Clone, Copy)]
pub struct Decode {
    pub transfer: Transfer,
    /// Camera RGB (decoded) -> the gamut below.
    pub matrix: Mat3,
    /// AP1 for a scene-referred look, Rec. 709 in video mode.
    pub gamut: Gamut,
}

impl Decode {
    /// The decode of `look` without its linear primaries.
    pub fn of(look: &Look) -> Decode {
        let bare = Look {
            primary: Primary::default(),
            ..look.clone()
        };
        match bare.scene() {
            Some(scene) => Decode {
                transfer: scene.input,
                matrix: scene.input_matrix,
                gamut: Gamut::AcesAp1,
            },
            None => Decode {
                transfer: Transfer::Srgb,
                matrix: crate::grade::gamut::IDENTITY,
                gamut: Gamut::Rec709,
            },
        }
    }

    /// Code values to linear light in [`Decode::gamut`].
    pub fn linear(&self, code: [f32; 3]) -> [f32; 3] {
        let camera = code.map(|c| f64::from(self.transfer.decode(c)));
        mul_vec(&self.matrix, camera).map(|c| c as f32)
    }
}

/// Block means of a picture in linear light.
#[derive(Debug, Clone)]
pub struct LinearGrid {
    pub columns: usize,
    pub rows: usize,
    /// Row-major block means, linear light in `gamut`.
    pub rgb: Vec<[f32; 3]>,
    /// Whether a block had a clipped code.
    pub clipped: Vec<bool>,
    pub gamut: Gamut,
}

impl LinearGrid {
    /// The grid of `frame` decoded as `look` decodes it, at most `columns`
    /// blocks across (blocks are square, at least one pixel).
    pub fn of_frame(frame: &Frame, look: &Look, columns: usize) -> LinearGrid {
        Self::measure(frame, &Decode::of(look), columns, SAMPLES_PER_SIDE)
    }

    /// As [`LinearGrid::of_frame`], with the decode resolved once and at
    /// most `per_side`² reads a block (the live loop reads fewer).
    pub fn measure(frame: &Frame, decode: &Decode, columns: usize, per_side: u32) -> LinearGrid {
        let (w, h) = (frame.width, frame.height);
        let block = w.div_ceil(columns.max(1) as u32).max(1);
        let (cols, rows) = (w.div_ceil(block) as usize, h.div_ceil(block) as usize);
        let mut rgb = Vec::with_capacity(cols * rows);
        let mut clipped = Vec::with_capacity(cols * rows);
        let clips = !matches!(frame.format, PixelFormat::RgbaF16 | PixelFormat::RgbaF32);
        for by in 0..rows as u32 {
            for bx in 0..cols as u32 {
                let (x0, y0) = (bx * block, by * block);
                let (bw, bh) = ((w - x0).min(block), (h - y0).min(block));
                let (nx, ny) = (bw.min(per_side.max(1)), bh.min(per_side.max(1)));
                let mut sum = [0.0f32; 3];
                let mut clip = false;
                for j in 0..ny {
                    for i in 0..nx {
                        // Evenly spread: the centres of nx x ny sub-blocks.
                        let x = x0 + (2 * i + 1) * bw / (2 * nx);
                        let y = y0 + (2 * j + 1) * bh / (2 * ny);
                        let p = frame.pixel(x, y);
                        let code = [p[0], p[1], p[2]];
                        clip |= clips && code.iter().any(|&c| c >= CLIP_CODE);
                        let lin = decode.linear(code);
                        for c in 0..3 {
                            sum[c] += lin[c];
                        }
                    }
                }
                let n = (nx * ny) as f32;
                rgb.push(sum.map(|s| s / n));
                clipped.push(clip);
            }
        }
        LinearGrid {
            columns: cols,
            rows,
            rgb,
            clipped,
            gamut: decode.gamut,
        }
    }

    /// The luminance weights of the grid's gamut.
    pub fn luminance_weights(&self) -> [f32; 3] {
        luminance_weights(self.gamut).map(|w| w as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameId, YuvEncoding};

    fn frame(width: u32, height: u32, data: Vec<u8>) -> Frame {
        Frame {
            id: FrameId(0),
            captured: std::time::Instant::now(),
            width,
            height,
            format: PixelFormat::Rgb8,
            yuv: YuvEncoding::for_height(height),
            data,
        }
    }

    #[test]
    fn block_means_cover_odd_sizes_and_mark_clipping() {
        for (w, h) in [(1, 1), (7, 3), (17, 13)] {
            let mut data = vec![128u8; (w * h * 3) as usize];
            data[0] = 255;
            let grid = LinearGrid::of_frame(&frame(w, h, data), &Look::default(), 4);
            assert!(grid.columns <= 4 && grid.columns * grid.rows == grid.rgb.len());
            let mid = Transfer::Srgb.decode(128.0 / 255.0);
            assert!(grid.clipped[0], "{w}x{h}");
            if grid.rgb.len() > 1 {
                let last = grid.rgb[grid.rgb.len() - 1];
                assert!(last.iter().all(|c| (c - mid).abs() < 1e-6), "{last:?}");
                assert!(!grid.clipped[grid.clipped.len() - 1]);
            }
        }
    }
}
