//! Scene-cut detection by histogram difference.
//!
//! How it works: each analysed picture is summarised by a colour histogram
//! (8 x 8 x 8 bins of R, G, B). A cut is a jump in the histogram between
//! two consecutive pictures: their total-variation distance (half the sum of
//! absolute bin differences, 0 = same distribution, 1 = disjoint) above
//! [`CUT_DISTANCE`]. Histograms ignore where things are, so a pan, a person
//! walking or noise moves the distance little, while a change of shot
//! replaces most of the distribution. Exposure drifts are slow, so they never
//! jump between two pictures. Every temporal state (tracks, matte blending,
//! depth range, recurrent models) is reset on a cut.

use super::picture::RgbPicture;

const BINS: usize = 8;

/// Distance above which two consecutive pictures are a cut. Continuous
/// footage here stays below 0.2 (vtest.avi's walkers, the virtual camera's
/// push-in and exposure drift); the demo's cut from portrait to street is 0.9.
pub const CUT_DISTANCE: f32 = 0.45;

#[derive(Debug, Clone, Default)]
pub struct SceneCutDetector {
    previous: Option<Vec<f32>>,
}

/// The colour histogram of a picture, normalised to sum 1.
pub fn histogram(picture: &RgbPicture) -> Vec<f32> {
    let mut bins = vec![0.0f32; BINS * BINS * BINS];
    let bin = |v: f32| ((v * BINS as f32) as usize).min(BINS - 1);
    for px in picture.data.chunks_exact(3) {
        bins[(bin(px[0]) * BINS + bin(px[1])) * BINS + bin(px[2])] += 1.0;
    }
    let total = bins.iter().sum::<f32>().max(1.0);
    bins.iter_mut().for_each(|b| *b /= total);
    bins
}

/// Total-variation distance between two normalised histograms (0..1).
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    0.5 * a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>()
}

impl SceneCutDetector {
    /// Whether `picture` starts a new shot, and the distance measured.
    pub fn update(&mut self, picture: &RgbPicture) -> (bool, f32) {
        let current = histogram(picture);
        let d = self
            .previous
            .as_ref()
            .map_or(0.0, |previous| distance(previous, &current));
        self.previous = Some(current);
        (d > CUT_DISTANCE, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(rgb: [f32; 3]) -> RgbPicture {
        RgbPicture {
            width: 4,
            height: 4,
            data: rgb.repeat(16),
        }
    }

    #[test]
    fn a_change_of_distribution_is_a_cut_and_a_small_shift_is_not() {
        let mut detector = SceneCutDetector::default();
        assert!(!detector.update(&flat([0.5, 0.5, 0.5])).0, "first picture");
        assert!(!detector.update(&flat([0.52, 0.5, 0.5])).0, "same bin");
        let (cut, d) = detector.update(&flat([0.1, 0.8, 0.2]));
        assert!(cut && (d - 1.0).abs() < 1e-6, "{d}");
    }
}
