//! Face detection: MediaPipe BlazeFace, short range (faces within about two
//! metres, 128 px input) and full range (smaller faces, 192 px input),
//! through ONNX Runtime.
//!
//! How it works: the picture is letterboxed into the model's square input
//! (scaled to fit, centred, padded with black) and scaled to the model's
//! pixel range. The model scores a fixed set of SSD anchors (896 for short
//! range, 2304 for full range; [`anchors`]) and regresses, per anchor, a box
//! and six keypoints as offsets in input pixels. Anchors scoring above the
//! threshold are decoded, then merged by weighted non-maximum suppression
//! (MediaPipe's `WEIGHTED` NMS: overlapping detections are averaged, weighted
//! by score, which steadies boxes). Results are in the picture's pixels.

use super::picture::RgbPicture;
use super::runtime::Runtime;
use super::store::ModelStore;
use super::AnalysisError;

/// A box in picture pixels: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BoxPx {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl BoxPx {
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    pub fn centre(&self) -> [f32; 2] {
        [(self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0]
    }
    /// Intersection over union.
    pub fn iou(&self, other: &BoxPx) -> f32 {
        let w = (self.x1.min(other.x1) - self.x0.max(other.x0)).max(0.0);
        let h = (self.y1.min(other.y1) - self.y0.max(other.y0)).max(0.0);
        let inter = w * h;
        let union = self.width() * self.height() + other.width() * other.height() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
}

/// BlazeFace's six keypoints, in this order.
pub const KEYPOINTS: [&str; 6] = [
    "right eye",
    "left eye",
    "nose tip",
    "mouth centre",
    "right ear tragion",
    "left ear tragion",
];

/// One face found in a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceDetection {
    pub bbox: BoxPx,
    /// 0..1 (the model's logistic score).
    pub score: f32,
    /// See [`KEYPOINTS`]; picture pixels.
    pub keypoints: [[f32; 2]; 6],
}

/// Which BlazeFace model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceRange {
    /// Faces filling a good part of the picture (within about 2 m).
    Short,
    /// Smaller, more distant faces.
    Full,
}

impl FaceRange {
    fn model_name(self) -> &'static str {
        match self {
            FaceRange::Short => "face-short",
            FaceRange::Full => "face-full",
        }
    }

    /// MediaPipe's settings: input size, (stride, anchors per cell) and the
    /// score threshold (face_detection_short_range / _full_range graphs).
    fn settings(self) -> (u32, &'static [(u32, u32)], f32) {
        match self {
            FaceRange::Short => (128, &[(8, 2), (16, 6)], 0.5),
            FaceRange::Full => (192, &[(4, 1)], 0.6),
        }
    }
}

/// Detections overlapping the best one by more than this are merged with it
/// (MediaPipe's `min_suppression_threshold`).
const MERGE_IOU: f32 = 0.3;

/// SSD anchor centres in 0..1 for a square input: for each stride, a grid of
/// `input / stride` cells, each with `per_cell` anchors at the cell centre
/// (MediaPipe's SsdAnchorsCalculator with fixed anchor size 1).
pub fn anchors(input: u32, layers: &[(u32, u32)]) -> Vec<[f32; 2]> {
    let mut out = Vec::new();
    for &(stride, per_cell) in layers {
        let cells = input.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let centre = [
                    (x as f32 + 0.5) / cells as f32,
                    (y as f32 + 0.5) / cells as f32,
                ];
                out.extend(std::iter::repeat_n(centre, per_cell as usize));
            }
        }
    }
    out
}

/// A BlazeFace model, ready to run.
pub struct FaceDetector {
    session: ort::session::Session,
    range: FaceRange,
    anchors: Vec<[f32; 2]>,
    input_range: [f32; 2],
}

impl FaceDetector {
    /// Opens the model from the store (hash and input checked).
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        range: FaceRange,
        threads: usize,
    ) -> Result<FaceDetector, AnalysisError> {
        let (session, entry) = runtime.open_named(store, range.model_name(), threads)?;
        let (size, layers, _) = range.settings();
        Ok(FaceDetector {
            session,
            range,
            anchors: anchors(size, layers),
            input_range: entry.input.range,
        })
    }

    /// Finds the faces in `picture`, best first.
    pub fn detect(&mut self, picture: &RgbPicture) -> Result<Vec<FaceDetection>, AnalysisError> {
        let (size, _, threshold) = self.range.settings();
        let letterbox = Letterbox::new(picture, size);
        let input = letterbox.tensor(picture, self.input_range);
        let model_error = |e: ort::Error| AnalysisError::Model {
            path: self.range.model_name().into(),
            message: e.to_string(),
        };
        let tensor = ort::value::Tensor::from_array((
            [1usize, 3, size as usize, size as usize],
            input.into_boxed_slice(),
        ))
        .map_err(model_error)?;
        let outputs = self
            .session
            .run(ort::inputs![tensor])
            .map_err(model_error)?;
        // Output 0: regressors [1, anchors, 16]; output 1: logits [1, anchors, 1].
        let (_, boxes) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(model_error)?;
        let (_, logits) = outputs[1]
            .try_extract_tensor::<f32>()
            .map_err(model_error)?;
        if boxes.len() != self.anchors.len() * 16 || logits.len() != self.anchors.len() {
            return Err(AnalysisError::Model {
                path: self.range.model_name().into(),
                message: format!(
                    "outputs of {} and {} values, expected {} anchors",
                    boxes.len(),
                    logits.len(),
                    self.anchors.len()
                ),
            });
        }
        let scale = size as f32;
        let mut found = Vec::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            let score = 1.0 / (1.0 + (-logits[i].clamp(-100.0, 100.0)).exp());
            if score < threshold {
                continue;
            }
            let r = &boxes[i * 16..i * 16 + 16];
            // Offsets in input pixels from the anchor centre (anchor size 1).
            let point = |dx: f32, dy: f32| {
                letterbox.to_picture([anchor[0] + dx / scale, anchor[1] + dy / scale])
            };
            let centre = point(r[0], r[1]);
            let half = [
                r[2] / scale / 2.0 * letterbox.span,
                r[3] / scale / 2.0 * letterbox.span,
            ];
            found.push(FaceDetection {
                bbox: BoxPx {
                    x0: centre[0] - half[0],
                    y0: centre[1] - half[1],
                    x1: centre[0] + half[0],
                    y1: centre[1] + half[1],
                },
                score,
                keypoints: [0, 1, 2, 3, 4, 5].map(|k| point(r[4 + 2 * k], r[5 + 2 * k])),
            });
        }
        Ok(weighted_nms(found))
    }
}

