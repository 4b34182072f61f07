//! Face mesh: MediaPipe Face Mesh, 468 landmarks on a face crop, the face's
//! regions (oval, eyes, brows, lips) and its head pose.
//!
//! How it works: a face is cut out as a rotated square, the region of
//! interest ([`Roi`]): from a detection, the box scaled 1.5x around its
//! centre and turned so the eyes are level (MediaPipe's
//! face_detection_front_detection_to_roi); from the previous landmarks, their
//! extent in the eye-aligned frame, scaled the same way
//! (face_landmark_landmarks_to_roi). The crop is resampled to the model's
//! 192 x 192 input. The model returns 468 (x, y, z) points in crop pixels
//! (z: depth in the same unit, smaller = nearer the camera, 0 at the head's
//! centre) and a face-presence logit; points are mapped back through the
//! crop's rotation into picture pixels. Regions are the canonical Face Mesh
//! index loops ([`FACE_OVAL`] and friends, from MediaPipe's
//! face_mesh_connections). [`HeadPose`] comes from the eye line and the
//! forehead-to-chin line in 3D.

use super::picture::RgbPicture;
use super::runtime::Runtime;
use super::store::ModelStore;
use super::AnalysisError;

/// The face's outline, clockwise from the top of the forehead.
pub const FACE_OVAL: [usize; 36] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
/// The outer edge of the lips.
pub const LIPS: [usize; 20] = [
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185,
];
/// The subject's right eye (on the picture's left).
pub const RIGHT_EYE: [usize; 16] = [
    33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
];
/// The subject's left eye (on the picture's right).
pub const LEFT_EYE: [usize; 16] = [
    263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
];
pub const RIGHT_BROW: [usize; 10] = [46, 53, 52, 65, 55, 107, 66, 105, 63, 70];
pub const LEFT_BROW: [usize; 10] = [276, 283, 282, 295, 285, 336, 296, 334, 293, 300];
/// The band under each eye, from the lower lid's first ring to the orbit's
/// lower edge (MediaPipe's annotations eyeLower1 and eyeLower3, outer
/// corner to inner).
const RIGHT_EYE_LOWER1: [usize; 9] = [130, 25, 110, 24, 23, 22, 26, 112, 243];
const RIGHT_EYE_LOWER3: [usize; 9] = [143, 111, 117, 118, 119, 120, 121, 128, 245];
const LEFT_EYE_LOWER1: [usize; 9] = [359, 255, 339, 254, 253, 252, 256, 341, 463];
const LEFT_EYE_LOWER3: [usize; 9] = [372, 340, 346, 347, 348, 349, 350, 357, 465];
/// The brows' upper edges, outer end to inner (eyebrowUpper).
const RIGHT_BROW_UPPER: [usize; 8] = [156, 70, 63, 105, 66, 107, 55, 193];
const LEFT_BROW_UPPER: [usize; 8] = [383, 300, 293, 334, 296, 336, 285, 417];
/// The face oval's arc over the forehead, picture-left to right (part of
/// [`FACE_OVAL`]).
const FOREHEAD_ARC: [usize; 9] = [54, 103, 67, 109, 10, 338, 297, 332, 284];
/// The nose's ridge: between the eyes (midwayBetweenEyes) down to the tip.
const NOSE_RIDGE: [usize; 6] = [168, 6, 197, 195, 5, 4];
/// Landmarks used for the pose: outer eye corners, top of forehead, chin.
const RIGHT_EYE_OUTER: usize = 33;
const LEFT_EYE_OUTER: usize = 263;
const FOREHEAD: usize = 10;
const CHIN: usize = 152;

/// Number of landmarks.
pub const LANDMARKS: usize = 468;
/// The model's input size.
const INPUT: usize = 192;
/// ROI scale around the face (MediaPipe's 1.5).
const ROI_SCALE: f32 = 1.5;
/// Face presence below this means the crop holds no face (track lost).
pub const PRESENCE_THRESHOLD: f32 = 0.5;

/// A rotated square of the picture: centre, side and rotation (radians,
/// positive turns the crop's x axis towards the picture's +y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub centre: [f32; 2],
    pub size: f32,
    pub angle: f32,
}

