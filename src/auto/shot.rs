//! Measuring one frame against the last, for the live assistance: how much
//! the light changed (a gain per channel, robust to things moving) and
//! whether the shot changed (a cut), telling a cut from a light switched on.
//!
//! How it works, on consecutive [`LinearGrid`]s of the same size: for each
//! block usable in both (not clipped, not dark), the change of its log2
//! light per channel. The median of those changes is the frame's change of
//! light: a gain or a colour shift moves every block alike, while people
//! walking move a minority, which the median ignores. A cut replaces the
//! picture: the blocks' changes scatter far from the median in most of the
//! frame, whereas a light switched on shifts them together. So a cut is a
//! frame where more than [`CUT_SCATTER`] of the usable blocks' luminance
//! changes lie over one stop from the median change (or where the picture's
//! size changed). Like the analysis's histogram detector it ignores where
//! things are, but it does not mistake a change of exposure for a cut.
//!
//! The frame's light level (for the stabiliser) is measured the same way
//! against a key frame rather than the previous one, so the small errors
//! of each comparison do not add up over time: the level is the key's plus
//! the median change since the key. The key is renewed at a cut, and when
//! more than [`REKEY_SCATTER`] of the blocks no longer change like the rest
//! (the picture has moved on).

use super::grid::LinearGrid;

/// Blocks darker than this are not compared (noise).
const DARK: f32 = 0.003;
/// The share of blocks changing unlike the rest that makes a cut.
pub const CUT_SCATTER: f32 = 0.5;
/// How far (stops) a block's change may differ from the median and still
/// move "with the rest".
const SCATTER_STOPS: f32 = 1.0;

/// A key's share of blocks changing unlike the rest that renews it.
const REKEY_SCATTER: f32 = 0.25;

/// What changed between two frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The light level per channel, log2, since the shot began (0 at a
    /// cut).
    pub level: [f32; 3],
    /// The share of usable blocks whose luminance changed over a stop
    /// unlike the median.
    pub scatter: f32,
    pub cut: bool,
}

/// A grid's blocks in log2 (`None`: not usable).
type LogGrid = Vec<Option<[f32; 3]>>;

/// Remembers the previous frame's grid and the key frame's, in log2.
#[derive(Debug, Clone, Default)]
pub struct ShotTracker {
    previous: Option<(usize, usize, LogGrid)>,
    key: LogGrid,
    key_level: [f32; 3],
}

impl ShotTracker {
    /// Compares `grid` with the previous frame's; the first frame is a cut.
    pub fn update(&mut self, grid: &LinearGrid) -> Change {
        let weights = grid.luminance_weights();
        let logs: LogGrid = grid
            .rgb
            .iter()
            .zip(&grid.clipped)
            .map(|(c, &clipped)| {
                let y = c[0] * weights[0] + c[1] * weights[1] + c[2] * weights[2];
                (!clipped && y > DARK && c.iter().all(|&v| v > 0.0)).then(|| c.map(f32::log2))
            })
            .collect();
        let size = (grid.columns, grid.rows);
        let previous = self.previous.replace((size.0, size.1, logs.clone()));
        let cut = |tracker: &mut ShotTracker, scatter| {
            tracker.key = logs.clone();
            tracker.key_level = [0.0; 3];
            Change {
                level: [0.0; 3],
                scatter,
                cut: true,
            }
        };
        let Some((columns, rows, before)) = previous else {
            return cut(self, 1.0);
        };
        if (columns, rows) != size {
            return cut(self, 1.0);
        }
        let luma = |v: [f32; 3]| v[0] * weights[0] + v[1] * weights[1] + v[2] * weights[2];
        let Some((_, scatter)) = compare(&before, &logs, luma) else {
            // Too little to compare (a black or clipped picture): no change.
            return Change {
                level: self.key_level,
                scatter: 0.0,
                cut: false,
            };
        };
        if scatter > CUT_SCATTER {
            return cut(self, scatter);
        }
        let level = match compare(&self.key, &logs, luma) {
            Some((since_key, key_scatter)) => {
                let level = [0, 1, 2].map(|c| self.key_level[c] + since_key[c]);
                if key_scatter > REKEY_SCATTER {
                    self.key = logs.clone();
                    self.key_level = level;
                }
                level
            }
            None => {
                self.key = logs.clone();
                self.key_level
            }
        };
        Change {
            level,
            scatter,
            cut: false,
        }
    }
}

/// The median change per channel from `a` to `b` over the blocks usable in
/// both, and the share of those whose luminance changed over a stop unlike
/// the median; none with fewer than 8 such blocks.
fn compare(a: &LogGrid, b: &LogGrid, luma: impl Fn([f32; 3]) -> f32) -> Option<([f32; 3], f32)> {
    let pairs: Vec<([f32; 3], [f32; 3])> = a
        .iter()
        .zip(b)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    if pairs.len() < 8 {
        return None;
    }
    let stops = [0, 1, 2].map(|c| median(pairs.iter().map(|(a, b)| b[c] - a[c]).collect()));
    let moved = luma(stops);
    let scattered = pairs
        .iter()
        .filter(|(a, b)| (luma([0, 1, 2].map(|c| b[c] - a[c])) - moved).abs() > SCATTER_STOPS)
        .count();
    Some((stops, scattered as f32 / pairs.len() as f32))
}

fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}
