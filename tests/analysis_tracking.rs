//! The analyzer over time, on real footage and the real models: faces
//! tracked through a virtual-camera move with one ID and boxes where the
//! known camera transform puts them, jitter and flicker measured before and
//! after smoothing, a scene cut found where two clips are spliced (with the
//! temporal state reset there), and the face mesh's regions and head pose
//! on the astronaut portrait.
//!
//! Figures print with `cargo test --test analysis_tracking -- --nocapture`.

mod common;

use common::*;
use neurograde::analysis::face::{BoxPx, FaceDetector, FaceRange};
use neurograde::analysis::mesh::{FACE_OVAL, LEFT_EYE, LIPS, RIGHT_EYE};
use neurograde::analysis::picture::RgbPicture;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::store::ModelStore;
use neurograde::analysis::{Analysis, AnalysisInput, Analyzer, AnalyzerSettings, MatteModel};
use neurograde::frame::FrameId;
use neurograde::masks::MaskChannel;
use neurograde::source::virtual_camera::VirtualCamera;
use std::time::{Duration, Instant};

const W: u32 = 640;
const H: u32 = 360;
const FPS: f64 = 30.0;
/// Where the demo's virtual camera pushes in (the portrait's face).
const FACE_POINT: (f64, f64) = (0.45, 0.22);

fn camera() -> VirtualCamera {
    let (w, h, rgb) = astronaut_rgb8();
    VirtualCamera::new(w, h, rgb, FACE_POINT)
}

/// Frame `index` of the camera at `t` seconds, as the analysis sees it.
fn shot(camera: &VirtualCamera, index: u64, t: f64) -> RgbPicture {
    let mut rgb = vec![0; (W * H * 3) as usize];
    camera.render(index, t, W, H, &mut rgb);
    RgbPicture::from_rgb8(W, H, &rgb)
}

fn input(index: u64, t0: Instant, picture: RgbPicture) -> AnalysisInput {
    AnalysisInput {
        frame: FrameId(index),
        captured: t0 + Duration::from_secs_f64(index as f64 / FPS),
        frame_size: [picture.width, picture.height],
        picture,
        object_point: None,
    }
}

fn open(settings: AnalyzerSettings) -> Analyzer {
    let analyzer = Analyzer::open(settings);
    assert!(analyzer.problems.is_empty(), "{:?}", analyzer.problems);
    analyzer
}

fn faces_only() -> AnalyzerSettings {
    AnalyzerSettings {
        matte: false,
        depth: false,
        ..AnalyzerSettings::default()
    }
}

/// The astronaut's face box in the still (BlazeFace short range).
fn still_face() -> BoxPx {
    let (w, h, rgb) = astronaut_rgb8();
    let runtime = Runtime::load_default().unwrap();
    let store = ModelStore::open_default().unwrap();
    let mut detector = FaceDetector::open(&runtime, &store, FaceRange::Short, 1).unwrap();
    detector.detect(&RgbPicture::from_rgb8(w, h, &rgb)).unwrap()[0].bbox
}

fn std_dev(values: &[f32]) -> f32 {
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32).sqrt()
}

#[test]
fn a_face_is_tracked_through_a_camera_move_with_one_id() {
    let camera = camera();
    let truth_in_still = still_face();
    let mut analyzer = open(faces_only());
    let t0 = Instant::now();
    let mut ious = Vec::new();
    let mut ids = Vec::new();
    let mut detections = 0;
    // Three seconds of the push-in: the face grows 1.3x and sways.
    for i in 0..90u64 {
        let t = i as f64 / FPS;
        let result = analyzer.analyse(&input(i, t0, shot(&camera, i, t)));
        detections += usize::from(result.detected);
        let view = camera.view(t, f64::from(W) / f64::from(H));
        let (x0, y0) =
            view.still_to_frame(truth_in_still.x0.into(), truth_in_still.y0.into(), W, H);
        let (x1, y1) =
            view.still_to_frame(truth_in_still.x1.into(), truth_in_still.y1.into(), W, H);
        let truth = BoxPx {
            x0: x0 as f32,
            y0: y0 as f32,
            x1: x1 as f32,
            y1: y1 as f32,
        };
        assert_eq!(result.faces.len(), 1, "frame {i}: {:?}", result.faces);
        ious.push(result.faces[0].bbox.iou(&truth));
        ids.push(result.faces[0].id);
    }
    let mean = ious.iter().sum::<f32>() / ious.len() as f32;
    let worst = ious.iter().copied().fold(1.0, f32::min);
    println!(
        "virtual camera, 90 frames: box IoU vs the known transform mean {mean:.3}, worst {worst:.3}; detector ran on {detections} frames, the mesh tracked the rest"
    );
    assert!(ids.iter().all(|id| *id == ids[0]), "IDs changed: {ids:?}");
    assert!(mean > 0.8 && worst > 0.65, "IoU mean {mean}, worst {worst}");
    assert!(detections < 40, "detector on {detections} of 90 frames");
}

