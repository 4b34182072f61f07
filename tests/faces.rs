//! Face detection on real footage: BlazeFace (short and full range, the
//! models `make test` fetched) finds the astronaut's face where it is.

mod common;

use common::*;
use neurograde::analysis::face::{FaceDetector, FaceRange, RgbPicture};
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
