//! Scopes and exposure aids: what a DIT reads a picture's levels and colour
//! from. This is the CPU reference; `shaders/scopes.wgsl` (through
//! `src/gpu/scopes.rs`) counts the same on the GPU every frame, and the
//! tests hold the two equal, count for count.
//!
//! How it works: the picture (display-encoded R'G'B', as it goes to the
//! monitor) is read on a reduced grid ([`Grid`]: every `stride`-th pixel
//! across and down, at most [`MAX_COLUMNS`] columns). Each sample is
//! quantised to 10-bit code values ([`code10`]), and everything after that
//! is integer arithmetic, so the GPU and the CPU count identically:
//! - luma Y' = 0.2126 R' + 0.7152 G' + 0.0722 B' (ITU-R BT.709-6, item 3.2),
//!   in ten-thousandths of a code ([`luma_1e4`]);
//! - histogram: [`LEVELS`] bins (a code's top 8 bits) of R', G', B' and Y';
//! - luma waveform and RGB parade: per grid column, the count at each level;
//! - vectorscope: every [`VECTOR_STEP`]-th grid sample across and down (a
//!   vectorscope shows colours, not places), on a [`VECTOR_SIZE`]² grid over
//!   Cb, Cr in [-0.5, 0.5]
//!   (BT.709-6, item 3.3: Cb = (B' - Y') / 1.8556, Cr = (R' - Y') / 1.5748),
//!   +Cb to the right and +Cr up as on a hardware vectorscope, with the
//!   75 % colour-bar targets ([`BARS_75`], [`vector_position`]) and the
//!   skin-tone line ([`SKIN_LINE_DEGREES`]).
//!
//! The exposure aids colour the picture itself: false colour paints
//! luma bands ([`FALSE_COLOUR`], after the bands cameras use: purple crushed
//! blacks, green 18 % grey, pink a stop over grey for skin, red clipped
//! whites; grey elsewhere) and zebras stripe what is above a level
//! ([`ExposureAids`]). Levels are in IRE of the full-range signal
//! (0 IRE = code 0, 100 IRE = code 1023).

/// Histogram bins and waveform rows: a 10-bit code's top 8 bits.
pub const LEVELS: u32 = 256;
/// The most grid columns a waveform has (the grid's stride grows beyond).
pub const MAX_COLUMNS: u32 = 320;
/// The vectorscope's bins across and down.
pub const VECTOR_SIZE: u32 = 256;
/// The vectorscope reads every this many grid samples across and down.
pub const VECTOR_STEP: u32 = 2;
/// The 10-bit code of full scale.
pub const CODE_MAX: u32 = 1023;

/// Where each scope's counts start (u32 words): histogram (R', G', B', Y'
/// rows of [`LEVELS`]), luma waveform, the three parade channels (each
/// [`MAX_COLUMNS`] x [`LEVELS`], column-major: `column * LEVELS + level`),
/// then the vectorscope (`row * VECTOR_SIZE + column`). The GPU keeps the
/// vectorscope in a buffer of its own (its counts are atomic) and reads
/// the two back one after the other, in this layout.
pub mod layout {
    use super::{LEVELS, MAX_COLUMNS, VECTOR_SIZE};
    pub const HISTOGRAM: u32 = 0;
    pub const WAVEFORM: u32 = HISTOGRAM + 4 * LEVELS;
    pub const PARADE: u32 = WAVEFORM + MAX_COLUMNS * LEVELS;
    pub const VECTOR: u32 = PARADE + 3 * MAX_COLUMNS * LEVELS;
    pub const WORDS: u32 = VECTOR + VECTOR_SIZE * VECTOR_SIZE;
}

/// The reduced grid a picture is read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Every `stride`-th pixel across and down, from the top-left one.
    pub stride: u32,
    pub columns: u32,
    pub rows: u32,
}

impl Grid {
    /// The grid of a `width` x `height` picture: the smallest stride that
    /// keeps the columns within [`MAX_COLUMNS`] (1080p: every 6th pixel,
    /// 320 x 180 samples).
    pub fn of(width: u32, height: u32) -> Grid {
        let stride = width.div_ceil(MAX_COLUMNS).max(1);
        Grid {
            stride,
            columns: width.div_ceil(stride),
            rows: height.div_ceil(stride),
        }
    }