#[test]
fn smoothing_steadies_a_still_face_and_a_still_matte() {
    let camera = camera();
    let t0 = Instant::now();
    // The camera holds still; only the sensor noise changes frame to frame.
    let frames: Vec<RgbPicture> = (0..60u64).map(|i| shot(&camera, i, 2.0)).collect();

    let mut faces = open(faces_only());
    let (mut raw, mut smooth) = (Vec::new(), Vec::new());
    for (i, picture) in frames.iter().enumerate() {
        let result = faces.analyse(&input(i as u64, t0, picture.clone()));
        if i >= 10 {
            raw.push(result.faces[0].raw_bbox.centre());
            smooth.push(result.faces[0].bbox.centre());
        }
    }
    let jitter = |centres: &[[f32; 2]]| {
        let xs: Vec<f32> = centres.iter().map(|c| c[0]).collect();
        let ys: Vec<f32> = centres.iter().map(|c| c[1]).collect();
        (std_dev(&xs).powi(2) + std_dev(&ys).powi(2)).sqrt()
    };
    let (before, after) = (jitter(&raw), jitter(&smooth));
    println!("face box jitter on a still face (std of the centre, 640x360 px): raw {before:.3}, smoothed {after:.3}");
    assert!(before > 0.0, "the sensor noise moves the raw box");
    assert!(after < 0.6 * before, "raw {before}, smoothed {after}");

    let matte_only = |smoothing| AnalyzerSettings {
        faces: false,
        depth: false,
        smoothing,
        ..AnalyzerSettings::default()
    };
    let flicker = |smoothing| {
        let mut analyzer = open(matte_only(smoothing));
        let mattes: Vec<Vec<f32>> = frames
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let r = analyzer.analyse(&input(i as u64, t0, p.clone()));
                r.matte.unwrap().alpha
            })
            .collect();
        let changes: Vec<f32> = mattes[10..]
            .windows(2)
            .map(|w| {
                w[0].iter()
                    .zip(&w[1])
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f32>()
                    / w[0].len() as f32
            })
            .collect();
        changes.iter().sum::<f32>() / changes.len() as f32
    };
    let (before, after) = (flicker(false), flicker(true));
    println!("matte flicker on a still scene (mean |alpha change| a frame): raw {before:.5}, smoothed {after:.5}");
    assert!(before > 0.0);
    assert!(after < 0.5 * before, "raw {before}, smoothed {after}");
}

#[test]
fn a_moving_subjects_matte_does_not_trail() {
    let camera = camera();
    let t0 = Instant::now();
    let settings = |smoothing| AnalyzerSettings {
        faces: false,
        depth: false,
        smoothing,
        ..AnalyzerSettings::default()
    };
    let (mut raw, mut smooth) = (open(settings(false)), open(settings(true)));
    let mean_gap = |a: &[f32], b: &[f32]| {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
    };
    let (mut lags, mut steps) = (Vec::new(), Vec::new());
    let mut previous: Option<Vec<f32>> = None;
    // The fastest part of the move: pushing in and panning.
    for i in 0..45u64 {
        let picture = shot(&camera, i, 1.0 + i as f64 / FPS);
        let a = raw.analyse(&input(i, t0, picture.clone())).matte.unwrap();
        let b = smooth.analyse(&input(i, t0, picture)).matte.unwrap();
        if i >= 5 {
            lags.push(mean_gap(&a.alpha, &b.alpha));
            steps.push(mean_gap(&a.alpha, previous.as_deref().unwrap()));
        }
        previous = Some(a.alpha);
    }
    let lag = lags.iter().sum::<f32>() / lags.len() as f32;
    let step = steps.iter().sum::<f32>() / steps.len() as f32;
    println!(
        "matte on a moving shot: mean |smoothed - raw| {lag:.5}; the raw matte moves {step:.5} a frame"
    );
    // Less than half a frame behind: no trail.
    assert!(
        lag < 0.5 * step,
        "smoothed matte trails the raw one by {lag} (a frame: {step})"
    );
}

