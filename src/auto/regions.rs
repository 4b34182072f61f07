//! Where on the picture a proposal looks: everywhere, only skin, only the
//! person or only the background, from the analysis models' masks.
//!
//! How it works: the frame is downscaled as the engine's analysis copy is
//! (longest side [`COPY_LONGEST`]), the models run once on it
//! ([`Analyzer`]: face detector and Face Mesh for skin, the person matte for
//! person and background), and the masks they draw are read at each
//! sample's place (nearest mask texel). A model that cannot run is an error
//! naming it: a region asked for is never silently the whole picture.

use crate::analysis::picture::{copy_size, downscaled_rgba8, RgbPicture};
use crate::analysis::{AnalysisInput, Analyzer, AnalyzerSettings};
use crate::frame::{Frame, FrameId};
use crate::masks::{MaskChannel, MaskSet};

/// Longest side of the picture the models see (the engine's default).
pub const COPY_LONGEST: u32 = 640;

/// Which part of the picture to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    All,
    Skin,
    Person,
    Background,
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Region, String> {
        match s {
            "all" => Ok(Region::All),
            "skin" => Ok(Region::Skin),
            "person" => Ok(Region::Person),
            "background" => Ok(Region::Background),
            other => Err(format!(
                "region {other:?}: expected all, skin, person or background"
            )),
        }
    }
}

/// A region's weights over a frame (0..1), read at picture fractions.
pub struct RegionMask {
    masks: Option<MaskSet>,
    region: Region,
}

/// The models a region needs could not run: what each said.
#[derive(Debug, thiserror::Error)]
#[error("{0}; `neurograde models verify` says what to fetch")]
pub struct ModelsMissing(pub String);

impl RegionMask {
    /// The whole picture.
    pub fn all() -> RegionMask {
        RegionMask {
            masks: None,
            region: Region::All,
        }
    }

    /// Runs the models `region` needs on `frame`.
    pub fn of_frame(frame: &Frame, region: Region) -> Result<RegionMask, ModelsMissing> {
        if region == Region::All {
            return Ok(RegionMask::all());
        }
        let skin = region == Region::Skin;
        let settings = AnalyzerSettings {
            faces: skin,
            face_mesh: skin,
            matte: !skin,
            depth: false,
            detect_every: 1,
            smoothing: false,
            ..AnalyzerSettings::default()
        };
        let mut analyzer = Analyzer::open(settings);
        if !analyzer.problems.is_empty() {
            return Err(ModelsMissing(analyzer.problems.join("; ")));
        }
        let (w, h) = copy_size(frame.width, frame.height, COPY_LONGEST);
        let rgba = downscaled_rgba8(frame.width, frame.height, w, h, |x, y| frame.pixel(x, y));
        let analysis = analyzer.analyse(&AnalysisInput {
            frame: FrameId(0),
            captured: frame.captured,
            frame_size: [frame.width, frame.height],
            picture: RgbPicture::from_rgba8(w, h, &rgba),
            object_point: None,
        });
        Ok(RegionMask {
            masks: Some(analysis.masks(&analysis.faces)),
            region,
        })
    }

    /// The share of the picture in the region (weight above one half).
    pub fn coverage(&self) -> f32 {
        match (&self.masks, self.region) {
            (None, _) | (_, Region::All) => 1.0,
            (Some(m), Region::Skin) => m.coverage(MaskChannel::Skin),
            (Some(m), Region::Person) => m.coverage(MaskChannel::Person),
            (Some(m), Region::Background) => 1.0 - m.coverage(MaskChannel::Person),
        }
    }

    /// The weight at picture fractions (u, v), 0..1.
    pub fn at(&self, u: f32, v: f32) -> f32 {
        let Some(m) = &self.masks else {
            return 1.0;
        };
        let x = ((u * m.width as f32) as u32).min(m.width - 1);
        let y = ((v * m.height as f32) as u32).min(m.height - 1);
        let texel = |c: MaskChannel| f32::from(m.value(x, y, c)) / 255.0;
        match self.region {
            Region::All => 1.0,
            Region::Skin => texel(MaskChannel::Skin),
            Region::Person => texel(MaskChannel::Person),
            Region::Background => 1.0 - texel(MaskChannel::Person),
        }
    }
}

/// The code values of `frame` at an even spread of about `count` pixels
/// inside `region` (weight above one half).
pub fn sample_codes(frame: &Frame, region: &RegionMask, count: usize) -> Vec<[f32; 3]> {
    let pixels = frame.width as usize * frame.height as usize;
    let step = ((pixels as f64 / count.max(1) as f64).sqrt().floor() as u32).max(1);
    let mut out = Vec::new();
    for y in (step / 2..frame.height).step_by(step as usize) {
        for x in (step / 2..frame.width).step_by(step as usize) {
            let (u, v) = (
                (x as f32 + 0.5) / frame.width as f32,
                (y as f32 + 0.5) / frame.height as f32,
            );
            if region.at(u, v) > 0.5 {
                let p = frame.pixel(x, y);
                out.push([p[0], p[1], p[2]]);
            }
        }
    }
    out
}

/// The region's weight at the centre of each block of a grid of
/// `columns` x `rows` blocks over the picture.
pub fn block_weights(region: &RegionMask, columns: usize, rows: usize) -> Vec<f32> {
    (0..rows)
        .flat_map(|y| {
            (0..columns).map(move |x| {
                region.at(
                    (x as f32 + 0.5) / columns as f32,
                    (y as f32 + 0.5) / rows as f32,
                )
            })
        })
        .collect()
}
