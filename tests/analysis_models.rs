//! The analysis models on real footage (the models `make test` fetched):
//! BlazeFace finds the astronaut's face where it is, the selfie matte covers
//! her and not the backdrop, people walking in vtest.avi are matted, and
//! depth puts her nearer than the wall behind her.

mod common;

use common::*;
use neurograde::analysis::depth::DepthEstimator;
use neurograde::analysis::face::{FaceDetector, FaceRange};
use neurograde::analysis::matte::PersonSegmenter;
use neurograde::analysis::picture::RgbPicture;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::store::ModelStore;

/// The astronaut portrait (512 x 512): her face spans about x 175-275,
/// y 60-185 (hair to chin), eyes near y 112, mouth near y 148.
fn astronaut() -> RgbPicture {
    let (w, h, rgb) = astronaut_rgb8();
    RgbPicture::from_rgb8(w, h, &rgb)
}

#[test]
fn both_blazeface_models_find_the_astronauts_face() {
    let runtime = Runtime::load_default().unwrap();
    let store = ModelStore::open_default().unwrap();
    let picture = astronaut();
    for range in [FaceRange::Short, FaceRange::Full] {
        let mut detector = FaceDetector::open(&runtime, &store, range, 1).unwrap();
        let faces = detector.detect(&picture).unwrap();
        println!("{range:?}: {faces:?}");
        assert_eq!(faces.len(), 1, "{range:?}: {faces:?}");
        let face = &faces[0];
        assert!(face.score > 0.7, "{range:?}: score {}", face.score);
        let [cx, cy] = face.bbox.centre();
        assert!(
            (200.0..250.0).contains(&cx) && (100.0..160.0).contains(&cy),
            "{range:?}: centre {cx}, {cy}"
        );
        assert!(
            (70.0..160.0).contains(&face.bbox.width()),
            "{range:?}: {:?}",
            face.bbox
        );
        // Eyes level and above the nose, the nose above the mouth; her
        // right eye is on the picture's left.
        let [right_eye, left_eye, nose, mouth, ..] = face.keypoints;
        assert!(
            right_eye[0] < left_eye[0],
            "{range:?}: {:?}",
            face.keypoints
        );
        assert!((right_eye[1] - left_eye[1]).abs() < 10.0);
        assert!(right_eye[1] < nose[1] && nose[1] < mouth[1]);
        assert!((90.0..125.0).contains(&right_eye[1]), "{right_eye:?}");
    }
}

#[test]
fn the_person_matte_covers_people_and_not_the_backdrop() {
    let runtime = Runtime::load_default().unwrap();
    let store = ModelStore::open_default().unwrap();
    let mut matte = PersonSegmenter::open(&runtime, &store, 1).unwrap();
    let portrait = matte.segment(&astronaut()).unwrap();
    // Her face and chest are person; the flag's corner (top left) and the
    // backdrop above the shuttle (top right) are not.
    let (face, chest) = (portrait.at(0.44, 0.24), portrait.at(0.45, 0.6));
    let (flag, backdrop) = (portrait.at(0.03, 0.05), portrait.at(0.95, 0.03));
    println!(
        "astronaut: coverage {:.2}, face {face:.2}, chest {chest:.2}, flag {flag:.2}, backdrop {backdrop:.2}",
        portrait.coverage()
    );
    assert!(face > 0.5 && chest > 0.5, "{face} {chest}");
    assert!(flag < 0.5 && backdrop < 0.5, "{flag} {backdrop}");
    assert!((0.25..0.8).contains(&portrait.coverage()));

    // vtest.avi (768 x 576): a few people walking across a wide hall.
    let video = footage("vtest.avi");
    for second in ["1", "4"] {
        let rgb = ffmpeg_raw(&video, "rgb24", &["-ss", second, "-frames:v", "1"]);
        let matte = matte
            .segment(&RgbPicture::from_rgb8(768, 576, &rgb))
            .unwrap();
        println!(
            "vtest.avi at {second} s: person coverage {:.3}",
            matte.coverage()
        );
        assert!(
            (0.005..0.4).contains(&matte.coverage()),
            "{second} s: {}",
            matte.coverage()
        );
    }
}

#[test]
fn depth_puts_the_astronaut_nearer_than_the_backdrop() {
    let runtime = Runtime::load_default().unwrap();
    let store = ModelStore::open_default().unwrap();
    let mut depth = DepthEstimator::open(&runtime, &store, 1).unwrap();
    let map = depth.estimate(&astronaut()).unwrap();
    let (far, near) = map.range();
    // Inverse depth: larger is nearer. Her helmet and suit (bottom half,
    // centre) against the backdrop strip at the top.
    let suit = map.mean_in(0.3, 0.6, 0.6, 0.9);
    let backdrop = map.mean_in(0.6, 0.0, 0.9, 0.1);
    println!("depth: range {far:.3}..{near:.3}, suit {suit:.3}, backdrop {backdrop:.3}");
    assert!(suit > backdrop, "{suit} <= {backdrop}");
    let normalised = map.normalised(map.range());
    assert!(normalised.iter().all(|v| (0.0..=1.0).contains(v)));
}
