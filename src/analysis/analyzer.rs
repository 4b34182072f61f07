//! One analysis step: every model on one picture, then the temporal state.
//!
//! How it works: [`Analyzer::open`] opens the models the settings ask for;
//! one that cannot be opened (no runtime, missing or damaged file, wrong
//! input) is reported once and left out, so the rest still runs and the
//! picture never stops. [`Analyzer::analyse`] then, per picture:
//! 1. checks for a scene cut ([`super::scene_cut`]) and resets every
//!    temporal state on one (tracks, blending, depth range, RVM's state);
//! 2. faces: the detector every `detect_every` pictures (or when no face is
//!    tracked), short or full range by the size of the faces tracked (the
//!    other range is tried when one finds nothing); the Face Mesh on each
//!    face, placed by the detection or, between detections, by the track's
//!    previous landmarks; the tracker gives IDs and smooths;
//! 3. the person matte: selfie segmentation blended over time where the
//!    picture is still, or Robust Video Matting carrying its recurrent state;
//! 4. depth, normalised with a smoothed range (2nd to 98th percentile);
//! 5. the object pointed at (`object_point`): found, then followed
//!    ([`super::object::ObjectTrack`]); its model opens at the first point.
//!
//! The worker thread ([`super::worker`]) calls this beside the frame loop;
//! `--analysis sync` and `neurograde analyze` call it on every frame.

use super::depth::DepthEstimator;
use super::face::{FaceDetector, FaceRange};
use super::matte::{Matte, PersonSegmenter, VideoMatting};
use super::mesh::{FaceMesh, Roi, PRESENCE_THRESHOLD};
use super::object::{ObjectMask, ObjectSegmenter, ObjectTrack};
use super::picture::RgbPicture;
use super::runtime::{Inference, Runtime};
use super::scene_cut::SceneCutDetector;
use super::smoothing::{MatteSmoother, OneEuroSettings, RangeSmoother};
use super::store::ModelStore;
use super::tracker::{FaceObservation, FaceTracker, Seen, TrackedFace};
use super::AnalysisError;
use crate::frame::FrameId;
use crate::masks::{AnalysisModel, Field, MaskSet};
use std::time::{Duration, Instant};

/// The shortest side, in pixels, of a picture the models are run on.
pub const MIN_ANALYSED_SIDE: u32 = 16;

/// Which analyses run, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzerSettings {
    pub faces: bool,
    pub face_mesh: bool,
    pub matte: bool,
    /// Which model makes the person matte.
    pub matte_model: MatteModel,
    pub depth: bool,
    /// Object masks (the model opens when a point is first given).
    pub objects: bool,
    /// ONNX Runtime intra-op threads per model.
    pub threads: usize,
    /// Where the models run (`--inference`).
    pub inference: Inference,
    /// Run the face detector every this many pictures (1 = every one);
    /// the mesh tracks faces in between.
    pub detect_every: u32,
    /// Smooth the matte and the depth range over time. Off gives each
    /// picture's raw results (for the before/after figures; face tracks
    /// always keep their raw box beside the smoothed one).
    pub smoothing: bool,
    /// Extra time added to each analysis: a stand-in for a slow model or a
    /// slow machine, used to prove frame reuse.
    pub extra_latency: Duration,
}

impl AnalyzerSettings {
    /// Whether `model` runs.
    pub fn runs(&self, model: AnalysisModel) -> bool {
        match model {
            AnalysisModel::Faces => self.faces,
            AnalysisModel::Mesh => self.face_mesh,
            AnalysisModel::Matte => self.matte,
            AnalysisModel::Depth => self.depth,
            AnalysisModel::Object => self.objects,
        }
    }

    /// Runs `model` or not.
    pub fn set(&mut self, model: AnalysisModel, on: bool) {
        *match model {
            AnalysisModel::Faces => &mut self.faces,
            AnalysisModel::Mesh => &mut self.face_mesh,
            AnalysisModel::Matte => &mut self.matte,
            AnalysisModel::Depth => &mut self.depth,
            AnalysisModel::Object => &mut self.objects,
        } = on;
    }
}

impl Default for AnalyzerSettings {
    fn default() -> AnalyzerSettings {
        AnalyzerSettings {
            faces: true,
            face_mesh: true,
            matte: true,
            matte_model: MatteModel::Selfie,
            depth: true,
            objects: true,
            threads: 1,
            inference: Inference::default(),
            detect_every: 5,
            smoothing: true,
            extra_latency: Duration::ZERO,
        }
    }
}