    pub fn samples(&self) -> u32 {
        self.columns * self.rows
    }

    /// The samples the vectorscope counts (see [`VECTOR_STEP`]).
    pub fn vector_samples(&self) -> u32 {
        self.columns.div_ceil(VECTOR_STEP) * self.rows.div_ceil(VECTOR_STEP)
    }
}

/// A display-encoded value as a 10-bit code, clipped to [0, 1023]. From
/// a half float (the working texture), `v * 1023` is exact in f32, so the
/// GPU rounds it identically.
pub fn code10(v: f32) -> u32 {
    // NaN reads as 0, like the GPU's clamp.
    let scaled = (v.clamp(0.0, 1.0) * CODE_MAX as f32 + 0.5).floor();
    if scaled.is_nan() {
        0
    } else {
        scaled as u32
    }
}

/// Y' from 10-bit codes, in ten-thousandths of a code (BT.709-6 luma
/// weights, exact in integers).
pub fn luma_1e4(rgb: [u32; 3]) -> u32 {
    let [r, g, b] = LUMA_WEIGHTS_1E4;
    r * rgb[0] + g * rgb[1] + b * rgb[2]
}

/// BT.709-6 luma weights of R', G', B' in ten-thousandths (they sum to 1).
pub const LUMA_WEIGHTS_1E4: [u32; 3] = [2126, 7152, 722];

/// Y' as a 10-bit code, rounded.
pub fn luma_code(rgb: [u32; 3]) -> u32 {
    (luma_1e4(rgb) + 5000) / 10000
}

/// The histogram bin / waveform row of a 10-bit code.
pub fn level(code: u32) -> u32 {
    code >> 2
}

/// Denominators of Cb and Cr (BT.709-6: 1.8556 and 1.5748) in
/// ten-thousandths, times the code range, over the bins per unit (so
/// `difference * 64 / DEN` is in bins; see [`vector_bin`]).
pub const CB_DEN: i32 = 18556 * CODE_MAX as i32 / 4;
pub const CR_DEN: i32 = 15748 * CODE_MAX as i32 / 4;

/// The vectorscope bin (column from -Cb to +Cb, row from +Cr down to -Cr)
/// of 10-bit R'G'B' codes. Integer arithmetic: `(B' - Y') * 256 / (1.8556 *
/// 1023)` bins from the centre, floored.
pub fn vector_bin(rgb: [u32; 3]) -> (u32, u32) {
    let y = luma_1e4(rgb) as i32;
    let cb = rgb[2] as i32 * 10000 - y;
    let cr = rgb[0] as i32 * 10000 - y;
    let half = (VECTOR_SIZE / 2) as i32;
    // Offsets keep the numerators positive, so division floors.
    let column = (cb * 64 + half * CB_DEN) / CB_DEN;
    let row = (half * CR_DEN - cr * 64) / CR_DEN;
    let clip = |v: i32| v.clamp(0, VECTOR_SIZE as i32 - 1) as u32;
    (clip(column), clip(row))
}

/// Where a colour (display-encoded R'G'B' in [0, 1]) lands on the
/// vectorscope, in bins (fractional), for targets and tests.
pub fn vector_position(rgb: [f32; 3]) -> [f32; 2] {
    let y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    let cb = (rgb[2] - y) / 1.8556;
    let cr = (rgb[0] - y) / 1.5748;
    let size = VECTOR_SIZE as f32;
    [(cb + 0.5) * size, (0.5 - cr) * size]
}

/// The six 75 % colour bars (SMPTE RP 219 / EBU: red, yellow, green, cyan,
/// blue, magenta) whose vectorscope targets are drawn.
pub const BARS_75: [[f32; 3]; 6] = [
    [0.75, 0.0, 0.0],
    [0.75, 0.75, 0.0],
    [0.0, 0.75, 0.0],
    [0.0, 0.75, 0.75],
    [0.0, 0.0, 0.75],
    [0.75, 0.0, 0.75],
];

/// The skin-tone line (the "I" axis of NTSC's YIQ), in degrees
/// counter-clockwise from +Cb, as hardware vectorscopes draw it.
pub const SKIN_LINE_DEGREES: f32 = 123.0;

