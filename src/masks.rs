//! Mask data: the masks an analysis draws (face, skin, person, depth, the
//! face's parts, the object pointed at), one 8-bit channel each, in RGBA
//! layers: the layout the GPU mask texture takes. A leaf below the grade
//! (which keys secondaries from them) and the analysis (which draws them,
//! `analysis::masks`).
//!
//! How it works: layer 0 ([`MaskSet::rgba`]): R face, G skin, B person, A
//! depth; layer 1 ([`MaskSet::parts`]): R eyes, G lips, B under the eyes, A
//! shine; layer 2 ([`MaskSet::objects`]): R the object, G the face number
//! ([`face_code`] of the track whose face covers the texel, 0 where none
//! does), which narrows a secondary's face masks to one face. The analysis
//! fills the channels with [`MaskSet::fill`] (polygons, scanline by
//! scanline, even-odd rule at pixel centres) and [`MaskSet::resample`]
//! (a field of values on another grid).

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

impl MaskChannel {
    /// The analyses that make this channel: the one rule of which mask
    /// needs which model (the face's parts need the face mesh besides the
    /// detector).
    pub fn made_by(self) -> &'static [AnalysisModel] {
        use AnalysisModel as M;
        match self {
            MaskChannel::Face | MaskChannel::Skin => &[M::Faces],
            MaskChannel::Eyes | MaskChannel::Lips | MaskChannel::UnderEyes | MaskChannel::Shine => {
                &[M::Faces, M::Mesh]
            }
            MaskChannel::Person => &[M::Matte],
            MaskChannel::Depth => &[M::Depth],
            MaskChannel::Object => &[M::Object],
        }
    }
}

/// The analyses, as `[analysis] models` and `--analysis-models` name them;
/// each makes some of the masks ([`MaskChannel::made_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisModel {
    /// The face detector (BlazeFace).
    Faces,
    /// Face Mesh landmarks, the face's parts, head pose.
    Mesh,
    /// The person matte.
    Matte,
    /// Depth.
    Depth,
    /// The object pointed at.
    Object,
}

impl AnalysisModel {
    pub const ALL: [AnalysisModel; 5] = [
        AnalysisModel::Faces,
        AnalysisModel::Mesh,
        AnalysisModel::Matte,
        AnalysisModel::Depth,
        AnalysisModel::Object,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AnalysisModel::Faces => "faces",
            AnalysisModel::Mesh => "mesh",
            AnalysisModel::Matte => "matte",
            AnalysisModel::Depth => "depth",
            AnalysisModel::Object => "object",
        }
    }
}

impl std::str::FromStr for AnalysisModel {
    type Err = String;
    fn from_str(s: &str) -> Result<AnalysisModel, String> {
        AnalysisModel::ALL
            .into_iter()
            .find(|m| m.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = AnalysisModel::ALL.iter().map(|m| m.name()).collect();
                format!("analysis `{s}`: expected any of {}", names.join(", "))
            })
    }
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
pub(crate) enum Slot {
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

    pub(crate) fn layer_mut(&mut self, slot: impl Into<Slot>) -> (&mut [u8], usize) {
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
    pub(crate) fn intersect(&mut self, channel: MaskChannel, within: MaskChannel) {
        let keep = self.channel(within);
        let (layer, byte) = self.layer_mut(channel);
        for (texel, k) in layer.chunks_exact_mut(4).zip(keep) {
            texel[byte] = texel[byte].min(k);
        }
    }

    /// Sets `slot` to `value` inside `polygon` (mask pixels).
    pub(crate) fn fill(&mut self, slot: impl Into<Slot>, polygon: &[[f32; 2]], value: u8) {
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

    pub(crate) fn resample(&mut self, channel: MaskChannel, field: &Field) {
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

/// Bilinear interpolation between texel centres with clamped edges, of a
/// `width` x `height` grid of four-channel texels at `uv` (0..1). CPU twin
/// of `bilinear_taps` and `bilinear_mix` in shaders/bilinear.wgsl
/// (`weights_at` in shaders/grade.wgsl).
pub fn bilinear(
    width: u32,
    height: u32,
    texel: impl Fn(u32, u32) -> [f32; 4],
    uv: [f32; 2],
) -> [f32; 4] {
    let x = uv[0] * width as f32 - 0.5;
    let y = uv[1] * height as f32 - 0.5;
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let clamp = |v: f32, n: u32| (v as i64).clamp(0, i64::from(n) - 1) as u32;
    let (lx, hx) = (clamp(x0, width), clamp(x0 + 1.0, width));
    let (ly, hy) = (clamp(y0, height), clamp(y0 + 1.0, height));
    let (a, b, c, d) = (texel(lx, ly), texel(hx, ly), texel(lx, hy), texel(hx, hy));
    [0, 1, 2, 3].map(|i| {
        let top = a[i] * (1.0 - fx) + b[i] * fx;
        let bottom = c[i] * (1.0 - fx) + d[i] * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

/// WGSL's `pack4x8unorm` then `unpack4x8unorm` of one value: the nearest of
/// the 256 steps from 0 to 1.
pub fn unorm8(v: f32) -> f32 {
    (0.5 + 255.0 * v.clamp(0.0, 1.0)).floor() / 255.0
}
