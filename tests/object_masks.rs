//! Object masks on real footage with the real model: the ball of the
//! football picture, cut as a disc (so its true mask is known), over the
//! building at twelve places along a path. A point on the ball picks it out
//! of the building; each frame's box, widened, finds it again in the next
//! (the prompt a track gives).

mod common;

use common::*;
use neurograde::analysis::object::{Crop, ObjectMask, ObjectSegmenter, Seed};
use neurograde::analysis::picture::RgbPicture;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::store::ModelStore;

/// The ball in messi5.jpg: a disc inside it (centre, radius in pixels).
const BALL_CENTRE: [f32; 2] = [362.0, 312.0];
const BALL_RADIUS: f32 = 21.0;
/// The clip's size: the building's left part.
const SIZE: (u32, u32) = (640, 480);

fn segmenter() -> ObjectSegmenter {
    let runtime = Runtime::load_default().expect("ONNX Runtime (make test fetches it)");
    let store = ModelStore::open_default().expect("the model store");
    ObjectSegmenter::open(&runtime, &store, 1).expect("the object model (models fetch)")
}

/// Frame `k`: the ball pasted over the building with its centre at the
/// returned point (a path across the picture, rising and falling).
fn frame(k: usize) -> (RgbPicture, [f32; 2]) {
    let building = image::open(footage("building.jpg")).unwrap().into_rgb8();
    let football = image::open(footage("messi5.jpg")).unwrap().into_rgb8();
    let centre = [
        90.0 + 30.0 * k as f32,
        260.0 - 80.0 * (k as f32 * 0.4).sin(),
    ];
    let (w, h) = SIZE;
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - centre[0], y as f32 + 0.5 - centre[1]);
            let px = if dx * dx + dy * dy < BALL_RADIUS * BALL_RADIUS {
                let (bx, by) = (BALL_CENTRE[0] + dx, BALL_CENTRE[1] + dy);
                football.get_pixel(bx as u32, by as u32).0
            } else {
                building.get_pixel(x, y).0
            };
            rgb.extend_from_slice(&px);
        }
    }
    (RgbPicture::from_rgb8(w, h, &rgb), centre)
}

/// Intersection over union of the mask (above one half) and the true disc.
fn iou(mask: &ObjectMask, centre: [f32; 2]) -> f32 {
    let (w, h) = SIZE;
    let (mut both, mut either) = (0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let (dx, dy) = (p[0] - centre[0], p[1] - centre[1]);
            let truth = dx * dx + dy * dy < BALL_RADIUS * BALL_RADIUS;
            let found = mask.at(p) >= 0.5;
            both += usize::from(truth && found);
            either += usize::from(truth || found);
        }
    }
    both as f32 / either.max(1) as f32
}

#[test]
fn a_pointed_object_is_found_and_followed_by_its_box() {
    let mut model = segmenter();
    // The operator points at the ball in the first frame.
    let (picture, centre) = frame(0);
    let crop = Crop::around(centre, 160.0);
    let first = model
        .segment(&picture, crop, Seed::Point(centre))
        .unwrap()
        .expect("the ball is found where it was pointed at");
    let pointed = iou(&first, centre);
    // Then each frame's box, widened to four times its larger side,
    // prompts the next.
    let mut last = first;
    let (mut ious, mut found) = (Vec::new(), 0);
    for k in 1..12 {
        let (picture, centre) = frame(k);
        let b = last.bbox;
        let side = 4.0 * (b[2] - b[0]).max(b[3] - b[1]);
        let crop = Crop::around(last.centre(), side.max(96.0));
        match model.segment(&picture, crop, Seed::Box(b)).unwrap() {
            Some(mask) => {
                found += 1;
                ious.push(iou(&mask, centre));
                last = mask;
            }
            None => ious.push(0.0),
        }
    }
    let mean = ious.iter().sum::<f32>() / ious.len() as f32;
    println!(
        "object mask (U^2-Net-P) on the ball over the building: IoU {pointed:.3} where pointed; followed by its box over 11 frames: found in {found}, mean IoU {mean:.3}, worst {:.3}",
        ious.iter().fold(1f32, |m, v| m.min(*v))
    );
    assert!(pointed > 0.8, "{pointed}");
    assert!(found >= 10, "{found} of 11");
    assert!(mean > 0.75, "{mean}");
}