/// Every count of the scopes of one picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCounts {
    pub grid: Grid,
    /// R', G', B', Y' histograms, [`LEVELS`] bins each.
    pub histogram: [Vec<u32>; 4],
    /// `column * LEVELS + level`, `grid.columns` columns.
    pub waveform: Vec<u32>,
    /// R', G', B' waveforms laid out like `waveform`.
    pub parade: [Vec<u32>; 3],
    /// `row * VECTOR_SIZE + column`.
    pub vector: Vec<u32>,
}

impl ScopeCounts {
    pub fn empty(grid: Grid) -> ScopeCounts {
        let columns = (grid.columns * LEVELS) as usize;
        ScopeCounts {
            grid,
            histogram: std::array::from_fn(|_| vec![0; LEVELS as usize]),
            waveform: vec![0; columns],
            parade: std::array::from_fn(|_| vec![0; columns]),
            vector: vec![0; (VECTOR_SIZE * VECTOR_SIZE) as usize],
        }
    }

    /// Reads the counts out of the GPU's counter buffer (see [`layout`]).
    pub fn from_words(grid: Grid, words: &[u32]) -> ScopeCounts {
        let at = |start: u32, len: u32| words[start as usize..(start + len) as usize].to_vec();
        let columns = grid.columns * LEVELS;
        ScopeCounts {
            grid,
            histogram: std::array::from_fn(|c| at(layout::HISTOGRAM + c as u32 * LEVELS, LEVELS)),
            waveform: at(layout::WAVEFORM, columns),
            parade: std::array::from_fn(|c| {
                at(layout::PARADE + c as u32 * MAX_COLUMNS * LEVELS, columns)
            }),
            vector: at(layout::VECTOR, VECTOR_SIZE * VECTOR_SIZE),
        }
    }

    /// Counts one sample (10-bit codes) at grid column `column`; the
    /// vectorscope only when `vector`.
    fn add(&mut self, column: u32, rgb: [u32; 3], vector: bool) {
        let luma = luma_code(rgb);
        for (c, code) in rgb.iter().chain([&luma]).enumerate() {
            self.histogram[c][level(*code) as usize] += 1;
        }
        let base = (column * LEVELS) as usize;
        self.waveform[base + level(luma) as usize] += 1;
        for (c, code) in rgb.iter().enumerate() {
            self.parade[c][base + level(*code) as usize] += 1;
        }
        if vector {
            let (x, y) = vector_bin(rgb);
            self.vector[(y * VECTOR_SIZE + x) as usize] += 1;
        }
    }

    /// Samples in one waveform column (any channel).
    pub fn column(&self, counts: &[u32], column: u32) -> u32 {
        let base = (column * LEVELS) as usize;
        counts[base..base + LEVELS as usize].iter().sum()
    }
}

/// The scopes of a `width` x `height` picture whose pixel at (x, y) is
/// `pixel(x, y)` (display-encoded R'G'B').
pub fn compute(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [f32; 3]) -> ScopeCounts {
    let grid = Grid::of(width, height);
    let mut counts = ScopeCounts::empty(grid);
    for row in 0..grid.rows {
        for column in 0..grid.columns {
            let rgb = pixel(column * grid.stride, row * grid.stride);
            let vector = column % VECTOR_STEP == 0 && row % VECTOR_STEP == 0;
            counts.add(column, rgb.map(code10), vector);
        }
    }
    counts
}

/// One false-colour band: luma from `low` to below `high` IRE shows `colour`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub low: f32,
    pub high: f32,
    pub colour: [f32; 3],
}

/// The false-colour bands; luma outside them shows as grey (its own level,
/// dimmed so the bands stand out).
pub const FALSE_COLOUR: [Band; 6] = [
    Band {
        low: f32::NEG_INFINITY,
        high: 2.5,
        colour: [0.5, 0.0, 0.6],
    }, // crushed black: purple
    Band {
        low: 2.5,
        high: 4.0,
        colour: [0.0, 0.3, 1.0],
    }, // just above black: blue
    Band {
        low: 38.0,
        high: 42.0,
        colour: [0.0, 0.8, 0.2],
    }, // 18 % grey: green
    Band {
        low: 52.0,
        high: 56.0,
        colour: [1.0, 0.5, 0.7],
    }, // a stop over grey (skin): pink
    Band {
        low: 97.0,
        high: 99.0,
        colour: [1.0, 0.9, 0.0],
    }, // just below white: yellow
    Band {
        low: 99.0,
        high: f32::INFINITY,
        colour: [1.0, 0.0, 0.0],
    }, // clipped white: red
];