/// The first `n` frames of vtest.avi at the analysis size.
fn street(n: usize) -> Vec<RgbPicture> {
    let raw = ffmpeg_raw(
        &footage("vtest.avi"),
        "rgb24",
        &["-frames:v", &n.to_string(), "-s", &format!("{W}x{H}")],
    );
    raw.chunks_exact((W * H * 3) as usize)
        .map(|f| RgbPicture::from_rgb8(W, H, f))
        .collect()
}

#[test]
fn a_splice_is_a_scene_cut_and_resets_the_temporal_state() {
    let camera = camera();
    let t0 = Instant::now();
    let mut pictures = street(30);
    pictures.extend((0..20u64).map(|i| shot(&camera, i, 0.5 + i as f64 / FPS)));
    let mut analyzer = open(AnalyzerSettings::default());
    let results: Vec<Analysis> = pictures
        .iter()
        .enumerate()
        .map(|(i, p)| analyzer.analyse(&input(i as u64, t0, p.clone())))
        .collect();
    let cuts: Vec<usize> = (0..results.len())
        .filter(|i| results[*i].scene_cut)
        .collect();
    let distances: Vec<f32> = results.iter().map(|r| r.cut_distance).collect();
    let continuous = distances
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 30)
        .map(|(_, d)| *d)
        .fold(0.0, f32::max);
    println!(
        "scene cuts at {cuts:?}; histogram distance at the splice {:.3}, at most {continuous:.3} elsewhere",
        distances[30]
    );
    assert_eq!(cuts, vec![30]);

    // Reset: the first picture of the new shot is analysed as if it were
    // the first of a run (no matte blended in, depth range its own, the
    // face detected afresh under a new ID).
    let after = &results[30];
    let mut fresh = Analyzer::open(AnalyzerSettings::default());
    let alone = fresh.analyse(&input(30, t0, pictures[30].clone()));
    assert_eq!(after.matte, alone.matte);
    assert_eq!(after.depth, alone.depth);
    assert!(after.detected);
    let before_ids: Vec<u32> = results[..30]
        .iter()
        .flat_map(|r| r.faces.iter().map(|f| f.id))
        .collect();
    let new_id = after.faces[0].id;
    assert!(
        before_ids.iter().all(|id| *id < new_id),
        "{before_ids:?} then {new_id}"
    );
    assert!(results[31..].iter().all(|r| r.faces[0].id == new_id));
}