/// The person-matte model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatteModel {
    /// MediaPipe selfie segmentation: fast, blended over time here.
    #[default]
    Selfie,
    /// Robust Video Matting: recurrent (temporally coherent by itself),
    /// finer edges, slower; GPL-3.0 weights (`models fetch --with rvm`).
    Rvm,
}

impl std::fmt::Display for MatteModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MatteModel::Selfie => "selfie",
            MatteModel::Rvm => "rvm",
        })
    }
}

impl std::str::FromStr for MatteModel {
    type Err = String;
    fn from_str(s: &str) -> Result<MatteModel, String> {
        match s {
            "selfie" => Ok(MatteModel::Selfie),
            "rvm" => Ok(MatteModel::Rvm),
            other => Err(format!(
                "matte model {other:?}: expected \"selfie\" or \"rvm\""
            )),
        }
    }
}

/// The picture handed to the analysis, with where it came from.
#[derive(Debug, Clone)]
pub struct AnalysisInput {
    pub frame: FrameId,
    pub captured: Instant,
    /// Size of the frame the picture is a downscaled copy of.
    pub frame_size: [u32; 2],
    pub picture: RgbPicture,
    /// The point (picture fractions) of the object to mask, if any: a new
    /// point starts a new object track.
    pub object_point: Option<[f32; 2]>,
}

/// Normalised depth (0 far .. 1 near) on the model's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthField {
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
    /// The smoothed (far, near) range of inverse depth that maps to 0..1.
    pub range: (f32, f32),
}

/// Everything one analysis step found; faces in frame pixels.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub frame: FrameId,
    pub captured: Instant,
    /// When the result was ready.
    pub finished: Instant,
    pub frame_size: [u32; 2],
    pub picture_size: [u32; 2],
    pub faces: Vec<TrackedFace>,
    /// The person matte, smoothed over time.
    pub matte: Option<Matte>,
    pub depth: Option<DepthField>,
    /// The analysed picture, RGBA8: the guide of matte refinement.
    pub guide: Vec<u8>,
    /// The object pointed at, where found in this picture (picture
    /// pixels of the analysed picture).
    pub object: Option<ObjectMask>,
    /// An object is being followed (found now, or briefly missed).
    pub object_tracked: bool,
    /// How fast the object moves, picture pixels a second (to draw it
    /// where it is in the frames graded with this result).
    pub object_velocity: [f32; 2],
    /// This picture starts a new shot; temporal state was reset.
    pub scene_cut: bool,
    /// Histogram distance to the previous picture (0..1).
    pub cut_distance: f32,
    /// The face detector ran on this picture (else the mesh tracked).
    pub detected: bool,
    /// Time spent in the models and tracking.
    pub compute: Duration,
}

impl Analysis {
    /// The faces moved forward to `at` along their tracks.
    pub fn faces_at(&self, at: Instant) -> Vec<TrackedFace> {
        let seconds = at.saturating_duration_since(self.captured).as_secs_f32();
        self.faces.iter().map(|f| f.predicted(seconds)).collect()
    }

    /// The object moved forward to `at` by its velocity.
    pub fn object_at(&self, at: Instant) -> Option<ObjectMask> {
        let seconds = at.saturating_duration_since(self.captured).as_secs_f32();
        let [vx, vy] = self.object_velocity;
        self.object
            .as_ref()
            .map(|o| o.moved([vx * seconds, vy * seconds]))
    }

    /// The masks for a frame captured at `at`: `faces` as
    /// [`Analysis::faces_at`] predicts them, the object as
    /// [`Analysis::object_at`] does.
    pub fn masks_at(&self, faces: &[TrackedFace], at: Instant) -> MaskSet {
        self.masks_with(faces, self.object_at(at).as_ref())
    }

    /// The masks on the analysis picture's grid, with `faces` (this
    /// result's, or as [`Analysis::faces_at`] predicts them).
    pub fn masks(&self, faces: &[TrackedFace]) -> MaskSet {
        self.masks_with(faces, self.object.as_ref())
    }

