//! Masks drawn from an analysis: face, skin, person and depth, one 8-bit
//! channel each of an RGBA picture, the layout the GPU mask texture takes.
//!
//! How it works: faces are filled polygons, scanline by scanline (even-odd
//! rule at pixel centres): the Face Mesh oval when landmarks exist, else the
//! ellipse inside the detector's box. Skin is the oval with the eyes, brows
//! and lips cut out. Person is the (smoothed) matte and depth the
//! normalised depth (1 = nearest), both resampled to the mask grid. Channels:
//! R face, G skin, B person, A depth.

use super::mesh::{region, FACE_OVAL, LEFT_BROW, LEFT_EYE, LIPS, RIGHT_BROW, RIGHT_EYE};
use super::tracker::TrackedFace;

/// The channel of each mask in [`MaskSet::rgba`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskChannel {
    Face = 0,
    Skin = 1,
    Person = 2,
    Depth = 3,
}

/// Four masks on one grid.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskSet {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// Which channels the analysis made (by [`MaskChannel`]): a person
    /// matte or depth the run has no model for is absent, not empty.
    pub present: [bool; 4],
}

/// A grid of values (0..1) covering the whole picture.
pub struct Field<'a> {
    pub width: usize,
    pub height: usize,
    pub values: &'a [f32],
}

impl MaskSet {
    pub fn empty(width: u32, height: u32) -> MaskSet {
        MaskSet {
            width,
            height,
            rgba: vec![0; width as usize * height as usize * 4],
            present: [true; 4],
        }
    }

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
        for face in faces {
            let face = face.scaled(1.0 / faces_scale);
            match &face.landmarks {
                Some(points) => {
                    let oval = region(points, &FACE_OVAL);
                    masks.fill(MaskChannel::Face, &oval, 255);
                    masks.fill(MaskChannel::Skin, &oval, 255);
                    for hole in [&LEFT_EYE[..], &RIGHT_EYE, &LEFT_BROW, &RIGHT_BROW, &LIPS] {
                        masks.fill(MaskChannel::Skin, &region(points, hole), 0);
                    }
                }
                None => {
                    let ellipse = ellipse_in(&face);
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
        masks
    }

    /// One channel's values.
    pub fn channel(&self, channel: MaskChannel) -> Vec<u8> {
        self.rgba
            .chunks_exact(4)
            .map(|px| px[channel as usize])
            .collect()
    }

    /// The share of the grid where `channel` is above one half.
    pub fn coverage(&self, channel: MaskChannel) -> f32 {
        let on = self
            .rgba
            .chunks_exact(4)
            .filter(|px| px[channel as usize] > 127)
            .count();
        on as f32 / (self.width * self.height).max(1) as f32
    }

    /// Sets `channel` to `value` inside `polygon` (mask pixels).
    fn fill(&mut self, channel: MaskChannel, polygon: &[[f32; 2]], value: u8) {
        let width = self.width as usize;
        for y in 0..self.height as usize {
            let cy = y as f32 + 0.5;
            let mut crossings: Vec<f32> = polygon
                .iter()
                .zip(polygon.iter().cycle().skip(1))
                .filter(|(a, b)| (a[1] <= cy) != (b[1] <= cy))
                .map(|(a, b)| a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]))
                .collect();
            crossings.sort_by(f32::total_cmp);
            for span in crossings.chunks_exact(2) {
                // Pixel centres x + 0.5 inside [span0, span1).
                let start = (span[0] - 0.5).ceil().max(0.0) as usize;
                let end = ((span[1] - 0.5).ceil().max(0.0) as usize).min(width);
                for x in start..end {
                    self.rgba[(y * width + x) * 4 + channel as usize] = value;
                }
            }
        }
    }

    fn resample(&mut self, channel: MaskChannel, field: &Field) {
        let (w, h) = (self.width as usize, self.height as usize);
        for y in 0..h {
            let fy = ((y * field.height) / h).min(field.height - 1);
            for x in 0..w {
                let fx = ((x * field.width) / w).min(field.width - 1);
                let v = field.values[fy * field.width + fx];
                self.rgba[(y * w + x) * 4 + channel as usize] =
                    (v.clamp(0.0, 1.0) * 255.0).round() as u8;
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
