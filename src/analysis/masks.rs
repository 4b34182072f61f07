//! Masks drawn from an analysis: face, skin, person and depth, the face's
//! parts (eyes, lips, under the eyes, where skin shines) and the object
//! pointed at, one 8-bit channel each, in RGBA layers: the layout the GPU
//! mask texture takes.
//!
//! How it works: faces are filled polygons, scanline by scanline (even-odd
//! rule at pixel centres): the Face Mesh oval when landmarks exist, else the
//! ellipse inside the detector's box. Skin is the oval with the eyes, brows
//! and lips cut out; the parts are the Face Mesh regions
//! ([`FaceRegions`]), drawn only where landmarks exist. Person is the
//! (smoothed) matte and depth the normalised depth (1 = nearest), both
//! resampled to the mask grid. Layer 0 ([`MaskSet::rgba`]): R face, G skin,
//! B person, A depth; layer 1 ([`MaskSet::parts`]): R eyes, G lips, B under
//! the eyes, A shine; layer 2 ([`MaskSet::objects`]): R the object, G the
//! face number ([`face_code`] of the track whose face covers the texel, 0
//! where none does), which narrows a secondary's face masks to one face.

use super::mesh::{
    region, FaceRegions, FACE_OVAL, LEFT_BROW, LEFT_EYE, LIPS, RIGHT_BROW, RIGHT_EYE,
};
use super::object::ObjectMask;
use super::tracker::TrackedFace;

/// The channel of each mask: 0..3 in [`MaskSet::rgba`], 4..7 in
/// [`MaskSet::parts`], 8 in [`MaskSet::objects`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskChannel {
    Face = 0,
    Skin = 1,
    Person = 2,
    Depth = 3,
    Eyes = 4,
    Lips = 5,
    UnderEyes = 6,
    Shine = 7,
    Object = 8,
}

/// How many mask channels there are.
pub const MASK_CHANNELS: usize = 9;

impl MaskChannel {
    /// Whether it is drawn from the faces (and so belongs to one face or
    /// another): face, skin and the face's parts.
    pub fn follows_faces(self) -> bool {
        !matches!(
            self,
            MaskChannel::Person | MaskChannel::Depth | MaskChannel::Object
        )
    }

    pub const ALL: [MaskChannel; MASK_CHANNELS] = [
        MaskChannel::Face,
        MaskChannel::Skin,
        MaskChannel::Person,
        MaskChannel::Depth,
        MaskChannel::Eyes,
        MaskChannel::Lips,
        MaskChannel::UnderEyes,
        MaskChannel::Shine,
        MaskChannel::Object,
    ];
}

/// The byte that marks a face track's texels in the face-number layer:
/// 1..=255 from the track id (`id mod 255 + 1`; 0 is no face). Two faces on
/// screen at once share a byte only when their ids are 255 apart. The
/// secondaries' `face` key compares against the same byte (GPU and CPU).
pub fn face_code(track_id: u32) -> u8 {
    (track_id % 255) as u8 + 1
}

/// A byte of a texel: a mask channel, or the face number.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Channel(MaskChannel),
    FaceCode,
}

impl From<MaskChannel> for Slot {
    fn from(channel: MaskChannel) -> Slot {
        Slot::Channel(channel)
    }
}

/// Nine masks on one grid, in three RGBA layers, and the picture they were
/// made from.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskSet {
    pub width: u32,
    pub height: u32,
    /// Face, skin, person, depth: four bytes a texel, row by row.
    pub rgba: Vec<u8>,
    /// Eyes, lips, under the eyes, shine: the same layout.
    pub parts: Vec<u8>,
    /// The object pointed at (R), the face number of each texel (G; see
    /// [`face_code`]; B, A unused): the same layout.
    pub objects: Vec<u8>,
    /// The picture the masks were made from, RGBA8 (alpha unused): the
    /// guide of matte refinement (`grade::refine`).
    pub guide: Vec<u8>,
    /// Which channels the analysis made (by [`MaskChannel`]): a person
    /// matte or depth the run has no model for is absent, not empty.
    pub present: [bool; MASK_CHANNELS],
}