    fn masks_with(&self, faces: &[TrackedFace], object: Option<&ObjectMask>) -> MaskSet {
        let [w, h] = self.picture_size;
        let mut masks = MaskSet::draw(
            w,
            h,
            faces,
            self.frame_size[0] as f32 / w as f32,
            self.matte.as_ref().map(|m| Field {
                width: m.width,
                height: m.height,
                values: &m.alpha,
            }),
            self.depth.as_ref().map(|d| Field {
                width: d.width,
                height: d.height,
                values: &d.values,
            }),
        );
        masks.guide.clone_from(&self.guide);
        masks.draw_object(object, self.object_tracked);
        masks
    }
}

/// The models and the temporal state of one analysis stream.
pub struct Analyzer {
    settings: AnalyzerSettings,
    short: Option<FaceDetector>,
    full: Option<FaceDetector>,
    mesh: Option<FaceMesh>,
    segmenter: Option<PersonSegmenter>,
    video_matting: Option<VideoMatting>,
    depth: Option<DepthEstimator>,
    /// The object model, opened at the first point; whether that failed.
    object_model: Option<ObjectSegmenter>,
    object_failed: bool,
    object_track: ObjectTrack,
    /// ONNX Runtime loaded at the start.
    runtime_loaded: bool,
    /// Why a model asked for is not running, one line each.
    pub problems: Vec<String>,
    cuts: SceneCutDetector,
    tracker: FaceTracker,
    matte_smoother: MatteSmoother,
    range_smoother: RangeSmoother,
    since_detection: u32,
    /// Whether the last detection used the full-range model.
    prefer_full: bool,
    last_captured: Option<Instant>,
    /// A picture too small to analyse was reported (once a run).
    told_too_small: bool,
}

/// ONNX Runtime and the model store, as every model opens from them.
fn runtime_and_store(
    inference: Inference,
) -> Result<(std::sync::Arc<Runtime>, ModelStore), AnalysisError> {
    let runtime = Runtime::load_default()?;
    runtime.set_inference(inference);
    let store = ModelStore::open_default().map_err(|e| AnalysisError::Model {
        path: "models/models.toml".into(),
        message: e.to_string(),
    })?;
    Ok((runtime, store))
}

fn open_or_report<T>(
    problems: &mut Vec<String>,
    wanted: bool,
    open: impl FnOnce() -> Result<T, AnalysisError>,
) -> Option<T> {
    if !wanted {
        return None;
    }
    match open() {
        Ok(model) => Some(model),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    }
}

impl Analyzer {
    /// Opens what `settings` ask for; see the module comment for failures.
    pub fn open(settings: AnalyzerSettings) -> Analyzer {
        let mut problems = Vec::new();
        let models = runtime_and_store(settings.inference);
        let mut analyzer = Analyzer {
            short: None,
            full: None,
            mesh: None,
            segmenter: None,
            video_matting: None,
            depth: None,
            object_model: None,
            object_failed: false,
            object_track: ObjectTrack::default(),
            runtime_loaded: false,
            problems: Vec::new(),
            cuts: SceneCutDetector::default(),
            tracker: FaceTracker::new(OneEuroSettings::default()),
            matte_smoother: MatteSmoother::default(),
            range_smoother: RangeSmoother::default(),
            since_detection: 0,
            prefer_full: false,
            last_captured: None,
            told_too_small: false,
            settings: settings.clone(),
        };
        match models {
            Ok((runtime, store)) => {
                analyzer.runtime_loaded = true;
                let (s, t) = (&settings, settings.threads);
                let p = &mut problems;
                analyzer.short = open_or_report(p, s.faces, || {
                    FaceDetector::open(&runtime, &store, FaceRange::Short, t)
                });
                analyzer.full = open_or_report(p, s.faces, || {
                    FaceDetector::open(&runtime, &store, FaceRange::Full, t)
                });
                analyzer.mesh = open_or_report(p, s.faces && s.face_mesh, || {
                    FaceMesh::open(&runtime, &store, t)
                });
                let rvm = s.matte_model == MatteModel::Rvm;
                analyzer.segmenter = open_or_report(p, s.matte && !rvm, || {
                    PersonSegmenter::open(&runtime, &store, t)
                });
                analyzer.video_matting = open_or_report(p, s.matte && rvm, || {
                    VideoMatting::open(&runtime, &store, t)
                });
                analyzer.depth =
                    open_or_report(p, s.depth, || DepthEstimator::open(&runtime, &store, t));
            }
            Err(e) => problems.push(e.to_string()),
        }
        for problem in &problems {
            tracing::warn!("analysis: {problem}");
        }
        analyzer.problems = problems;
        analyzer
    }

