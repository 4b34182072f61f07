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

/// Robust Video Matting (Lin et al., "Robust High-Resolution Video Matting
/// with Temporal Guidance", WACV 2022; MobileNetV3, GPL-3.0 weights,
/// optional): a recurrent matte. Each call feeds back the four recurrent
/// states the previous call returned, so the matte is temporally coherent
/// by construction; [`VideoMatting::reset`] forgets them (a scene cut).
pub struct VideoMatting {
    session: ort::session::Session,
    /// r1..r4 from the last call, and the picture size they belong to.
    state: Option<(Vec<RecurrentState>, (usize, usize))>,
}

/// One recurrent state tensor: shape and values (zeros [1,1,1,1] at start).
type RecurrentState = (Vec<i64>, Vec<f32>);

/// RVM's internal resolution: the long side is scaled to about this.
const RVM_WORKING_SIDE: f32 = 320.0;

impl VideoMatting {
    pub fn open(
        runtime: &Runtime,
        store: &ModelStore,
        threads: usize,
    ) -> Result<VideoMatting, AnalysisError> {
        let (session, _) = runtime.open_named(store, "rvm", threads)?;
        Ok(VideoMatting {
            session,
            state: None,
        })
    }

    /// Forgets the recurrent state.
    pub fn reset(&mut self) {
        self.state = None;
    }

    /// The matte of `picture`, at its own size.
    pub fn matte(&mut self, picture: &RgbPicture) -> Result<Matte, AnalysisError> {
        let model_error = |e: ort::Error| AnalysisError::Model {
            path: "rvm".into(),
            message: e.to_string(),
        };
        let (w, h) = (picture.width as usize, picture.height as usize);
        let mut src = vec![0.0f32; 3 * w * h];
        for (i, px) in picture.data.chunks_exact(3).enumerate() {
            for c in 0..3 {
                src[c * w * h + i] = px[c];
            }
        }
        let tensor = |shape: Vec<i64>, data: Vec<f32>| {
            let shape: Vec<usize> = shape.iter().map(|d| *d as usize).collect();
            ort::value::Tensor::from_array((shape, data.into_boxed_slice())).map_err(model_error)
        };
        // A state of another picture size cannot be carried over.
        let state = match self.state.take() {
            Some((state, size)) if size == (w, h) => state,
            _ => vec![(vec![1, 1, 1, 1], vec![0.0]); 4],
        };
        let mut states = state.into_iter().map(|(s, d)| tensor(s, d));
        let ratio = (RVM_WORKING_SIDE / w.max(h) as f32).min(1.0);
        let outputs = self
            .session
            .run(ort::inputs![
                "src" => tensor(vec![1, 3, h as i64, w as i64], src)?,
                "r1i" => states.next().expect("four states")?,
                "r2i" => states.next().expect("four states")?,
                "r3i" => states.next().expect("four states")?,
                "r4i" => states.next().expect("four states")?,
                "downsample_ratio" => tensor(vec![1], vec![ratio])?,
            ])
            .map_err(model_error)?;
        let mut next = Vec::new();
        for name in ["r1o", "r2o", "r3o", "r4o"] {
            let (shape, values) = outputs[name]
                .try_extract_tensor::<f32>()
                .map_err(model_error)?;
            next.push((shape.iter().copied().collect(), values.to_vec()));
        }
        let (_, alpha) = outputs["pha"]
            .try_extract_tensor::<f32>()
            .map_err(model_error)?;
        let alpha = alpha.to_vec();
        self.state = Some((next, (w, h)));
        Ok(Matte {
            width: w,
            height: h,
            alpha,
        })
    }
}
