//! Face tracking: stable IDs over time, smoothing, and prediction forward.
//!
//! How it works: each analysed picture brings face observations, from the
//! detector (every few pictures) or from the face mesh run on each track's
//! previous landmarks (cheap tracking in between). [`FaceTracker::update`]
//! matches them to the live tracks greedily, best overlap first: by box IoU,
//! or, when a fast move leaves no overlap, by centre distance within half a
//! face. A matched track keeps its ID and runs every coordinate through a
//! One Euro filter ([`super::smoothing`]); an unmatched observation starts a
//! new track; an unmatched track is hidden but kept for [`MAX_MISSED`]
//! pictures, so a face that is briefly covered comes back with its ID.
//!
//! Boxes keep the detector's meaning between detections: when the mesh
//! tracks a face, its box is the last detector box moved and scaled as the
//! landmarks moved since that detection (the landmark "anchor"), so boxes do
//! not jump when the detector runs again. [`TrackedFace::predicted`] moves a
//! face along its filtered velocity, which the render thread uses to bring a
//! result that is a few frames old up to the current frame.

use super::face::BoxPx;
use super::mesh::{FaceMeshResult, HeadPose};
use super::smoothing::{OneEuro, OneEuroSettings};

/// Pictures a track stays hidden before it is dropped.
pub const MAX_MISSED: u32 = 8;
/// Boxes overlapping at least this much are the same face.
const MATCH_IOU: f32 = 0.2;

/// Where a face observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Detected,
    /// Landmarks on the track's previous region only.
    Meshed,
}

/// A face seen in one picture (picture pixels).
#[derive(Debug, Clone)]
pub struct FaceObservation {
    pub bbox: BoxPx,
    pub score: f32,
    pub keypoints: [[f32; 2]; 6],
    pub mesh: Option<FaceMeshResult>,
    pub seen: Seen,
}

/// A tracked face, smoothed (picture pixels unless scaled).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrackedFace {
    pub id: u32,
    pub bbox: BoxPx,
    /// The box as observed, before smoothing (for jitter figures).
    pub raw_bbox: BoxPx,
    pub score: f32,
    pub keypoints: [[f32; 2]; 6],
    /// 468 smoothed Face Mesh points, when the mesh ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landmarks: Option<Vec<[f32; 3]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pose: Option<HeadPose>,
    /// Box centre velocity, pixels a second.
    pub velocity: [f32; 2],
}

impl TrackedFace {
    /// The face moved `seconds` ahead along its velocity.
    pub fn predicted(&self, seconds: f32) -> TrackedFace {
        let [dx, dy] = self.velocity.map(|v| v * seconds);
        let mut out = self.clone();
        out.transform(|[x, y]| [x + dx, y + dy], 1.0);
        out
    }

    /// The face in a picture `factor` times as large.
    pub fn scaled(&self, factor: f32) -> TrackedFace {
        let mut out = self.clone();
        out.transform(|[x, y]| [x * factor, y * factor], factor);
        out.velocity = self.velocity.map(|v| v * factor);
        out
    }

    fn transform(&mut self, f: impl Fn([f32; 2]) -> [f32; 2], z_scale: f32) {
        let map_box = |b: BoxPx| {
            let [x0, y0] = f([b.x0, b.y0]);
            let [x1, y1] = f([b.x1, b.y1]);
            BoxPx { x0, y0, x1, y1 }
        };
        self.bbox = map_box(self.bbox);
        self.raw_bbox = map_box(self.raw_bbox);
        self.keypoints = self.keypoints.map(&f);
        if let Some(points) = &mut self.landmarks {
            for p in points.iter_mut() {
                let [x, y] = f([p[0], p[1]]);
                *p = [x, y, p[2] * z_scale];
            }
        }
    }
}

/// The landmarks' centroid and spread when the detector last saw the face.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    bbox: BoxPx,
    centroid: [f32; 2],
    spread: f32,
}

fn centroid_and_spread(points: &[[f32; 3]]) -> ([f32; 2], f32) {
    let n = points.len().max(1) as f32;
    let c = [
        points.iter().map(|p| p[0]).sum::<f32>() / n,
        points.iter().map(|p| p[1]).sum::<f32>() / n,
    ];
    let spread = (points
        .iter()
        .map(|p| (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2))
        .sum::<f32>()
        / n)
        .sqrt();
    (c, spread)
}

struct Track {
    face: TrackedFace,
    box_filters: [OneEuro; 4],
    keypoint_filters: Vec<OneEuro>,
    landmark_filters: Vec<OneEuro>,
    anchor: Option<Anchor>,
    missed: u32,
    /// Seconds since the track was last matched.
    unseen_for: f32,
}

/// Face tracks over a sequence of analysed pictures.
#[derive(Default)]
pub struct FaceTracker {
    tracks: Vec<Track>,
    next_id: u32,
    settings: OneEuroSettings,
}