/// How much of its own luma a pixel outside every band keeps in false
/// colour.
pub const FALSE_COLOUR_GREY: f32 = 0.6;

/// The waveform's graticule lines, in IRE.
pub const GRATICULE_IRE: [u32; 11] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/// The 10-bit code of a whole IRE level (rounded).
pub fn code_of_ire(ire: u32) -> u32 {
    (ire * CODE_MAX + 50) / 100
}

/// A luma code in IRE of the full-range signal.
pub fn ire(luma_code: u32) -> f32 {
    luma_code as f32 * 100.0 / CODE_MAX as f32
}

/// The false-colour rendering of a pixel of 10-bit R'G'B' codes.
pub fn false_colour(rgb: [u32; 3]) -> [f32; 3] {
    let luma = luma_code(rgb);
    let level = ire(luma);
    FALSE_COLOUR
        .iter()
        .find(|b| level >= b.low && level < b.high)
        .map_or(
            [luma as f32 / CODE_MAX as f32 * FALSE_COLOUR_GREY; 3],
            |b| b.colour,
        )
}

/// The exposure aids drawn over the operator's picture.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExposureAids {
    pub false_colour: bool,
    /// Stripes over luma at or above this many IRE (`None`: off).
    pub zebra_high: Option<f32>,
    /// Stripes the other way over luma in this IRE range (skin, say 70..80).
    pub zebra_band: Option<(f32, f32)>,
}

/// Zebra stripes: 4 pixels on, 4 off, along the diagonal (`x + y` for the
/// high zebra, `x - y` for the band, so the two cross).
pub const ZEBRA_PERIOD: u32 = 8;

/// Whether the pixel at (x, y) of luma code `luma` is striped, and how:
/// the exact test the present shader makes.
pub fn zebra(aids: &ExposureAids, x: u32, y: u32, luma: u32) -> bool {
    let level = ire(luma);
    let on = |d: u32| d % ZEBRA_PERIOD < ZEBRA_PERIOD / 2;
    let high = aids.zebra_high.is_some_and(|t| level >= t) && on(x + y);
    let band = aids
        .zebra_band
        .is_some_and(|(lo, hi)| level >= lo && level < hi)
        && on(x.wrapping_sub(y).wrapping_add(1 << 20));
    high || band
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_strides_keep_columns_within_the_limit() {
        for width in 1..2100 {
            let g = Grid::of(width, 7);
            assert!(g.columns <= MAX_COLUMNS && g.columns >= 1, "{width}");
            assert!((g.columns - 1) * g.stride < width, "{width}");
        }
        assert_eq!(
            Grid::of(1920, 1080),
            Grid {
                stride: 6,
                columns: 320,
                rows: 180
            }
        );
    }

    #[test]
    fn vector_bins_agree_with_the_float_position() {
        // Every code triple on a coarse lattice: the integer bin is the
        // floor of the float position (within rounding at bin edges).
        for r in (0..=1023).step_by(31) {
            for g in (0..=1023).step_by(37) {
                for b in (0..=1023).step_by(41) {
                    let (x, y) = vector_bin([r, g, b]);
                    let p = vector_position([r, g, b].map(|c| c as f32 / 1023.0));
                    assert!((x as f32 - p[0].floor()).abs() <= 1.0, "{r} {g} {b}");
                    assert!((y as f32 - p[1].floor()).abs() <= 1.0, "{r} {g} {b}");
                }
            }
        }
        // Grey sits at the centre.
        assert_eq!(vector_bin([512, 512, 512]), (128, 128));
    }

    #[test]
    fn false_colour_bands_cover_grey_and_clipping() {
        assert_eq!(false_colour([0, 0, 0]), FALSE_COLOUR[0].colour);
        assert_eq!(false_colour([1023; 3]), FALSE_COLOUR[5].colour);
        assert_eq!(false_colour([409; 3]), FALSE_COLOUR[2].colour); // 40 IRE
        let mid = false_colour([700; 3]);
        assert!(mid[0] == mid[1] && mid[1] == mid[2]);
    }
}
