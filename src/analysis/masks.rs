//! Drawing the masks of an analysis ([`crate::masks::MaskSet`]): faces as
//! filled polygons (the Face Mesh oval when landmarks exist, else the
//! ellipse inside the detector's box), skin as the oval with the eyes,
//! brows and lips cut out, the face's parts as the Face Mesh regions
//! ([`FaceRegions`], only where landmarks exist), each face's texels marked
//! with its number; person (the smoothed matte) and depth (normalised, 1 =
//! nearest) resampled to the mask grid; the object pointed at from its
//! mask on the crop around it.

use super::mesh::{
    region, FaceRegions, FACE_OVAL, LEFT_BROW, LEFT_EYE, LIPS, RIGHT_BROW, RIGHT_EYE,
};
use super::object::ObjectMask;
use super::tracker::TrackedFace;
use crate::masks::{face_code, Field, MaskChannel, MaskSet, Slot};

impl MaskSet {
    /// Draws the masks. `faces` are in pixels of a picture `faces_scale`
    /// times the mask grid (frame pixels / mask pixels).
    pub fn draw(
        width: u32,
        height: u32,
        faces: &[TrackedFace],
        faces_scale: f32,
        person: Option<Field>,
        depth: Option<Field>,
    ) -> MaskSet {
        let mut masks = MaskSet::empty(width, height);
        // Larger faces last: where two overlap, the nearer one's number wins.
        let mut faces: Vec<TrackedFace> =
            faces.iter().map(|f| f.scaled(1.0 / faces_scale)).collect();
        let area = |f: &TrackedFace| f.bbox.width() * f.bbox.height();
        faces.sort_by(|a, b| area(a).total_cmp(&area(b)));
        for face in faces {
            let code = face_code(face.id);
            match &face.landmarks {
                Some(points) => {
                    let oval = region(points, &FACE_OVAL);
                    masks.fill(Slot::FaceCode, &oval, code);
                    masks.fill(MaskChannel::Face, &oval, 255);
                    masks.fill(MaskChannel::Skin, &oval, 255);
                    for hole in [&LEFT_EYE[..], &RIGHT_EYE, &LEFT_BROW, &RIGHT_BROW, &LIPS] {
                        masks.fill(MaskChannel::Skin, &region(points, hole), 0);
                    }
                    let parts = FaceRegions::of(points);
                    for eye in &parts.eyes {
                        masks.fill(Slot::FaceCode, eye, code);
                        masks.fill(MaskChannel::Eyes, eye, 255);
                    }
                    masks.fill(Slot::FaceCode, &parts.lips, code);
                    masks.fill(MaskChannel::Lips, &parts.lips, 255);
                    for band in &parts.under_eyes {
                        masks.fill(Slot::FaceCode, band, code);
                        masks.fill(MaskChannel::UnderEyes, band, 255);
                    }
                    // Shine is skin: the oval clips it, the eyes and
                    // brows stay out.
                    for zone in &parts.shine {
                        masks.fill(MaskChannel::Shine, zone, 255);
                    }
                    masks.intersect(MaskChannel::Shine, MaskChannel::Skin);
                }
                None => {
                    let ellipse = ellipse_in(&face);
                    masks.fill(Slot::FaceCode, &ellipse, code);
                    masks.fill(MaskChannel::Face, &ellipse, 255);
                    masks.fill(MaskChannel::Skin, &ellipse, 255);
                }
            }
        }
        for (channel, field) in [(MaskChannel::Person, person), (MaskChannel::Depth, depth)] {
            match field {
                Some(field) => masks.resample(channel, &field),
                None => masks.present[channel as usize] = false,
            }
        }
        masks.present[MaskChannel::Object as usize] = false;
        masks
    }

    /// Draws the object channel from `object` (in pixels of the analysed
    /// picture, which is the mask grid), present when `tracked` (a track
    /// that lost its object for a moment draws nothing, but is there).
    pub fn draw_object(&mut self, object: Option<&ObjectMask>, tracked: bool) {
        self.present[MaskChannel::Object as usize] = tracked;
        let Some(object) = object else {
            return;
        };
        let width = self.width as usize;
        let crop = object.crop;
        let span = |from: f32, size: u32| {
            let first = from.floor().max(0.0) as usize;
            let last = ((from + crop.side).ceil().max(0.0) as usize).min(size as usize);
            first..last
        };
        let (xs, ys) = (span(crop.x0, self.width), span(crop.y0, self.height));
        let (layer, byte) = self.layer_mut(MaskChannel::Object);
        for y in ys {
            for x in xs.clone() {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                layer[(y * width + x) * 4 + byte] = (object.at(p) * 255.0).round() as u8;
            }
        }
    }
}

/// The ellipse inscribed in a face's box, as a 32-sided polygon.
fn ellipse_in(face: &TrackedFace) -> Vec<[f32; 2]> {
    let [cx, cy] = face.bbox.centre();
    let (rx, ry) = (face.bbox.width() / 2.0, face.bbox.height() / 2.0);
    (0..32)
        .map(|i| {
            let t = i as f32 / 32.0 * std::f32::consts::TAU;
            [cx + rx * t.cos(), cy + ry * t.sin()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::face::BoxPx;

    #[test]
    fn a_box_face_fills_its_ellipse_and_fields_resample() {
        let face = TrackedFace {
            id: 0,
            bbox: BoxPx {
                x0: 20.0,
                y0: 20.0,
                x1: 60.0,
                y1: 60.0,
            },
            raw_bbox: BoxPx {
                x0: 20.0,
                y0: 20.0,
                x1: 60.0,
                y1: 60.0,
            },
            score: 1.0,
            keypoints: [[40.0; 2]; 6],
            landmarks: None,
            pose: None,
            velocity: [0.0; 2],
        };
        let person = vec![0.0, 1.0, 0.0, 1.0];
        // Faces given in pixels of a picture twice the 40 x 40 grid.
        let masks = MaskSet::draw(
            40,
            40,
            &[face],
            2.0,
            Some(Field {
                width: 2,
                height: 2,
                values: &person,
            }),
            None,
        );
        let area = masks.coverage(MaskChannel::Face) * 1600.0;
        let expected = std::f32::consts::PI * 10.0 * 10.0;
        assert!(
            (area - expected).abs() / expected < 0.05,
            "{area} vs {expected}"
        );
        assert_eq!(masks.channel(MaskChannel::Face)[20 * 40 + 20], 255);
        assert_eq!(masks.channel(MaskChannel::Face)[2 * 40 + 2], 0);
        assert!((masks.coverage(MaskChannel::Person) - 0.5).abs() < 1e-6);
        assert_eq!(masks.channel(MaskChannel::Person)[39], 255);
        assert_eq!(masks.coverage(MaskChannel::Depth), 0.0);
    }
}