#[test]
fn the_face_mesh_places_eyes_lips_and_pose_on_the_portrait() {
    let (w, h, rgb) = astronaut_rgb8();
    let still = RgbPicture::from_rgb8(w, h, &rgb);
    let mut analyzer = open(faces_only());
    let result = analyzer.analyse(&input(0, Instant::now(), still.clone()));
    let face = &result.faces[0];
    let points = face.landmarks.as_ref().expect("the mesh ran");
    let centroid = |indices: &[usize]| {
        let n = indices.len() as f32;
        [0, 1].map(|c| indices.iter().map(|i| points[*i][c]).sum::<f32>() / n)
    };
    let dist = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    // BlazeFace's keypoints: 0 right eye, 1 left eye, 3 mouth centre.
    let (right, left, lips) = (centroid(&RIGHT_EYE), centroid(&LEFT_EYE), centroid(&LIPS));
    println!(
        "mesh: right eye {right:?} (detector {:?}), left eye {left:?} ({:?}), lips {lips:?} ({:?}); pose {:?}",
        face.keypoints[0], face.keypoints[1], face.keypoints[3], face.pose
    );
    assert!(dist(right, face.keypoints[0]) < 8.0);
    assert!(dist(left, face.keypoints[1]) < 8.0);
    assert!(dist(lips, face.keypoints[3]) < 10.0);
    // The oval encloses the face box's centre and spans most of the box.
    let oval: Vec<f32> = FACE_OVAL.iter().map(|i| points[*i][0]).collect();
    let span = oval.iter().copied().fold(f32::MIN, f32::max)
        - oval.iter().copied().fold(f32::MAX, f32::min);
    assert!(
        span > 0.8 * face.bbox.width(),
        "oval {span} wide, box {}",
        face.bbox.width()
    );

    // Masks: the eye is face but not skin; the cheek is both.
    let masks = result.masks(&result.faces);
    let at =
        |channel, p: [f32; 2]| masks.channel(channel)[(p[1] as u32 * w + p[0] as u32) as usize];
    assert_eq!(at(MaskChannel::Face, right), 255);
    assert_eq!(at(MaskChannel::Skin, right), 0);
    assert_eq!(at(MaskChannel::Skin, lips), 0);
    let cheek = [right[0], (right[1] + lips[1]) / 2.0];
    assert_eq!(
        (at(MaskChannel::Face, cheek), at(MaskChannel::Skin, cheek)),
        (255, 255)
    );

    // Turn the picture 20 degrees about the face: the roll follows.
    let [cx, cy] = face.bbox.centre();
    let turn = 20f32.to_radians();
    let mut turned = still.clone();
    for y in 0..h {
        for x in 0..w {
            // The source of each output pixel: rotate back by the turn.
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let (s, c) = (-turn).sin_cos();
            let rgb = still.sample(cx + dx * c - dy * s, cy + dx * s + dy * c);
            let at = ((y * w + x) * 3) as usize;
            turned.data[at..at + 3].copy_from_slice(&rgb);
        }
    }
    let mut again = open(faces_only());
    let rolled = again.analyse(&input(0, Instant::now(), turned));
    let (before, after) = (face.pose.unwrap().roll, rolled.faces[0].pose.unwrap().roll);
    println!("roll {before:.1} deg, picture turned 20 deg: {after:.1} deg");
    assert!((after - before - 20.0).abs() < 4.0, "{before} -> {after}");
}

#[test]
fn robust_video_matting_carries_its_state_and_resets_it_at_a_cut() {
    let camera = camera();
    let t0 = Instant::now();
    let mut pictures = street(3);
    pictures.extend((0..3u64).map(|i| shot(&camera, i, 0.5 + i as f64 / FPS)));
    let rvm = || AnalyzerSettings {
        faces: false,
        depth: false,
        matte_model: MatteModel::Rvm,
        ..AnalyzerSettings::default()
    };
    let mut analyzer = open(rvm());
    let results: Vec<Analysis> = pictures
        .iter()
        .enumerate()
        .map(|(i, p)| analyzer.analyse(&input(i as u64, t0, p.clone())))
        .collect();
    assert!(results[3].scene_cut);
    let alone = |i: usize| {
        open(rvm())
            .analyse(&input(i as u64, t0, pictures[i].clone()))
            .matte
            .unwrap()
    };
    // At the cut the state is reset: the same matte as a fresh start.
    assert_eq!(results[3].matte.as_ref().unwrap(), &alone(3));
    // After it, the state carried from the previous picture counts.
    let carried = results[4].matte.as_ref().unwrap();
    let fresh = alone(4);
    let change = carried
        .alpha
        .iter()
        .zip(&fresh.alpha)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(change > 1e-3, "the recurrent state made no difference");
    // The matte covers her face, not the backdrop's corner.
    let view = camera.view(0.5 + 4.0 / FPS, f64::from(W) / f64::from(H));
    let (fx, fy) = view.still_to_frame(FACE_POINT.0 * 512.0, FACE_POINT.1 * 512.0, W, H);
    let (u, v) = (fx as f32 / W as f32, fy as f32 / H as f32);
    println!(
        "RVM: alpha at her face {:.2}, at the top-right corner {:.2}; coverage {:.2}",
        carried.at(u, v),
        carried.at(0.98, 0.02),
        carried.coverage()
    );
    assert!(carried.at(u, v) > 0.5 && carried.at(0.98, 0.02) < 0.5);
}
