//! Person matte: MediaPipe selfie segmentation (fast, the default).
//!
//! How it works: the whole picture is stretched to the model's 256 x 256
//! NHWC input; the output is a person probability per cell of the same grid,
//! covering the whole picture, so a cell maps back by scaling alone.
//! [`Matte::at`] samples it at picture coordinates.

use super::picture::RgbPicture;
use super::runtime::{run_on_picture, Runtime};
use super::store::{ModelEntry, ModelStore};
use super::AnalysisError;

/// Person probability (0..1) on a grid spanning the whole picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Matte {
    pub width: usize,
    pub height: usize,
    pub alpha: Vec<f32>,
}

impl Matte {
    /// The share of the picture that is person (alpha above one half).
    pub fn coverage(&self) -> f32 {
        self.alpha.iter().filter(|a| **a > 0.5).count() as f32 / self.alpha.len() as f32
    }

    /// Alpha at a point given in 0..1 of the picture's width and height.
    pub fn at(&self, u: f32, v: f32) -> f32 {
        let x = ((u * self.width as f32) as usize).min(self.width - 1);
        let y = ((v * self.height as f32) as usize).min(self.height - 1);
        self.alpha[y * self.width + x]
    }
}

/// The selfie segmentation model, ready to run.
pub struct PersonSegmenter {
    session: ort::session::Session,
    model: ModelEntry,
}

impl PersonSegmenter {
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        threads: usize,
    ) -> Result<PersonSegmenter, AnalysisError> {
        let (session, model) = runtime.open_named(store, "selfie", threads)?;
        Ok(PersonSegmenter { session, model })
    }

    pub fn segment(&mut self, picture: &RgbPicture) -> Result<Matte, AnalysisError> {
        let (shape, alpha) = run_on_picture(&mut self.session, &self.model, picture)?;
        // [1, height, width, 1]
        let (height, width) = (shape[1] as usize, shape[2] as usize);
        Ok(Matte {
            width,
            height,
            alpha,
        })
    }
}