impl Roi {
    /// From a detection's box and its two eye keypoints (right eye first).
    pub fn from_detection(centre: [f32; 2], width: f32, height: f32, eyes: [[f32; 2]; 2]) -> Roi {
        let [right, left] = eyes;
        Roi {
            centre,
            size: width.max(height) * ROI_SCALE,
            angle: (left[1] - right[1]).atan2(left[0] - right[0]),
        }
    }

    /// From landmarks of the previous picture (picture pixels).
    pub fn from_landmarks(points: &[[f32; 3]]) -> Roi {
        let (r, l) = (points[RIGHT_EYE_OUTER], points[LEFT_EYE_OUTER]);
        let angle = (l[1] - r[1]).atan2(l[0] - r[0]);
        let (sin, cos) = angle.sin_cos();
        // Extent in the eye-aligned frame.
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in points {
            let u = p[0] * cos + p[1] * sin;
            let v = -p[0] * sin + p[1] * cos;
            lo = [lo[0].min(u), lo[1].min(v)];
            hi = [hi[0].max(u), hi[1].max(v)];
        }
        let (u, v) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
        Roi {
            centre: [u * cos - v * sin, u * sin + v * cos],
            size: (hi[0] - lo[0]).max(hi[1] - lo[1]) * ROI_SCALE,
            angle,
        }
    }

    /// The picture point at crop coordinates `u`, `v` in 0..1.
    pub fn to_picture(&self, u: f32, v: f32) -> [f32; 2] {
        let (sin, cos) = self.angle.sin_cos();
        let (du, dv) = ((u - 0.5) * self.size, (v - 0.5) * self.size);
        [
            self.centre[0] + du * cos - dv * sin,
            self.centre[1] + du * sin + dv * cos,
        ]
    }
}

/// Head orientation in degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HeadPose {
    /// Positive when the face turns towards the picture's right.
    pub yaw: f32,
    /// Positive when the face looks down.
    pub pitch: f32,
    /// Positive when the eye line turns clockwise on the picture.
    pub roll: f32,
}