/// A grid of values (0..1) covering the whole picture.
pub struct Field<'a> {
    pub width: usize,
    pub height: usize,
    pub values: &'a [f32],
}

impl MaskSet {
    pub fn empty(width: u32, height: u32) -> MaskSet {
        let bytes = width as usize * height as usize * 4;
        MaskSet {
            width,
            height,
            rgba: vec![0; bytes],
            parts: vec![0; bytes],
            objects: vec![0; bytes],
            guide: vec![0; bytes],
            present: [true; MASK_CHANNELS],
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

    /// The layer a channel (or the face number) lives in and its byte
    /// within a texel.
    fn layer(&self, slot: impl Into<Slot>) -> (&[u8], usize) {
        match slot.into() {
            Slot::Channel(channel) => match channel as usize {
                c @ 0..4 => (&self.rgba, c),
                c @ 4..8 => (&self.parts, c - 4),
                c => (&self.objects, c - 8),
            },
            Slot::FaceCode => (&self.objects, 1),
        }
    }

    fn layer_mut(&mut self, slot: impl Into<Slot>) -> (&mut [u8], usize) {
        match slot.into() {
            Slot::Channel(channel) => match channel as usize {
                c @ 0..4 => (&mut self.rgba, c),
                c @ 4..8 => (&mut self.parts, c - 4),
                c => (&mut self.objects, c - 8),
            },
            Slot::FaceCode => (&mut self.objects, 1),
        }
    }

    /// The face number at texel `(x, y)`: the [`face_code`] of the face
    /// covering it, 0 where none does.
    pub fn face_code_at(&self, x: u32, y: u32) -> u8 {
        let (layer, byte) = self.layer(Slot::FaceCode);
        layer[(y * self.width + x) as usize * 4 + byte]
    }

    /// The value of `channel` at texel `(x, y)`.
    pub fn value(&self, x: u32, y: u32, channel: MaskChannel) -> u8 {
        let (layer, byte) = self.layer(channel);
        layer[(y * self.width + x) as usize * 4 + byte]
    }

    /// One channel's values, row by row.
    pub fn channel(&self, channel: MaskChannel) -> Vec<u8> {
        let (layer, byte) = self.layer(channel);
        layer.chunks_exact(4).map(|px| px[byte]).collect()
    }

    /// Clears `channel` and marks it absent (a mask the operator muted).
    pub fn remove(&mut self, channel: MaskChannel) {
        self.present[channel as usize] = false;
        let (layer, byte) = self.layer_mut(channel);
        for texel in layer.chunks_exact_mut(4) {
            texel[byte] = 0;
        }
    }

    /// The share of the grid where `channel` is above one half.
    pub fn coverage(&self, channel: MaskChannel) -> f32 {
        let on = self.channel(channel).iter().filter(|v| **v > 127).count();
        on as f32 / (self.width * self.height).max(1) as f32
    }

    /// Keeps `channel` only where `within` is set too.
    fn intersect(&mut self, channel: MaskChannel, within: MaskChannel) {
        let keep = self.channel(within);
        let (layer, byte) = self.layer_mut(channel);
        for (texel, k) in layer.chunks_exact_mut(4).zip(keep) {
            texel[byte] = texel[byte].min(k);
        }
    }

    /// Sets `slot` to `value` inside `polygon` (mask pixels).
    fn fill(&mut self, slot: impl Into<Slot>, polygon: &[[f32; 2]], value: u8) {
        let width = self.width as usize;
        let height = self.height as usize;
        let (layer, byte) = self.layer_mut(slot);
        for y in 0..height {
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
                    layer[(y * width + x) * 4 + byte] = value;
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
                let (layer, byte) = self.layer_mut(channel);
                layer[(y * w + x) * 4 + byte] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
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