    /// Whether any model is running, or object masks are asked for and
    /// the runtime is there (their model opens at the first point).
    pub fn is_active(&self) -> bool {
        (self.settings.objects && self.runtime_loaded)
            || self.short.is_some()
            || self.full.is_some()
            || self.segmenter.is_some()
            || self.video_matting.is_some()
            || self.depth.is_some()
    }

    /// Analyses one picture (see the module comment); one with a side under
    /// [`MIN_ANALYSED_SIDE`] gets an empty analysis.
    pub fn analyse(&mut self, input: &AnalysisInput) -> Analysis {
        let started = Instant::now();
        let picture = &input.picture;
        let elapsed = self
            .last_captured
            .map_or(0.0, |t| {
                input.captured.saturating_duration_since(t).as_secs_f32()
            })
            .max(1e-3);
        self.last_captured = Some(input.captured);
        let (scene_cut, cut_distance) = self.cuts.update(picture);
        if scene_cut {
            self.tracker.reset();
            self.matte_smoother.reset();
            self.range_smoother.reset();
            if let Some(rvm) = &mut self.video_matting {
                rvm.reset();
            }
            self.object_track.drop_track();
            self.since_detection = u32::MAX;
        }
        // A picture of a few pixels holds no face, person or depth: the
        // models would answer for their own padding.
        let analysable = picture.width.min(picture.height) >= MIN_ANALYSED_SIDE;
        if !analysable && !self.told_too_small {
            self.told_too_small = true;
            tracing::warn!(
                "a picture of {}x{} is too small to analyse (at least {MIN_ANALYSED_SIDE} pixels a side): no faces, mattes or depth",
                picture.width,
                picture.height
            );
        }
        let (faces, detected) = if analysable {
            self.faces(picture, elapsed)
        } else {
            (Vec::new(), false)
        };
        let matte = analysable.then(|| self.matte(picture)).flatten();
        let depth = analysable.then(|| self.depth(picture)).flatten();
        let object = analysable
            .then(|| self.object(picture, input.object_point))
            .flatten();
        let object_velocity = self.object_track.motion().map(|m| m / elapsed);
        if !self.settings.extra_latency.is_zero() {
            std::thread::sleep(self.settings.extra_latency);
        }
        let scale = input.frame_size[0] as f32 / picture.width as f32;
        Analysis {
            frame: input.frame,
            captured: input.captured,
            finished: Instant::now(),
            frame_size: input.frame_size,
            picture_size: [picture.width, picture.height],
            faces: faces.iter().map(|f| f.scaled(scale)).collect(),
            matte,
            depth,
            guide: picture.to_rgba8(),
            object,
            object_tracked: self.object_track.is_tracking(),
            object_velocity,
            scene_cut,
            cut_distance,
            detected,
            compute: started.elapsed(),
        }
    }

    fn faces(&mut self, picture: &RgbPicture, elapsed: f32) -> (Vec<TrackedFace>, bool) {
        if self.short.is_none() && self.full.is_none() {
            return (Vec::new(), false);
        }
        let tracked = self.tracker.visible_landmarks();
        let detect = self.mesh.is_none()
            || tracked.is_empty()
            || self.since_detection.saturating_add(1) >= self.settings.detect_every;
        let observations = if detect {
            self.since_detection = 0;
            self.detect(picture)
        } else {
            self.since_detection += 1;
            self.mesh_track(picture, &tracked)
        };
        let faces = self.tracker.update(observations, elapsed);
        if let Some(largest) = faces.iter().map(|f| f.bbox.height()).reduce(f32::max) {
            // Full range for faces under a fifth of the picture's height.
            self.prefer_full = largest < 0.2 * picture.height as f32;
        }
        (faces, detect)
    }