impl HeadPose {
    /// From landmarks in picture pixels (z in the same unit).
    pub fn of(points: &[[f32; 3]]) -> HeadPose {
        let sub = |a: [f32; 3], b: [f32; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
        let dot = |a: [f32; 3], b: [f32; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let unit = |a: [f32; 3]| {
            let n = dot(a, a).sqrt().max(f32::EPSILON);
            [a[0] / n, a[1] / n, a[2] / n]
        };
        let x = unit(sub(points[LEFT_EYE_OUTER], points[RIGHT_EYE_OUTER]));
        let down = sub(points[CHIN], points[FOREHEAD]);
        let along = dot(down, x);
        let y = unit([
            down[0] - along * x[0],
            down[1] - along * x[1],
            down[2] - along * x[2],
        ]);
        HeadPose {
            yaw: x[2].clamp(-1.0, 1.0).asin().to_degrees(),
            pitch: y[2].clamp(-1.0, 1.0).asin().to_degrees(),
            roll: x[1].atan2(x[0]).to_degrees(),
        }
    }
}

/// Landmarks of one face.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMeshResult {
    /// 468 points in picture pixels; z in the same unit.
    pub points: Vec<[f32; 3]>,
    /// 0..1 (logistic of the model's presence logit).
    pub presence: f32,
}

/// The (x, y) of a region loop (e.g. [`FACE_OVAL`]) of 468 landmarks.
pub fn region(points: &[[f32; 3]], indices: &[usize]) -> Vec<[f32; 2]> {
    indices
        .iter()
        .map(|i| [points[*i][0], points[*i][1]])
        .collect()
}

/// The parts of a face that tonal controls pick out, as polygons in the
/// landmarks' pixels (see [`FaceRegions::of`]).
pub struct FaceRegions {
    pub eyes: Vec<Vec<[f32; 2]>>,
    pub lips: Vec<[f32; 2]>,
    pub under_eyes: Vec<Vec<[f32; 2]>>,
    /// Forehead, nose ridge and cheekbones: where skin shines.
    pub shine: Vec<Vec<[f32; 2]>>,
}

impl FaceRegions {
    /// The regions of one face's 468 landmarks. Eyes and lips are the
    /// canonical loops; under each eye, the band between the lower lid's
    /// first ring and the orbit's lower edge; the forehead, between the
    /// oval's upper arc and the brows; the nose ridge, a strip along it a
    /// fifth of the eye distance wide; each cheekbone, the orbit's lower
    /// edge moved down by the under-eye band's height, twice.
    pub fn of(points: &[[f32; 3]]) -> FaceRegions {
        let at = |i: usize| [points[i][0], points[i][1]];
        let band = |upper: &[usize], lower: &[usize]| -> Vec<[f32; 2]> {
            let mut polygon = region(points, upper);
            polygon.extend(region(points, lower).into_iter().rev());
            polygon
        };
        // The orbit's lower edge, and a copy moved down by twice the
        // under-eye band's height at each point.
        let cheekbone = |lid: &[usize], orbit: &[usize]| -> Vec<[f32; 2]> {
            let top = region(points, orbit);
            let below: Vec<[f32; 2]> = top
                .iter()
                .zip(region(points, lid))
                .map(|(o, l)| [o[0] + 2.0 * (o[0] - l[0]), o[1] + 2.0 * (o[1] - l[1])])
                .collect();
            top.into_iter().chain(below.into_iter().rev()).collect()
        };
        let mut forehead = region(points, &FOREHEAD_ARC);
        forehead.extend(region(points, &LEFT_BROW_UPPER));
        forehead.extend(region(points, &RIGHT_BROW_UPPER).into_iter().rev());
        let eye_distance = {
            let (a, b) = (at(RIGHT_EYE_OUTER), at(LEFT_EYE_OUTER));
            (a[0] - b[0]).hypot(a[1] - b[1])
        };
        let ridge = region(points, &NOSE_RIDGE);
        let half_width = 0.1 * eye_distance;
        let normal = |a: [f32; 2], b: [f32; 2]| {
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let length = dx.hypot(dy).max(1e-6);
            [-dy / length * half_width, dx / length * half_width]
        };
        let (first, last) = (ridge[0], ridge[ridge.len() - 1]);
        let n = normal(first, last);
        let nose = vec![
            [first[0] + n[0], first[1] + n[1]],
            [last[0] + n[0], last[1] + n[1]],
            [last[0] - n[0], last[1] - n[1]],
            [first[0] - n[0], first[1] - n[1]],
        ];
        FaceRegions {
            eyes: vec![region(points, &RIGHT_EYE), region(points, &LEFT_EYE)],
            lips: region(points, &LIPS),
            under_eyes: vec![
                band(&RIGHT_EYE_LOWER1, &RIGHT_EYE_LOWER3),
                band(&LEFT_EYE_LOWER1, &LEFT_EYE_LOWER3),
            ],
            shine: vec![
                forehead,
                nose,
                cheekbone(&RIGHT_EYE_LOWER1, &RIGHT_EYE_LOWER3),
                cheekbone(&LEFT_EYE_LOWER1, &LEFT_EYE_LOWER3),
            ],
        }
    }
}

/// The Face Mesh model, ready to run.
pub struct FaceMesh {
    session: ort::session::Session,
    input_range: [f32; 2],
}

impl FaceMesh {
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        threads: usize,
    ) -> Result<FaceMesh, AnalysisError> {
        let (session, entry) = runtime.open_named(store, "face-mesh", threads)?;
        Ok(FaceMesh {
            session,
            input_range: entry.input.range,
        })
    }