impl FaceTracker {
    pub fn new(settings: OneEuroSettings) -> FaceTracker {
        FaceTracker {
            tracks: Vec::new(),
            next_id: 0,
            settings,
        }
    }

    /// Forgets every track (a scene cut). IDs keep counting up.
    pub fn reset(&mut self) {
        self.tracks.clear();
    }

    /// The faces seen in the last update.
    pub fn visible(&self) -> Vec<TrackedFace> {
        self.tracks
            .iter()
            .filter(|t| t.missed == 0)
            .map(|t| t.face.clone())
            .collect()
    }

    /// Landmarks of the visible tracks, to place the next mesh crops.
    pub fn visible_landmarks(&self) -> Vec<Vec<[f32; 3]>> {
        self.tracks
            .iter()
            .filter(|t| t.missed == 0)
            .filter_map(|t| t.face.landmarks.clone())
            .collect()
    }

    /// Takes the observations of a picture `elapsed` seconds after the
    /// previous one; returns the visible faces.
    pub fn update(&mut self, observations: Vec<FaceObservation>, elapsed: f32) -> Vec<TrackedFace> {
        for track in &mut self.tracks {
            track.unseen_for += elapsed;
        }
        // Every plausible pair, best first.
        let mut pairs = Vec::new();
        for (t, track) in self.tracks.iter().enumerate() {
            let expected = track.face.predicted(track.unseen_for).bbox;
            for (o, obs) in observations.iter().enumerate() {
                let iou = expected.iou(&obs.bbox);
                let [ex, ey] = expected.centre();
                let [ox, oy] = obs.bbox.centre();
                let near = ((ex - ox).powi(2) + (ey - oy).powi(2)).sqrt()
                    < 0.5 * expected.width().max(obs.bbox.width());
                if iou >= MATCH_IOU || near {
                    pairs.push((iou, t, o));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut track_taken = vec![false; self.tracks.len()];
        let mut observation_of = vec![None; self.tracks.len()];
        let mut obs_taken = vec![false; observations.len()];
        for (_, t, o) in pairs {
            if !track_taken[t] && !obs_taken[o] {
                track_taken[t] = true;
                obs_taken[o] = true;
                observation_of[t] = Some(o);
            }
        }
        let mut observations: Vec<Option<FaceObservation>> =
            observations.into_iter().map(Some).collect();
        for (track, matched) in self.tracks.iter_mut().zip(observation_of) {
            match matched.and_then(|o| observations[o].take()) {
                Some(obs) => track.observe(obs),
                None => track.missed += 1,
            }
        }
        self.tracks.retain(|t| t.missed <= MAX_MISSED);
        // New faces are numbered left to right (a still's faces, a group
        // walking in), so a look's `face = N` means the same face each run.
        let mut new_faces: Vec<FaceObservation> = observations.into_iter().flatten().collect();
        new_faces.sort_by(|a, b| a.bbox.x0.total_cmp(&b.bbox.x0));
        for obs in new_faces {
            // A face first seen by the mesh alone has no track to follow.
            if obs.seen == Seen::Detected {
                let id = self.next_id;
                self.next_id += 1;
                self.tracks.push(Track::start(id, obs, self.settings));
            }
        }
        self.visible()
    }
}

impl Track {
    fn start(id: u32, obs: FaceObservation, settings: OneEuroSettings) -> Track {
        let mut track = Track {
            face: TrackedFace {
                id,
                bbox: obs.bbox,
                raw_bbox: obs.bbox,
                score: obs.score,
                keypoints: obs.keypoints,
                landmarks: None,
                pose: None,
                velocity: [0.0; 2],
            },
            box_filters: std::array::from_fn(|_| OneEuro::new(settings)),
            keypoint_filters: vec![OneEuro::new(settings); 12],
            landmark_filters: vec![OneEuro::new(settings); 3 * super::mesh::LANDMARKS],
            anchor: None,
            missed: 0,
            unseen_for: 0.0,
        };
        track.observe(obs);
        track
    }

    fn observe(&mut self, obs: FaceObservation) {
        let elapsed = self.unseen_for;
        self.unseen_for = 0.0;
        self.missed = 0;
        let mut bbox = obs.bbox;
        if let Some(mesh) = &obs.mesh {
            let (centroid, spread) = centroid_and_spread(&mesh.points);
            match (obs.seen, self.anchor) {
                (Seen::Detected, _) => {
                    self.anchor = Some(Anchor {
                        bbox,
                        centroid,
                        spread,
                    })
                }
                (Seen::Meshed, Some(a)) => {
                    let s = spread / a.spread.max(f32::EPSILON);
                    let map = |x: f32, y: f32| {
                        [
                            centroid[0] + (x - a.centroid[0]) * s,
                            centroid[1] + (y - a.centroid[1]) * s,
                        ]
                    };
                    let [x0, y0] = map(a.bbox.x0, a.bbox.y0);
                    let [x1, y1] = map(a.bbox.x1, a.bbox.y1);
                    bbox = BoxPx { x0, y0, x1, y1 };
                }
                (Seen::Meshed, None) => {}
            }
        }
        let [cx, cy] = bbox.centre();
        let raw = [cx, cy, bbox.width(), bbox.height()];
        let [cx, cy, w, h] = std::array::from_fn(|i| self.box_filters[i].filter(raw[i], elapsed));
        let face = &mut self.face;
        let previous_centre = face.bbox.centre();
        face.raw_bbox = bbox;
        face.bbox = BoxPx {
            x0: cx - w / 2.0,
            y0: cy - h / 2.0,
            x1: cx + w / 2.0,
            y1: cy + h / 2.0,
        };
        face.velocity = [self.box_filters[0].speed(), self.box_filters[1].speed()];
        face.score = obs.score;
        if obs.seen == Seen::Detected {
            let filters = &mut self.keypoint_filters;
            face.keypoints = std::array::from_fn(|k| {
                [0, 1].map(|c| filters[k * 2 + c].filter(obs.keypoints[k][c], elapsed))
            });
        } else {
            // Keypoints follow the box between detections.
            let (now, before) = (face.bbox.centre(), previous_centre);
            let shift = [now[0] - before[0], now[1] - before[1]];
            face.keypoints = face.keypoints.map(|[x, y]| [x + shift[0], y + shift[1]]);
        }
        if let Some(mesh) = obs.mesh {
            let filters = &mut self.landmark_filters;
            let points: Vec<[f32; 3]> = mesh
                .points
                .iter()
                .enumerate()
                .map(|(i, p)| std::array::from_fn(|c| filters[i * 3 + c].filter(p[c], elapsed)))
                .collect();
            face.pose = Some(HeadPose::of(&points));
            face.landmarks = Some(points);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(x: f32, y: f32, size: f32) -> FaceObservation {
        FaceObservation {
            bbox: BoxPx {
                x0: x,
                y0: y,
                x1: x + size,
                y1: y + size,
            },
            score: 0.9,
            keypoints: [[x + size / 2.0, y + size / 2.0]; 6],
            mesh: None,
            seen: Seen::Detected,
        }
    }

    #[test]
    fn ids_hold_across_moves_and_brief_occlusions() {
        let mut tracker = FaceTracker::new(OneEuroSettings::default());
        let dt = 1.0 / 30.0;
        let first = tracker.update(vec![seen(10.0, 10.0, 40.0), seen(200.0, 10.0, 40.0)], dt);
        let ids: Vec<u32> = first.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![0, 1]);
        // Both move; the order of observations changes.
        let moved = tracker.update(vec![seen(215.0, 12.0, 40.0), seen(18.0, 10.0, 40.0)], dt);
        let by_x: Vec<(u32, f32)> = moved.iter().map(|f| (f.id, f.raw_bbox.x0)).collect();
        assert!(
            by_x.contains(&(0, 18.0)) && by_x.contains(&(1, 215.0)),
            "{by_x:?}"
        );
        // Face 1 is covered for three pictures, then returns.
        for _ in 0..3 {
            assert_eq!(tracker.update(vec![seen(20.0, 10.0, 40.0)], dt).len(), 1);
        }
        let back = tracker.update(vec![seen(20.0, 10.0, 40.0), seen(216.0, 12.0, 40.0)], dt);
        let mut ids: Vec<u32> = back.iter().map(|f| f.id).collect();
        ids.sort();
        assert_eq!(ids, vec![0, 1]);
        // Gone for longer than MAX_MISSED: a new face gets a new ID.
        for _ in 0..=MAX_MISSED {
            tracker.update(vec![seen(20.0, 10.0, 40.0)], dt);
        }
        let new = tracker.update(vec![seen(20.0, 10.0, 40.0), seen(216.0, 12.0, 40.0)], dt);
        assert!(new.iter().any(|f| f.id == 2), "{new:?}");
    }

    #[test]
    fn a_moving_face_is_predicted_ahead() {
        let mut tracker = FaceTracker::new(OneEuroSettings::default());
        let mut faces = Vec::new();
        for i in 0..40 {
            faces = tracker.update(vec![seen(10.0 + 6.0 * i as f32, 50.0, 40.0)], 1.0 / 30.0);
        }
        let face = &faces[0];
        // 6 px a picture at 30 pictures a second = 180 px/s.
        assert!(
            (face.velocity[0] - 180.0).abs() < 10.0,
            "{:?}",
            face.velocity
        );
        let ahead = face.predicted(0.1);
        assert!((ahead.bbox.x0 - face.bbox.x0 - 18.0).abs() < 1.0);
    }
}