/// How the picture sits in the model's square input.
struct Letterbox {
    size: u32,
    /// Picture pixels covered by the input's full width (and height).
    span: f32,
    /// Picture coordinates of the input's top-left corner.
    origin: [f32; 2],
}

impl Letterbox {
    fn new(picture: &RgbPicture, size: u32) -> Letterbox {
        let span = picture.width.max(picture.height) as f32;
        Letterbox {
            size,
            span,
            origin: [
                (picture.width as f32 - span) / 2.0,
                (picture.height as f32 - span) / 2.0,
            ],
        }
    }

    /// Input coordinates in 0..1 to picture pixels.
    fn to_picture(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.origin[0] + p[0] * self.span,
            self.origin[1] + p[1] * self.span,
        ]
    }

    /// The model input, NCHW, in `range`; padding is black.
    fn tensor(&self, picture: &RgbPicture, range: [f32; 2]) -> Vec<f32> {
        let n = self.size as usize;
        let mut out = vec![range[0]; 3 * n * n];
        let step = self.span / self.size as f32;
        for y in 0..n {
            for x in 0..n {
                let px = self.origin[0] + (x as f32 + 0.5) * step;
                let py = self.origin[1] + (y as f32 + 0.5) * step;
                if px < 0.0 || py < 0.0 || px >= picture.width as f32 || py >= picture.height as f32
                {
                    continue;
                }
                let rgb = picture.sample(px, py);
                for c in 0..3 {
                    out[c * n * n + y * n + x] = range[0] + rgb[c] * (range[1] - range[0]);
                }
            }
        }
        out
    }
}

/// MediaPipe's weighted non-maximum suppression: the best remaining
/// detection absorbs every detection overlapping it by more than
/// [`MERGE_IOU`]; the merged box and keypoints are the score-weighted mean,
/// the score the best one's.
pub fn weighted_nms(mut detections: Vec<FaceDetection>) -> Vec<FaceDetection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut merged = Vec::new();
    while let Some(best) = detections.first().cloned() {
        let (group, rest): (Vec<_>, Vec<_>) = detections
            .into_iter()
            .partition(|d| d.bbox.iou(&best.bbox) > MERGE_IOU);
        detections = rest;
        let total: f32 = group.iter().map(|d| d.score).sum();
        let mean = |f: &dyn Fn(&FaceDetection) -> f32| {
            group.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        merged.push(FaceDetection {
            bbox: BoxPx {
                x0: mean(&|d| d.bbox.x0),
                y0: mean(&|d| d.bbox.y0),
                x1: mean(&|d| d.bbox.x1),
                y1: mean(&|d| d.bbox.y1),
            },
            score: best.score,
            keypoints: [0, 1, 2, 3, 4, 5]
                .map(|k| [mean(&|d| d.keypoints[k][0]), mean(&|d| d.keypoints[k][1])]),
        });
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_counts_match_the_models() {
        let (size, layers, _) = FaceRange::Short.settings();
        assert_eq!(anchors(size, layers).len(), 896);
        let (size, layers, _) = FaceRange::Full.settings();
        assert_eq!(anchors(size, layers).len(), 2304);
        // First anchor: the centre of the first 8-px cell.
        assert_eq!(anchors(128, &[(8, 2)])[0], [0.5 / 16.0, 0.5 / 16.0]);
    }

    #[test]
    fn nms_merges_overlaps_by_score_and_keeps_separate_faces() {
        let face = |x: f32, score: f32| FaceDetection {
            bbox: BoxPx {
                x0: x,
                y0: 0.0,
                x1: x + 10.0,
                y1: 10.0,
            },
            score,
            keypoints: [[x, 0.0]; 6],
        };
        let out = weighted_nms(vec![face(0.0, 0.9), face(1.0, 0.3), face(50.0, 0.8)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        assert!((out[0].bbox.x0 - 0.25).abs() < 1e-6, "{:?}", out[0].bbox);
        assert_eq!(out[1].bbox.x0, 50.0);
    }
}