    fn detect(&mut self, picture: &RgbPicture) -> Vec<FaceObservation> {
        let order = if self.prefer_full {
            [&mut self.full, &mut self.short]
        } else {
            [&mut self.short, &mut self.full]
        };
        let mut detections = Vec::new();
        for detector in order.into_iter().flatten() {
            match detector.detect(picture) {
                Ok(found) if !found.is_empty() => {
                    detections = found;
                    break;
                }
                Ok(_) => {}
                Err(e) => tracing::debug!("face detection: {e}"),
            }
        }
        let mut observations = Vec::new();
        for d in detections {
            let roi = Roi::from_detection(
                d.bbox.centre(),
                d.bbox.width(),
                d.bbox.height(),
                [d.keypoints[0], d.keypoints[1]],
            );
            let mesh = match self.mesh.as_mut().map(|m| m.landmarks(picture, &roi)) {
                // The mesh sees no face where the detector saw one: a false
                // detection (MediaPipe gates faces on presence the same way).
                Some(Ok(m)) if m.presence < PRESENCE_THRESHOLD => continue,
                Some(Ok(m)) => Some(m),
                Some(Err(e)) => {
                    tracing::debug!("face mesh: {e}");
                    None
                }
                None => None,
            };
            observations.push(FaceObservation {
                bbox: d.bbox,
                score: d.score,
                keypoints: d.keypoints,
                mesh,
                seen: Seen::Detected,
            });
        }
        observations
    }

    fn mesh_track(
        &mut self,
        picture: &RgbPicture,
        tracked: &[Vec<[f32; 3]>],
    ) -> Vec<FaceObservation> {
        let Some(mesh) = self.mesh.as_mut() else {
            return Vec::new();
        };
        let mut observations = Vec::new();
        for previous in tracked {
            let roi = Roi::from_landmarks(previous);
            match mesh.landmarks(picture, &roi) {
                Ok(found) if found.presence >= PRESENCE_THRESHOLD => {
                    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
                    for p in &found.points {
                        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
                    }
                    observations.push(FaceObservation {
                        bbox: super::face::BoxPx {
                            x0: lo[0],
                            y0: lo[1],
                            x1: hi[0],
                            y1: hi[1],
                        },
                        score: found.presence,
                        keypoints: [[0.0; 2]; 6],
                        mesh: Some(found),
                        seen: Seen::Meshed,
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::debug!("face mesh: {e}"),
            }
        }
        // A face the mesh lost is looked for by the detector next time.
        if observations.len() < tracked.len() {
            self.since_detection = u32::MAX - 1;
        }
        observations
    }

    fn matte(&mut self, picture: &RgbPicture) -> Option<Matte> {
        if let Some(rvm) = &mut self.video_matting {
            // Recurrent: its own state is its temporal smoothing.
            return rvm
                .matte(picture)
                .map_err(|e| tracing::debug!("video matting: {e}"))
                .ok();
        }
        let segmenter = self.segmenter.as_mut()?;
        let mut matte = segmenter
            .segment(picture)
            .map_err(|e| tracing::debug!("person matte: {e}"))
            .ok()?;
        if self.settings.smoothing {
            let luma = picture.luma_grid(matte.width, matte.height);
            matte.alpha = self.matte_smoother.smooth(&matte.alpha, &luma);
        }
        Some(matte)
    }

    /// The object at `point`, or followed from the last picture (see
    /// `object.rs`); the model opens at the first point.
    fn object(&mut self, picture: &RgbPicture, point: Option<[f32; 2]>) -> Option<ObjectMask> {
        if !self.settings.objects {
            return None;
        }
        if point.is_some() && self.object_model.is_none() && !self.object_failed {
            let threads = self.settings.threads;
            let opened = runtime_and_store(self.settings.inference)
                .and_then(|(runtime, store)| ObjectSegmenter::open(&runtime, &store, threads));
            match opened {
                Ok(model) => self.object_model = Some(model),
                Err(e) => {
                    tracing::warn!("analysis: object masks: {e}");
                    self.problems.push(e.to_string());
                    self.object_failed = true;
                }
            }
        }
        let model = self.object_model.as_mut()?;
        self.object_track
            .update(model, picture, point)
            .map_err(|e| tracing::debug!("object mask: {e}"))
            .ok()
            .flatten()
    }

    fn depth(&mut self, picture: &RgbPicture) -> Option<DepthField> {
        let estimator = self.depth.as_mut()?;
        let map = estimator
            .estimate(picture)
            .map_err(|e| tracing::debug!("depth: {e}"))
            .ok()?;
        let measured = map.percentile_range(0.02, 0.98);
        let range = if self.settings.smoothing {
            self.range_smoother.smooth(measured)
        } else {
            measured
        };
        Some(DepthField {
            width: map.width,
            height: map.height,
            values: map.normalised(range),
            range,
        })
    }
}
