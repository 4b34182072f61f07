//! Depth: TCMonoDepth (small net), relative inverse depth, larger = nearer.
//!
//! How it works: the whole picture is stretched to the model's 320 x 192
//! input; the output is relative inverse depth on the same grid. Its scale
//! is arbitrary and changes from frame to frame, so [`DepthMap::normalised`]
//! maps it to 0 (farthest) .. 1 (nearest) over a given range; the tracker
//! smooths that range over time.

use super::picture::RgbPicture;
use super::runtime::{run_on_picture, Runtime};
use super::store::{ModelEntry, ModelStore};
use super::AnalysisError;

/// Relative inverse depth on a grid spanning the whole picture.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthMap {
    pub width: usize,
    pub height: usize,
    pub inverse_depth: Vec<f32>,
}

impl DepthMap {
    /// The smallest and largest value (farthest, nearest).
    pub fn range(&self) -> (f32, f32) {
        self.inverse_depth
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
    }

    /// The values at the `low` and `high` quantiles (0..1): a range that
    /// stray pixels do not move.
    pub fn percentile_range(&self, low: f32, high: f32) -> (f32, f32) {
        let mut sorted = self.inverse_depth.clone();
        sorted.sort_unstable_by(f32::total_cmp);
        let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize];
        (at(low), at(high))
    }

    /// Mean inverse depth over a region given in 0..1 of the picture.
    pub fn mean_in(&self, u0: f32, v0: f32, u1: f32, v1: f32) -> f32 {
        let xs = (u0 * self.width as f32) as usize..(u1 * self.width as f32).ceil() as usize;
        let ys = (v0 * self.height as f32) as usize..(v1 * self.height as f32).ceil() as usize;
        let (mut sum, mut n) = (0.0, 0);
        for y in ys.clone() {
            for x in xs.clone() {
                sum +=
                    self.inverse_depth[y.min(self.height - 1) * self.width + x.min(self.width - 1)];
                n += 1;
            }
        }
        sum / n.max(1) as f32
    }

    /// The map as 0 (at `range.0`, far) .. 1 (at `range.1`, near).
    pub fn normalised(&self, range: (f32, f32)) -> Vec<f32> {
        let span = (range.1 - range.0).max(f32::EPSILON);
        self.inverse_depth
            .iter()
            .map(|v| ((v - range.0) / span).clamp(0.0, 1.0))
            .collect()
    }
}

/// The TCMonoDepth model, ready to run.
pub struct DepthEstimator {
    session: ort::session::Session,
    model: ModelEntry,
}

impl DepthEstimator {
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        threads: usize,
    ) -> Result<DepthEstimator, AnalysisError> {
        let (session, model) = runtime.open_named(store, "depth", threads)?;
        Ok(DepthEstimator { session, model })
    }

    pub fn estimate(&mut self, picture: &RgbPicture) -> Result<DepthMap, AnalysisError> {
        let (shape, inverse_depth) = run_on_picture(&mut self.session, &self.model, picture)?;
        // [1, 1, height, width]
        let (height, width) = (shape[2] as usize, shape[3] as usize);
        Ok(DepthMap {
            width,
            height,
            inverse_depth,
        })
    }
}
