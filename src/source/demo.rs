//! The embedded default source: real footage, so the demo shows faces and
//! people.
//!
//! How it works: the demo alternates two shots, each `SHOT_SECONDS` long: a
//! virtual camera moving over `astronaut.png` (a portrait; pan, zoom, exposure
//! drift, noise), then `vtest.avi` (people walking), scaled by ffmpeg to the
//! requested size. The cut between them is a real scene cut, which the
//! analysis work uses. Both files are fetched by `scripts/setup`.

use super::file::{Decode, FileSource};
use super::still_file::load_still;
use super::virtual_camera::VirtualCamera;
use super::{sized, Pacing, Source, SourceError, SourceOptions};
use crate::assets;
use crate::frame::{Frame, FrameId, PixelFormat, Size, YuvEncoding};
use std::path::PathBuf;
use std::time::Instant;

/// Where the portrait's face is, as fractions of its width and height: the
/// virtual camera pushes in on it.
const PORTRAIT_FACE: (f64, f64) = (0.45, 0.22);

/// Length of each shot of the demo, in seconds of footage.
pub const SHOT_SECONDS: f64 = 6.0;

/// Paths of the demo footage, or an error naming the first missing file.
pub fn footage() -> Result<(PathBuf, PathBuf), SourceError> {
    let portrait = assets::footage("astronaut.png");
    let street = assets::footage("vtest.avi");
    for path in [&portrait, &street] {
        if !path.exists() {
            return Err(SourceError::DemoFootageMissing { path: path.clone() });
        }
    }
    Ok((portrait, street))
}

enum Shot {
    Portrait,
    Street,
}

pub struct DemoSource {
    camera: VirtualCamera,
    street: FileSource,
    size: Size,
    fps: f64,
    shot: Shot,
    /// Frames into the current shot.
    shot_frame: u64,
    next_id: u64,
}

impl DemoSource {
    pub fn open(options: &SourceOptions) -> Result<DemoSource, SourceError> {
        let (portrait_path, street_path) = footage()?;
        let still = load_still(&portrait_path)?;
        let rgb = if still.format == PixelFormat::Rgb8 {
            still.data
        } else {
            return Err(SourceError::Unreadable {
                path: portrait_path,
                what: "the demo portrait",
                message: format!("expected 8-bit RGB, found {:?}", still.format),
            });
        };
        let looping = SourceOptions {
            looping: true,
            ..options.clone()
        };
        Ok(DemoSource {
            camera: VirtualCamera::new(still.width, still.height, rgb, PORTRAIT_FACE),
            street: FileSource::open(&street_path, &looping, Some(options.size), Decode::Rgb8)?,
            size: options.size,
            fps: options.fps,
            shot: Shot::Portrait,
            shot_frame: 0,
            next_id: 0,
        })
    }

    fn shot_length(&self) -> u64 {
        (SHOT_SECONDS * self.fps).round().max(1.0) as u64
    }
}

impl Source for DemoSource {
    fn describe(&self) -> String {
        format!(
            "demo (astronaut.png virtual camera / vtest.avi): {} RGB8 @ {} fps",
            self.size, self.fps
        )
    }

    fn pacing(&self) -> Pacing {
        Pacing::Clock { fps: self.fps }
    }

    fn next_frame(&mut self, buffer: Vec<u8>) -> Result<Option<Frame>, SourceError> {
        if self.shot_frame == self.shot_length() {
            self.shot = match self.shot {
                Shot::Portrait => Shot::Street,
                Shot::Street => Shot::Portrait,
            };
            self.shot_frame = 0;
        }
        let (w, h) = (self.size.width, self.size.height);
        let data = match self.shot {
            Shot::Portrait => {
                let mut data = sized(buffer, PixelFormat::Rgb8.frame_bytes(w, h));
                let t = self.next_id as f64 / self.fps;
                self.camera.render(self.next_id, t, w, h, &mut data);
                data
            }
            Shot::Street => match self.street.next_frame(buffer)? {
                Some(frame) => frame.data,
                None => return Ok(None),
            },
        };
        self.shot_frame += 1;
        let frame = Frame {
            id: FrameId(self.next_id),
            captured: Instant::now(),
            width: w,
            height: h,
            format: PixelFormat::Rgb8,
            yuv: YuvEncoding::for_height(h),
            data,
        };
        self.next_id += 1;
        Ok(Some(frame))
    }
}