    /// Runs the model on `roi` of `picture`.
    pub fn landmarks(
        &mut self,
        picture: &RgbPicture,
        roi: &Roi,
    ) -> Result<FaceMeshResult, AnalysisError> {
        let [lo, hi] = self.input_range;
        let mut input = vec![0.0f32; 3 * INPUT * INPUT];
        for y in 0..INPUT {
            for x in 0..INPUT {
                let [px, py] = roi.to_picture(
                    (x as f32 + 0.5) / INPUT as f32,
                    (y as f32 + 0.5) / INPUT as f32,
                );
                let rgb = picture.sample(px, py);
                for (c, v) in rgb.iter().enumerate() {
                    input[c * INPUT * INPUT + y * INPUT + x] = lo + v * (hi - lo);
                }
            }
        }
        let model_error = |e: ort::Error| AnalysisError::Model {
            path: "face-mesh".into(),
            message: e.to_string(),
        };
        let tensor =
            ort::value::Tensor::from_array(([1usize, 3, INPUT, INPUT], input.into_boxed_slice()))
                .map_err(model_error)?;
        let outputs = self
            .session
            .run(ort::inputs![tensor])
            .map_err(model_error)?;
        let (mut points, mut presence) = (None, None);
        for (_, value) in outputs.iter() {
            let (_, values) = value.try_extract_tensor::<f32>().map_err(model_error)?;
            match values.len() {
                n if n == LANDMARKS * 3 => points = Some(values.to_vec()),
                1 => presence = Some(values[0]),
                _ => {}
            }
        }
        let (Some(raw), Some(logit)) = (points, presence) else {
            return Err(AnalysisError::Model {
                path: "face-mesh".into(),
                message: format!(
                    "expected outputs of {} landmark values and 1 presence logit",
                    LANDMARKS * 3
                ),
            });
        };
        let scale = roi.size / INPUT as f32;
        let points = raw
            .chunks_exact(3)
            .map(|p| {
                let [x, y] = roi.to_picture(p[0] / INPUT as f32, p[1] / INPUT as f32);
                [x, y, p[2] * scale]
            })
            .collect();
        Ok(FaceMeshResult {
            points,
            presence: 1.0 / (1.0 + (-logit).exp()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_maps_its_corners_through_the_rotation() {
        let roi = Roi {
            centre: [100.0, 50.0],
            size: 20.0,
            angle: std::f32::consts::FRAC_PI_2,
        };
        let c = roi.to_picture(0.5, 0.5);
        assert!((c[0] - 100.0).abs() < 1e-4 && (c[1] - 50.0).abs() < 1e-4);
        // Quarter turn: the crop's +x runs along the picture's +y.
        let right = roi.to_picture(1.0, 0.5);
        assert!((right[0] - 100.0).abs() < 1e-4 && (right[1] - 60.0).abs() < 1e-4);
    }

    #[test]
    fn a_level_frontal_face_has_no_pose_and_a_tilt_is_roll() {
        let mut points = vec![[0.0f32; 3]; LANDMARKS];
        points[RIGHT_EYE_OUTER] = [-1.0, 0.0, 0.0];
        points[LEFT_EYE_OUTER] = [1.0, 0.0, 0.0];
        points[FOREHEAD] = [0.0, -1.0, 0.0];
        points[CHIN] = [0.0, 2.0, 0.0];
        let pose = HeadPose::of(&points);
        assert!(pose.yaw.abs() < 1e-4 && pose.pitch.abs() < 1e-4 && pose.roll.abs() < 1e-4);
        // Left eye lower on the picture: the eye line turns clockwise.
        points[LEFT_EYE_OUTER] = [1.0, 2.0 * (2.0f32.sqrt() - 1.0), 0.0];
        assert!((HeadPose::of(&points).roll - 22.5).abs() < 0.01);
        // Left eye farther away: the face turns to the picture's right.
        points[LEFT_EYE_OUTER] = [1.0, 0.0, 1.0];
        points[RIGHT_EYE_OUTER] = [-1.0, 0.0, -1.0];
        assert!((HeadPose::of(&points).yaw - 45.0).abs() < 0.01);
    }

    #[test]
    fn roi_from_landmarks_covers_them_eye_aligned() {
        let mut points = vec![[0.0f32; 3]; LANDMARKS];
        for (i, p) in points.iter_mut().enumerate() {
            let t = i as f32 / LANDMARKS as f32 * std::f32::consts::TAU;
            *p = [50.0 + 10.0 * t.cos(), 40.0 + 10.0 * t.sin(), 0.0];
        }
        points[RIGHT_EYE_OUTER] = [45.0, 38.0, 0.0];
        points[LEFT_EYE_OUTER] = [55.0, 38.0, 0.0];
        let roi = Roi::from_landmarks(&points);
        assert!(roi.angle.abs() < 1e-6);
        assert!((roi.centre[0] - 50.0).abs() < 0.01 && (roi.centre[1] - 40.0).abs() < 0.01);
        assert!((roi.size - 30.0).abs() < 0.01, "{}", roi.size);
    }
}
