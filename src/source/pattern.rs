//! Deterministic synthetic pictures: bars, ramps and a moving gradient.
//!
//! How it works: the same frame number always gives the same bytes (8-bit
//! RGB), so tests can compare exactly. `bars` are drawn once and copied, with
//! a small box that moves one step a frame so a monitor shows the loop is
//! live; `gradient` is recomputed every frame.

use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::frame::{Frame, FrameId, PixelFormat, YuvEncoding};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// SMPTE-style colour bars (75% bars over a PLUGE-like strip).
    Bars,
    /// Horizontal ramps: grey, red, green, blue, in four bands.
    Ramp,
    /// A diagonal colour gradient that moves a little every frame.
    Gradient,
}

const PATTERN_NAMES: &str = "bars, ramp, gradient";

impl PatternKind {
    pub fn parse(name: &str) -> Result<PatternKind, SourceError> {
        match name {
            "bars" => Ok(PatternKind::Bars),
            "ramp" => Ok(PatternKind::Ramp),
            "gradient" => Ok(PatternKind::Gradient),
            _ => Err(SourceError::UnknownPattern {
                name: name.into(),
                expected: PATTERN_NAMES,
            }),
        }
    }
}

pub struct PatternSource {
    kind: PatternKind,
    width: u32,
    height: u32,
    fps: f64,
    /// The static part of the picture (bars, ramps), drawn once.
    base: Vec<u8>,
    next_id: u64,
}

/// 75% SMPTE bar colours, left to right (SMPTE RP 219 / EG 1 order).
const BARS_75: [[u8; 3]; 7] = [
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
];

fn draw_bars(width: u32, height: u32, out: &mut [u8]) {
    let bar_rows = height * 2 / 3;
    for y in 0..height {
        for x in 0..width {
            let rgb = if y < bar_rows {
                BARS_75[(x * 7 / width) as usize]
            } else {
                // A strip of black, 100% white and near-black steps (PLUGE-like).
                match x * 6 / width {
                    1 => [255, 255, 255],
                    3 => [4, 4, 4],
                    4 => [16, 16, 16],
                    _ => [0, 0, 0],
                }
            };
            let i = ((y * width + x) * 3) as usize;
            out[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

fn draw_ramp(width: u32, height: u32, out: &mut [u8]) {
    for y in 0..height {
        let band = y * 4 / height;
        for x in 0..width {
            let v = ((x as u64 * 255 + (width as u64 - 1) / 2) / (width as u64 - 1).max(1)) as u8;
            let rgb = match band {
                0 => [v, v, v],
                1 => [v, 0, 0],
                2 => [0, v, 0],
                _ => [0, 0, v],
            };
            let i = ((y * width + x) * 3) as usize;
            out[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

fn draw_gradient(width: u32, height: u32, frame: u64, out: &mut [u8]) {
    let shift = (frame % 256) as u32;
    for y in 0..height {
        let g = (y * 255 / height.max(1)) as u8;
        for x in 0..width {
            let r = ((x * 255 / width.max(1) + shift) % 256) as u8;
            let b = ((x + y + shift * 4) % 256) as u8;
            let i = ((y * width + x) * 3) as usize;
            out[i..i + 3].copy_from_slice(&[r, g, b]);
        }
    }
}

/// A white box that walks along the bottom strip, one step a frame.
fn draw_marker(width: u32, height: u32, frame: u64, out: &mut [u8]) {
    let side = (height / 20).max(2);
    let steps = (width - side).max(1) as u64;
    let x0 = ((frame * 4) % steps) as u32;
    let y0 = height - side - height / 30;
    for y in y0..(y0 + side).min(height) {
        let row = ((y * width + x0) * 3) as usize;
        out[row..row + (side * 3) as usize].fill(235);
    }
}

impl PatternSource {
    pub fn new(name: &str, options: &SourceOptions) -> Result<PatternSource, SourceError> {
        let kind = PatternKind::parse(name)?;
        let (width, height) = (options.size.width, options.size.height);
        let mut base = vec![0u8; PixelFormat::Rgb8.frame_bytes(width, height)];
        match kind {
            PatternKind::Bars => draw_bars(width, height, &mut base),
            PatternKind::Ramp => draw_ramp(width, height, &mut base),
            PatternKind::Gradient => {}
        }
        Ok(PatternSource {
            kind,
            width,
            height,
            fps: options.fps,
            base,
            next_id: 0,
        })
    }

    /// The bytes of frame `id` (8-bit RGB), for tests and the source itself.
    pub fn render(&self, id: u64, out: &mut [u8]) {
        match self.kind {
            PatternKind::Gradient => draw_gradient(self.width, self.height, id, out),
            PatternKind::Bars => {
                out.copy_from_slice(&self.base);
                draw_marker(self.width, self.height, id, out);
            }
            PatternKind::Ramp => out.copy_from_slice(&self.base),
        }
    }
}

impl Source for PatternSource {
    fn describe(&self) -> String {
        format!(
            "pattern {:?}: {}x{} RGB8 @ {} fps",
            self.kind, self.width, self.height, self.fps
        )
    }

    fn pacing(&self) -> Pacing {
        Pacing::Clock { fps: self.fps }
    }

    fn next_frame(&mut self, buffer: Vec<u8>) -> Result<Option<Frame>, SourceError> {
        let mut data = sized(buffer, self.base.len());
        self.render(self.next_id, &mut data);
        let frame = Frame {
            id: FrameId(self.next_id),
            captured: Instant::now(),
            width: self.width,
            height: self.height,
            format: PixelFormat::Rgb8,
            yuv: YuvEncoding::for_height(self.height),
            data,
        };
        self.next_id += 1;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Size;

    fn options(w: u32, h: u32) -> SourceOptions {
        SourceOptions {
            size: Size {
                width: w,
                height: h,
            },
            fps: 30.0,
            looping: true,
        }
    }

    #[test]
    fn bars_are_deterministic_and_correct() {
        let mut a = PatternSource::new("bars", &options(70, 30)).unwrap();
        let mut b = PatternSource::new("bars", &options(70, 30)).unwrap();
        let fa = a.next_frame(Vec::new()).unwrap().unwrap();
        let fb = b.next_frame(Vec::new()).unwrap().unwrap();
        assert_eq!(fa.data, fb.data);
        assert!(fa.is_consistent());
        // First bar is 75% white, third is cyan.
        assert_eq!(&fa.data[0..3], &[191, 191, 191]);
        assert_eq!(&fa.data[25 * 3..25 * 3 + 3], &[0, 191, 191]);
    }

    #[test]
    fn ramp_spans_full_range() {
        let mut s = PatternSource::new("ramp", &options(256, 8)).unwrap();
        let f = s.next_frame(Vec::new()).unwrap().unwrap();
        assert_eq!(f.data[0], 0);
        assert_eq!(f.data[255 * 3], 255);
    }

    #[test]
    fn unknown_pattern_lists_names() {
        let err = PatternSource::new("zebra", &options(8, 8))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("zebra") && err.contains("bars, ramp, gradient"));
    }
}
